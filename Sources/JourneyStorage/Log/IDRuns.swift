import LMDB

/// `event_ids` (store format 5): every event's ``IDEntry`` in sorted runs, per bucket.
///
/// | key | value |
/// |---|---|
/// | the bucket (the top 8 bits of the id's hash), then the run's highest sequence (``StoredSequence``, 5 bytes) | the run's entries: ``IDEntry/value``s, native-endian `UInt64`s in ascending order (kept hash bits, then sequence) |
///
/// A batch's entries of a bucket become one new run, first merged with the bucket's newest runs
/// while the newest is at most twice the size of what is being written (size-tiered, as in
/// log-structured merge trees): a bucket holds O(log n) runs, which at least double in size from
/// the newest to the oldest, and an entry is rewritten O(log n) times in all. A batch writes a few
/// puts per bucket of sequential bytes, whatever its size. Format 4 kept one 8-byte duplicate per
/// event under the bucket's key, so a batch's new ids went into the middle of the buckets: one
/// B-tree descent and page copy each, a third of a batched API append's time.
///
/// A lookup reads each run of its bucket, with a binary search in each.
package enum IDRuns: RunLayout {
    package typealias Prefix = UInt8
    package static let database = "event_ids"
    /// A run's key: the bucket, then the run's highest sequence (each sequence is in one run, so
    /// keys are unique).
    package typealias Key = RunKey<IDRuns>
    /// A run's newest runs are merged into a new one while they hold at most this many times its entries.
    package static let mergeRatio = 2

    package static func corrupt(_ what: String) -> JourneyError {
        JourneyError(.corrupted, "event_ids holds \(what); run `journey verify`")
    }

    /// The number of entries of a stored run, checking its size.
    @inline(__always)
    package static func count(_ value: UnsafeRawBufferPointer) throws(JourneyError) -> Int {
        guard !value.isEmpty, value.count % IDEntry.size == 0 else {
            throw corrupt("a run of \(value.count) bytes (a positive multiple of \(IDEntry.size))")
        }
        return value.count / IDEntry.size
    }

    @inline(__always)
    package static func entry(_ value: UnsafeRawBufferPointer, _ k: Int) -> UInt64 {
        value.loadUnaligned(fromByteOffset: k * IDEntry.size, as: UInt64.self)
    }

    /// Calls `body` with each stored sequence whose entry has `hash`'s kept bits, until it returns
    /// `true`; returns whether one did. `cursor` is on `event_ids`; `body` must not move it.
    package static func firstSequence(withHash hash: UInt64, cursor: Cursor, where body: (UInt64) throws -> Bool) throws -> Bool {
        let bucket = IDEntry.bucket(hash)
        let low = IDEntry(hash: hash, sequence: 0).value
        let high = low | StoredSequence.max
        var run = try cursor.seek(atLeast: Key(bucket, 0))
        while let (key, value) = run, Key.prefix(of: key) == bucket {
            let n = try count(value)
            // The first entry at or above `low`.
            var lo = 0, hi = n
            while lo < hi {
                let mid = (lo + hi) / 2
                if entry(value, mid) < low { lo = mid + 1 } else { hi = mid }
            }
            // `body` reads other databases; this cursor, and the value it lent, stay put.
            while lo < n, entry(value, lo) <= high {
                if try body(entry(value, lo) & StoredSequence.max) { return true }
                lo += 1
            }
            run = try cursor.next()
        }
        return false
    }

    /// Adds `run` (entries of `bucket`, ascending, with sequences above every stored one) as a new
    /// run, merged with the bucket's newest runs by the size-tiered rule. `run` is consumed (it holds
    /// what was written); `spare` is a reused buffer for the merges.
    package static func add(_ bucket: UInt8, _ run: inout [UInt64], cursor: Cursor, spare: inout [UInt64]) throws {
        guard !run.isEmpty else { return }
        let newest = highestSequence(run)
        while let (key, value) = try lastRun(of: bucket, cursor: cursor) {
            guard try Key(bytes: key).last < newest else { throw corrupt("a run of bucket \(bucket) past the log's new events") }
            let n = try count(value)
            guard n <= mergeRatio * run.count else { break }
            // Merge the stored run (ascending) with `run` into `spare`, then drop the stored one.
            // Written through pointers (an append per entry cost a capacity and uniqueness check:
            // most of a batched append's `event_ids` time).
            let m = n + run.count
            if spare.count < m { spare.append(contentsOf: repeatElement(0, count: m - spare.count)) }
            if spare.count > m { spare.removeLast(spare.count - m) }
            run.withUnsafeBufferPointer { run in
                spare.withUnsafeMutableBufferPointer { out in
                    var i = 0, j = 0, k = 0
                    while i < n && j < run.count {
                        let a = entry(value, i), b = run[j]
                        if a < b { out[k] = a; i += 1 } else { out[k] = b; j += 1 }
                        k += 1
                    }
                    while i < n { out[k] = entry(value, i); i += 1; k += 1 }
                    while j < run.count { out[k] = run[j]; j += 1; k += 1 }
                }
            }
            try cursor.deleteCurrent()
            swap(&run, &spare)
        }
        try putRun(bucket, run, cursor: cursor)
    }

    /// The entries of a stored run, copied out (the value lives only while its cursor stays put).
    package static func entries(_ value: UnsafeRawBufferPointer) throws -> [UInt64] {
        (0..<(try count(value))).map { entry(value, $0) }
    }

    /// The highest sequence of some entries: a run's key.
    package static func highestSequence(_ values: [UInt64]) -> UInt64 {
        values.reduce(0) { max($0, $1 & StoredSequence.max) }
    }

    /// Writes `values` (ascending, not empty) as a run, keyed by their highest sequence; a run with
    /// that key already (which the invariants exclude) is corruption, not something to overwrite.
    package static func putRun(_ bucket: UInt8, _ values: [UInt64], cursor: Cursor) throws {
        let last = highestSequence(values)
        let written = try values.withUnsafeBytes { bytes in
            try Key(bucket, last).withBytes { key in try cursor.put(key: key, value: bytes, flags: .noOverwrite) }
        }
        guard written else { throw corrupt("two runs of bucket \(bucket) with highest sequence \(last)") }
    }

    /// The bucket's newest run, the cursor on it; `nil` (cursor anywhere) when it has none.
    package static func lastRun(of bucket: UInt8, cursor: Cursor) throws -> Cursor.Entry? {
        try cursor.lastEntry(below: bucket == .max ? nil : Key(bucket + 1, 0)) { Key.prefix(of: $0) == bucket }
    }
}

