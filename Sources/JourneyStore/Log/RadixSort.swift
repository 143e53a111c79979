/// A stable least-significant-digit radix sort on `bits` of an unsigned key: 11 bits a pass below
/// 65,536 items (a small count table), 16 bits above.
///
/// Only the bits in which the keys differ are sorted on (one pass finds them), so callers pass the
/// whole range their keys may use. The batch's index entries (a million on a large ingest) sort here
/// in a few linear passes where a comparison sort with a closure took ~7 % of ingest; a rebuild's
/// index keys and a fold's long product lists too. Stable: entries with equal keys keep their order,
/// so entries appended in sequence order stay in sequence order within a key.
func radixSort<T>(_ items: inout [T], bits requested: Range<Int>, key: (T) -> UInt64) {
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
    let digit = items.count < 1 << 16 ? 11 : 16
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
