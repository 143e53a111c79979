import Dispatch
import LMDB
import Synchronization

/// Hands a value to the fold's worker threads, which touch disjoint parts of it.
struct UnsafeSendable<T>: @unchecked Sendable {
    // @unchecked: each worker reads the shared lists and writes only its own customers' slots.
    let value: T
    init(_ value: T) { self.value = value }
}

/// Every customer's facts folded from the whole log: what rebuild writes and verify compares.
///
/// Two cursor passes over `events` (nothing decoded but the customer number and time) sort the
/// records' places in the map by customer, a counting sort over the dense customer numbers. Then
/// ``fold(_:)`` folds the customers in blocks on two threads, each with one reusable scratch
/// ``CustomerFacts`` (no allocation per customer), and hands the blocks' encoded facts to the caller
/// in customer order while the next blocks are folded. A customer whose events are not in
/// (time, id) order is sorted first, so the result is exactly the live projections'.
///
/// The record pointers point into the map: nothing may be written to `events` while a fold is alive.
struct FullFold {
    let customers: Int
    let events: Int
    let lastSequence: UInt64
    let newestTime: Int64
    /// Every record copied out of the map, grouped by block of ``blockSize`` customers, in log
    /// order within a block: block k's records are `lengths[offsets[first(k)] ..< offsets[first(k + 1)]]`
    /// long and start at `blockBytes[k]` in `arena`. `offsets[c]` counts the events of customers
    /// before c, so a block sorts its own records by customer in a few hundred KiB of cache.
    private let arena: Arena
    private let lengths: [UInt32]
    private let offsets: [Int32]
    private let blockBytes: [Int]
    private let policy: FoldPolicy

    /// Customers folded per block: a block's records (~10 events a customer, ~32 bytes each) fit
    /// in a core's L2 cache while it sorts and folds them.
    static let blockSize = 1024

    /// Reads the log as `txn` sees it. `progress` is called with the number of events read so far.
    init(schema: StoreSchema, policy: Policy, in txn: some ReadableTransaction, progress: ((Int) -> Void)? = nil) throws {
        let customers = Int(try schema.metaUInt32(MetaKey.nameCount(.customer), in: txn) ?? 0)
        let blocks = (customers + Self.blockSize - 1) / Self.blockSize
        var counts = [Int32](repeating: 0, count: customers + 2)
        var blockBytes = [Int](repeating: 0, count: blocks + 1)
        var events = 0, newest: Int64 = -1
        var lastKey: UnsafeRawBufferPointer?
        // First pass: events per customer and bytes per block.
        try counts.withUnsafeMutableBufferPointer { counts in
            try blockBytes.withUnsafeMutableBufferPointer { blockBytes in
                try schema.events.forEach(in: txn) { key, value in
                    let record = try EventRecord(value)
                    let c = Int(record.customer)
                    guard c >= 1 && c <= customers else {
                        throw JourneyError(.corrupted, "event \(try UInt64(lmdbBytes: key)) names customer \(c) of \(customers)")
                    }
                    if record.time > newest { newest = record.time }
                    counts[c + 1] += 1
                    blockBytes[(c - 1) / Self.blockSize + 1] += value.count
                    events += 1
                    lastKey = key
                    if events & 0xFFFFF == 0 { progress?(events) }
                    return true
                }
            }
        }
        guard events < Int(Int32.max) else {
            throw JourneyError(.storage, "a full fold handles at most \(Int32.max - 1) events; this log has \(events)")
        }
        for c in 1..<counts.count { counts[c] += counts[c - 1] }
        for k in 1..<blockBytes.count { blockBytes[k] += blockBytes[k - 1] }
        // Second pass: append each record to its block's region. A few hundred write streams stay
        // in cache, where scattering straight to each customer's place would miss on every record.
        let arena = Arena(bytes: blockBytes[blocks])
        var eventFill = (0..<blocks).map { counts[1 + $0 * Self.blockSize] }
        var byteFill = blockBytes
        var lengths = [UInt32](repeating: 0, count: events)
        var placed = 0
        try lengths.withUnsafeMutableBufferPointer { lengths in
            try eventFill.withUnsafeMutableBufferPointer { eventFill in
                try byteFill.withUnsafeMutableBufferPointer { byteFill in
                    try schema.events.forEach(in: txn) { _, value in
                        // Checked by the first pass, in this same snapshot.
                        let c = Int(UInt32(littleEndian: value.loadUnaligned(fromByteOffset: EventRecord.customerOffset, as: UInt32.self)))
                        let k = (c - 1) / Self.blockSize
                        let at = byteFill[k], n = value.count
                        guard placed < events, at + n <= byteFill[k + 1] || k + 1 == blocks, at + n <= arena.bytes.count else { return false }
                        lengths[Int(eventFill[k])] = UInt32(n)
                        eventFill[k] += 1
                        byteFill[k] = at + n
                        (arena.bytes.baseAddress! + at).copyMemory(from: value.baseAddress!, byteCount: n)
                        placed += 1
                        return true
                    }
                }
            }
        }
        guard placed == events else { throw JourneyError(.corrupted, "the log changed between two passes of one snapshot") }
        self.customers = customers
        self.events = events
        self.lastSequence = try lastKey.map { try UInt64(lmdbBytes: $0) } ?? 0
        self.newestTime = newest
        self.arena = arena
        self.lengths = lengths
        self.offsets = counts
        self.blockBytes = blockBytes
        self.policy = FoldPolicy(policy)
        progress?(events)
    }

