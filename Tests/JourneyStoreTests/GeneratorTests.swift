import Testing
@testable import JourneyStore

@Suite struct GeneratorTests {
    static func generate(customers: Int = 500, events: Int = 20_000, seed: UInt64 = 7) throws -> ([UInt8], EventGenerator.Summary) {
        var generator = try EventGenerator(customers: customers, events: events, seed: seed)
        var bytes: [UInt8] = []
        let summary = generator.write { bytes.append(contentsOf: $0) }
        return (bytes, summary)
    }

    @Test func theSameSeedGivesTheSameBytes() throws {
        let (a, _) = try Self.generate()
        let (b, _) = try Self.generate()
        let (c, _) = try Self.generate(seed: 8)
        #expect(a == b)
        #expect(a != c)
    }

    @Test func exactlyTheAskedNumberOfLines() throws {
        for events in [0, 1, 7, 1000] {
            let (bytes, summary) = try Self.generate(customers: 10, events: events)
            #expect(bytes.filter { $0 == 10 }.count == events)
            #expect(summary.lines == events)
        }
    }

    @Test func theOutputIngestsWithTheExpectedCounts() throws {
        let (bytes, summary) = try Self.generate()
        let t = try TemporaryStore()
        let report = try t.store.ingestJSONL(bytes)
        #expect(report.rejected == 0)
        #expect(report.duplicates == summary.duplicates)
        #expect(report.appended + report.duplicates == 20_000)
        #expect(summary.duplicates > 100 && summary.duplicates < 400, "about 1 % duplicates")
        #expect(summary.late > 200 && summary.late < 600, "about 2 % late")
        #expect(Set(summary.byType.keys) == Set(EventType.allCases))
        #expect(summary.byType.values.reduce(0, +) == report.appended)
        #expect(try t.store.verify().isConsistent)
    }

    @Test func lateEventsArriveAfterLaterOnes() throws {
        let (bytes, _) = try Self.generate(customers: 100, events: 5000)
        let t = try TemporaryStore()
        _ = try t.store.ingestJSONL(bytes)
        // Reading the log in arrival order, some events are older than one before them.
        var newest = Int64.min, late = 0
        try t.store.env.read { txn in
            try t.store.schema.events.forEach(in: txn) { _, value in
                let time = try EventRecord(value).time
                if time < newest { late += 1 } else { newest = time }
                return true
            }
        }
        #expect(late > 0)
    }

    @Test func spendIsConcentratedInTheTopBuyers() throws {
        let (bytes, _) = try Self.generate(customers: 2000, events: 60_000)
        let t = try TemporaryStore()
        _ = try t.store.ingestJSONL(bytes)
        let stats = try t.store.read { try $0.stats() }
        #expect(stats.buyers > 300)
        #expect((stats.top20RevenueShare ?? 0) > 0.5, "the top 20 % of buyers bring most revenue")
        #expect(stats.phases[.lapsed, default: 0] > 0 && stats.phases[.active, default: 0] > 0)
        #expect(stats.repeatGaps > 0)
    }
}
