import JourneyStorage
import Dispatch
import LMDB
import Synchronization

/// Every customer's facts folded from the whole log: what rebuild writes and verify compares.
///
/// One cursor pass over `events` copies each record into its customer block's chunks (a block is
/// ``blockSize`` consecutive customer numbers): a few hundred sequential write streams, where
/// scattering each record straight to its customer would miss the cache on every one. When the
/// caller can lend a second snapshot of the same log, the pass is split in two halves of the key
/// range read on two threads. Then ``fold(_:)`` sorts each block's records by customer in cache,
/// folds the customers on two threads with one reusable scratch ``CustomerFacts`` each (no
/// allocation per customer), and hands the blocks' encoded facts to the caller in customer order
/// while the next blocks fold. A customer whose events are not in (time, id) order is sorted and folded again,
/// so the result is exactly the live projections'.
struct FullFold {
    let customers: Int
    let events: Int
    let lastSequence: UInt64
    let newestTime: Int64
    /// The copied records; block k's are in `parts[0].chunks[k]`, then `parts[1].chunks[k]` (log order).
    private let parts: [ChunkedRecords]
    private let policy: FoldPolicy

    /// Customers folded per block: a block's records (~10 events a customer, ~32 bytes each) fit
    /// in a core's L2 cache while it sorts and folds them.
    static let blockShift = 10
    static let blockSize = 1 << blockShift

    /// Reads the log as `txn` sees it. `progress` is called with the number of events read so far.
    ///
    /// - Parameter helper: the environment of `txn`, in which a second thread opens a read
    ///   transaction to copy the second half of the log. Pass it only when `txn` has not changed
    ///   `events`. The helper's half is used only when its snapshot is the one `txn` sees
    ///   (``ReadableTransaction/snapshotID``: the same, or one less for a write transaction, which
    ///   excludes any other writer); otherwise this thread reads the whole log.
    init(schema: StoreSchema, policy: Policy, in txn: some ReadableTransaction, helper env: Environment? = nil,
         progress: ((Int) -> Void)? = nil) throws {
        let customers = Int(try schema.metaUInt32(MetaKey.nameCount(.customer), in: txn) ?? 0)
        let blocks = (customers + Self.blockSize - 1) >> Self.blockShift
        let (first, last): (UInt64, UInt64) = try schema.events.withCursor(in: txn) { cursor in
            guard let a = try cursor.first(), let b = try cursor.last() else { return (0, 0) }
            return (try UInt64(lmdbBytes: a.key), try UInt64(lmdbBytes: b.key))
        }
        func read(from: UInt64?, below: UInt64? = nil, in txn: some ReadableTransaction,
                  progress: ((Int) -> Void)? = nil) throws -> ChunkedRecords {
            try ChunkedRecords(schema.events, customers: customers, blocks: blocks, from: from, below: below, in: txn, progress: progress)
        }
        let parts: [ChunkedRecords]
        if last > first + 4096, let env {
            // The second half on a helper thread, in its own snapshot (or here, if it saw another one).
            let split = first + (last - first) / 2
            parts = try withHelper(inSnapshotOf: txn, of: env, { helperTxn in try read(from: split, in: helperTxn) }) { secondHalf in
                let firstHalf = try read(from: nil, below: split, in: txn, progress: progress)
                return [firstHalf, try secondHalf()?.get() ?? read(from: split, in: txn)]
            }
        } else {
            parts = [try read(from: nil, in: txn, progress: progress)]
        }
        self.customers = customers
        self.events = parts.reduce(0) { $0 + $1.events }
        self.lastSequence = parts.map(\.lastSequence).max() ?? 0
        self.newestTime = parts.map(\.newestTime).max() ?? -1
        self.parts = parts
        self.policy = FoldPolicy(policy)
        guard lastSequence == last else { throw JourneyError(.corrupted, "the log changed while it was read") }
        progress?(events)
    }

    /// Folds every customer and calls `body` on the calling thread with each block of customers'
    /// facts, in customer order. A second thread folds blocks ahead while `body` runs. Returns the
    /// number of customers whose events had to be sorted first. Each block's copied records are
    /// freed once it is folded: call this once.
    func fold(_ body: (FoldedBlock) throws -> Void) throws -> Int {
        var refolded = 0
        try foldBlocksInOrder(parts[0].blocks, fold: { b, scratch in try foldBlock(b, scratch: &scratch) }) { block in
            refolded += block.refolded
            try body(block)
        }
        return refolded
    }