    /// Folds every customer and calls `body` on the calling thread with each block of customers'
    /// facts, in customer order. A second thread folds blocks ahead while `body` runs. Returns the
    /// number of customers whose events had to be sorted first.
    func fold(_ body: (FoldedBlock) throws -> Void) throws -> Int {
        let blocks = (customers + Self.blockSize - 1) / Self.blockSize
        guard blocks > 0 else { return 0 }
        let shared = UnsafeSendable(self)
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
                    let block = try shared.value.foldBlock(b, scratch: &scratch)
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
            helperDone.wait()  // the helper reads the map: it must be done before the transaction can end
        }
        var scratch = FoldScratch()
        var refolded = 0
        var written = 0
        while written < blocks {
            if let error = failure.withLock({ $0 }) { throw error }
            if let block = done.withLock({ b -> FoldedBlock? in let x = b[written]; b[written] = nil; return x }) {
                refolded += block.refolded
                try body(block)
                written += 1
                continue
            }
            // Not ready: fold the next block here, or wait for the helper's.
            let b = next.wrappingAdd(1, ordering: .relaxed).oldValue
            if b < blocks {
                let block = try foldBlock(b, scratch: &scratch)
                done.withLock { $0[b] = block }
            } else {
                finished.wait()
            }
        }
        return refolded
    }

    /// Folds customers of block `b` into encoded facts.
    private func foldBlock(_ b: Int, scratch: inout FoldScratch) throws -> FoldedBlock {
        let first = 1 + b * Self.blockSize
        let end = min(customers + 1, first + Self.blockSize)
        var block = FoldedBlock(firstCustomer: UInt32(first))
        block.ends.reserveCapacity(end - first)
        let base = Int(offsets[first]), count = Int(offsets[end]) - base
        // Sort the block's records by customer (stable: log order within a customer).
        scratch.places.removeAll(keepingCapacity: true)
        scratch.places.append(contentsOf: repeatElement(RecordPlace(start: 0, length: 0), count: count))
        scratch.fill.removeAll(keepingCapacity: true)
        for c in first..<end { scratch.fill.append(offsets[c] - Int32(base)) }
        try lengths.withUnsafeBufferPointer { lengths in
            try scratch.places.withUnsafeMutableBufferPointer { places in
                try scratch.fill.withUnsafeMutableBufferPointer { fill in
                    var at = blockBytes[b]
                    for i in base..<(base + count) {
                        let n = Int(lengths[i])
                        guard n >= EventRecord.headerBytes, at + n <= blockBytes[b + 1] else { throw RecordReader.corrupt }
                        let c = Int(UInt32(littleEndian: arena.bytes.loadUnaligned(fromByteOffset: at + EventRecord.customerOffset, as: UInt32.self)))
                        let slot = Int(fill[c - first])
                        fill[c - first] += 1
                        places[slot] = RecordPlace(start: UInt32(at - blockBytes[b]), length: UInt32(n))
                        at += n
                    }
                }
            }
        }
        let origin = UnsafeRawPointer(arena.bytes.baseAddress! + blockBytes[b])
        var places = scratch.places
        scratch.places = []
        defer { scratch.places = places }
        try places.withUnsafeBufferPointer { places in
            for c in first..<end {
                let lo = Int(offsets[c]) - base, hi = Int(offsets[c + 1]) - base
                if lo < hi {
                    let records = RecordRun(origin: origin, places: UnsafeBufferPointer(rebasing: places[lo..<hi]))
                    if try scratch.foldInOrder(records, policy: policy) {
                        block.append(scratch.facts, customer: c)
                    } else {
                        var list: [EventRecord] = []
                        list.reserveCapacity(hi - lo)
                        try records.forEach { list.append($0) }
                        block.append(try FactsFold.fold(list, policy: policy), customer: c)
                        block.refolded += 1
                    }
                }
                block.ends.append(Int32(block.bytes.count))
            }
        }
        return block
    }
}

