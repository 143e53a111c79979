import Testing
@testable import JourneyStore
@_spi(Storage) import JourneyStorage

/// Files larger than one transaction: validated first, appended in several transactions, rolled
/// back as a whole when anything fails.
@Suite struct LargeIngestTests {
    static let small = IngestOptions(transactionBytesMax: Limits.lineBytesMax)

    static func generated(_ events: Int = 20_000) throws -> [UInt8] {
        var generator = try EventGenerator(customers: 800, events: events, seed: 3)
        var bytes: [UInt8] = []
        _ = generator.write { bytes.append(contentsOf: $0) }
        return bytes
    }

    static func profiles(_ store: JourneyStore) throws -> [String: String] {
        try store.read { snapshot in
            var out: [String: String] = [:]
            try snapshot.forEachProfile { out[$0.customer] = $0.json(currency: store.currency); return true }
            return out
        }
    }

    /// Two views of products "gone-1" and "gone-2" by customer "half".
    static let gone = ["gone-1", "gone-2"].map { product in
        Event(id: product, customer: "half", time: Timestamp(millisecondsSinceEpoch: 1000),
              payload: .productView(product: product, category: "gone"))
    }

    /// What a crash leaves: the committed first transaction of a large file, with its roll-back marker,
    /// holding `events` (committed by `store`'s own writer, so its caches have seen them).
    static func commitFirstTransactionOfACrashedFile(_ store: JourneyStore, _ events: [Event]) throws {
        try store.log.writer!.withLock { (w: inout LogWriter) in
            try store.env.write { txn in
                var batch = try w.begin(txn)
                try store.log.writeRollBackMarker(sequence: batch.sequence + 1, names: w.names, in: txn)
                var draft = EventDraft()
                for event in events {
                    withUnsafePointer(to: event) { draft.load($0) }
                    try draft.validate(currency: .usd)
                    try withUnsafePointer(to: &draft) { _ = try w.appendDraft($0, &batch) }
                }
                _ = try w.finish(batch)
            }
        }
    }

    @Test func severalTransactionsGiveTheSameStoreAsOne() throws {
        let bytes = try Self.generated()
        #expect(bytes.count > 2 * Limits.lineBytesMax, "the file spans several transactions")
        let one = try TemporaryStore(), many = try TemporaryStore()
        let a = try one.store.ingestJSONL(bytes)
        let b = try many.store.ingestJSONL(bytes, options: Self.small)
        #expect(a == b)
        #expect(try Self.profiles(one.store) == Self.profiles(many.store))
        #expect(try many.store.verify().isConsistent)
        #expect(try !many.store.log.hasOpenIngest)
    }

    @Test func aBadLastLineCommitsNothing() throws {
        let bytes = try Self.generated() + Array(#"{"id":"x","type":"purchase","customer":"c","time":0}"#.utf8)
        let t = try TemporaryStore()
        #expect {
            _ = try t.store.ingestJSONL(bytes, options: Self.small)
        } throws: { error in
            (error as? JourneyError)?.message == "line 20001: order: expected an order id (required for purchase), found nothing"
        }
        #expect(try t.store.eventCount == 0)
    }

    @Test func skippedLinesAreReportedOnce() throws {
        let bad = Array("not json\n".utf8)
        let bytes = bad + (try Self.generated()) + bad
        let t = try TemporaryStore()
        let report = try t.store.ingestJSONL(bytes, options: IngestOptions(skipInvalid: true, transactionBytesMax: Limits.lineBytesMax))
        #expect(report.rejections.map(\.line) == [1, 20_002])
        #expect(report.appended + report.duplicates == 20_000)
    }

