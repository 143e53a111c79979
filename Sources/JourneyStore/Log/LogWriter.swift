import LMDB

/// The state of the write side, reused across transactions so the append path allocates nothing per
/// event: the scanner, one draft, one record buffer and the name tables. Guarded by the store's lock.
struct LogWriter {
    let schema: StoreSchema
    let currency: Currency
    var scanner: JSONEventScanner
    var draft = EventDraft()
    var record = RecordWriter()
    var names = NameCache()
    var projector: Projector
    private var policyText = ""

    init(schema: StoreSchema, currency: Currency) {
        self.schema = schema
        self.currency = currency
        self.scanner = JSONEventScanner(exponent: currency.exponent)
        self.projector = Projector(policy: Policy(currency: currency))
    }

    /// One write transaction's worth of appends. Create with ``begin(_:)``, feed drafts, then ``finish()``.
    struct Batch: ~Copyable {
        let txn: WriteTransaction
        var sequence: UInt64
        var appended = 0
        var duplicates = 0
    }

    mutating func begin(_ txn: WriteTransaction) throws -> Batch {
        try names.synchronize(schema: schema, in: txn)
        let text = try schema.metaString(MetaKey.policy, in: txn) ?? ""
        if text != policyText {
            projector = Projector(policy: try Policy(text: text, currency: currency))
            policyText = text
        }
        projector.begin()
        return Batch(txn: txn, sequence: try schema.lastSequence(in: txn))
    }

    /// Appends the validated ``draft`` unless its id is already in the log.
    /// - Returns: `false` for a duplicate.
    @discardableResult
    mutating func appendDraft(_ batch: inout Batch) throws -> Bool {
        let txn = batch.txn
        let idHash = draft.withBytes(draft.id!) { stableHash64($0) }
        // One B-tree descent in the common case: the hash is new. When it is not, the stored ids
        // under it decide between a duplicate and a hash collision.
        let sequence = batch.sequence + 1
        if try !schema.eventIDs.put(idHash, sequence, in: txn, flags: .noOverwrite) {
            if try isDuplicate(idHash, in: txn) {
                batch.duplicates += 1
                return false
            }
            try schema.eventIDs.put(idHash, sequence, in: txn)
        }
        let customer = try draft.withBytes(draft.customer!) { try names.number(.customer, $0, schema: schema, in: txn) }
        try EventRecord.encode(draft, customer: customer, into: &record) { kind, slice in
            try draft.withBytes(slice) { try names.number(kind, $0, schema: schema, in: txn) }
        }
        batch.sequence = sequence
        try record.bytes.withUnsafeBytes { bytes in
            _ = try schema.events.putBytes(sequence, bytes, in: txn, flags: .append)
            try projector.apply(EventRecord(bytes), schema: schema, in: txn)
        }
        try schema.customerEvents.put(customer, sequence, in: txn, flags: .appendDuplicate)
        batch.appended += 1
        return true
    }

    /// Whether an event with the draft's id is stored: the hash finds candidates, the stored id decides.
    private func isDuplicate(_ idHash: UInt64, in txn: WriteTransaction) throws -> Bool {
        try schema.eventIDs.withCursor(in: txn) { cursor in
            guard var entry = try cursor.seek(exactly: idHash) else { return false }
            while true {
                let sequence = try UInt64(lmdbBytes: entry.value)
                let same = try schema.events.withValue(sequence, in: txn) { stored -> Bool in
                    guard let stored else { throw JourneyError(.corrupted, "event id index names missing event \(sequence)") }
                    let (storedID, _) = try EventRecord(stored).idAndPayload()
                    return draft.withBytes(draft.id!) { id in
                        id.count == storedID.count && memcmpBytes(id.baseAddress!, storedID.baseAddress!, id.count)
                    }
                }
                if same { return true }
                guard let next = try cursor.nextDuplicate() else { return false }
                entry = next
            }
        }
    }

    /// Records what the batch changed besides the log itself; call before the transaction commits.
    mutating func finish(_ batch: consuming Batch) throws -> (appended: Int, duplicates: Int) {
        try names.persistCounts(schema: schema, in: batch.txn)
        if batch.appended > 0 {
            try projector.finish(sequence: batch.sequence, names: names, schema: schema, in: batch.txn)
        }
        return (batch.appended, batch.duplicates)
    }
}
