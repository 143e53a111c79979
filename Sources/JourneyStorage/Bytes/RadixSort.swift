/// A stable least-significant-digit radix sort on `bits` of an unsigned key: digits of up to 11 bits
/// below 65,536 items (a small count table), up to 16 above.
///
/// Only the bits in which the keys differ are sorted on (one pass finds them), so callers pass the
/// whole range their keys may use. A batch's touched customers, a rebuild's index keys and a fold's
/// long product lists sort here in a few linear passes, where a comparison sort with a closure took
/// ~7 % of an ingest. Stable: entries with equal keys keep their order, so entries in sequence order
/// stay in sequence order within a key.
package func radixSort<T>(_ items: inout [T], bits requested: Range<Int>, key: (T) -> UInt64) {
    guard items.count > 1 else { return }
    // Narrow the range to the bits that vary: above the highest one, every key is the same.
    let first = extract(key(items[0]), requested)
    var differ: UInt64 = 0
    for item in items { differ |= extract(key(item), requested) ^ first }
    guard differ != 0 else { return }
    let bits = requested.lowerBound..<(requested.lowerBound + 64 - differ.leadingZeroBitCount)
    guard items.count >= 256 else {
        // Small batches: a comparison sort, made stable by the position.
        let sorted = items.enumerated().sorted { a, b in
            let ka = extract(key(a.element), bits), kb = extract(key(b.element), bits)
            return ka != kb ? ka < kb : a.offset < b.offset
        }
        items = sorted.map(\.element)
        return
    }
    // As few passes as digits of at most 11 bits (below 65,536 items) or 16 allow, the bits
    // spread evenly over them: 17 bits sort in two passes of 9, not one of 16 and one of 1.
    let digitMax = items.count < 1 << 16 ? 11 : 16
    let passes = (bits.count + digitMax - 1) / digitMax
    let digit = (bits.count + passes - 1) / passes
    var buffer = items
    var counts = [Int](repeating: 0, count: 1 << digit)
    var shift = bits.lowerBound
    var inBuffer = false
    while shift < bits.upperBound {
        let width = min(digit, bits.upperBound - shift)
        let mask = (UInt64(1) << UInt64(width)) - 1
        for k in 0..<(1 << width) { counts[k] = 0 }
        if inBuffer {
            for item in buffer { counts[Int((key(item) >> UInt64(shift)) & mask)] += 1 }
        } else {
            for item in items { counts[Int((key(item) >> UInt64(shift)) & mask)] += 1 }
        }
        var sum = 0
        for k in 0..<(1 << width) { let c = counts[k]; counts[k] = sum; sum += c }
        if inBuffer {
            items.withUnsafeMutableBufferPointer { out in
                for item in buffer {
                    let d = Int((key(item) >> UInt64(shift)) & mask)
                    out[counts[d]] = item
                    counts[d] += 1
                }
            }
        } else {
            buffer.withUnsafeMutableBufferPointer { out in
                for item in items {
                    let d = Int((key(item) >> UInt64(shift)) & mask)
                    out[counts[d]] = item
                    counts[d] += 1
                }
            }
        }
        inBuffer.toggle()
        shift += width
    }
    if inBuffer { swap(&items, &buffer) }
}

@inline(__always)
private func extract(_ key: UInt64, _ bits: Range<Int>) -> UInt64 {
    let width = bits.upperBound - bits.lowerBound
    let mask = width >= 64 ? UInt64.max : (UInt64(1) << UInt64(width)) - 1
    return (key >> UInt64(bits.lowerBound)) & mask
}

/// Sorts `items`, whose keys are uniformly distributed (hashes), by key and then by `tie`: one
/// counting pass places them by the top bits of the key into buckets of one or two items on average
/// (up to 2^16 buckets), then each bucket is sorted in cache: by insertion when small, by the
/// standard library's sort otherwise. A batch's event ids sort so in two passes over the batch,
/// where a radix sort on all 60 bits of their hashes made four. Keys that are not uniform (ids chosen
/// to share their hashes' top bits) make large buckets: still correct, and O(n log n).
package func sortUniformKeys<T>(_ items: inout [T], key: (T) -> UInt64, tie: (T) -> UInt64) {
    let n = items.count
    guard n > 1 else { return }
    // About n buckets (a bucket per 2^16 items was four per item at 10 k: the counts and their
    // copy, zeroed and scanned per batch, cost more than the items).
    let bits = min(16, Int.bitWidth - 1 - n.leadingZeroBitCount)
    let shift = UInt64(64 - bits)
    var starts = [Int](repeating: 0, count: (1 << bits) + 1)
    var sorted = items
    starts.withUnsafeMutableBufferPointer { starts in
        for item in items { starts[Int(key(item) >> shift) + 1] += 1 }
        for k in 0..<(1 << bits) { starts[k + 1] += starts[k] }
        sorted.withUnsafeMutableBufferPointer { out in
            // Filled from each bucket's end down, so that `starts[d]` ends at the bucket's start.
            for item in items.reversed() {
                let d = Int(key(item) >> shift) + 1
                starts[d] -= 1
                out[starts[d]] = item
            }
            func precedes(_ a: T, _ b: T) -> Bool {
                let ka = key(a), kb = key(b)
                return ka != kb ? ka < kb : tie(a) < tie(b)
            }
            // Bucket d is now out[starts[d + 1] ..< starts[d + 2]] (the last ends at n).
            for d in 0..<(1 << bits) {
                let lo = starts[d + 1], hi = d + 1 < (1 << bits) ? starts[d + 2] : n
                guard hi - lo > 1 else { continue }
                guard hi - lo <= 32 else {
                    // A large bucket (keys that are not uniform): insertion would be quadratic.
                    var bucket = UnsafeMutableBufferPointer(rebasing: out[lo..<hi])
                    bucket.sort(by: precedes)
                    continue
                }
                for i in (lo + 1)..<hi {
                    let x = out[i]
                    var j = i
                    while j > lo && precedes(x, out[j - 1]) {
                        out[j] = out[j - 1]
                        j -= 1
                    }
                    out[j] = x
                }
            }
        }
    }
    items = sorted
}

/// Sorts `items` by `areInIncreasingOrder`, given a `key` that orders them the same way except that
/// items with equal keys may be in either order (such as a string's first bytes): a radix sort on
/// the keys, then a comparison sort of each run of equal keys.
package func sortByKeyThenComparing<T>(_ items: inout [T], key: (T) -> UInt64, by areInIncreasingOrder: (T, T) -> Bool) {
    var keyed = items.map { (key: key($0), item: $0) }
    radixSort(&keyed, bits: 0..<64) { $0.key }
    var runStart = 0
    for k in 1..<keyed.count + 1 where k == keyed.count || keyed[k].key != keyed[runStart].key {
        if k - runStart > 1 { keyed[runStart..<k].sort { areInIncreasingOrder($0.item, $1.item) } }
        runStart = k
    }
    items = keyed.map(\.item)
}