extension StoreSchema {
    /// Calls `body` with every entry of `event_ids`. With `ordered`, in (bucket, hash, sequence) order,
    /// as `verify` compares them; otherwise run by run. Checks each run's form on the way.
    package func forEachIDEntry(in txn: some ReadableTransaction, ordered: Bool = false, _ body: (IDEntry) throws -> Void) throws {
        var bucketEntries: [UInt64] = []
        var bucket: UInt8?
        func flush() throws {
            guard let b = bucket else { return }
            bucketEntries.sort()
            for v in bucketEntries { try body(IDEntry(bucket: b, value: v)) }
            bucketEntries.removeAll(keepingCapacity: true)
        }
        try eventIDs.forEach(in: txn) { keyBytes, value in
            let key = try IDRuns.Key(bytes: keyBytes)
            let n = try IDRuns.count(value)
            var previous: UInt64?, highest: UInt64 = 0
            if ordered && key.bucket != bucket { try flush() }
            bucket = key.bucket
            for k in 0..<n {
                let v = IDRuns.entry(value, k)
                guard previous.map({ v > $0 }) ?? true else { throw IDRuns.corrupt("a run whose entries do not ascend (bucket \(key.bucket))") }
                previous = v
                highest = max(highest, v & StoredSequence.max)
                if ordered { bucketEntries.append(v) } else { try body(IDEntry(bucket: key.bucket, value: v)) }
            }
            guard highest == key.last else {
                throw IDRuns.corrupt("a run keyed by sequence \(key.last) whose highest is \(highest) (bucket \(key.bucket))")
            }
            return true
        }
        if ordered { try flush() }
    }

    /// Removes the entries of sequences `first` and above from `event_ids` (a roll-back of the log's
    /// end): the runs holding any are rewritten without them.
    package func removeIDEntries(from first: UInt64, in txn: WriteTransaction) throws {
        try eventIDs.withCursor(in: txn) { cursor in
            for bucket in UInt8.min...UInt8.max {
                // Runs are keyed by their highest sequence: those to rewrite are the bucket's last.
                var kept: [UInt64] = []
                var rewritten = false
                while let (key, value) = try IDRuns.lastRun(of: bucket, cursor: cursor), try IDRuns.Key(bytes: key).last >= first {
                    kept += try IDRuns.entries(value).filter { $0 & StoredSequence.max < first }
                    try cursor.deleteCurrent()
                    rewritten = true
                }
                guard rewritten, !kept.isEmpty else { continue }
                kept.sort()
                try IDRuns.putRun(bucket, kept, cursor: cursor)
            }
        }
    }
}

extension RunKey where Layout == IDRuns {
    package var bucket: UInt8 { prefix }
    package var last: UInt64 { sequence }
}