    /// Folds customers of block `b` into encoded facts.
    private func foldBlock(_ b: Int, scratch: inout FoldScratch) throws -> FoldedBlock {
        let first = 1 + b << Self.blockShift
        let end = min(customers + 1, first + Self.blockSize)
        var block = FoldedBlock(firstCustomer: UInt32(first))
        // Room for as much as this worker's last block took, so the buffer rarely grows and moves.
        block.bytes.reserveCapacity(scratch.lastBlockBytes + scratch.lastBlockBytes / 8)
        defer { scratch.lastBlockBytes = block.bytes.count }
        block.ends.reserveCapacity(end - first)
        // Sort the block's records by customer (stable: log order within a customer), copying them
        // into one buffer in that order, so the fold reads them front to back (reading them where
        // the log's order left them, a cache miss per record was most of this function's time).
        let customersHere = end - first
        scratch.fill.removeAll(keepingCapacity: true)
        scratch.fill.append(contentsOf: repeatElement(0, count: customersHere + 1))
        scratch.byteFill.removeAll(keepingCapacity: true)
        scratch.byteFill.append(contentsOf: repeatElement(0, count: customersHere + 1))
        var count = 0, bytes = 0
        // Through pointers: a subscript of the scratch's arrays checked their uniqueness per record.
        try scratch.fill.withUnsafeMutableBufferPointer { fill in
            try scratch.byteFill.withUnsafeMutableBufferPointer { byteFill in
                for part in parts {
                    try part.forEachRecord(inBlock: b) { record in
                        let c = Int(UInt32(littleEndian: record.loadUnaligned(fromByteOffset: EventRecord.customerOffset, as: UInt32.self)))
                        guard c >= first && c < end else { throw RecordReader.corrupt }
                        fill[c - first + 1] += 1
                        byteFill[c - first + 1] += record.count
                        count += 1
                        bytes += record.count
                    }
                }
                for k in 1..<fill.count {
                    fill[k] += fill[k - 1]
                    byteFill[k] += byteFill[k - 1]
                }
            }
        }
        // Moved out while the fold (which changes the scratch) reads through pointers into them.
        var places = scratch.places, sorted = scratch.sorted
        scratch.places = []
        scratch.sorted = []
        defer {
            scratch.places = places
            scratch.sorted = sorted
        }
        places.removeAll(keepingCapacity: true)
        places.append(contentsOf: repeatElement(RecordPlace(start: UnsafeRawPointer(bitPattern: 1)!, length: 0), count: count))
        if sorted.count < bytes { sorted = [UInt8](repeating: 0, count: bytes + bytes / 4) }
        try sorted.withUnsafeMutableBytes { sorted in
            try places.withUnsafeMutableBufferPointer { places in
                try scratch.fill.withUnsafeMutableBufferPointer { fill in
                    try scratch.byteFill.withUnsafeMutableBufferPointer { byteFill in
                        for part in parts {
                            try part.forEachRecord(inBlock: b) { record in
                                let c = Int(UInt32(littleEndian: record.loadUnaligned(fromByteOffset: EventRecord.customerOffset, as: UInt32.self)))
                                let slot = Int(fill[c - first]), at = byteFill[c - first]
                                fill[c - first] += 1
                                byteFill[c - first] += record.count
                                let copy = sorted.baseAddress! + at
                                copy.copyMemory(from: record.baseAddress!, byteCount: record.count)
                                places[slot] = RecordPlace(start: UnsafeRawPointer(copy), length: UInt32(record.count))
                            }
                        }
                    }
                }
            }
            // The copies are all the fold reads.
            for part in parts { part.release(block: b) }
            // Placing advanced each customer's start to its end: customer i's records now end at
            // fill[i] and start where customer i − 1's end.
            try places.withUnsafeMutableBufferPointer { places in
                for c in first..<end {
                    let lo = c == first ? 0 : Int(scratch.fill[c - first - 1]), hi = Int(scratch.fill[c - first])
                    if lo < hi {
                        let run = UnsafeMutableBufferPointer(rebasing: places[lo..<hi])
                        // Most customers' events are in time order; the others are sorted and folded again.
                        if try !scratch.fold(UnsafeBufferPointer(run), policy: policy, strictlyAscending: true) {
                            try scratch.foldSorting(run, policy: policy)
                            block.refolded += 1
                        }
                        if let entries = scratch.append(to: &block) { block.buyers.append(BuyerEntry(customer: UInt32(c), entries: entries)) }
                    }
                    block.ends.append(Int32(block.bytes.count))
                }
            }
        }
        return block
    }
}

