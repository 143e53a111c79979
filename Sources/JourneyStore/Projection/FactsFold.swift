import JourneyStorage
import LMDB

/// Folding events into facts, shared by the live projector, rebuild and verify.
enum FactsFold {
    /// Folds `record` into `facts` when it comes after every event folded so far; returns `false` when
    /// it does not (same time or older), and the customer must be re-folded from its whole history.
    @inline(__always)
    static func applyInOrder(_ record: EventRecord, to facts: inout CustomerFacts, policy: FoldPolicy) throws(JourneyError) -> Bool {
        guard facts.eventsFolded == 0 || record.time > facts.lastSeen else { return false }
        try facts.apply(record, policy: policy)
        return true
    }

    /// The facts of `customer` folded from scratch over its events in (time, event id) order.
    static func refold(_ customer: UInt32, schema: StoreSchema, policy: FoldPolicy, in txn: some ReadableTransaction) throws -> CustomerFacts {
        // Pointers into the map stay valid: nothing is written until the fold is done.
        let records = try schema.records(of: customer, in: txn).map(\.record)
        return try fold(records, policy: policy)
    }

    /// The facts of one customer's records folded in (time, event id) order, whatever their order here.
    static func fold(_ records: [EventRecord], policy: FoldPolicy) throws -> CustomerFacts {
        var facts = CustomerFacts()
        for k in try foldOrder(records) { try facts.apply(records[k], policy: policy) }
        return facts
    }

    /// The positions of `records` in the order facts fold them: by time, then by event id bytes.
    static func foldOrder(_ records: [EventRecord]) throws(JourneyError) -> [Int] {
        // Times read once (not per comparison); ids compared only on equal times.
        var keys: [(time: Int64, id: UnsafeRawBufferPointer, position: Int)] = []
        keys.reserveCapacity(records.count)
        for (k, r) in records.enumerated() { keys.append((r.time, try r.idAndPayload().0, k)) }
        keys.sort { a, b in a.time != b.time ? a.time < b.time : a.id.lexicographicallyPrecedes(b.id) }
        return keys.map(\.position)
    }
}

/// The index entries of a customer's facts (buyers only), to diff old against new.
struct IndexEntries: Equatable {
    var netSpend: Int128
    var lastPurchase: Int64
    var orders: Int

    init(netSpend: Int128, lastPurchase: Int64, orders: Int) {
        self.netSpend = netSpend
        self.lastPurchase = lastPurchase
        self.orders = orders
    }

    init?(_ facts: borrowing CustomerFacts) {
        guard let last = facts.lastPurchase else { return nil }
        netSpend = facts.netSpend
        lastPurchase = last
        orders = facts.orders
    }

    func remove(customer: UInt32, id: UnsafeRawBufferPointer, schema: StoreSchema, key: inout [UInt8], in txn: WriteTransaction) throws {
        IndexKeys.spend(netSpend, customerID: id, into: &key)
        let removed = try schema.bySpend.delete(key, in: txn)
            && schema.byLastPurchase.delete(IndexKeys.lastPurchase(lastPurchase, customer: customer), in: txn)
            && schema.byOrders.delete(IndexKeys.orders(orders, customer: customer), in: txn)
        guard removed else { throw JourneyError(.corrupted, "index entry of customer \(customer) is missing; run `journey verify`") }
    }

    /// Removes the `removing` entries, then adds `inserting` (in any order) in each index's key
    /// order, as a rebuild writes them (``IndexImage``): keys above every stored one append, so a new
    /// store's indexes are as dense as a rebuild's.
    static func apply(removing: [BuyerEntry], inserting: [BuyerEntry],
                      names: NameCache, schema: StoreSchema, key: inout [UInt8], in txn: WriteTransaction) throws {
        for b in removing {
            try names.withName(.customer, b.customer) { id in
                try b.entries.remove(customer: b.customer, id: id, schema: schema, key: &key, in: txn)
            }
        }
        guard !inserting.isEmpty else { return }
        let image = try IndexImage(inserting) { body in
            for (k, b) in inserting.enumerated() { try names.withName(.customer, b.customer) { try body(k, $0) } }
        }
        try image.write(schema: schema, in: txn)
    }
}
