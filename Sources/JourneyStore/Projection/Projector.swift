import LMDB

/// Keeps the projections current inside the append's write transaction: facts of the customers a
/// batch touches are loaded once, folded in memory, and written back with their index entries when
/// the batch finishes — log, facts, indexes and checkpoint commit together.
struct Projector {
    struct Entry {
        var customer: UInt32
        var facts: CustomerFacts
        var original: IndexEntries?
        var needsRefold: Bool
    }

    var policy: Policy
    var fold: FoldPolicy
    /// `slot[customer]` is 1 + the index of its entry in `entries`, 0 when untouched by this batch.
    private var slot: [UInt32] = []
    private var entries: [Entry] = []
    private var newestTime: Int64 = -1
    private var record = RecordWriter()
    private var key: [UInt8] = []

    init(policy: Policy) {
        self.policy = policy
        self.fold = FoldPolicy(policy)
    }

    mutating func begin() {
        for e in entries where Int(e.customer) < slot.count { slot[Int(e.customer)] = 0 }
        entries.removeAll(keepingCapacity: true)
        newestTime = -1
    }

    /// Folds one appended event.
    mutating func apply(_ record: EventRecord, schema: StoreSchema, in txn: WriteTransaction) throws {
        let c = Int(record.customer)
        if c >= slot.count { slot.append(contentsOf: repeatElement(0, count: max(c + 1 - slot.count, slot.count))) }
        if slot[c] == 0 {
            let stored = try schema.facts.withValue(record.customer, in: txn) { bytes in
                try bytes.map { (b) throws(JourneyError) in try CustomerFacts(decoding: b) }
            }
            entries.append(Entry(customer: record.customer, facts: stored ?? CustomerFacts(),
                                 original: stored.flatMap(IndexEntries.init), needsRefold: false))
            slot[c] = UInt32(entries.count)
        }
        let k = Int(slot[c]) - 1
        newestTime = max(newestTime, record.time)
        if !entries[k].needsRefold, try !FactsFold.applyInOrder(record, to: &entries[k].facts, policy: fold) {
            entries[k].needsRefold = true
        }
    }

    /// Writes the facts and index entries of every touched customer, and the checkpoint.
    mutating func finish(sequence: UInt64, names: NameCache, schema: StoreSchema, in txn: WriteTransaction) throws {
        for k in entries.indices where entries[k].needsRefold {
            entries[k].facts = try FactsFold.refold(entries[k].customer, schema: schema, policy: fold, in: txn)
        }
        // In key order: the facts pages are written front to back, new customers appended.
        entries.sort { $0.customer < $1.customer }
        let appendFrom = try schema.facts.withCursor(in: txn) { cursor in try cursor.last().map { try UInt32(lmdbBytes: $0.key) } }
        for e in entries {
            e.facts.encode(into: &record)
            let flags: PutFlags = appendFrom.map { e.customer > $0 } ?? true ? .append : []
            try record.bytes.withUnsafeBytes { bytes in _ = try schema.facts.putBytes(e.customer, bytes, in: txn, flags: flags) }
            let updated = IndexEntries(e.facts)
            if updated == e.original { continue }
            try names.withName(.customer, e.customer) { id in
                try e.original?.remove(customer: e.customer, id: id, schema: schema, key: &key, in: txn)
                try updated?.insert(customer: e.customer, id: id, schema: schema, key: &key, in: txn)
            }
        }
        if newestTime >= 0 {
            let stored = try schema.metaUInt64(MetaKey.newestTime, in: txn)
            if stored.map({ UInt64(newestTime) > $0 }) ?? true { try schema.setMeta(MetaKey.newestTime, UInt64(newestTime), in: txn) }
        }
        try schema.setMeta(MetaKey.checkpoint, sequence, in: txn)
    }
}
