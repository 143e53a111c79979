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
        var ids: [UnsafeRawBufferPointer] = []
        ids.reserveCapacity(records.count)
        for r in records { ids.append(try r.idAndPayload().0) }
        let order = records.indices.sorted { a, b in
            let ta = records[a].time, tb = records[b].time
            if ta != tb { return ta < tb }
            return ids[a].lexicographicallyPrecedes(ids[b])
        }
        var facts = CustomerFacts()
        for k in order { try facts.apply(records[k], policy: policy) }
        return facts
    }
}

/// The index entries of a customer's facts (buyers only), to diff old against new.
struct IndexEntries: Equatable {
    var netSpend: Int64
    var lastPurchase: Int64
    var orders: Int

    init?(_ facts: CustomerFacts) {
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

    /// Removes the `removing` entries, then inserts `inserting` in each index's key order: keys
    /// above every stored one append (full pages: a new store's indexes are as dense as a rebuild's),
    /// the others are inserted with their neighbours' pages still in cache.
    static func apply(removing: [(UInt32, IndexEntries)], inserting: inout [(UInt32, IndexEntries)],
                      names: NameCache, schema: StoreSchema, key: inout [UInt8], in txn: WriteTransaction) throws {
        for (customer, entries) in removing {
            try names.withName(.customer, customer) { id in
                try entries.remove(customer: customer, id: id, schema: schema, key: &key, in: txn)
            }
        }
        guard !inserting.isEmpty else { return }
        inserting.sort { a, b in
            if a.1.netSpend != b.1.netSpend { return a.1.netSpend > b.1.netSpend }
            return names.withName(.customer, a.0) { x in names.withName(.customer, b.0) { y in x.lexicographicallyPrecedes(y) } }
        }
        try schema.bySpend.withCursor(in: txn) { cursor in
            var last: [UInt8]? = try cursor.last().map { Array($0.key) }
            for (customer, entries) in inserting {
                try names.withName(.customer, customer) { id in IndexKeys.spend(entries.netSpend, customerID: id, into: &key) }
                try key.withUnsafeBytes { k in
                    var value = customer.bigEndian
                    let append = last.map { !k.lexicographicallyPrecedes($0) && !k.elementsEqual($0) } ?? true
                    if append { last = nil }
                    _ = try withUnsafeBytes(of: &value) { try cursor.put(key: k, value: $0, flags: append ? .append : []) }
                }
            }
        }
        try insertSorted(inserting.map { IndexKeys.lastPurchase($0.1.lastPurchase, customer: $0.0) }, into: schema.byLastPurchase, in: txn)
        try insertSorted(inserting.map { IndexKeys.orders($0.1.orders, customer: $0.0) }, into: schema.byOrders, in: txn)
    }

    /// Inserts keys with empty values in byte order, appending those above the last stored key.
    private static func insertSorted(_ keys: [[UInt8]], into db: Database<[UInt8], [UInt8]>, in txn: WriteTransaction) throws {
        let keys = keys.sorted { $0.lexicographicallyPrecedes($1) }
        let empty = UnsafeRawBufferPointer(start: nil, count: 0)
        try db.withCursor(in: txn) { cursor in
            var last: [UInt8]? = try cursor.last().map { Array($0.key) }
            for key in keys {
                try key.withUnsafeBytes { k in
                    let append = last.map { !k.lexicographicallyPrecedes($0) && !k.elementsEqual($0) } ?? true
                    if append { last = nil }
                    _ = try cursor.put(key: k, value: empty, flags: append ? .append : [])
                }
            }
        }
    }
}
