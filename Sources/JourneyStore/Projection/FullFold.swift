import Dispatch
import LMDB
import Synchronization

/// Hands a value to the fold's worker threads, which touch disjoint parts of it.
struct UnsafeSendable<T>: @unchecked Sendable {
    // @unchecked: each worker reads the shared lists and writes only its own customers' slots.
    let value: T
    init(_ value: T) { self.value = value }
}

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

    /// Folds the log as `txn` sees it. `progress` is called with the number of events read so far.
    ///
    /// Two passes: one cursor scan of `events` threads every record's place in the map onto its
    /// customer's list (16 bytes an event, nothing decoded but the customer number); then each
    /// customer is folded from its list while its facts stay in cache, customers split over the
    /// cores. A customer whose events are not in (time, id) order is sorted first, so the result is
    /// exactly the live projections'.
    init(schema: StoreSchema, policy: Policy, in txn: some ReadableTransaction, progress: ((Int) -> Void)? = nil) throws {
        let customers = Int(try schema.metaUInt32(MetaKey.nameCount(.customer), in: txn) ?? 0)
        let expected = try schema.events.count(in: txn)
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
        let fold = FoldPolicy(policy)
        var facts = Array(repeating: CustomerFacts(), count: customers + 1)
        let workers = min(2, max(1, customers / 1024))
        let failure = Mutex<(any Error)?>(nil)
        let refolds = Mutex(0)
        facts.withUnsafeMutableBufferPointer { out in
            let out = UnsafeSendable(out)
            let lists = UnsafeSendable((starts, lengths, next, firstOf))
            DispatchQueue.concurrentPerform(iterations: workers) { worker in
                let (starts, lengths, next, firstOf) = lists.value
                var records: [EventRecord] = []
                var sorted = 0
                var c = 1 + worker * customers / workers
                let end = 1 + (worker + 1) * customers / workers
                do {
                    while c < end {
                        records.removeAll(keepingCapacity: true)
                        var i = firstOf[c]
                        var inOrder = true
                        while i >= 0 {
                            let record = try EventRecord(UnsafeRawBufferPointer(start: starts[Int(i)], count: Int(lengths[Int(i)])))
                            if let last = records.last, record.time <= last.time { inOrder = false }
                            records.append(record)
                            i = next[Int(i)]
                        }
                        if inOrder {
                            var f = CustomerFacts()
                            for r in records { try f.apply(r, policy: fold) }
                            out.value[c] = f
                        } else {
                            out.value[c] = try FactsFold.fold(records, policy: fold)
                            sorted += 1
                        }
                        c += 1
                    }
                } catch {
                    failure.withLock { $0 = $0 ?? error }
                }
                refolds.withLock { $0 += sorted }
            }
        }
        if let error = failure.withLock({ $0 }) { throw error }
        refolded = refolds.withLock { $0 }
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
