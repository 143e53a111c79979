import JourneyStorage
import LMDB
import Synchronization

import Dispatch

/// Keeps the projections current inside the append's write transaction: the batch's records are
/// kept in an arena as they are appended; when the batch finishes, the touched customers are put in
/// ascending order, each one's stored facts copied out once, and blocks of customers folded on two
/// threads (``foldBlocksInOrder(_:meanwhile:fold:_:)``, as a rebuild does) into encoded facts, which
/// this thread writes in key order while the next blocks fold — log, facts, indexes and checkpoint
/// commit together.
struct Projector {
    var policy: Policy
    var fold: FoldPolicy
    /// `slot[customer]` is 1 + the index of the customer in `touched`, 0 when untouched by this batch.
    private var slot: [UInt32] = []
    /// The touched customers, in order of first touch.
    private var touched: [UInt32] = []
    /// The batch's records, back to back.
    private var arena = ByteBuffer(capacity: 0)
    /// Per record: where it starts in the arena, its length, and its customer's place in `touched`
    /// (one array, one append per event: three cost a capacity and uniqueness check each).
    private var notes: [Note] = []
    private struct Note {
        var start: Int
        var length: Int32
        var entry: Int32
    }
    private var newestTime: Int64 = -1
    private var record = RecordWriter()
    private var key: [UInt8] = []
    /// Of the last batch: customers whose events were out of time order, sorted and folded from the
    /// batch (new customers) or folded again from the log (the others).
    private(set) var lastBatchSorted = 0, lastBatchRefolded = 0

    /// Customers folded per block: at most 512, and at least eight blocks for a batch of 512 or more
    /// customers, so that a small batch spreads over both threads too (a 10 k-event batch of ~1,000
    /// customers was two blocks, one per thread, and the writer's waited for the helper's).
    static func blockSize(customers: Int) -> Int { min(512, max(64, customers / 8)) }
    /// How many customers ahead of the one being folded the fold loads records (~10 records each).
    static let loadAhead = 4

    init(policy: Policy) {
        self.policy = policy
        self.fold = FoldPolicy(policy)
    }

    /// Starts a batch of about `expectedEvents` events (an estimate, to size the buffers).
    mutating func begin(expectedEvents: Int = 0) {
        for c in touched where Int(c) < slot.count { slot[Int(c)] = 0 }
        touched.removeAll(keepingCapacity: true)
        arena.removeAll()
        notes.removeAll(keepingCapacity: true)
        arena.reserve(expectedEvents * Self.recordBytesEstimate)
        notes.reserveCapacity(expectedEvents)
        newestTime = -1
    }

    /// About the size of a generated event's record.
    static let recordBytesEstimate = 40

    /// Takes note of one appended event; it is folded when the batch finishes.
    mutating func apply(_ record: EventRecord, schema: StoreSchema, in txn: WriteTransaction) throws {
        let c = Int(record.customer)
        if c >= slot.count { slot.append(contentsOf: repeatElement(0, count: max(c + 1 - slot.count, slot.count))) }
        if slot[c] == 0 {
            touched.append(record.customer)
            slot[c] = UInt32(touched.count)
        }
        notes.append(Note(start: arena.count, length: Int32(record.bytes.count), entry: Int32(slot[c]) - 1))
        arena.append(record.bytes)
        newestTime = max(newestTime, record.time)
    }

    /// The batch's records grouped by customer, customers in ascending order: `customer_events`
    /// order, since record i of the batch is its i-th appended event.
    struct Grouped {
        /// The touched customers, ascending.
        var customers: [UInt32]
        /// The records of `customers[r]` are `order[first[r] ..< first[r + 1]]`, in arrival order.
        var first: [Int32]
        var order: [Int32]
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

