import LMDB

/// What `verify` found.
public struct VerifyReport: Hashable, Sendable {
    public var events: Int
    public var customers: Int
    /// Every disagreement found, one line each (the first ``problemsMax``).
    public var problems: [String]
    public var isConsistent: Bool { problems.isEmpty }
    /// At most this many problems are listed.
    public static let problemsMax = 50
}

extension JourneyStore {
    /// Checks that the log, its indexes and the stored projections agree with a fresh fold of the log,
    /// on one snapshot. Changes nothing.
    /// - Complexity: O(E + C log C), like a rebuild without the writes.
    public func verify(progress: ((Int) -> Void)? = nil) throws -> VerifyReport {
        try env.read { txn in
            var problems: [String] = []
            func problem(_ text: @autoclosure () -> String) {
                if problems.count < VerifyReport.problemsMax { problems.append(text()) }
            }
            let policy = try storedPolicy(in: txn)
            let image = try FullFold(schema: schema, policy: policy, in: txn, progress: progress)
            let eventCount = try schema.events.count(in: txn)
            let idEntries = try schema.eventIDs.count(in: txn), customerEntries = try schema.customerEvents.count(in: txn)
            if idEntries != eventCount { problem("event id index holds \(idEntries) entries for \(eventCount) events") }
            if customerEntries != eventCount { problem("customer event index holds \(customerEntries) entries for \(eventCount) events") }
            let checkpoint = try schema.metaUInt64(MetaKey.checkpoint, in: txn) ?? 0
            if checkpoint != image.lastSequence { problem("projection checkpoint is \(checkpoint), the log ends at \(image.lastSequence)") }
            // Facts, customer by customer, to the byte.
            var record = RecordWriter()
            var customers = 0
            for c in image.facts.indices where image.facts[c].eventsFolded > 0 {
                customers += 1
                image.facts[c].encode(into: &record)
                let same = try schema.facts.withValue(UInt32(c), in: txn) { stored in
                    stored.map { $0.elementsEqual(record.bytes) }
                }
                if same != true {
                    let name = (try? schema.name(.customer, UInt32(c), in: txn)) ?? "#\(c)"
                    problem(same == nil ? "customer \(name): no stored facts" : "customer \(name): stored facts differ from a fresh fold of the log")
                }
            }
            let storedFacts = try schema.facts.count(in: txn)
            if storedFacts != customers { problem("facts hold \(storedFacts) customers, the log has \(customers)") }
            // Indexes, entry by entry in order.
            let spend = try image.spendOrder { try schema.customerID($0, in: txn) }
            var expectedSpend: [[UInt8]] = []
            for c in spend {
                var key: [UInt8] = []
                IndexKeys.spend(image.facts[Int(c)].netSpend, customerID: try schema.customerID(c, in: txn), into: &key)
                expectedSpend.append(key)
            }
            try compare(schema.bySpend, expectedSpend, "spend index", in: txn, problem)
            try compare(schema.byLastPurchase, image.lastPurchaseKeys.map { IndexKeys.lastPurchase($0.0, customer: $0.1) }, "last-purchase index", in: txn, problem)
            try compare(schema.byOrders, image.ordersKeys.map { IndexKeys.orders($0.0, customer: $0.1) }, "orders index", in: txn, problem)
            return VerifyReport(events: eventCount, customers: customers, problems: problems)
        }
    }

    private func compare<V>(_ db: Database<[UInt8], V>, _ expected: [[UInt8]], _ what: String,
                            in txn: ReadTransaction, _ problem: (@autoclosure () -> String) -> Void) throws {
        var k = 0
        var mismatch = false
        try db.forEach(in: txn) { key, _ in
            if k >= expected.count || !key.elementsEqual(expected[k]) { mismatch = true; return false }
            k += 1
            return true
        }
        if mismatch || k != expected.count {
            problem("\(what) differs from a fresh fold at entry \(k + 1) (expected \(expected.count) entries)")
        }
    }
}