/// Records copied out of the map into chunks, per block of customers, each record as a 4-byte
/// length and its bytes. A block's chunks are freed by ``release(block:)`` once it is folded, the
/// rest with the last copy of this value.
struct ChunkedRecords: @unchecked Sendable {
    // @unchecked: written by the thread that reads the log; then each block is read and released
    // by one folding thread.
    static let chunkBytes = 64 << 10

    private let storage: ChunkStorage
    let blocks: Int
    private(set) var events = 0
    private(set) var lastSequence: UInt64 = 0
    private(set) var newestTime: Int64 = -1

    private init(blocks: Int) {
        storage = ChunkStorage(blocks: blocks)
        self.blocks = blocks
    }

    /// Copies the records with keys in `from ..< below` (either end open when `nil`).
    init(_ log: Database<UInt64, [UInt8]>, customers: Int, blocks: Int, from: UInt64?, below: UInt64? = nil,
         in txn: some ReadableTransaction, progress: ((Int) -> Void)? = nil) throws {
        self.init(blocks: blocks)
        let storage = self.storage
        var events = 0, newest: Int64 = -1
        var lastKey: UnsafeRawBufferPointer?
        // Where each block's current chunk has room, and its end.
        var next = [UnsafeMutableRawPointer?](repeating: nil, count: blocks)
        var limit = [UnsafeMutableRawPointer?](repeating: nil, count: blocks)
        try next.withUnsafeMutableBufferPointer { next in
            try limit.withUnsafeMutableBufferPointer { limit in
                try log.forEach(in: txn, from: from) { key, value in
                    // Not UInt64(lmdbBytes:): a generic from another module, unspecialized, per record.
                    guard key.count == 8 else { throw JourneyError(.corrupted, "events holds a key of \(key.count) bytes") }
                    let sequence = UInt64(bigEndian: key.loadUnaligned(as: UInt64.self))
                    if let below, sequence >= below { return false }
                    let record: EventRecord
                    do { record = try EventRecord(value) } catch {
                        throw JourneyError(.corrupted, "events #\(sequence): record truncated or malformed")
                    }
                    let c = Int(record.customer)
                    guard c >= 1 && c <= customers else {
                        throw JourneyError(.corrupted, "events #\(sequence): names customer \(c) of \(customers)")
                    }
                    if record.time > newest { newest = record.time }
                    let k = (c - 1) >> FullFold.blockShift
                    let n = value.count
                    if next[k] == nil || limit[k]! - next[k]! < n + 4 {
                        if let used = next[k] { storage.close(block: k, at: used) }
                        let chunk = storage.open(block: k, bytes: max(Self.chunkBytes, n + 4))
                        next[k] = chunk.baseAddress!
                        limit[k] = chunk.baseAddress! + chunk.count
                    }
                    let at = next[k]!
                    at.storeBytes(of: UInt32(n), as: UInt32.self)
                    (at + 4).copyMemory(from: value.baseAddress!, byteCount: n)
                    next[k] = at + 4 + n
                    events += 1
                    lastKey = key
                    if events & 0xFFFFF == 0 { progress?(events) }
                    return true
                }
            }
        }
        for k in 0..<blocks { if let used = next[k] { storage.close(block: k, at: used) } }
        self.events = events
        self.lastSequence = try lastKey.map { try UInt64(lmdbBytes: $0) } ?? 0
        self.newestTime = newest
    }

    /// Frees block `k`'s records (``FullFold/fold(_:)`` once the block is folded: the memory goes to
    /// the blocks' facts and LMDB's pages, which would otherwise each fault in fresh pages).
    func release(block k: Int) {
        guard k < blocks else { return }
        storage.release(block: k)
    }

