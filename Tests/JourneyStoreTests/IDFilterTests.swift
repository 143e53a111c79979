import Testing
@testable import JourneyStore
@_spi(Storage) import JourneyStorage

/// The writer's filter of stored ids: never "certainly new" for a stored id, whichever process stored it.
@Suite struct IDFilterTests {
    /// The same events as JSONL, for another process (`journey ingest -`).
    static func viewLines(_ ids: Range<Int>) -> String {
        ids.map { #"{"id":"v\#($0)","type":"product_view","customer":"c","time":\#(1000 + $0),"product":"p\#($0 % 7)","category":"cat"}"# }
            .joined(separator: "\n") + "\n"
    }

    /// Appends through another process: a second store object in this process would open the LMDB
    /// environment twice, which LMDB does not support.
    static func appendInAnotherProcess(_ path: String, _ ids: Range<Int>) throws {
        let result = try journey("--store", path, "ingest", "-", stdin: viewLines(ids))
        #expect(result.status == 0, "\(result.stderr)")
    }

    static func views(_ ids: Range<Int>, customer: String = "c") -> [Event] {
        ids.map { Event(id: "v\($0)", customer: customer, time: Timestamp(millisecondsSinceEpoch: 1000 + Int64($0)),
                        payload: .productView(product: "p\($0 % 7)", category: "cat")) }
    }

    @Test func storedIdsAreAlwaysMaybeAndFewNewOnesAre() throws {
        let t = try TemporaryStore()
        _ = try t.store.append(Self.views(0..<20_000))
        var rng = SeededRandom(seed: 5)
        let (stored, falsePositives) = try t.store.log.writer!.withLock { (w: inout LogWriter) -> (Bool, Int) in
            #expect(w.idFilter.isActive, "a batch into an empty store makes a filter")
            let all = (0..<20_000).allSatisfy { w.idFilter.mayContain(Array("v\($0)".utf8).withUnsafeBytes { stableHash64($0) }) }
            let unseen = (0..<20_000).filter { _ in w.idFilter.mayContain(rng.next()) }.count
            return (all, unseen)
        }
        #expect(stored)
        #expect(falsePositives < 20_000 / 20, "\(falsePositives) of 20,000 new ids to look up")
    }

    @Test func smallBatchesIntoALargeLogMakeAFilterOnceTheirLookupsAddUp() throws {
        let t = try TemporaryStore()
        // 3,200 events stored by another process: this writer has no filter for them.
        try Self.appendInAnotherProcess(t.path, 0..<3_200)
        func filter() throws -> (active: Bool, fills: Int) { try t.store.log.writer!.withLock { ($0.idFilter.isActive, $0.idFilter.fills) } }
        // 50 ids a batch: 50 and 100 looked up are below 1/32 of the log, 150 reach it.
        #expect(try t.store.append(Self.views(3_200..<3_250)).appended == 50)
        #expect(try filter().active == false, "one small batch looks its ids up")
        #expect(try t.store.append(Self.views(3_250..<3_300)).appended == 50)
        #expect(try filter().active == false)
        #expect(try t.store.append(Self.views(3_300..<3_350)).appended == 50)
        #expect(try filter() == (true, 1), "the third batch's lookups would add up to 150 × 32 ≥ 3,300: it fills a filter")
        // The filter holds the other process's ids: they are still found as duplicates.
        let again = try t.store.append(Self.views(3_100..<3_400))
        #expect(again.duplicates == 250 && again.appended == 50)
        #expect(try t.store.verify().isConsistent)
    }

    @Test func idsAnotherProcessStoredAreFound() throws {
        let t = try TemporaryStore()
        let a = t.store
        _ = try a.append(Self.views(0..<1_000))
        // Another process (its own writer and filter) appends ids `a` has not seen.
        try Self.appendInAnotherProcess(t.path, 1_000..<1_500)
        let report = try a.append(Self.views(900..<1_600))
        #expect(report.duplicates == 600, "ids 900..<1500 are stored")
        #expect(report.appended == 100)
        #expect(try a.log.writer!.withLock { $0.idFilter.idsReadFromLog } == 500, "the other process's events, read once")
        #expect(try a.verify().isConsistent)
    }

    @Test func anAbortedAppendLeavesNoHoleAtItsSequences() throws {
        let t = try TemporaryStore()
        let a = t.store
        _ = try a.append(Self.views(0..<1_000))
        // An append that fails on its last event: the ids before it reached the filter, not the log.
        var failing = Self.views(2_000..<2_300)
        failing.append(Event(id: "bad", customer: "", time: Timestamp(millisecondsSinceEpoch: 0), payload: .emailOpen(campaign: nil)))
        #expect(throws: JourneyError.self) { _ = try a.append(failing) }
        // Another process takes those sequence numbers with other ids.
        try Self.appendInAnotherProcess(t.path, 5_000..<5_300)
        #expect(try a.append(Self.views(5_000..<5_300)).duplicates == 300)
        #expect(try a.append(Self.views(2_000..<2_300)).appended == 300)
    }

    @Test func aRollBackRefillsTheFilter() throws {
        let t = try TemporaryStore()
        let store = t.store
        _ = try store.append(Self.views(0..<100))
        // A large file interrupted after its first transaction, then rolled back by the next write.
        var options = LargeIngestTests.small
        options.failAfterTransactions = 1
        #expect(throws: JourneyError.self) { _ = try store.ingestJSONL(try LargeIngestTests.generated(), options: options) }
        #expect(try store.log.writer!.withLock { $0.idFilter.fills } >= 2, "the roll-back made the writer refill its filter")
        #expect(try store.append(Self.views(50..<150)).duplicates == 50)
        #expect(try store.ingestJSONL(try LargeIngestTests.generated(), options: LargeIngestTests.small).rejected == 0)
        #expect(try store.verify().isConsistent)
    }
}
