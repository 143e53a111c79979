import LMDB

/// The state of the write side, reused across transactions so the append path allocates nothing per
/// event: a group of drafts (for the Swift API; JSONL lines are scanned into drafts by the ingest's reading
/// thread), one record buffer and the name tables. Guarded by the store's lock.
package struct LogWriter {
    let schema: StoreSchema
    let currency: Currency
    /// The Swift API's drafts on the writer's thread: a batch under ``apiPipelinedEventsMin`` events,
    /// and the first ``apiHeadEvents`` of a larger one, are loaded ``apiGroup`` events at a time.
    package var drafts: [EventDraft] = []
    static let apiGroup = 64
    /// The groups of a large Swift API append, kept warm between batches (~2 MB).
    package var apiGroups: [ScannedGroup] = []
    /// From this many events, a Swift API append loads them on a second thread (below, starting
    /// the thread and handing groups over costs more than it saves), but for the first
    /// ``apiHeadEvents``, which the writer loads and appends itself while the thread starts.
    package static let apiPipelinedEventsMin = 1024
    package static let apiHeadEvents = 256
    /// Events per group of a large Swift API append; the groups' drafts start with room for
    /// ``apiScratchBytes`` of strings each (API events are short; a longer one grows its draft).
    package static let apiGroupSize = 256
    static let apiScratchBytes = 512
    /// A draft of ``apiGroups`` that grew past this many bytes (a batch held a very large event) is
    /// replaced by a fresh one after the batch, so the writer keeps ~2 MB, not 2,048 of its largest.
    package static let apiDraftBytesMax = 16 << 10

    /// Replaces the drafts of ``apiGroups`` that grew past ``apiDraftBytesMax``.
    mutating func trimAPIGroups() {
        for group in apiGroups {
            for k in group.drafts.indices where group.drafts[k].heldBytes > Self.apiDraftBytesMax {
                group.drafts[k] = EventDraft(scratchBytes: Self.apiScratchBytes)
            }
        }
    }
    var record = RecordWriter()
    package var names = NameCache()
    /// Ids of the stored events, to skip most `event_ids` lookups of new ids.
    package var idFilter = IDFilter()
    /// Forgotten customers, whose older events are stored without personal data.
    package var tombstones = Tombstones()
    package var projector: BatchProjector
    /// Makes the projections the stored policy text calls for.
    package let makeProjections: @Sendable (String, Currency) throws -> [any CustomerProjection]
    private var policyText: String
    /// What ``touch(idHash:customerHash:batch:)`` loaded, kept so the loads are not optimised away.
    private var touched: UInt64 = 0

    package init(schema: StoreSchema, currency: Currency, defaultPolicyText: String,
                 makeProjections: @escaping @Sendable (String, Currency) throws -> [any CustomerProjection]) throws {
        self.schema = schema
        self.currency = currency
        self.makeProjections = makeProjections
        self.policyText = defaultPolicyText
        self.projector = BatchProjector(projections: try makeProjections(defaultPolicyText, currency))
    }

    /// One write transaction's worth of appends. Create with ``begin(_:)``, feed drafts, then ``finish()``.
    ///
    /// The two index entries of each event (id hash → sequence, customer → sequence) are written at
    /// the end in key order (the ids collected here, the customers' from the projector's grouping): random B-tree inserts cost ~2.5 µs an event on a
    /// million-event batch, sorted ones a fraction of it.
    package struct Batch: ~Copyable {
        let txn: WriteTransaction
        package var sequence: UInt64
        var appended = 0
        var duplicates = 0
        /// Id hashes of this batch's events: the first sequence with each hash.
        var batchIDs: HashIndex
        /// Further sequences whose id hash collides with an earlier one of this batch (rare).
        var collidingIDs: [UInt64: [UInt64]] = [:]
        var pendingIDs: [(hash: UInt64, sequence: UInt64)] = []
        /// The sequence before the batch's first event: the projector's record i is event `start + 1 + i`.
        let start: UInt64
        /// A cursor on `event_ids` for the duplicate checks (opening one per event allocates).
        let idCursor: OwnedCursor
        /// A cursor on `events` for the appends: once it has appended, the next `MDB_APPEND` goes
        /// straight to the last leaf (an `mdb_put` opened a cursor and searched from the root each
        /// time, looking every page up in the transaction's dirty list).
        let eventsCursor: OwnedCursor
    }

    /// Starts a batch in `txn`. `expectedEvents`, an estimate, sizes the batch's tables up front (a
    /// million-event batch grew its id table through ten doublings, each rehashing it in fresh memory).
    package mutating func begin(_ txn: WriteTransaction, expectedEvents: Int = 0) throws -> Batch {
        try names.synchronize(schema: schema, in: txn, expectedEvents: expectedEvents)
        try synchronizePolicy(txn)
        try tombstones.synchronize(schema: schema, in: txn)
        projector.begin(expectedEvents: expectedEvents)
        let last = try schema.lastSequence(in: txn)
        try idFilter.synchronize(schema: schema, lastSequence: last, expected: expectedEvents, in: txn)
        var batch = Batch(txn: txn, sequence: last, batchIDs: HashIndex(capacity: max(1024, expectedEvents)), start: last,
                          idCursor: try schema.eventIDs.makeCursor(in: txn), eventsCursor: try schema.events.makeCursor(in: txn))
        batch.pendingIDs.reserveCapacity(expectedEvents)
        return batch
    }

    /// Call when the write transaction of the last ``begin(_:expectedEvents:)`` has committed (it
    /// saves the next one reading this one's events back from the log for the id filter).
    mutating func committed() {
        idFilter.committed()
    }

    /// Brings the projector's projections in line with the stored policy. Enough for a rebuild, which interns
    /// no names (the name cache is brought in line by the next ``begin(_:)``).
    mutating func synchronizePolicy(_ txn: WriteTransaction) throws {
        let text = try schema.metaString(MetaKey.policy, in: txn) ?? ""
        if text != policyText {
            projector = BatchProjector(projections: try makeProjections(text, currency))
            policyText = text
        }
    }

    /// Appends the validated draft at `draft` unless its id is already in the log.
    /// - Returns: `false` for a duplicate.
    @discardableResult
    package mutating func appendDraft(_ draft: UnsafePointer<EventDraft>, _ batch: inout Batch) throws -> Bool {
        let sequence = batch.sequence + 1
        guard sequence <= StoredSequence.max else {
            throw JourneyError(.storage, "the store holds the most events it can (\(StoredSequence.max)); start another store")
        }
        // The closures below see the draft, the name cache and the record buffer through pointers
        // and the store through `schema`: a closure that captured a draft or called a method of
        // `self` made the compiler copy the draft (four arrays retained and released) or the whole
        // writer, several times per event.
        let schema = self.schema
        let idHash = try withUnsafeMutablePointer(to: &names) { names in
            try withUnsafeMutablePointer(to: &record) { record in
                try withUnsafePointer(to: &idFilter) { filter in
                    try withUnsafePointer(to: &tombstones) { tombstones in
                        try Self.encode(draft, names: names, record: record, filter: filter, tombstones: tombstones,
                                        sequence: sequence, batch: &batch, schema: schema)
                    }
                }
            }
        }
        guard let idHash else {
            batch.duplicates += 1
            return false
        }
        batch.sequence = sequence
        idFilter.noteAppended(idHash, sequence: sequence)
        let bytes = record.bytes.unsafeBytes  // the writer's record buffer, unchanged below
        _ = try batch.eventsCursor.cursor.put(sequence, bytes: bytes, flags: .append)
        projector.apply(try EventRecord(bytes))
        batch.pendingIDs.append((idHash, sequence))
        batch.appended += 1
        return true
    }

    /// Checks the draft's id against the batch and the log, and encodes its record into `record`
    /// with its names interned. Returns `nil` for a duplicate, else the id's hash.
    private static func encode(_ draft: UnsafePointer<EventDraft>, names: UnsafeMutablePointer<NameCache>,
                               record: UnsafeMutablePointer<RecordWriter>, filter: UnsafePointer<IDFilter>,
                               tombstones: UnsafePointer<Tombstones>, sequence: UInt64, batch: inout Batch,
                               schema: StoreSchema) throws -> UInt64? {
        let txn = batch.txn
        let scratch = draft.pointee.scratch.unsafeBytes  // the draft is not changed while appended
        func bytes(_ s: ByteSlice) -> UnsafeRawBufferPointer {
            UnsafeRawBufferPointer(rebasing: scratch[Int(s.start)..<Int(s.start + s.count)])
        }
        let id = bytes(draft.pointee.id!)
        let idHash = draft.pointee.idHash
        assert(idHash == stableHash64(id) && draft.pointee.customerHash == tableHash64(bytes(draft.pointee.customer!)),
               "append invariant: the draft was validated (which hashes its ids) after its last change")
        if let first = batch.batchIDs.value(for: idHash) {
            // Same hash earlier in this batch: a duplicate, or (rarely) another id with that hash.
            for earlier in [first] + batch.collidingIDs[idHash, default: []]
            where try Self.sameID(asEvent: earlier, id: id, schema: schema, in: txn) {
                return nil
            }
            batch.collidingIDs[idHash, default: []].append(sequence)
        } else {
            if filter.pointee.mayContain(idHash),
               try Self.isDuplicate(idHash, id: id, schema: schema, cursor: batch.idCursor.cursor, in: txn) { return nil }
            batch.batchIDs.insert(idHash, sequence)
        }
        let customer = try names.pointee.number(.customer, bytes(draft.pointee.customer!), hash: draft.pointee.customerHash,
                                                schema: schema, in: txn)
        // The closure holds the store unretained (capturing `schema` retained and released it per event).
        let unretained = Unmanaged.passUnretained(schema)
        let personal = !tombstones.pointee.erases(customer, at: draft.pointee.time!)
        try EventRecord.encode(draft, customer: customer, personal: personal, into: &record.pointee) { kind, slice in
            try unretained._withUnsafeGuaranteedRef { try names.pointee.number(kind, bytes(slice), schema: $0, in: txn) }
        }
        return idHash
    }

    /// Loads the hash-table slots that appending a draft with these hashes will probe first (the
    /// batch's ids, the customer names, the id filter's block): called for a group of drafts ahead of appending them, the
    /// loads are independent and their cache misses overlap, where one lookup at a time stalled the
    /// writer on each (~10 % of an ingest). Only a hint: the tables may change before the lookups.
    mutating func touch(idHash: UInt64, customerHash: UInt64, batch: borrowing Batch) {
        touched &+= batch.batchIDs.touch(idHash) &+ names.touch(.customer, hash: customerHash) &+ idFilter.touch(idHash)
    }

    /// Whether the event stored at `sequence` has the id `id`.
    private static func sameID(asEvent sequence: UInt64, id: UnsafeRawBufferPointer, schema: StoreSchema,
                               in txn: WriteTransaction) throws -> Bool {
        try schema.events.withValue(sequence, in: txn) { stored -> Bool in
            guard let stored else { throw JourneyError(.corrupted, "event id index names missing event \(sequence)") }
            let (storedID, _) = try EventRecord(stored).idAndPayload()
            return id.count == storedID.count && memcmpBytes(id.baseAddress!, storedID.baseAddress!, id.count)
        }
    }

    /// Whether an event with id `id` (hashing to `idHash`) is stored: the hash finds candidates, the
    /// stored id decides.
    private static func isDuplicate(_ idHash: UInt64, id: UnsafeRawBufferPointer, schema: StoreSchema, cursor: Cursor,
                                    in txn: WriteTransaction) throws -> Bool {
        try IDRuns.firstSequence(withHash: idHash, cursor: cursor) { sequence in
            try sameID(asEvent: sequence, id: id, schema: schema, in: txn)
        }
    }

    /// Writes the batch's index entries in key order: each `event_ids` bucket's new entries as one
    /// sorted run (``IDRuns``), and each customer's new sequences extending its runs
    /// (``CustomerRuns``). The customers' sequences come from the projector's grouping of the batch
    /// (`nil` when nothing was appended), which is `customer_events` order already.
    private static func writeIndexes(_ batch: inout Batch, customers groups: BatchProjector.Grouped?, schema: StoreSchema) throws {
        let txn = batch.txn
        // In `event_ids` order: the kept hash bits, then the sequence.
        sortUniformKeys(&batch.pendingIDs, key: { $0.hash & IDEntry.kept }, tie: { $0.sequence })
        try schema.eventIDs.withCursor(in: txn) { cursor in
            let ids = batch.pendingIDs
            var values: [UInt64] = [], spare: [UInt64] = []
            try forEachRun(ids, key: { IDEntry.bucket($0.hash) }) { bucket, run in
                values.removeAll(keepingCapacity: true)
                for k in run { values.append(IDEntry(hash: ids[k].hash, sequence: ids[k].sequence).value) }
                try IDRuns.add(bucket, &values, cursor: cursor, spare: &spare)
            }
        }
        // Each customer's sequences ascend, so they extend its runs after the ones already stored.
        guard let groups else { return }
        let start = batch.start
        try schema.customerEvents.withCursor(in: txn) { cursor in
            var runs = try CustomerRuns.Writer(cursor)
            // Into one reused array (a lazy map of the records allocated its closure's context per customer).
            var sequences: [UInt64] = []
            for (r, customer) in groups.customers.enumerated() {
                sequences.removeAll(keepingCapacity: true)
                for i in groups.order[Int(groups.first[r])..<Int(groups.first[r + 1])] { sequences.append(start + 1 + UInt64(i)) }
                try runs.append(customer, sequences)
            }
        }
    }

    /// Calls `body` with each run of consecutive items with the same key, and the key.
    private static func forEachRun<T, K: Equatable>(_ items: [T], key: (T) -> K, _ body: (K, Range<Int>) throws -> Void) rethrows {
        var start = 0
        while start < items.count {
            let k = key(items[start])
            var end = start + 1
            while end < items.count && key(items[end]) == k { end += 1 }
            try body(k, start..<end)
            start = end
        }
    }

    /// Records what the batch changed besides the log itself; call before the transaction commits.
    /// The batch's index entries are written while the projector's helper thread folds the batch
    /// (the fold reads only copies, so the two overlap on the two cores).
    package mutating func finish(_ batch: consuming Batch) throws -> (appended: Int, duplicates: Int) {
        try names.persistCounts(schema: schema, in: batch.txn)
        let schema = self.schema
        if batch.appended > 0 {
            try projector.finish(sequence: batch.sequence, names: names, schema: schema, in: batch.txn, writingIndexes: { groups in
                try Self.writeIndexes(&batch, customers: groups, schema: schema)
            })
        } else {
            try Self.writeIndexes(&batch, customers: nil, schema: schema)
        }
        return (batch.appended, batch.duplicates)
    }
}
