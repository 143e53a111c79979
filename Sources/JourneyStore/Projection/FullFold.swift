import LMDB

/// Every customer's facts folded from the whole log in memory: what rebuild writes and verify compares.
///
/// One cursor pass over `events` in log order folds each event into an array indexed by the dense
/// customer number; customers whose events arrived out of (time, id) order are re-folded from the
/// per-customer index afterwards, which gives exactly the facts of the live projections.
struct FullFold {
    var facts: [CustomerFacts]
    var events = 0
    var lastSequence: UInt64 = 0
    var newestTime: Int64 = -1
    var refolded = 0

    /// Folds the log as `txn` sees it. `progress` is called with the number of events folded so far.
    ///
    /// Every record's place in the map is kept (16 bytes an event) in one list per customer, so the
    /// customers whose events came out of order are re-folded without reading LMDB again.
    init(schema: StoreSchema, policy: Policy, in txn: some ReadableTransaction, progress: ((Int) -> Void)? = nil) throws {
        let customers = Int(try schema.metaUInt32(MetaKey.nameCount(.customer), in: txn) ?? 0)
        let expected = try schema.events.count(in: txn)
        let fold = FoldPolicy(policy)
        var facts = Array(repeating: CustomerFacts(), count: customers + 1)
        var dirty = [Bool](repeating: false, count: customers + 1)
        // Per-customer lists of record positions: first/last index per customer, next index per record.
        var starts = [UnsafeRawPointer?](), lengths = [UInt32](), next = [Int32]()
        starts.reserveCapacity(expected); lengths.reserveCapacity(expected); next.reserveCapacity(expected)
        var firstOf = [Int32](repeating: -1, count: customers + 1), lastOf = firstOf
        var events = 0, newest: Int64 = -1
        var lastKey: UnsafeRawBufferPointer?
        try schema.events.forEach(in: txn) { key, value in
            let record = try EventRecord(value)
            let c = Int(record.customer)
            guard c >= 1 && c <= customers else {
                throw JourneyError(.corrupted, "event \(try UInt64(lmdbBytes: key)) names customer \(c) of \(customers)")
            }
            if !dirty[c], try !FactsFold.applyInOrder(record, to: &facts[c], policy: fold) { dirty[c] = true }
            if record.time > newest { newest = record.time }
            let index = Int32(truncatingIfNeeded: events)
            starts.append(value.baseAddress)
            lengths.append(UInt32(value.count))
            next.append(-1)
            if lastOf[c] >= 0 { next[Int(lastOf[c])] = index } else { firstOf[c] = index }
            lastOf[c] = index
            events += 1
            lastKey = key
            if events & 0xFFFFF == 0 { progress?(events) }
            return true
        }
        lastSequence = try lastKey.map { try UInt64(lmdbBytes: $0) } ?? 0
        var records: [EventRecord] = []
        for c in dirty.indices where dirty[c] {
            records.removeAll(keepingCapacity: true)
            var i = firstOf[c]
            while i >= 0 {
                records.append(try EventRecord(UnsafeRawBufferPointer(start: starts[Int(i)], count: Int(lengths[Int(i)]))))
                i = next[Int(i)]
            }
            facts[c] = try FactsFold.fold(records, policy: fold)
            refolded += 1
        }
        self.facts = facts
        self.events = events
        self.newestTime = newest
        progress?(events)
    }

    /// Customers who bought, in `by_spend` order: net spend descending, then customer id bytes.
    /// `id` gives a customer's id bytes, which must stay valid while the sort runs (map pointers).
    func spendOrder(id: (UInt32) throws -> UnsafeRawBufferPointer) throws -> [UInt32] {
        var buyers: [UInt32] = []
        for c in facts.indices where facts[c].orders > 0 { buyers.append(UInt32(c)) }
        var failure: (any Error)?
        let sorted = buyers.sorted { a, b in
            let sa = facts[Int(a)].netSpend, sb = facts[Int(b)].netSpend
            if sa != sb { return sa > sb }
            do { return try id(a).lexicographicallyPrecedes(try id(b)) } catch { failure = error; return a < b }
        }
        if let failure { throw failure }
        return sorted
    }

    /// `by_last_purchase` keys in order.
    var lastPurchaseKeys: [(Int64, UInt32)] {
        var keys: [(Int64, UInt32)] = []
        for c in facts.indices { if let t = facts[c].lastPurchase { keys.append((t, UInt32(c))) } }
        return keys.sorted { $0 < $1 }
    }

    /// `by_orders` keys in order.
    var ordersKeys: [(Int, UInt32)] {
        var keys: [(Int, UInt32)] = []
        for c in facts.indices where facts[c].orders > 0 { keys.append((facts[c].orders, UInt32(c))) }
        return keys.sorted { $0 < $1 }
    }
}
