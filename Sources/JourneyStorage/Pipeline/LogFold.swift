import Dispatch
import LMDB
import Synchronization

/// The whole log read once, and every customer's value of a projection folded from it: what rebuild
/// writes and verify compares (for each projection in turn, from the same copy of the log).
///
/// One cursor pass over `events` copies each record into its customer block's chunks (a block is
/// ``blockSize`` consecutive customer numbers): a few hundred sequential write streams, where
/// scattering each record straight to its customer would miss the cache on every one. When the
/// caller can lend a second snapshot of the same log, the pass is split in two halves of the key
/// range read on two threads. Then ``fold(_:)`` sorts each block's records by customer in cache,
/// folds the customers on two threads with one reusable folder each (no allocation per customer),
/// and hands the blocks' encoded values to the caller in customer order while the next blocks fold.
/// A customer whose events are not in (time, id) order is sorted first, so the result is exactly
/// the live projections'.
package struct LogFold {
    package let customers: Int
    package let events: Int
    package let lastSequence: UInt64
    package let newestTime: Int64
    /// The copied records; block k's are in `parts[0].chunks[k]`, then `parts[1].chunks[k]` (log order).
    private let parts: [ChunkedRecords]

    /// Customers folded per block: a block's records (~10 events a customer, ~32 bytes each) fit
    /// in a core's L2 cache while it sorts and folds them.
    package static let blockShift = 10
    package static let blockSize = 1 << blockShift

    /// Reads the log as `txn` sees it, only the events within `bound` (all by default). `progress`
    /// is called with the number of events read so far.
    ///
    /// - Parameter helper: the environment of `txn`, in which a second thread opens a read
    ///   transaction to copy the second half of the log. Pass it only when `txn` has not changed
    ///   `events`. The helper's half is used only when its snapshot is the one `txn` sees
    ///   (``ReadableTransaction/snapshotID``: the same, or one less for a write transaction, which
    ///   excludes any other writer); otherwise this thread reads the whole log.
    package init(schema: StoreSchema, in txn: some ReadableTransaction, helper env: Environment? = nil,
                 bound: LogBound = .all, progress: ((Int) -> Void)? = nil) throws {
        let customers = Int(try schema.metaUInt32(MetaKey.nameCount(.customer), in: txn) ?? 0)
        let blocks = (customers + Self.blockSize - 1) >> Self.blockShift
        let (first, stored): (UInt64, UInt64) = try schema.events.withCursor(in: txn) { cursor in
            guard let a = try cursor.first(), let b = try cursor.last() else { return (0, 0) }
            return (try UInt64(lmdbBytes: a.key), try UInt64(lmdbBytes: b.key))
        }
        let last = min(stored, bound.sequenceMax)
        let end = last < stored ? last + 1 : nil
        func read(from: UInt64?, below: UInt64?, in txn: some ReadableTransaction,
                  progress: ((Int) -> Void)? = nil) throws -> ChunkedRecords {
            try ChunkedRecords(schema.events, customers: customers, blocks: blocks, from: from, below: below,
                               timeMax: bound.timeMax, in: txn, progress: progress)
        }
        let parts: [ChunkedRecords]
        if last > first + 4096, let env {
            // The second half on a helper thread, in its own snapshot (or here, if it saw another one).
            let split = first + (last - first) / 2
            parts = try withHelper(inSnapshotOf: txn, of: env, { helperTxn in try read(from: split, below: end, in: helperTxn) }) { secondHalf in
                let firstHalf = try read(from: nil, below: split, in: txn, progress: progress)
                return [firstHalf, try secondHalf()?.get() ?? read(from: split, below: end, in: txn)]
            }
        } else {
            parts = [try read(from: nil, below: end, in: txn, progress: progress)]
        }
        self.customers = customers
        self.events = parts.reduce(0) { $0 + $1.events }
        self.lastSequence = parts.map(\.lastSequence).max() ?? 0
        self.newestTime = parts.map(\.newestTime).max() ?? -1
        self.parts = parts
        guard lastSequence == last else { throw JourneyError(.corrupted, "the log changed while it was read") }
        progress?(events)
    }

    /// Folds every customer into `projection`'s values and calls `body` on the calling thread with
    /// each block of customers' values, in customer order. A second thread folds blocks ahead while
    /// `body` runs. Returns the number of customers whose events had to be sorted first.
    ///
    /// - Parameter last: frees each block's copied records once it is folded; no projection can be
    ///   folded from this log afterwards.
    package func fold(_ projection: any CustomerProjection, last: Bool = true, _ body: (FoldedBlock) throws -> Void) throws -> Int {
        var refolded = 0
        try foldBlocksInOrder(parts[0].blocks, projection: projection, fold: { b, scratch in
            try foldBlock(b, releasing: last, scratch: &scratch)
        }) { block in
            refolded += block.refolded
            try body(block)
        }
        return refolded
    }

    /// Folds customers of block `b` into encoded values.
    ///
    /// The block's records are first sorted by customer (stable: log order within a customer) into
    /// one buffer, so the fold reads them front to back (read where the log's order left them, a
    /// cache miss per record was most of this function's time).
    private func foldBlock(_ b: Int, releasing: Bool, scratch: inout FoldScratch) throws -> FoldedBlock {
        let first = 1 + b << Self.blockShift
        let end = min(customers + 1, first + Self.blockSize)
        var block = FoldedBlock(firstCustomer: UInt32(first))
        // Room for as much as this worker's last block took, so the buffer rarely grows and moves.
        block.bytes.reserveCapacity(scratch.lastBlockBytes + scratch.lastBlockBytes / 8)
        defer { scratch.lastBlockBytes = block.bytes.count }
        block.ends.reserveCapacity(end - first)
        let (count, bytes) = try countRecords(ofBlock: b, customers: first..<end, scratch: &scratch)
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
                placeRecords(ofBlock: b, firstCustomer: first, into: sorted, places: places, scratch: &scratch)
                // The copies are all the fold reads.
                if releasing { for part in parts { part.release(block: b) } }
                // Placing advanced each customer's start to its end: customer i's records now end
                // at fill[i] and start where customer i − 1's end.
                for c in first..<end {
                    let lo = c == first ? 0 : Int(scratch.fill[c - first - 1]), hi = Int(scratch.fill[c - first])
                    if lo < hi {
                        let rows = try scratch.foldFromScratch(UnsafeMutableBufferPointer(rebasing: places[lo..<hi]), into: &block)
                        if !rows.isEmpty { block.rows.append(CustomerRows(customer: UInt32(c), rows: rows)) }
                    }
                    block.ends.append(Int32(block.bytes.count))
                }
            }
        }
        return block
    }

    /// Counts block `b`'s records and bytes per customer into the scratch's `fill` and `byteFill`,
    /// as running totals (where each customer's records start); returns the block's totals.
    private func countRecords(ofBlock b: Int, customers range: Range<Int>, scratch: inout FoldScratch) throws -> (count: Int, bytes: Int) {
        let first = range.lowerBound, end = range.upperBound
        scratch.fill.removeAll(keepingCapacity: true)
        scratch.fill.append(contentsOf: repeatElement(0, count: range.count + 1))
        scratch.byteFill.removeAll(keepingCapacity: true)
        scratch.byteFill.append(contentsOf: repeatElement(0, count: range.count + 1))
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
        return (count, bytes)
    }

    /// Copies block `b`'s records into `sorted` in customer order and notes where each lies.
    private func placeRecords(ofBlock b: Int, firstCustomer first: Int, into sorted: UnsafeMutableRawBufferPointer,
                              places: UnsafeMutableBufferPointer<RecordPlace>, scratch: inout FoldScratch) {
        scratch.fill.withUnsafeMutableBufferPointer { fill in
            scratch.byteFill.withUnsafeMutableBufferPointer { byteFill in
                for part in parts {
                    part.forEachRecord(inBlock: b) { record in
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
}
