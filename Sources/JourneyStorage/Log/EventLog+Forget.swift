import LMDB

/// What `forget` did.
public struct ForgetReport: Hashable, Sendable {
    /// Customers whose personal data was erased.
    public var customers: Int
    /// Records of the log rewritten without their contact fields and attributes.
    public var recordsRewritten: Int
    /// Ids asked for that the store does not know (nothing to erase).
    public var unknown: [String]

    package init(customers: Int, recordsRewritten: Int, unknown: [String]) {
        self.customers = customers
        self.recordsRewritten = recordsRewritten
        self.unknown = unknown
    }
}

extension EventLog {
    /// Erases the personal data of `customers` (GDPR erasure), in one write transaction: every
    /// record of theirs in the log loses its contact fields and attributes, in place (same sequence
    /// number, same id: the log stays append-only in sequence, the event-id and customer indexes as
    /// they were); their projections are folded again from the rewritten records; and a tombstone
    /// (``Tombstones``) as of the later of `now` and their newest event keeps an event appended
    /// later, at a time not after it, from bringing personal data back. Behaviour stays, under the
    /// same customer number and id. `beforeCommit` runs in the same transaction with the numbers
    /// of the customers erased (the journey keeps their history there).
    package func forget(_ customers: [String], now: Int64,
                        beforeCommit: (WriteTransaction, [UInt32]) throws -> Void = { _, _ in }) throws -> ForgetReport {
        try withWriter { (w: inout LogWriter) in
            try env.write { txn in
                _ = try w.begin(txn)
                var report = ForgetReport(customers: 0, recordsRewritten: 0, unknown: [])
                var numbers: [UInt32] = []
                for id in customers {
                    guard let number = try schema.number(.customer, id, in: txn) else { report.unknown.append(id); continue }
                    if !numbers.contains(number) { numbers.append(number) }
                }
                for number in numbers {
                    report.recordsRewritten += try erase(number, now: now, writer: &w, in: txn)
                }
                report.customers = numbers.count
                try refold(numbers.sorted(), writer: &w, in: txn)
                try beforeCommit(txn, numbers.sorted())
                return report
            }
        }
    }

    /// Rewrites `customer`'s records without personal data and adds its tombstone; returns the
    /// number of records rewritten.
    private func erase(_ customer: UInt32, now: Int64, writer w: inout LogWriter, in txn: WriteTransaction) throws -> Int {
        var rewritten: [(UInt64, [UInt8])] = []
        var newest = now
        // Copied before any write: the records point into the map.
        for (sequence, record) in try schema.records(of: customer, in: txn) {
            newest = max(newest, record.time)
            if let stripped = try record.withoutPersonalData() { rewritten.append((sequence, stripped)) }
        }
        for (sequence, bytes) in rewritten { _ = try schema.events.put(sequence, bytes, in: txn) }
        try w.tombstones.add(customer, asOf: newest, schema: schema, in: txn)
        return rewritten.count
    }

    /// Folds `customers` (ascending) again from the log for every projection, with their index rows.
    private func refold(_ customers: [UInt32], writer w: inout LogWriter, in txn: WriteTransaction) throws {
        for projection in w.projector.projections {
            let databases = try schema.databases(of: projection)
            var scratch = FoldScratch(projection)
            var removed: [CustomerRows] = [], inserted: [CustomerRows] = []
            for customer in customers {
                let before = try databases.values.withValue(customer, in: txn) { stored in
                    try stored.map { try scratch.folder.rows(of: ByteView($0)) }
                } ?? .none
                var value: [UInt8] = []
                let after = try BatchFold.foldHistory(of: customer, schema: schema, folder: &scratch, into: &value, in: txn)
                _ = try databases.values.put(customer, value, in: txn)
                CustomerRows.change(of: customer, from: before, to: after, removing: &removed, inserting: &inserted)
            }
            try IndexChanges.apply(removing: removed, inserting: inserted, indexes: projection.indexes,
                                   databases: databases.indexes, names: w.names, schema: schema, in: txn)
        }
    }
}
