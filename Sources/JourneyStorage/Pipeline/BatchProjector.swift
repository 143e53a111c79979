import Dispatch
import LMDB
import Synchronization

/// Keeps the projections current inside the append's write transaction: the batch's records are kept
/// in an arena as they are appended; when the batch finishes, the touched customers are put in
/// ascending order once, and then, for each projection in turn, each customer's stored value is
/// copied out and blocks of customers folded on two threads
/// (``foldBlocksInOrder(_:projection:meanwhile:fold:_:)``, as a rebuild does) into encoded values,
/// which this thread writes in key order while the next blocks fold — log, values, indexes and
/// checkpoint commit together.
package struct BatchProjector {
    package let projections: [any CustomerProjection]
    /// `slot[customer]` is 1 + the index of the customer in `touched`, 0 when untouched by this batch.
    private var slot: [UInt32] = []
    /// The touched customers, in order of first touch.
    private var touched: [UInt32] = []
    /// The batch's records, back to back.
    private var arena = ByteBuffer(capacity: 0)
    /// Per record: where it starts in the arena, its length, and its customer's place in `touched`
    /// (one array, one append per event: three cost a capacity and uniqueness check each).
    private var notes: [BatchNote] = []
    private var newestTime: Int64 = -1
    /// Of the last batch: customers whose events had to be sorted first, and customers folded again
    /// from the log (their new events were not after their stored value).
    package private(set) var lastBatchSorted = 0, lastBatchRefolded = 0

    /// Customers folded per block: at most 512, and at least eight blocks for a batch of 512 or more
    /// customers, so that a small batch spreads over both threads too (a 10 k-event batch of ~1,000
    /// customers was two blocks, one per thread, and the writer's waited for the helper's).
    static func blockSize(customers: Int) -> Int { min(512, max(64, customers / 8)) }
    /// How many customers ahead of the one being folded the fold loads records (~10 records each).
    static let loadAhead = 4
    /// About the size of a generated event's record.
    static let recordBytesEstimate = 40

    package init(projections: [any CustomerProjection]) { self.projections = projections }

    /// Starts a batch of about `expectedEvents` events (an estimate, to size the buffers).
    package mutating func begin(expectedEvents: Int = 0) {
        for c in touched where Int(c) < slot.count { slot[Int(c)] = 0 }
        touched.removeAll(keepingCapacity: true)
        arena.removeAll()
        notes.removeAll(keepingCapacity: true)
        arena.reserve(expectedEvents * Self.recordBytesEstimate)
        notes.reserveCapacity(expectedEvents)
        newestTime = -1
    }

    /// Takes note of one appended event; it is folded when the batch finishes.
    package mutating func apply(_ record: EventRecord) {
        let c = Int(record.customer)
        if c >= slot.count { slot.append(contentsOf: repeatElement(0, count: max(c + 1 - slot.count, slot.count))) }
        if slot[c] == 0 {
            touched.append(record.customer)
            slot[c] = UInt32(touched.count)
        }
        notes.append(BatchNote(start: arena.count, length: Int32(record.bytes.count), entry: Int32(slot[c]) - 1))
        arena.append(record.bytes)
        newestTime = max(newestTime, record.time)
    }

    /// The batch's records grouped by customer, customers in ascending order: `customer_events`
    /// order, since record i of the batch is its i-th appended event.
    package struct Grouped {
        /// The touched customers, ascending.
        package var customers: [UInt32]
        /// The records of `customers[r]` are `order[first[r] ..< first[r + 1]]`, in arrival order.
        package var first: [Int32]
        package var order: [Int32]
    }

    private func grouped() -> Grouped {
        var ranked = touched.enumerated().map { (customer: $0.element, index: Int32($0.offset)) }
        radixSort(&ranked, bits: 0..<32) { UInt64($0.customer) }
        var rank = [Int32](repeating: 0, count: ranked.count)
        for (r, t) in ranked.enumerated() { rank[Int(t.index)] = Int32(r) }
        // A stable counting sort of the records by their customer's rank.
        var first = [Int32](repeating: 0, count: ranked.count + 1)
        for note in notes { first[Int(rank[Int(note.entry)]) + 1] += 1 }
        for r in 0..<ranked.count { first[r + 1] += first[r] }
        var order = [Int32](repeating: 0, count: notes.count)
        var fill = first
        for (i, note) in notes.enumerated() {
            let r = Int(rank[Int(note.entry)])
            order[Int(fill[r])] = Int32(i)
            fill[r] += 1
        }
        return Grouped(customers: ranked.map(\.customer), first: first, order: order)
    }

    /// Writes every projection's values and index rows of every touched customer, and the checkpoint.
    ///
    /// `writingIndexes` must write the batch's `customer_events` (and may write its `event_ids`),
    /// given the batch's records grouped by customer: it runs on this thread while the first
    /// projection's first blocks fold, and the customers folded again from the log read those
    /// entries afterwards. It must not write the values or the secondary indexes.
    package mutating func finish(sequence: UInt64, names: NameCache, schema: StoreSchema, in txn: WriteTransaction,
                                 writingIndexes: (Grouped) throws -> Void) throws {
        let groups = grouped()
        (lastBatchSorted, lastBatchRefolded) = (0, 0)
        var indexesWritten = false
        for projection in projections {
            let databases = try schema.databases(of: projection)
            var fold = BatchFold(groups: groups, projection: projection, notes: notes)
            // The stored values, copied out before any is rewritten (a rewrite may reuse their pages).
            try fold.copyStoredValues(databases.values, in: txn)
            try arena.withUnsafeBytes { arenaBytes in
                try fold.run(arena: arenaBytes, databases: databases, schema: schema, in: txn, meanwhile: {
                    if !indexesWritten { try writingIndexes(groups) }
                    indexesWritten = true
                })
            }
            lastBatchSorted = max(lastBatchSorted, fold.sorted)
            lastBatchRefolded = max(lastBatchRefolded, fold.refolded)
            try IndexChanges.apply(removing: fold.removed, inserting: fold.inserted, indexes: projection.indexes,
                                   databases: databases.indexes, names: names, schema: schema, in: txn)
        }
        if !indexesWritten { try writingIndexes(groups) }
        if newestTime >= 0 {
            let stored = try schema.metaUInt64(MetaKey.newestTime, in: txn)
            if stored.map({ UInt64(newestTime) > $0 }) ?? true { try schema.setMeta(MetaKey.newestTime, UInt64(newestTime), in: txn) }
        }
        try schema.setMeta(MetaKey.checkpoint, sequence, in: txn)
    }
}

/// Where a batch's record lies in the arena, and whose it is.
struct BatchNote {
    var start: Int
    var length: Int32
    /// The customer's place in the batch's touched customers.
    var entry: Int32
}
