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
    /// them (sequential walks, not a lookup per entry). The first difference of each is reported.
    private func verifyEventIndexes(in txn: ReadTransaction, _ problem: (@autoclosure () -> String) -> Void) throws {
        func scanLog(_ body: (UInt64, EventRecord) throws -> Void) throws {
            try schema.events.forEach(in: txn) { key, value in
                try body(try UInt64(lmdbBytes: key), try EventRecord(value))
                return true
            }
        }
        // `event_ids`: (kept hash bits, sequence), in bucket then value order.
        var ids: [(hash: UInt64, sequence: UInt64)] = []
        try scanLog { sequence, record in ids.append((stableHash64(try record.idAndPayload().0) & IDEntry.kept, sequence)) }
        sortUniformKeys(&ids, key: { $0.hash }, tie: { $0.sequence })
        var k = 0
        try schema.eventIDs.withCursor(in: txn) { cursor in
            var entry = try cursor.first()
            walk: while let (key, _) = entry {
                let bucket = try UInt8(lmdbBytes: key)
                var page = try cursor.nextMultiple(first: true)
                while let values = page {
                    for offset in stride(from: 0, to: values.count, by: IDEntry.size) {
                        let stored = try IDEntry(bucket: bucket, bytes: UnsafeRawBufferPointer(rebasing: values[offset..<offset + IDEntry.size]))
                        guard k < ids.count, stored.hash == ids[k].hash, stored.sequence == ids[k].sequence else {
                            problem(k < ids.count
                                    ? "event id index differs from the log at entry \(k + 1): it names event \(stored.sequence), the log event \(ids[k].sequence)"
                                    : "event id index holds an entry for event \(stored.sequence) past the log's \(ids.count)")
                            k = -1
                            break walk
                        }
                        k += 1
                    }
                    page = try cursor.nextMultiple(first: false)
                }
                entry = try cursor.nextKey()
            }
        }
        if k >= 0 && k < ids.count { problem("event id index lacks the entry of event \(ids[k].sequence)") }
        ids = []
        // `customer_events`: (customer, sequence), customers ascending, each one's sequences in log order.
        var customers: [(customer: UInt32, sequence: UInt64)] = []
        try scanLog { sequence, record in customers.append((record.customer, sequence)) }
        radixSort(&customers, bits: 0..<32) { UInt64($0.customer) }  // stable: sequences stay ascending
        k = 0
        try schema.customerEvents.withCursor(in: txn) { cursor in
            var entry = try cursor.first()
            walk: while let (key, _) = entry {
                let customer = try UInt32(lmdbBytes: key)
                var page = try cursor.nextMultiple(first: true)
                while let values = page {
                    for offset in stride(from: 0, to: values.count, by: StoredSequence.size) {
                        let sequence = StoredSequence.read(values.baseAddress! + offset)
                        guard k < customers.count, customer == customers[k].customer, sequence == customers[k].sequence else {
                            problem(k < customers.count
                                    ? "customer event index differs from the log at entry \(k + 1): it files event \(sequence) under customer \(customer), the log event \(customers[k].sequence) under customer \(customers[k].customer)"
                                    : "customer event index holds an entry for event \(sequence) past the log's \(customers.count)")
                            k = -1
                            break walk
                        }
                        k += 1
                    }
                    page = try cursor.nextMultiple(first: false)
                }
                entry = try cursor.nextKey()
            }
        }
        if k >= 0 && k < customers.count { problem("customer event index lacks the entry of event \(customers[k].sequence)") }
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
