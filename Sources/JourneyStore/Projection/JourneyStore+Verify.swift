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
            try verifyEventIndexes(in: txn, problem)
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

    /// `event_ids` and `customer_events` hold exactly the entries the log implies, in order: each
    /// index is compared with the entries made from one scan of the log and sorted as LMDB orders
    /// them (sequential walks, not a lookup per entry), in one walk that also counts its entries.
    /// The count and the first difference of each are reported; a malformed run is reported, not
    /// thrown, and the rest of the store still checked.
    private func verifyEventIndexes(in txn: ReadTransaction, _ problem: (@autoclosure () -> String) -> Void) throws {
        func scanLog(_ body: (UInt64, EventRecord) throws -> Void) throws {
            try schema.events.forEach(in: txn) { key, value in
                try body(try UInt64(lmdbBytes: key), try EventRecord(value))
                return true
            }
        }
        // One index at a time, so that only one list of expected entries is held.
        do {
            // `event_ids`: (kept hash bits, sequence), in bucket then value order.
            var ids: [IDEntry] = []
            try scanLog { sequence, record in ids.append(IDEntry(hash: stableHash64(try record.idAndPayload().0), sequence: sequence)) }
            sortUniformKeys(&ids, key: { $0.hash }, tie: { $0.sequence })
            try check(ids, "event id index", problem) { visit in try schema.forEachIDEntry(in: txn, ordered: true, visit) }
        }
        // `customer_events`: customers ascending, each one's sequences in log order.
        var customers: [CustomerEntry] = []
        try scanLog { sequence, record in customers.append(CustomerEntry(customer: record.customer, sequence: sequence)) }
        radixSort(&customers, bits: 0..<32) { UInt64($0.customer) }  // stable: sequences stay ascending
        try check(customers, "customer event index", problem) { visit in
            try schema.forEachCustomerEvent(in: txn) { customer, sequence in
                try visit(CustomerEntry(customer: customer, sequence: sequence))
            }
        }
    }

    private struct CustomerEntry: EventIndexEntry {
        var customer: UInt32
        var sequence: UInt64
        var text: String { "event \(sequence) under customer \(customer)" }
    }

    /// Compares the entries `walk` visits, in order, with `expected` (one per event of the log):
    /// reports a wrong count, then the first difference.
    private func check<E: EventIndexEntry>(_ expected: [E], _ what: String, _ problem: (@autoclosure () -> String) -> Void,
                                           walk: ((E) throws -> Void) throws -> Void) throws {
        var k = 0, visited = 0
        var difference: String?
        do {
            try walk { stored in
                visited += 1
                guard difference == nil else { return }
                if k < expected.count && stored == expected[k] { k += 1; return }
                difference = k < expected.count
                    ? "\(what) differs from the log at entry \(k + 1): it files \(stored.text), the log \(expected[k].text)"
                    : "\(what) holds an entry for event \(stored.sequence) past the log's \(expected.count)"
            }
        } catch let error as JourneyError where error.code == .corrupted {
            problem("\(what): " + error.message.droppingAdvice)
            return
        }
        if visited != expected.count { problem("\(what) holds \(visited) entries for \(expected.count) events") }
        if difference == nil && k < expected.count { difference = "\(what) lacks the entry of event \(expected[k].sequence)" }
        if let difference { problem(difference) }
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

/// An entry of a per-event index, as `verify` compares and names it.
private protocol EventIndexEntry: Equatable {
    var sequence: UInt64 { get }
    var text: String { get }
}

extension IDEntry: EventIndexEntry {
    fileprivate var text: String { "event \(sequence)" }
}

private extension String {
    /// The message without the advice to run `journey verify`, for verify's own report.
    var droppingAdvice: String {
        let advice = "; run `journey verify`"
        return hasSuffix(advice) ? String(dropLast(advice.count)) : self
    }
}