/// The bytes a fold copies the log into; freed with the fold.
final class Arena: @unchecked Sendable {
    // @unchecked: written once by the thread that builds the fold, then only read.
    let bytes: UnsafeMutableRawBufferPointer

    init(bytes count: Int) {
        bytes = .allocate(byteCount: max(count, 1), alignment: 16)
    }

    deinit { bytes.deallocate() }
}

/// Where a record lies in its block of the arena.
struct RecordPlace {
    var start: UInt32
    var length: UInt32
}

/// One customer's records, in log order.
struct RecordRun {
    let origin: UnsafeRawPointer
    let places: UnsafeBufferPointer<RecordPlace>

    @inline(__always)
    func forEach(_ body: (EventRecord) throws(JourneyError) -> Void) throws(JourneyError) {
        for p in places {
            try body(try EventRecord(UnsafeRawBufferPointer(start: origin + Int(p.start), count: Int(p.length))))
        }
    }
}

/// One worker's reusable fold state.
struct FoldScratch {
    var facts = CustomerFacts()
    var places: [RecordPlace] = []
    var fill: [Int32] = []

    /// Folds `records` into `facts` from scratch; `false` when they are not in strict time order.
    mutating func foldInOrder(_ records: RecordRun, policy: FoldPolicy) throws(JourneyError) -> Bool {
        facts.reset()
        for p in records.places {
            let record = try EventRecord(UnsafeRawBufferPointer(start: records.origin + Int(p.start), count: Int(p.length)))
            guard facts.eventsFolded == 0 || record.time > facts.lastSeen else { return false }
            try facts.apply(record, policy: policy)
        }
        return true
    }
}

/// A buyer's index entries, as folded.
struct BuyerEntry {
    var customer: UInt32
    var netSpend: Int64
    var lastPurchase: Int64
    var orders: Int
}

/// Encoded facts of consecutive customers, from ``FullFold/fold(_:)``.
struct FoldedBlock {
    let firstCustomer: UInt32
    /// The encoded facts, one after another.
    var bytes: [UInt8] = []
    /// Per customer of the block, the end of its facts in `bytes`; a customer without events has
    /// an empty range.
    var ends: [Int32] = []
    var buyers: [BuyerEntry] = []
    var refolded = 0

    init(firstCustomer: UInt32) { self.firstCustomer = firstCustomer }

    /// Appends the facts of `customer`; its end is recorded by the caller.
    mutating func append(_ facts: borrowing CustomerFacts, customer: Int) {
        facts.encode(appendingTo: &bytes)
        if let last = facts.lastPurchase {
            buyers.append(BuyerEntry(customer: UInt32(customer), netSpend: facts.netSpend, lastPurchase: last, orders: facts.orders))
        }
    }

    /// Calls `body` with each customer that has facts and its encoded facts.
    func forEachCustomer(_ body: (UInt32, UnsafeRawBufferPointer) throws -> Void) rethrows {
        try bytes.withUnsafeBytes { all in
            var start = 0
            for (k, end) in ends.enumerated() {
                let end = Int(end)
                if end > start { try body(firstCustomer + UInt32(k), UnsafeRawBufferPointer(rebasing: all[start..<end])) }
                start = end
            }
        }
    }
}

/// The secondary indexes' keys of a whole population, in key order, in flat buffers.
struct IndexImage {
    /// `by_spend` keys back to back, in key order, with each key's end and customer.
    private var spendBytes: [UInt8] = []
    private var spendEnds: [Int] = []
    private var spendCustomers: [UInt32] = []
    private var lastPurchase: [(Int64, UInt32)] = []
    private var orders: [(Int, UInt32)] = []

