import LMDB
import Synchronization

import Dispatch

/// Keeps the projections current inside the append's write transaction: the batch's records are
/// kept in an arena as they are appended; when the batch finishes, each touched customer's stored
/// facts are loaded once, its new records folded in (customers split over the cores, each one's
/// facts in cache), and the facts written back with their index entries — log, facts, indexes and
/// checkpoint commit together.
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
    /// The touched customers, in order of first touch; ``entries`` are made from them at finish.
    private var touched: [UInt32] = []
    /// The batch's records, back to back.
    private var arena: [UInt8] = []
    /// Per record: where it starts in the arena, its length, and its customer's place in `touched`.
    private var starts: [Int] = []
    private var lengths: [Int32] = []
    private var entryOf: [Int32] = []
    private var newestTime: Int64 = -1
    private var record = RecordWriter()
    private var key: [UInt8] = []

    init(policy: Policy) {
        self.policy = policy
        self.fold = FoldPolicy(policy)
    }

    mutating func begin() {
        for c in touched where Int(c) < slot.count { slot[Int(c)] = 0 }
        touched.removeAll(keepingCapacity: true)
        entries.removeAll(keepingCapacity: true)
        arena.removeAll(keepingCapacity: true)
        starts.removeAll(keepingCapacity: true)
        lengths.removeAll(keepingCapacity: true)
        entryOf.removeAll(keepingCapacity: true)
        newestTime = -1
    }

    /// Takes note of one appended event; it is folded when the batch finishes.
    mutating func apply(_ record: EventRecord, schema: StoreSchema, in txn: WriteTransaction) throws {
        let c = Int(record.customer)
        if c >= slot.count { slot.append(contentsOf: repeatElement(0, count: max(c + 1 - slot.count, slot.count))) }
        starts.append(arena.count)
        lengths.append(Int32(record.bytes.count))
        arena.append(contentsOf: record.bytes)
        if slot[c] == 0 {
            touched.append(record.customer)
            slot[c] = UInt32(touched.count)
        }
        entryOf.append(Int32(slot[c]) - 1)
        newestTime = max(newestTime, record.time)
    }

    /// Loads the touched customers' stored facts and folds the batch's records into them.
    private mutating func foldBatch(schema: StoreSchema, in txn: WriteTransaction) throws {
        entries.reserveCapacity(touched.count)
        for customer in touched {
            let stored = try schema.facts.withValue(customer, in: txn) { bytes in
                try bytes.map { (b) throws(JourneyError) in try CustomerFacts(decoding: b) }
            }
            entries.append(Entry(customer: customer, facts: stored ?? CustomerFacts(), original: stored.flatMap(IndexEntries.init),
                                 needsRefold: false))
        }
        // The records grouped by customer (a stable counting sort), so each customer's are read
        // from a list of independent addresses rather than by following links from one to the next.
        var first = [Int32](repeating: 0, count: entries.count + 1)
        for k in entryOf { first[Int(k) + 1] += 1 }
        for k in 0..<entries.count { first[k + 1] += first[k] }
        var order = [Int32](repeating: 0, count: entryOf.count)
        var fill = first
        for (i, k) in entryOf.enumerated() {
            order[Int(fill[Int(k)])] = Int32(i)
            fill[Int(k)] += 1
        }
        let fold = self.fold
        let failure = Mutex<(any Error)?>(nil)
        let workers = entries.count >= 4096 ? 2 : 1
        arena.withUnsafeBytes { arenaBytes in
            let shared = UnsafeSendable((arenaBytes, starts, lengths, order, first))
            entries.withUnsafeMutableBufferPointer { buffer in
                let out = UnsafeSendable(buffer)
                DispatchQueue.concurrentPerform(iterations: workers) { worker in
                    let (arenaBytes, starts, lengths, order, first) = shared.value
                    let count = out.value.count
                    var k = worker * count / workers
                    let end = (worker + 1) * count / workers
                    do {
                        while k < end {
                            for n in Int(first[k])..<Int(first[k + 1]) {
                                let i = Int(order[n])
                                let bytes = UnsafeRawBufferPointer(rebasing: arenaBytes[starts[i]..<starts[i] + Int(lengths[i])])
                                if try !FactsFold.applyInOrder(try EventRecord(bytes), to: &out.value[k].facts, policy: fold) {
                                    out.value[k].needsRefold = true
                                    break
                                }
                            }
                            k += 1
                        }
                    } catch {
                        failure.withLock { $0 = $0 ?? error }
                    }
                }
            }
        }
        if let error = failure.withLock({ $0 }) { throw error }
    }

    /// Writes the facts and index entries of every touched customer, and the checkpoint.
    mutating func finish(sequence: UInt64, names: NameCache, schema: StoreSchema, in txn: WriteTransaction) throws {
        try foldBatch(schema: schema, in: txn)
        for k in entries.indices where entries[k].needsRefold {
            entries[k].facts = try FactsFold.refold(entries[k].customer, schema: schema, policy: fold, in: txn)
        }
        // In key order: the facts pages are written front to back, new customers appended.
        entries.sort { $0.customer < $1.customer }
        var removed: [BuyerEntry] = [], inserted: [BuyerEntry] = []
        try schema.facts.withCursor(in: txn) { cursor in
            var putter = try AscendingPutter(cursor)
            for k in entries.indices {
                // In place: a copy of the entry would copy its facts' arrays.
                entries[k].facts.normalizeSets()
                entries[k].facts.encode(into: &record)
                let customer = entries[k].customer, original = entries[k].original
                try record.bytes.withUnsafeBytes { bytes in _ = try putter.put(customer, bytes: bytes) }
                let updated = IndexEntries(entries[k].facts)
                if updated == original { continue }
                if let original { removed.append(BuyerEntry(customer: customer, entries: original)) }
                if let updated { inserted.append(BuyerEntry(customer: customer, entries: updated)) }
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