    /// Calls `body` with each record of block `k`, in log order.
    @inline(__always)
    func forEachRecord(inBlock k: Int, _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        guard k < blocks else { return }
        for chunk in storage.chunks(k) {
            var at = UnsafeRawPointer(chunk.baseAddress!)
            let end = at + chunk.count
            while at < end {
                let n = Int(at.loadUnaligned(as: UInt32.self))
                try body(UnsafeRawBufferPointer(start: at + 4, count: n))
                at += 4 + n
            }
        }
    }
}

/// The chunks of a ``ChunkedRecords``: per block, the used part of each chunk.
final class ChunkStorage: @unchecked Sendable {
    // @unchecked: filled by one thread; then each block's list is read, and released, by one
    // thread at a time (the lists are separate values behind a pointer, so threads working on
    // different blocks do not share one).
    /// Per block, its chunks, each trimmed to its used part once closed; nil once released.
    private let lists: UnsafeMutablePointer<[UnsafeMutableRawBufferPointer]?>
    private let blocks: Int

    init(blocks: Int) {
        self.blocks = blocks
        lists = .allocate(capacity: max(blocks, 1))
        lists.initialize(repeating: [], count: max(blocks, 1))
    }

    /// The chunks of block `k`.
    func chunks(_ k: Int) -> [UnsafeMutableRawBufferPointer] {
        guard let list = lists[k] else { preconditionFailure("a block's records are read after they were released") }
        return list
    }

    /// A new chunk for block `k`, to be closed with ``close(block:at:)`` when full.
    func open(block k: Int, bytes: Int) -> UnsafeMutableRawBufferPointer {
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: bytes, alignment: 16)
        lists[k]!.append(chunk)
        return chunk
    }

    /// Trims block `k`'s last chunk to what was written, up to `end`.
    func close(block k: Int, at end: UnsafeMutableRawPointer) {
        let last = lists[k]!.count - 1
        let chunk = lists[k]![last]
        lists[k]![last] = UnsafeMutableRawBufferPointer(start: chunk.baseAddress, count: end - chunk.baseAddress!)
    }

    /// Frees block `k`'s chunks: its records are not read again.
    func release(block k: Int) {
        for chunk in lists[k] ?? [] { chunk.deallocate() }
        lists[k] = nil
    }

    deinit {
        for k in 0..<blocks { release(block: k) }
        lists.deinitialize(count: max(blocks, 1))
        lists.deallocate()
    }
}

/// Where a record lies in memory.
struct RecordPlace {
    var start: UnsafeRawPointer
    var length: UInt32
}

/// One worker's reusable fold state.
struct FoldScratch {
    var facts = CustomerFacts()
    var places: [RecordPlace] = []
    var fill: [Int32] = []
    /// Per customer of a block, where its records start in ``sorted`` (then end, once placed).
    var byteFill: [Int] = []
    /// A block's records, in customer order.
    var sorted: [UInt8] = []
    var lastBlockBytes = 0

    /// Folds the records at `places` into `facts` from scratch. With `strictlyAscending`, stops and
    /// returns `false` at a record whose time is not after the previous one's (equal times need
    /// their ids to order them); without, the records must be in (time, id) order.
    mutating func fold(_ places: UnsafeBufferPointer<RecordPlace>, policy: FoldPolicy, strictlyAscending: Bool) throws(JourneyError) -> Bool {
        facts.reset()
        for p in places {
            let record = EventRecord(checked: UnsafeRawBufferPointer(start: p.start, count: Int(p.length)))
            if strictlyAscending {
                guard try FactsFold.applyInOrder(record, to: &facts, policy: policy) else { return false }
            } else {
                try facts.apply(record, policy: policy)
            }
        }
        return true
    }

    /// Appends the folded facts to `block`'s bytes and returns their index entries (`nil`: not a
    /// buyer); the customer's end is recorded by the caller. (Mutating: reading `facts` in place,
    /// where passing them on copied the whole value.)
    mutating func append(to block: inout FoldedBlock) -> IndexEntries? {
        facts.normalizeSets()
        facts.encode(appendingTo: &block.bytes)
        return IndexEntries(facts)
    }

    /// Sorts the records at `places` into fold order and folds them from scratch: for records not
    /// in (time, id) order.
    mutating func foldSorting(_ places: UnsafeMutableBufferPointer<RecordPlace>, policy: FoldPolicy) throws(JourneyError) {
        try Self.sortByTimeAndID(places)
        _ = try fold(UnsafeBufferPointer(places), policy: policy, strictlyAscending: false)
    }

