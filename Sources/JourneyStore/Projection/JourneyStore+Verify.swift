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
            let image = try FullFold(schema: schema, policy: policy, in: txn, helper: env, progress: progress)
            let eventCount = try schema.events.count(in: txn)
            let idEntries = try schema.eventIDs.count(in: txn), customerEntries = try schema.customerEvents.count(in: txn)
            if idEntries != eventCount { problem("event id index holds \(idEntries) entries for \(eventCount) events") }
            if customerEntries != eventCount { problem("customer event index holds \(customerEntries) entries for \(eventCount) events") }
            let checkpoint = try schema.metaUInt64(MetaKey.checkpoint, in: txn) ?? 0
            if checkpoint != image.lastSequence { problem("projection checkpoint is \(checkpoint), the log ends at \(image.lastSequence)") }
            // Facts, customer by customer, to the byte.
            var customers = 0
            var buyers: [BuyerEntry] = []
            _ = try image.fold { block in
                try block.forEachCustomer { c, folded in
                    customers += 1
                    let same = try schema.facts.withValue(c, in: txn) { stored in stored.map { $0.elementsEqual(folded) } }
                    if same != true {
                        let name = (try? schema.name(.customer, c, in: txn)) ?? "#\(c)"
                        problem(same == nil ? "customer \(name): no stored facts" : "customer \(name): stored facts differ from a fresh fold of the log")
                    }
                }
                buyers.append(contentsOf: block.buyers)
            }
            let storedFacts = try schema.facts.count(in: txn)
            if storedFacts != customers { problem("facts hold \(storedFacts) customers, the log has \(customers)") }
            // Indexes, entry by entry in order.
            let index = try IndexImage(buyers, schema: schema, in: txn)
            var spendKeys: [[UInt8]] = [], lastPurchaseKeys: [[UInt8]] = [], ordersKeys: [[UInt8]] = []
            index.forEachSpendKey { key, _ in spendKeys.append(Array(key)) }
            index.forEachLastPurchaseKey { lastPurchaseKeys.append(Array($0)) }
            index.forEachOrdersKey { ordersKeys.append(Array($0)) }
            try compare(schema.bySpend, spendKeys, "spend index", in: txn, problem)
            try compare(schema.byLastPurchase, lastPurchaseKeys, "last-purchase index", in: txn, problem)
            try compare(schema.byOrders, ordersKeys, "orders index", in: txn, problem)
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