    /// Writes the facts and index entries of every touched customer, and the checkpoint.
    ///
    /// `writingIndexes` must write the batch's `customer_events` (and may write its `event_ids`),
    /// given the batch's records grouped by customer: it runs on this thread while the first blocks
    /// fold, and the customers folded again from the log read those entries afterwards. It must not
    /// write the facts or the secondary indexes.
    mutating func finish(sequence: UInt64, names: NameCache, schema: StoreSchema, in txn: WriteTransaction,
                         writingIndexes: (Grouped) throws -> Void) throws {
        let groups = grouped()
        let customers = groups.customers
        // The stored facts, copied out before any is rewritten (a rewrite may reuse their pages).
        var stored: [UInt8] = [], storedEnds: [Int] = []
        storedEnds.reserveCapacity(customers.count)
        try schema.facts.withCursor(in: txn) { cursor in
            for c in customers {
                if let entry = try cursor.seek(exactly: c) { stored.append(contentsOf: entry.value) }
                storedEnds.append(stored.count)
            }
        }
        var removed: [BuyerEntry] = [], inserted: [BuyerEntry] = []
        var sorted = 0, refolded = 0
        defer { (lastBatchSorted, lastBatchRefolded) = (sorted, refolded) }
        let blockSize = Self.blockSize(customers: customers.count)
        let blocks = (customers.count + blockSize - 1) / blockSize
        let fold = self.fold
        try arena.withUnsafeBytes { arenaBytes in
            try stored.withUnsafeBytes { storedBytes in
                func storedFacts(_ r: Int) -> UnsafeRawBufferPointer {
                    UnsafeRawBufferPointer(rebasing: storedBytes[(r == 0 ? 0 : storedEnds[r - 1])..<storedEnds[r]])
                }
                let notes = self.notes
                try schema.facts.withCursor(in: txn) { cursor in
                    var putter = try AscendingPutter(cursor)
                    var blockStart = 0  // the rank of the first customer of the block being written
                    try foldBlocksInOrder(blocks, meanwhile: { try writingIndexes(groups) }, fold: { b, scratch in
                        let lo = b * blockSize, hi = min(customers.count, lo + blockSize)
                        var block = FoldedBlock(firstCustomer: customers[lo])  // positions name their customers
                        block.customers = Array(customers[lo..<hi])
                        // The batch's records lie in the arena in arrival order, so a customer's are
                        // scattered: reading each cost a cache miss or two, one after another, most of
                        // the fold's time. Loading the records of the customers a few places ahead,
                        // independent loads the processor overlaps, has them in cache when folded.
                        var loaded: UInt64 = 0
                        func load(_ r: Int) {
                            guard r < hi else { return }
                            for n in Int(groups.first[r])..<Int(groups.first[r + 1]) {
                                let i = Int(groups.order[n])
                                loaded &+= UInt64(arenaBytes[notes[i].start + 2]) &+ UInt64(notes[i].length)
                            }
                        }
                        for r in lo..<min(hi, lo + Self.loadAhead) { load(r) }
                        for r in lo..<hi {
                            load(r + Self.loadAhead)
                            let before = storedFacts(r)
                            var original: IndexEntries?
                            if before.isEmpty {
                                scratch.facts.reset()
                            } else {
                                scratch.facts = try CustomerFacts(decoding: before)
                                original = IndexEntries(scratch.facts)
                            }
                            let records = Int(groups.first[r])..<Int(groups.first[r + 1])
                            var inOrder = true
                            for n in records {
                                let i = Int(groups.order[n])
                                let bytes = UnsafeRawBufferPointer(rebasing: arenaBytes[notes[i].start..<notes[i].start + Int(notes[i].length)])
                                guard try FactsFold.applyInOrder(EventRecord(checked: bytes), to: &scratch.facts, policy: fold) else {
                                    inOrder = false
                                    break
                                }
                            }
                            if !inOrder && before.isEmpty {
                                // A new customer: the batch holds its whole history, folded here in
                                // (time, id) order as a rebuild does, not again from the log.
                                var places = [RecordPlace]()
                                swap(&places, &scratch.places)
                                defer { swap(&places, &scratch.places) }
                                places.removeAll(keepingCapacity: true)
                                for n in records {
                                    let i = Int(groups.order[n])
                                    places.append(RecordPlace(start: arenaBytes.baseAddress! + notes[i].start, length: UInt32(notes[i].length)))
                                }
                                try places.withUnsafeMutableBufferPointer { try scratch.foldSorting($0, policy: fold) }
                                block.refolded += 1
                                inOrder = true
                            }
                            if inOrder {
                                BuyerEntry.change(of: customers[r], from: original, to: scratch.append(to: &block),
                                                  removing: &block.removed, inserting: &block.buyers)
                            } else {
                                block.refolds.append(r - lo)
                            }
                            block.ends.append(Int32(block.bytes.count))
                        }
                        block.loaded = loaded
                        return block
                    }) { block in
                        var refolds = block.refolds.makeIterator(), nextRefold = refolds.next()
                        try block.bytes.withUnsafeBytes { all in
                            var start = 0
                            for (k, end) in block.ends.enumerated() {
                                let customer = block.customers[k]
                                if k == nextRefold {
                                    // Events older than the stored facts: fold the whole history again.
                                    nextRefold = refolds.next()
                                    var facts = try FactsFold.refold(customer, schema: schema, policy: fold, in: txn)
                                    facts.normalizeSets()
                                    facts.encode(into: &record)
                                    try record.bytes.withUnsafeBytes { bytes in _ = try putter.put(customer, bytes: bytes) }
                                    // Only customers with stored facts are folded again from the log.
                                    let original = IndexEntries(try CustomerFacts(decoding: storedFacts(blockStart + k), lists: false))
                                    BuyerEntry.change(of: customer, from: original, to: IndexEntries(facts),
                                                      removing: &removed, inserting: &inserted)
                                    refolded += 1
                                } else {
                                    _ = try putter.put(customer, bytes: UnsafeRawBufferPointer(rebasing: all[start..<Int(end)]))
                                }
                                start = Int(end)
                            }
                        }
                        removed.append(contentsOf: block.removed)
                        inserted.append(contentsOf: block.buyers)
                        sorted += block.refolded
                        blockStart += block.ends.count
                    }
                }
            }
        }
        try IndexEntries.apply(removing: removed, inserting: inserted, names: names, schema: schema, key: &key, in: txn)
        if newestTime >= 0 {
            let stored = try schema.metaUInt64(MetaKey.newestTime, in: txn)
            if stored.map({ UInt64(newestTime) > $0 }) ?? true { try schema.setMeta(MetaKey.newestTime, UInt64(newestTime), in: txn) }
        }
        try schema.setMeta(MetaKey.checkpoint, sequence, in: txn)
    }
}