    /// Sorts records into the order the live projections fold in (``FactsFold/foldOrder(_:)``).
    static func sortByTimeAndID(_ places: UnsafeMutableBufferPointer<RecordPlace>) throws(JourneyError) {
        let original = Array(places)
        let records = original.map { EventRecord(checked: UnsafeRawBufferPointer(start: $0.start, count: Int($0.length))) }
        for (k, from) in try FactsFold.foldOrder(records).enumerated() { places[k] = original[from] }
    }
}

/// A buyer's index entries, as folded.
struct BuyerEntry {
    var customer: UInt32
    var entries: IndexEntries

    /// Notes a customer's index entries changing from `old` to `new` (`nil`: not a buyer): the
    /// entries to remove and to insert, if they differ.
    static func change(of customer: UInt32, from old: IndexEntries?, to new: IndexEntries?,
                       removing: inout [BuyerEntry], inserting: inout [BuyerEntry]) {
        guard new != old else { return }
        if let old { removing.append(BuyerEntry(customer: customer, entries: old)) }
        if let new { inserting.append(BuyerEntry(customer: customer, entries: new)) }
    }

    var netSpend: Int128 { entries.netSpend }
    var lastPurchase: Int64 { entries.lastPurchase }
    var orders: Int { entries.orders }
}

/// Folds blocks `0 ..< blocks` with `foldBlock`, on the calling thread and a helper thread, and
/// calls `body` on the calling thread with each folded block, in block order, while the next
/// blocks fold. `foldBlock` runs on both threads at once: it may only read shared state.
/// `meanwhile` runs on the calling thread first, while the helper (there is one for two blocks or
/// more) folds.
func foldBlocksInOrder(_ blocks: Int, meanwhile: () throws -> Void = {}, fold foldBlock: (Int, inout FoldScratch) throws -> FoldedBlock,
                       _ body: (FoldedBlock) throws -> Void) throws {
    guard blocks > 0 else { return try meanwhile() }
    try withoutActuallyEscaping(foldBlock) { foldBlock in
        let shared = UnsafeSendable(foldBlock)
        let next = Atomic<Int>(0)
        let stop = Atomic<Bool>(false)
        let done = Mutex<[FoldedBlock?]>(Array(repeating: nil, count: blocks))
        let failure = Mutex<(any Error)?>(nil)
        let finished = DispatchSemaphore(value: 0)
        let helperDone = DispatchGroup()

        @Sendable func work() {
            var scratch = FoldScratch()
            while !stop.load(ordering: .relaxed) {
                let b = next.wrappingAdd(1, ordering: .relaxed).oldValue
                guard b < blocks else { return }
                do {
                    let block = try shared.value(b, &scratch)
                    done.withLock { $0[b] = block }
                } catch {
                    failure.withLock { $0 = $0 ?? error }
                    stop.store(true, ordering: .relaxed)
                }
                finished.signal()
            }
        }
        if blocks > 1 { DispatchQueue.global().async(group: helperDone) { work() } }
        defer {
            stop.store(true, ordering: .relaxed)
            helperDone.wait()  // the helper runs foldBlock, which must not outlive this call
        }
        try meanwhile()
        var scratch = FoldScratch()
        var written = 0
        while written < blocks {
            if let error = failure.withLock({ $0 }) { throw error }
            if let block = done.withLock({ b -> FoldedBlock? in let x = b[written]; b[written] = nil; return x }) {
                try body(block)
                written += 1
                continue
            }
            // Not ready: fold the next block here, or wait for the helper's.
            let b = next.wrappingAdd(1, ordering: .relaxed).oldValue
            if b < blocks {
                let block = try foldBlock(b, &scratch)
                done.withLock { $0[b] = block }
            } else {
                finished.wait()
            }
        }
    }
}

/// Encoded facts of a block of customers: consecutive ones from ``FullFold/fold(_:)``, or those
/// listed in ``customers`` (the live projector's).
struct FoldedBlock {
    let firstCustomer: UInt32
    /// When not empty, the customer of each position; otherwise position k is `firstCustomer + k`.
    var customers: [UInt32] = []
    /// The encoded facts, one after another.
    var bytes: [UInt8] = []
    /// Per customer of the block, the end of its facts in `bytes`; a customer without events (or,
    /// in the live projector's, one to fold again from the log: see ``refolds``) has an empty range.
    var ends: [Int32] = []
    /// Buyers' index entries: all of them in a full fold; those that changed in the live projector's.
    var buyers: [BuyerEntry] = []
    /// The live projector's: index entries to remove (the customers' entries before this batch).
    var removed: [BuyerEntry] = []
    /// The live projector's: positions of customers whose batch events are older than their
    /// stored facts, to be folded again from their whole history.
    var refolds: [Int] = []
    /// Customers whose events were sorted before folding.
    var refolded = 0
    /// What the live projector's loads ahead read, kept so that they are not optimised away.
    var loaded: UInt64 = 0

