import LMDB

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

    /// Copies the records with keys in `from ..< below` (either end open when `nil`) and times at
    /// most `timeMax`.
    init(_ log: Database<UInt64, [UInt8]>, customers: Int, blocks: Int, from: UInt64?, below: UInt64? = nil,
         timeMax: Int64 = .max, in txn: some ReadableTransaction, progress: ((Int) -> Void)? = nil) throws {
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
                    lastKey = key
                    guard record.time <= timeMax else { return true }
                    if record.time > newest { newest = record.time }
                    let k = (c - 1) >> LogFold.blockShift
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

    /// Frees block `k`'s records (``LogFold/fold(_:)`` once the block is folded: the memory goes to
    /// the blocks' facts and LMDB's pages, which would otherwise each fault in fresh pages).
    func release(block k: Int) {
        guard k < blocks else { return }
        storage.release(block: k)
    }

    /// Calls `body` with each record of block `k`, in log order (a body that cannot throw makes a
    /// second pass over records already checked).
    @inline(__always)
    func forEachRecord(inBlock k: Int, _ body: (UnsafeRawBufferPointer) throws -> Void) rethrows {
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