    var buyers: Int { spendCustomers.count }

    /// Sorts `buyers` (in ascending customer order) into the three indexes' orders, reading the
    /// customers' ids in one walk of `name_list`.
    init(_ buyers: [BuyerEntry], schema: StoreSchema, in txn: some ReadableTransaction) throws {
        // Keys in customer order, then a permutation sorted by key.
        var bytes: [UInt8] = [], ends: [Int] = []
        bytes.reserveCapacity(buyers.count * 20)
        ends.reserveCapacity(buyers.count)
        var key: [UInt8] = []
        try schema.forEachCustomerID(buyers.lazy.map(\.customer), in: txn) { k, id in
            IndexKeys.spend(buyers[k].netSpend, customerID: id, into: &key)
            bytes.append(contentsOf: key)
            ends.append(bytes.count)
        }
        let order: [Int] = bytes.withUnsafeBytes { all in
            func key(_ k: Int) -> UnsafeRawBufferPointer {
                UnsafeRawBufferPointer(rebasing: all[(k == 0 ? 0 : ends[k - 1])..<ends[k]])
            }
            return buyers.indices.sorted { a, b in
                let sa = buyers[a].netSpend, sb = buyers[b].netSpend
                if sa != sb { return sa > sb }
                return key(a).lexicographicallyPrecedes(key(b))
            }
        }
        spendBytes.reserveCapacity(bytes.count)
        spendEnds.reserveCapacity(buyers.count)
        spendCustomers.reserveCapacity(buyers.count)
        for k in order {
            spendBytes.append(contentsOf: bytes[(k == 0 ? 0 : ends[k - 1])..<ends[k]])
            spendEnds.append(spendBytes.count)
            spendCustomers.append(buyers[k].customer)
        }
        lastPurchase = buyers.map { ($0.lastPurchase, $0.customer) }
        lastPurchase.sort { $0 < $1 }
        orders = buyers.map { ($0.orders, $0.customer) }
        orders.sort { $0 < $1 }
    }

    /// Calls `body` with each `by_spend` key and its customer, in key order.
    func forEachSpendKey(_ body: (UnsafeRawBufferPointer, UInt32) throws -> Void) rethrows {
        try spendBytes.withUnsafeBytes { all in
            var start = 0
            for (end, c) in zip(spendEnds, spendCustomers) {
                try body(UnsafeRawBufferPointer(rebasing: all[start..<end]), c)
                start = end
            }
        }
    }

    /// Calls `body` with each `by_last_purchase` key, in key order.
    func forEachLastPurchaseKey(_ body: (UnsafeRawBufferPointer) throws -> Void) rethrows {
        for (t, c) in lastPurchase {
            var key = (UInt64(bitPattern: t).bigEndian, c.bigEndian)
            try withUnsafeBytes(of: &key) { try body(UnsafeRawBufferPointer(rebasing: $0[0..<12])) }
        }
    }

    /// Calls `body` with each `by_orders` key, in key order.
    func forEachOrdersKey(_ body: (UnsafeRawBufferPointer) throws -> Void) rethrows {
        for (n, c) in orders {
            var key = (UInt32(n).bigEndian, c.bigEndian)
            try withUnsafeBytes(of: &key) { try body($0) }
        }
    }

    /// Writes the three indexes, which must be empty, with `MDB_APPEND`.
    func write(schema: StoreSchema, in txn: WriteTransaction) throws {
        try schema.bySpend.withCursor(in: txn) { cursor in
            try forEachSpendKey { key, c in
                var value = c.bigEndian
                try withUnsafeBytes(of: &value) { _ = try cursor.put(key: key, value: $0, flags: .append) }
            }
        }
        let empty = UnsafeRawBufferPointer(start: nil, count: 0)
        try schema.byLastPurchase.withCursor(in: txn) { cursor in
            try forEachLastPurchaseKey { _ = try cursor.put(key: $0, value: empty, flags: .append) }
        }
        try schema.byOrders.withCursor(in: txn) { cursor in
            try forEachOrdersKey { _ = try cursor.put(key: $0, value: empty, flags: .append) }
        }
    }
}