    init(firstCustomer: UInt32) { self.firstCustomer = firstCustomer }


    /// Calls `body` with each customer that has facts and its encoded facts.
    func forEachCustomer(_ body: (UInt32, UnsafeRawBufferPointer) throws -> Void) rethrows {
        try bytes.withUnsafeBytes { all in
            var start = 0
            for (k, end) in ends.enumerated() {
                let end = Int(end)
                if end > start {
                    let customer = customers.isEmpty ? firstCustomer + UInt32(k) : customers[k]
                    try body(customer, UnsafeRawBufferPointer(rebasing: all[start..<end]))
                }
                start = end
            }
        }
    }
}

/// The secondary indexes' keys of a whole population, in key order, in flat buffers.
struct IndexImage {
    private let spend: SpendKeys
    private let lastPurchase: [(Int64, UInt32)]
    private let orders: [(Int, UInt32)]

    /// Sorts `buyers` (in any order) into the three indexes' orders, reading the
    /// customers' ids in one walk of `name_list`.
    init(_ buyers: [BuyerEntry], schema: StoreSchema, in txn: some ReadableTransaction) throws {
        try self.init(buyers) { body in try schema.forEachCustomerID(buyers.lazy.map(\.customer), in: txn, body) }
    }

    /// Sorts `buyers` into the three indexes' orders; `ids` calls its argument with each buyer's
    /// position and id bytes.
    ///
    /// Integer radix sorts, stable, on buyers put in customer order first: `by_last_purchase` and
    /// `by_orders` are then sorted on their first field alone, and `by_spend` on the spend, with
    /// only runs of equal spend compared on the ids' bytes.
    init(_ buyers: [BuyerEntry], ids: ((Int, UnsafeRawBufferPointer) throws -> Void) throws -> Void) throws {
        let byCustomer = Self.customerOrder(buyers)
        // by_last_purchase and by_orders on a second thread while this one sorts by_spend, for
        // large populations.
        let shared = UnsafeSendable((byCustomer, buyers))
        let sorted = Mutex<([(Int64, UInt32)], [(Int, UInt32)])>(([], []))
        let helper = DispatchGroup()
        let work = { @Sendable in
            let (byCustomer, buyers) = shared.value
            let result = Self.timesAndCounts(buyers, byCustomer: byCustomer)
            sorted.withLock { $0 = result }
        }
        if buyers.count >= 4096 { DispatchQueue.global().async(group: helper, execute: work) } else { work() }
        defer { helper.wait() }  // also on a throw: the helper reads copies, but finishes first
        spend = try SpendKeys(buyers, byCustomer: byCustomer, ids: ids)
        helper.wait()
        (lastPurchase, orders) = sorted.withLock { $0 }
    }

    /// Positions of `buyers` by customer number, so the stable sorts break ties on it.
    private static func customerOrder(_ buyers: [BuyerEntry]) -> [(customer: UInt32, position: Int)] {
        var byCustomer = buyers.indices.map { (customer: buyers[$0].customer, position: $0) }
        if !zip(byCustomer, byCustomer.dropFirst()).allSatisfy({ $0.customer < $1.customer }) {
            radixSort(&byCustomer, bits: 0..<32) { UInt64($0.customer) }
        }
        return byCustomer
    }

    /// `by_last_purchase` (time, customer) and `by_orders` (orders, customer) entries, sorted.
    private static func timesAndCounts(_ buyers: [BuyerEntry], byCustomer: [(customer: UInt32, position: Int)])
        -> ([(Int64, UInt32)], [(Int, UInt32)]) {
        var times = byCustomer.map { (UInt64(buyers[$0.position].lastPurchase), $0.customer) }
        radixSort(&times, bits: 0..<64) { $0.0 }
        var counts = byCustomer.map { (UInt64(buyers[$0.position].orders), $0.customer) }
        radixSort(&counts, bits: 0..<64) { $0.0 }
        return (times.map { (Int64($0.0), $0.1) }, counts.map { (Int($0.0), $0.1) })
    }