    @Test func aFailureBetweenTransactionsRollsTheWholeFileBack() throws {
        let t = try TemporaryStore()
        _ = try t.store.ingest(#"{"id":"before","type":"signup","customer":"old","time":0}"#)
        let before = try Self.profiles(t.store)
        var options = Self.small
        options.failAfterTransactions = 1
        #expect(throws: JourneyError.self) { _ = try t.store.ingestJSONL(try Self.generated(), options: options) }
        #expect(try t.store.eventCount == 1)
        #expect(try t.store.customerCount == 1, "names the file introduced are gone")
        #expect(try Self.profiles(t.store) == before)
        #expect(try t.store.verify().isConsistent)
        // And the file goes in cleanly afterwards.
        #expect(try t.store.ingestJSONL(try Self.generated(), options: Self.small).rejected == 0)
        #expect(try t.store.verify().isConsistent)
    }

    @Test func aCrashMidFileIsRolledBackByTheNextWriter() throws {
        let t = try TemporaryStore()
        _ = try t.store.ingest(#"{"id":"before","type":"signup","customer":"old","time":0}"#)
        // What a crash leaves: a committed first transaction of a large file, with its marker.
        let store = t.store
        try Self.commitFirstTransactionOfACrashedFile(store, (0..<50).map { k in
            Event(id: "half-\(k)", customer: "new\(k % 5)", time: Timestamp(millisecondsSinceEpoch: 1000),
                  payload: .productView(product: "p\(k)", category: "c"))
        })
        let reopened = try t.reopen()
        #expect(try reopened.log.hasOpenIngest)
        #expect(try reopened.eventCount == 51, "readers see the committed part until a writer rolls it back")
        try reopened.append([])
        #expect(try !reopened.log.hasOpenIngest)
        #expect(try reopened.eventCount == 1)
        #expect(try reopened.customerCount == 1)
        #expect(try reopened.verify().isConsistent)
        #expect(try reopened.events(of: "new1").isEmpty)
        #expect(try reopened.read { $0.newestEventTime } == Timestamp(millisecondsSinceEpoch: 0), "the clock goes back too")
    }

    @Test func readersDoNotKeepNamesARollBackRemoved() throws {
        let t = try TemporaryStore()
        let store = t.store
        _ = try store.ingest(#"{"id":"before","type":"signup","customer":"old","time":0}"#)
        // A committed first transaction of a large file (as a crash leaves it), read by this process.
        try Self.commitFirstTransactionOfACrashedFile(store, Self.gone)
        #expect(try store.read { try $0.profile(of: "half")?.viewedProducts } == ["gone-1", "gone-2"])
        try store.append([])   // the next write rolls the file back
        // The numbers the roll-back freed go to other names.
        _ = try store.ingest("""
            {"id":"n1","type":"product_view","customer":"new","time":2000,"product":"kept-2","category":"kept"}
            {"id":"n2","type":"product_view","customer":"new","time":2000,"product":"kept-1","category":"kept"}
            """)
        let p = try store.read { try $0.profile(of: "new") }
        #expect(p?.viewedProducts == ["kept-1", "kept-2"])
        #expect(p?.viewedCategories == ["kept"])
        #expect(try store.read { try $0.profile(of: "half") } == nil)
    }

    /// A writer whose name table holds names that another process's roll-back freed, and whose numbers
    /// that process then gave to other names, at the same counts.
    @Test func aWriterDoesNotKeepNamesAnotherProcessRolledBack() throws {
        let t = try TemporaryStore()
        let a = t.store
        _ = try a.ingest(#"{"id":"before","type":"signup","customer":"old","time":0}"#)
        // `a` commits the first transaction of a large file and dies with it open (as a crash leaves it).
        try Self.commitFirstTransactionOfACrashedFile(a, Self.gone)
        // Another process rolls the file back, and numbers the same counts of other names.
        let other = try journey("--store", t.path, "ingest", "-", stdin: """
            {"id":"b1","type":"product_view","customer":"half","time":2000,"product":"kept-1","category":"kept"}
            {"id":"b2","type":"product_view","customer":"half","time":2000,"product":"kept-2","category":"kept"}

            """)
        #expect(other.status == 0, "\(other.stderr)")
        // `a` writes again, naming one of the names it still had.
        _ = try a.ingest(#"{"id":"a1","type":"product_view","customer":"new","time":3000,"product":"gone-1","category":"gone"}"#)
        let p = try a.read { try $0.profile(of: "new") }
        #expect(p?.viewedProducts == ["gone-1"])
        #expect(p?.viewedCategories == ["gone"])
        #expect(try a.read { try $0.profile(of: "half")?.viewedProducts } == ["kept-1", "kept-2"])
        #expect(try a.verify().isConsistent)
    }
}
