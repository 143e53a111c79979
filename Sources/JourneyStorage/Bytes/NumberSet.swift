/// A set of name numbers that is cheap to add to: an insert appends (a customer viewing 2,000
/// products would otherwise pay a search and a move per view), and the values are sorted and made
/// distinct in place when they are read through ``normalize()``, or when the appended values reach
/// twice the distinct count at the last normalization (at least ``normalizeAtLeast``): memory stays
/// within max(1,024, 2 × distinct) values, each value is sorted O(log n) times amortized.
@_spi(Storage) public struct NumberSet {
    /// Sorted and distinct up to `normalizedCount`, then as inserted.
    @usableFromInline var storage: [UInt32] = []
    /// The values held: sorted and distinct after ``normalize()``.
    public var values: [UInt32] { storage }
    @usableFromInline var normalizedCount = 0
    @usableFromInline var normalizeAt = NumberSet.normalizeAtLeast

    /// Appended values normalize at this many at least.
    public static let normalizeAtLeast = 1024

    /// An empty set.
    public init() {}

    /// A set from values already sorted and distinct (decoded facts).
    public init(sortedDistinct values: [UInt32]) {
        storage = values
        normalizedCount = values.count
    }

    /// Whether the set holds nothing.
    public var isEmpty: Bool { storage.isEmpty }

    /// The values, sorted and distinct (a sorted copy when values were added since ``normalize()``).
    public var sorted: [UInt32] {
        if normalizedCount == storage.count { return storage }
        var copy = self
        copy.normalize()
        return copy.values
    }

    /// Calls `body` with the values, sorted and distinct, in place when they are (no copy, no
    /// retain of the storage: encoding reads four sets per customer).
    @inlinable @inline(__always)
    public func withSorted<R>(_ body: (UnsafeBufferPointer<UInt32>) -> R) -> R {
        if normalizedCount == storage.count { return storage.withUnsafeBufferPointer(body) }
        return sorted.withUnsafeBufferPointer(body)
    }

    /// Adds `value` (appended; a repeat of the last value is dropped at once).
    @inlinable @inline(__always)
    public mutating func insert(_ value: UInt32) {
        if storage.last == value { return }
        storage.append(value)
        if storage.count >= normalizeAt {
            normalize()
            normalizeAt = max(Self.normalizeAtLeast, 2 * storage.count)
        }
    }

    /// Sorts the values and drops repeats, in place.
    public mutating func normalize() {
        guard normalizedCount != storage.count else { return }
        let distinct = storage.withUnsafeMutableBufferPointer { b -> Int in
            sortNumbers(b)
            var kept = 1
            for k in 1..<b.count where b[k] != b[kept - 1] {
                b[kept] = b[k]
                kept += 1
            }
            return kept
        }
        if distinct < storage.count { storage.removeLast(storage.count - distinct) }
        normalizedCount = distinct
    }

    /// Empties the set, keeping its storage.
    @inlinable
    public mutating func removeAll() {
        // Most sets are empty; `removeAll(keepingCapacity:)` is a generic replacement even then.
        if !storage.isEmpty { storage.removeAll(keepingCapacity: true) }
        normalizedCount = 0
        normalizeAt = Self.normalizeAtLeast
    }
}

/// Sorts `b` ascending in place: ``radixSort(_:bits:key:)`` for long lists, else insertion sort for
/// short runs and quicksort on a median of three, recursing into the smaller side (depth O(log n)).
/// The standard library's sort is a stable merge sort through a generic comparison, several times
/// slower on a fold's lists.
package func sortNumbers(_ b: UnsafeMutableBufferPointer<UInt32>) {
    if b.count >= 256 {
        var values = Array(b)
        radixSort(&values, bits: 0..<32) { UInt64($0) }
        _ = values.withUnsafeBufferPointer { b.update(fromContentsOf: $0) }
        return
    }
    guard var lo = b.baseAddress, b.count > 1 else { return }
    var hi = lo + b.count - 1
    while hi - lo >= 24 {
        // Median of three to `lo`; then Hoare partition around it.
        let mid = lo + (hi - lo) / 2
        if mid.pointee < lo.pointee { swap(&mid.pointee, &lo.pointee) }
        if hi.pointee < lo.pointee { swap(&hi.pointee, &lo.pointee) }
        if hi.pointee < mid.pointee { swap(&hi.pointee, &mid.pointee) }
        let pivot = mid.pointee
        var i = lo - 1, j = hi + 1
        while true {
            repeat { i += 1 } while i.pointee < pivot
            repeat { j -= 1 } while j.pointee > pivot
            if i >= j { break }
            swap(&i.pointee, &j.pointee)
        }
        // [lo, j] and [j + 1, hi]: recurse into the smaller, loop on the larger.
        if j - lo < hi - j {
            sortNumbers(UnsafeMutableBufferPointer(start: lo, count: j - lo + 1))
            lo = j + 1
        } else {
            sortNumbers(UnsafeMutableBufferPointer(start: j + 1, count: hi - j))
            hi = j
        }
    }
    var k = lo + 1
    while k <= hi {
        let v = k.pointee
        var at = k
        while at > lo && (at - 1).pointee > v {
            at.pointee = (at - 1).pointee
            at -= 1
        }
        at.pointee = v
        k += 1
    }
}