    /// Calls `body` with each `by_spend` key and its customer, in key order.
    func forEachSpendKey(_ body: (UnsafeRawBufferPointer, UInt32) throws -> Void) rethrows {
        try spend.forEach(body)
    }

    /// Calls `body` with each `by_last_purchase` key, in key order.
    func forEachLastPurchaseKey(_ body: (UnsafeRawBufferPointer) throws -> Void) rethrows {
        for (t, c) in lastPurchase { try IndexKeys.withLastPurchaseKey(t, customer: c, body) }
    }

    /// Calls `body` with each `by_orders` key, in key order.
    func forEachOrdersKey(_ body: (UnsafeRawBufferPointer) throws -> Void) rethrows {
        for (n, c) in orders { try IndexKeys.withOrdersKey(n, customer: c, body) }
    }

    /// Adds the entries to the three indexes in key order: with `MDB_APPEND` once above the keys
    /// already stored (all of them after a rebuild emptied the indexes), so pages come out full.
    func write(schema: StoreSchema, in txn: WriteTransaction) throws {
        try spend.write(schema, in: txn)
        try Self.write(lastPurchase: lastPurchase, orders: orders, schema: schema, in: txn)
    }

    private static func write(lastPurchase: [(Int64, UInt32)], orders: [(Int, UInt32)], schema: StoreSchema,
                              in txn: WriteTransaction) throws {
        let empty = UnsafeRawBufferPointer(start: nil, count: 0)
        try schema.byLastPurchase.withCursor(in: txn) { cursor in
            var putter = try AscendingPutter(cursor)
            for (t, c) in lastPurchase { try IndexKeys.withLastPurchaseKey(t, customer: c) { _ = try putter.put(key: $0, value: empty) } }
        }
        try schema.byOrders.withCursor(in: txn) { cursor in
            var putter = try AscendingPutter(cursor)
            for (n, c) in orders { try IndexKeys.withOrdersKey(n, customer: c) { _ = try putter.put(key: $0, value: empty) } }
        }
    }

    /// Writes the indexes of `buyers` (every buyer, as a rebuild folds them) as ``write(schema:in:)``
    /// does, on two threads for a large population: a second one walks the buyers' ids in its own
    /// snapshot of `env` and sorts the `by_spend` keys while this one sorts and writes the other two
    /// indexes. (The walk and the sort were a quarter of a 10 M rebuild's time after its fold, with
    /// one core idle.) `txn` must not have changed `name_list`: the second thread's snapshot is
    /// checked to be the one `txn` began from, which holds as long as no other writer can commit
    /// meanwhile (LMDB's writer lock). When it is another one, or the second thread fails (say, no
    /// reader slot is free), this thread walks the ids itself (and reports what it finds).
    static func write(_ buyers: [BuyerEntry], schema: StoreSchema, in txn: WriteTransaction, helper env: Environment) throws {
        let byCustomer = customerOrder(buyers)
        func spendKeys(walkingIDsIn names: some ReadableTransaction) throws -> SpendKeys {
            try SpendKeys(buyers, byCustomer: byCustomer) { body in
                try schema.forEachCustomerID(buyers.lazy.map(\.customer), in: names, body)
            }
        }
        /// Writes the indexes, `by_spend` from the helper's keys, or (none, or it failed) from a
        /// walk here, which reports a real problem with the ids.
        func writeAll(_ helperKeys: () -> Result<SpendKeys, any Error>?) throws {
            let (lastPurchase, orders) = timesAndCounts(buyers, byCustomer: byCustomer)
            try write(lastPurchase: lastPurchase, orders: orders, schema: schema, in: txn)
            try ((try? helperKeys()?.get()) ?? spendKeys(walkingIDsIn: txn)).write(schema, in: txn)
        }
        guard buyers.count >= 4096 else { return try writeAll { nil } }
        try withHelper(inSnapshotOf: txn, of: env, { try spendKeys(walkingIDsIn: $0) }, writeAll)
    }
}

