import Testing
import LMDB
@testable import JourneyStore
@_spi(Storage) import JourneyStorage

@Suite struct IngestTests {
    static let lines = """
    {"id":"e1","type":"signup","customer":"c1","time":"2026-03-01T09:00:00Z","email":"ana@example.com"}
    {"id":"e2","type":"product_view","customer":"c1","time":"2026-03-01T09:05:00Z","product":"p1","category":"cameras"}
    {"id":"e3","type":"purchase","customer":"c1","time":"2026-03-01T09:10:00Z","order":"o1","items":[{"product":"p1","category":"cameras","price":"199.00"}]}
    {"id":"e4","type":"email_open","customer":"c2","time":"2026-03-02T08:00:00Z","campaign":"spring"}

    """

    @Test func reingestingTheSameFileAppendsNothing() throws {
        let t = try TemporaryStore()
        let first = try t.store.ingest(Self.lines)
        #expect(first.appended == 4)
        #expect(first.duplicates == 0)
        let second = try t.store.ingest(Self.lines)
        #expect(second.appended == 0)
        #expect(second.duplicates == 4)
        #expect(second.events == 4)
        #expect(try t.store.events(of: "c1").count == 3)
    }

    /// Lines are scanned on a second thread in groups of 512: errors and rejections still come by
    /// line number, in order, across groups (blank lines counted).
    @Test func badLinesAcrossScanGroupsAreReportedByNumber() throws {
        var lines: [String] = []
        for k in 1...2000 {
            switch k {
            case 700: lines.append(#"{"id":"x700","type":"purchase","customer":"c1","time":"2026-03-01T09:10:00Z","items":[]}"#)
            case 1500: lines.append(#"{"id":"x1500","type":"signup","customer":"c2","time":"yesterday"}"#)
            case 1000: lines.append("")
            default: lines.append(#"{"id":"e\#(k)","type":"email_open","customer":"c\#(k % 37)","time":\#(1_770_000_000_000 + k)}"#)
            }
        }
        let text = lines.joined(separator: "\n") + "\n"
        let t = try TemporaryStore()
        #expect {
            try t.store.ingest(text)
        } throws: { error in
            (error as? JourneyError)?.message.hasPrefix("line 700: order: expected an order id") == true
        }
        #expect(try t.store.eventCount == 0)
        let report = try t.store.ingest(text, skipInvalid: true)
        #expect(report.appended == 1997)
        #expect(report.rejections.map(\.line) == [700, 1500])
        #expect(report.rejections[1].reason.hasPrefix("time:"))
        #expect(try t.store.eventCount == 1997)
        #expect(try t.store.verify().isConsistent)
    }

    @Test func aLineTooLongNamesItsNumberAndCommitsNothing() throws {
        let long = #"{"id":"e2","type":"signup","customer":"c1","time":1,"city":""# + String(repeating: "x", count: Limits.lineBytesMax) + #""}"#
        let t = try TemporaryStore()
        #expect {
            try t.store.ingest(Self.lines + long + "\n")
        } throws: { error in
            (error as? JourneyError)?.message == "line 5: longer than \(Limits.lineBytesMax) bytes"
        }
        #expect(try t.store.eventCount == 0)
    }

    @Test func duplicatesWithinOneFileAreSkipped() throws {
        let t = try TemporaryStore()
        let report = try t.store.ingest(Self.lines + Self.lines.split(separator: "\n")[1] + "\n")
        #expect(report.appended == 4)
        #expect(report.duplicates == 1)
    }

    @Test func aBadSecondLineCommitsNothing() throws {
        let t = try TemporaryStore()
        let text = """
        {"id":"e1","type":"signup","customer":"c1","time":"2026-03-01T09:00:00Z"}
        {"id":"e2","type":"purchase","customer":"c1","time":"2026-03-01T09:10:00Z","items":[]}
        {"id":"e3","type":"signup","customer":"c3","time":"2026-03-01T09:00:00Z"}
        """
        #expect(throws: JourneyError.self) { try t.store.ingest(text) }
        #expect(try t.store.eventCount == 0)
        #expect(try t.store.events(of: "c1").isEmpty)
        #expect(try t.store.customerCount == 0, "names of a refused file are not kept")
        // The store still works, and numbering is dense after the refusal.
        #expect(try t.store.ingest(Self.lines).appended == 4)
        #expect(try t.store.customerCount == 2)
    }

    @Test func skipInvalidCommitsTheValidLinesAndReportsTheOthers() throws {
        let t = try TemporaryStore()
        let text = """
        {"id":"e1","type":"signup","customer":"c1","time":"2026-03-01T09:00:00Z"}
        {"id":"e2","type":"refund","customer":"c1","time":"2026-03-01T09:10:00Z","order":"o1"}
        not json
        {"id":"e3","type":"signup","customer":"c3","time":"2026-03-01T09:00:00Z"}
        """
        let report = try t.store.ingest(text, skipInvalid: true)
        #expect(report.appended == 2)
        #expect(report.rejected == 2)
        #expect(report.rejections.map(\.line) == [2, 3])
        #expect(report.rejections[0].reason == "total: expected an amount > 0 (required for refund), found nothing")
        #expect(report.rejections[1].input == "not json")
        #expect(try t.store.eventCount == 2)
    }

    @Test func aReopenedStoreKeepsEventsNamesAndDeduplication() throws {
        let t = try TemporaryStore()
        _ = try t.store.ingest(Self.lines)
        let before = try t.store.events(of: "c1")
        let store = try t.reopen()
        #expect(try store.events(of: "c1") == before)
        let again = try store.ingest(Self.lines + #"{"id":"e5","type":"product_view","customer":"c1","time":"2026-03-03T09:05:00Z","product":"p1"}"#)
        #expect(again.appended == 1)
        #expect(again.duplicates == 4)
        #expect(try store.customerCount == 2, "c1 keeps its number across processes")
    }

    /// A store of another layout version is refused, saying what to do: a newer one needs a newer
    /// journey, an older one (no migration before 1.0) its events ingested into a new store.
    @Test(arguments: [
        (StoreSchema.formatVersion + 1, JourneyError.Code.newerFormat, "upgrade journey"),
        (StoreSchema.formatVersion - 1, JourneyError.Code.olderFormat, "ingest the original event files into a new store"),
    ])
    func aStoreOfAnotherFormatIsRefused(version: UInt32, code: JourneyError.Code, advice: String) throws {
        let t = try TemporaryStore()
        _ = try t.store.ingest(Self.lines)
        try t.store.env.write { txn in try t.store.schema.setMeta(MetaKey.format, version, in: txn) }
        #expect {
            _ = try t.reopen()
        } throws: { error in
            guard let error = error as? JourneyError else { return false }
            return error.code == code && error.message.contains("format version \(version)") && error.message.contains(advice)
        }
    }

    @Test func theCurrencyIsFixedAtCreation() throws {
        let t = try TemporaryStore(options: .init(currency: try Currency(code: "eur")))
        #expect(t.store.currency.code == "EUR")
        #expect(try t.reopen().currency.code == "EUR")
        #expect(throws: JourneyError.self) { _ = try t.reopen(options: .init(currency: .usd)) }
        #expect(throws: JourneyError.self) {
            _ = try t.store.ingest(#"{"id":"e","type":"refund","customer":"c","time":0,"order":"o","total":1,"currency":"USD"}"#)
        }
        let yen = try TemporaryStore(options: .init(currency: try Currency(code: "JPY")))
        _ = try yen.store.ingest(#"{"id":"e","type":"refund","customer":"c","time":0,"order":"o","total":"1500"}"#)
        #expect(try yen.store.events(of: "c").first?.payload == .refund(order: "o", total: Money(minorUnits: 1500)))
    }

    @Test func aMissingStoreIsNotCreatedByReaders() throws {
        let t = try TemporaryStore()
        #expect {
            _ = try JourneyStore(at: t.directory + "/absent", options: .init(createIfMissing: false))
        } throws: { error in
            (error as? JourneyError)?.code == .notFound
        }
    }

    /// Room reserved before the transaction, or (without) the transaction filling the map and
    /// running again after it grows: the same events either way.
    @Test(arguments: [true, false])
    func theMapGrowsPastATinyInitialSize(reserving: Bool) throws {
        let t = try TemporaryStore(options: .init(mapSizeBytesInitial: 256 * 1024))
        var random = RandomEvents(seed: 7, customers: 2000)
        let events = random.events(20_000)
        let text = events.map { $0.jsonLine(currency: .usd) }.joined(separator: "\n")
        var options = IngestOptions()
        options.reservesMap = reserving
        let report = try t.store.ingestJSONL(Array(text.utf8), options: options)
        #expect(report.appended == 20_000)
        #expect(t.store.env.mapSizeBytes > 256 * 1024)
        #expect(try t.reopen().eventCount == 20_000)
    }

    @Test func ingestFromAFileEqualsIngestFromMemory() throws {
        let t = try TemporaryStore()
        var random = RandomEvents(seed: 3)
        let text = random.events(500).map { $0.jsonLine(currency: .usd) }.joined(separator: "\n") + "\n"
        let file = try t.write("events.jsonl", text)
        let report = try t.store.ingestJSONL(atPath: file)
        let other = try TemporaryStore()
        let memory = try other.store.ingest(text)
        #expect(report == memory)
        for c in 0..<20 { #expect(try t.store.events(of: "c\(c)") == other.store.events(of: "c\(c)")) }
    }
}

@Suite struct AppendRetryTests {
    @Test func aSinglePassSequenceSurvivesMapGrowth() throws {
        // A tiny map forces the write to run again; the events come from a one-shot iterator.
        let t = try TemporaryStore(options: .init(mapSizeBytesInitial: 64 * 1024))
        var random = RandomEvents(seed: 17, customers: 200)
        let events = random.events(3000)
        var iterator = events.makeIterator()
        let oneShot = AnySequence { AnyIterator { iterator.next() } }
        let report = try t.store.append(oneShot)
        #expect(report.appended == 3000)
        #expect(try t.store.eventCount == 3000)
        #expect(try t.store.verify().isConsistent)
    }
}
