import LMDB

/// A filter of the ids of every event in the log, kept by the writer across transactions: an id whose
/// bits are not all set is certainly new, and skips the `event_ids` lookup (a B-tree descent through
/// pages that miss the cache: a fifth of the writer's time in a batched API append). An id whose
/// bits are set is looked up as before, so the filter never decides that an event is a duplicate.
///
/// A blocked Bloom filter: each id sets 7 bits in one 64-byte block (one cache miss per check), about
/// 10 bits an id (~1 % false positives when full), over the 32 hash bits `event_ids` keeps, so it can
/// be filled from that database. It is made for twice the ids it holds, and for at least
/// ``capacityMin``: memory is 1.25–2.5 bytes per stored event and at least 1.25 MiB, in writing
/// processes only.
///
/// It must hold every stored id (extra ones only cost lookups). ``synchronize(schema:lastSequence:expected:in:)``
/// ensures that at the start of each write transaction: it fills the filter from `event_ids` when the
/// writer's lookups without one have added up (``lookupsPerFill``), when it is too small, or after a
/// roll-back (``MetaKey/rollBackEpoch``), and adds the ids of events that other processes appended since
/// this one's last commit (``committed()``).
package struct IDFilter {
    /// A filter is made for a batch of at least this many ids, or once the ids looked up without one
    /// (this batch's and earlier ones') reach 1/``lookupsPerFill`` of the log.
    package static let idsMin = 65_536
    /// Reading one id into a filter costs about a fiftieth of looking one up in `event_ids` (a
    /// descent through pages out of cache): ~50 ns against ~2.3 µs, measured appending 200 k events in
    /// batches of 10 k into a 1 M-event log, where lookups were 85 % of the time. So a writer does
    /// lookups until they would have cost about as much as a fill, then fills (the ski-rental rule: at
    /// most about twice the cost of the better choice made in hindsight); 32 rather than 50 leans to
    /// filling a little early. Before, a filter was made only for a batch of a sixteenth of the log:
    /// a service appending batches of 10 k to a 1 M log never had one, and appended 5× slower than
    /// into an empty log.
    package static let lookupsPerFill = 32
    /// Filters are made for at least this many ids (1.25 MiB). A filter cannot grow: one that is full
    /// is made again, twice as large, from `event_ids`. Made for 64 k ids, a log that grew from empty
    /// in batches of 10 k was read back three times by 200 k events (a tenth of the batched API
    /// append's instructions).
    package static let capacityMin = 1 << 20
    package static let bitsPerID = 10

    package init() {}

    private var words: [UInt64] = []
    private var blocks = 0
    /// Ids the filter was sized for, and ids added.
    private var capacity = 0
    private var count = 0
    /// The filter holds the id of every event up to here, in roll-back epoch `epoch`.
    private var coveredThrough: UInt64 = 0
    private var epoch: UInt64 = 0
    /// The last sequence of the transaction in progress, covered once it commits (nil: none).
    private var pending: UInt64?
    /// Events expected by the transactions begun without a filter since the last fill: about the ids
    /// looked up in `event_ids` (an estimate: it counts duplicates, and transactions that aborted).
    private var idsWithoutFilter = 0
    /// Ids added from the log (other processes' events) and fills from `event_ids`, for tests.
    package private(set) var idsReadFromLog = 0
    package private(set) var fills = 0

    /// Whether there is a filter to ask (else every id is looked up).
    package var isActive: Bool { blocks > 0 }

    /// Brings the filter in line with the log at the start of a write transaction expecting
    /// `expected` new events; see the type's description. `lastSequence` is the log's last.
    package mutating func synchronize(schema: StoreSchema, lastSequence: UInt64, expected: Int, in txn: WriteTransaction) throws {
        pending = lastSequence
        let stored = try schema.events.count(in: txn)  // one `event_ids` entry per event
        let epoch = try schema.metaUInt64(MetaKey.rollBackEpoch, in: txn) ?? 0
        let needed = stored + expected
        if !isActive {
            guard expected > 0 else { return }
            guard expected >= Self.idsMin || (idsWithoutFilter + expected) * Self.lookupsPerFill >= stored else {
                idsWithoutFilter += expected
                return
            }
        } else if epoch == self.epoch && lastSequence >= coveredThrough && needed <= capacity {
            if lastSequence > coveredThrough { try addFromLog(after: coveredThrough, through: lastSequence, schema: schema, in: txn) }
            coveredThrough = lastSequence
            return
        }
        try fill(schema: schema, capacity: max(Self.capacityMin, 2 * needed), in: txn)
        idsWithoutFilter = 0
        self.epoch = epoch
        coveredThrough = lastSequence
    }

    /// Notes the id of an event appended at `sequence` (its hash; only the ``IDEntry/kept`` bits count).
    @inline(__always)
    package mutating func noteAppended(_ hash: UInt64, sequence: UInt64) {
        pending = sequence
        add(hash)
    }

    /// Whether the id with this hash may be stored: `false` means certainly not.
    @inline(__always)
    package func mayContain(_ hash: UInt64) -> Bool {
        guard isActive else { return true }
        var (base, b) = position(hash)
        return words.withUnsafeBufferPointer { w in
            var missing: UInt64 = 0
            for _ in 0..<7 {
                let bit = Int(truncatingIfNeeded: b & 511)
                missing |= (1 << UInt64(bit & 63)) & ~w[base + bit >> 6]
                b >>= 9
            }
            return missing == 0
        }
    }

    /// Loads the block that ``mayContain(_:)`` will read for this hash, ahead of it (see
    /// ``LogWriter/touch(idHash:customerHash:batch:)``); returns a word of it.
    @inline(__always)
    package func touch(_ hash: UInt64) -> UInt64 {
        guard isActive else { return 0 }
        let (base, _) = position(hash)
        // A block's eight words may straddle two cache lines (an array's elements are not 64-byte aligned).
        return words.withUnsafeBufferPointer { $0[base] &+ $0[base + 7] }
    }

    /// The transaction that ``synchronize(schema:lastSequence:expected:in:)`` started has committed:
    /// its events need not be read from the log at the next one.
    package mutating func committed() {
        if let pending { coveredThrough = max(coveredThrough, pending) }
        pending = nil
    }

    @inline(__always)
    private mutating func add(_ hash: UInt64) {
        guard isActive else { return }
        let blocks = blocks
        words.withUnsafeMutableBufferPointer { Self.set(hash, blocks: blocks, in: $0) }
        count += 1
        // Past its capacity the filter would answer "maybe" more and more: stop asking it.
        if count > capacity { self.blocks = 0; words = [] }
    }

    /// Sets the 7 bits of `hash` in a filter of `blocks` blocks.
    @inline(__always)
    private static func set(_ hash: UInt64, blocks: Int, in w: UnsafeMutableBufferPointer<UInt64>) {
        var (base, b) = position(hash, blocks: blocks)
        for _ in 0..<7 {
            let bit = Int(truncatingIfNeeded: b & 511)
            w[base + bit >> 6] |= 1 << UInt64(bit & 63)
            b >>= 9
        }
    }

    /// The first word of a hash's 64-byte block, and 63 bits that pick its 7 bits there (9 bits each:
    /// the word of the block and the bit of the word). Only the kept hash bits are used: a filter
    /// filled from `event_ids` must agree with one fed by appends.
    @inline(__always)
    private func position(_ hash: UInt64) -> (Int, UInt64) { Self.position(hash, blocks: blocks) }

    @inline(__always)
    private static func position(_ hash: UInt64, blocks: Int) -> (Int, UInt64) {
        let h = (hash >> 32) &* 0x9E37_79B9_7F4A_7C15
        let block = Int(truncatingIfNeeded: ((h >> 32) &* UInt64(blocks)) >> 32)
        return (block * 8, (h ^ (h >> 29)) &* 0xBF58_476D_1CE4_E5B9)
    }

    /// A filter for `capacity` ids, holding every id in `event_ids`. It is switched on only once
    /// filled: a walk that fails half way leaves no filter (a partial one would call stored ids new).
    private mutating func fill(schema: StoreSchema, capacity: Int, in txn: WriteTransaction) throws {
        blocks = 0
        words = []
        fills += 1
        let filledBlocks = max(1, (capacity * Self.bitsPerID + 511) / 512)
        var filled = [UInt64](repeating: 0, count: filledBlocks * 8)
        var added = 0
        // Into the new words in place (adding through `add` checked the array's uniqueness per id).
        try filled.withUnsafeMutableBufferPointer { w in
            try schema.forEachIDEntry(in: txn) { entry in
                Self.set(entry.hash, blocks: filledBlocks, in: w)
                added += 1
            }
        }
        (self.capacity, blocks, words, count) = (capacity, filledBlocks, filled, added)
    }

    /// Adds the ids of the events in (`after`, `through`], read from the log.
    private mutating func addFromLog(after: UInt64, through: UInt64, schema: StoreSchema, in txn: WriteTransaction) throws {
        try schema.events.forEach(in: txn, from: after + 1) { key, value in
            guard try UInt64(lmdbBytes: key) <= through else { return false }
            add(stableHash64(try EventRecord(value).idAndPayload().0))
            idsReadFromLog += 1
            return true
        }
    }
}