/// The `by_spend` keys of a population, in key order, back to back, with each key's end and customer.
private struct SpendKeys {
    private var bytes: [UInt8] = []
    private var ends: [Int] = []
    private var customers: [UInt32] = []

    /// Sorts the keys of `buyers` (listed by customer in `byCustomer`); `ids` calls its argument
    /// with each buyer's position and id bytes.
    ///
    /// Keys are 16 bytes of flipped spend, then the id. Three stable radix sorts, on the id's first 8
    /// bytes and then on the spend's two halves (a pass over bits that do not vary is skipped), order
    /// them on their first 24 bytes; only runs equal in all (ids sharing 8 bytes and a spend) are
    /// compared on whole keys.
    init(_ buyers: [BuyerEntry], byCustomer: [(customer: UInt32, position: Int)],
         ids: ((Int, UnsafeRawBufferPointer) throws -> Void) throws -> Void) throws {
        // Keys in buyer order.
        var unsorted: [UInt8] = [], unsortedEnds: [Int] = []
        unsorted.reserveCapacity(buyers.count * 28)
        unsortedEnds.reserveCapacity(buyers.count)
        var key: [UInt8] = []
        try ids { k, id in
            IndexKeys.spend(buyers[k].netSpend, customerID: id, into: &key)
            unsorted.append(contentsOf: key)
            unsortedEnds.append(unsorted.count)
        }
        guard unsortedEnds.count == buyers.count else { throw JourneyError(.corrupted, "a buyer's id is missing; run `journey verify`") }
        ends.reserveCapacity(buyers.count)
        customers.reserveCapacity(buyers.count)
        try unsorted.withUnsafeBytes { all in
            func key(_ k: Int) -> UnsafeRawBufferPointer {
                UnsafeRawBufferPointer(rebasing: all[(k == 0 ? 0 : unsortedEnds[k - 1])..<unsortedEnds[k]])
            }
            let s = IndexKeys.spendBytes
            var order = byCustomer.map { c -> (high: UInt64, low: UInt64, prefix: UInt64, position: Int) in
                let bytes = key(c.position)
                var prefix: UInt64 = 0
                for i in s..<min(s + 8, bytes.count) { prefix |= UInt64(bytes[i]) << UInt64(8 * (s + 7 - i)) }
                return (UInt64(bigEndian: bytes.loadUnaligned(as: UInt64.self)),
                        UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: 8, as: UInt64.self)), prefix, c.position)
            }
            radixSort(&order, bits: 0..<64) { $0.prefix }
            radixSort(&order, bits: 0..<64) { $0.low }
            radixSort(&order, bits: 0..<64) { $0.high }
            func same(_ a: Int, _ b: Int) -> Bool {
                order[a].high == order[b].high && order[a].low == order[b].low && order[a].prefix == order[b].prefix
            }
            var runStart = 0
            for k in 1..<order.count + 1 where k == order.count || !same(k, runStart) {
                if k - runStart > 1 {
                    order[runStart..<k].sort { key($0.position).lexicographicallyPrecedes(key($1.position)) }
                }
                runStart = k
            }
            bytes = [UInt8](unsafeUninitializedCapacity: all.count) { out, initialized in
                for (_, _, _, k) in order {
                    let bytes = key(k)
                    UnsafeMutableRawPointer(out.baseAddress! + initialized).copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
                    initialized += bytes.count
                    ends.append(initialized)
                    customers.append(buyers[k].customer)
                }
            }
            guard bytes.count == all.count else { throw JourneyError(.corrupted, "index keys do not add up") }
        }
    }

    /// Calls `body` with each key and its customer, in key order.
    func forEach(_ body: (UnsafeRawBufferPointer, UInt32) throws -> Void) rethrows {
        try bytes.withUnsafeBytes { all in
            var start = 0
            for (end, c) in zip(ends, customers) {
                try body(UnsafeRawBufferPointer(rebasing: all[start..<end]), c)
                start = end
            }
        }
    }

    /// Adds the keys to `by_spend` in key order (see ``IndexImage/write(schema:in:)``).
    func write(_ schema: StoreSchema, in txn: WriteTransaction) throws {
        try schema.bySpend.withCursor(in: txn) { cursor in
            var putter = try AscendingPutter(cursor)
            try forEach { key, c in
                var value = c.bigEndian
                try withUnsafeBytes(of: &value) { _ = try putter.put(key: key, value: $0) }
            }
        }
    }
}
