/// A set of name numbers, each with the last time it was added: a customer's products, categories,
/// campaigns or offers with the time of the newest event that named each (what a filter's
/// `within N days` asks). Cheap to add to, like ``NumberSet``: an insert appends (or moves the
/// time of the last entry when it repeats its number), and the entries are sorted by number, each
/// number once with its latest time, when read through ``normalize()`` or when the appended
/// entries reach twice the distinct count at the last normalization (at least
/// ``NumberSet/normalizeAtLeast``).
@_spi(Storage) public struct TimedNumberSet: Equatable, Sendable {
    /// A number and the last time it was added.
    public struct Entry: Equatable, Sendable {
        /// The name number.
        public var number: UInt32
        /// Epoch milliseconds.
        public var time: Int64

        /// An entry of `number` at `time`.
        @inlinable public init(number: UInt32, time: Int64) {
            self.number = number
            self.time = time
        }
    }

    /// Sorted and distinct up to `normalizedCount`, then as inserted.
    @usableFromInline var storage: [Entry] = []
    @usableFromInline var normalizedCount = 0
    @usableFromInline var normalizeAt = NumberSet.normalizeAtLeast

    /// Below this many entries normalization sorts by insertion (most customers' sets are short).
    static let insertionSortMax = 64

    /// An empty set.
    public init() {}

    /// A set from entries already sorted by number, each number once (decoded facts).
    public init(sortedDistinct entries: [Entry]) {
        storage = entries
        normalizedCount = entries.count
    }

    /// The entries held: sorted by number and distinct after ``normalize()``.
    public var entries: [Entry] { storage }
    /// Whether the set holds nothing.
    public var isEmpty: Bool { storage.isEmpty }
    /// Whether the entries are sorted and distinct as they stand.
    public var isNormalized: Bool { normalizedCount == storage.count }

    /// The entries, sorted and distinct (a sorted copy when entries were added since ``normalize()``).
    public var sorted: [Entry] {
        if isNormalized { return storage }
        var copy = self
        copy.normalize()
        return copy.storage
    }

    /// The numbers, sorted and distinct.
    public var numbers: [UInt32] { sorted.map(\.number) }

    /// Adds `number` at `time` (appended; a repeat of the last number only moves its time).
    @inlinable @inline(__always)
    public mutating func insert(_ number: UInt32, at time: Int64) {
        if let last = storage.last, last.number == number {
            if time > last.time { storage[storage.count - 1].time = time }
            return
        }
        storage.append(Entry(number: number, time: time))
        if storage.count >= normalizeAt {
            normalize()
            normalizeAt = Swift.max(NumberSet.normalizeAtLeast, 2 * storage.count)
        }
    }

    /// Sorts the entries by number and keeps each number once, with its latest time, in place.
    public mutating func normalize() {
        guard normalizedCount != storage.count else { return }
        if storage.count < Self.insertionSortMax {
            storage.withUnsafeMutableBufferPointer { b in
                for k in 1..<b.count {
                    let e = b[k]
                    var at = k
                    while at > 0 && b[at - 1].number > e.number {
                        b[at] = b[at - 1]
                        at -= 1
                    }
                    b[at] = e
                }
            }
        } else {
            radixSort(&storage, bits: 0..<32) { UInt64($0.number) }
        }
        let distinct = storage.withUnsafeMutableBufferPointer { b -> Int in
            var kept = 1
            for k in 1..<b.count {
                if b[k].number == b[kept - 1].number {
                    b[kept - 1].time = Swift.max(b[kept - 1].time, b[k].time)
                } else {
                    b[kept] = b[k]
                    kept += 1
                }
            }
            return kept
        }
        if distinct < storage.count { storage.removeLast(storage.count - distinct) }
        normalizedCount = distinct
    }

    /// The last time `number` was added, or `nil` (a binary search: call on a normalized set).
    public func lastTime(of number: UInt32) -> Int64? {
        precondition(isNormalized, "timed set invariant: searched only once normalized")
        var lo = 0, hi = storage.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if storage[mid].number < number { lo = mid + 1 } else { hi = mid }
        }
        return lo < storage.count && storage[lo].number == number ? storage[lo].time : nil
    }

    /// Empties the set, keeping its storage.
    @inlinable
    public mutating func removeAll() {
        if !storage.isEmpty { storage.removeAll(keepingCapacity: true) }
        normalizedCount = 0
        normalizeAt = NumberSet.normalizeAtLeast
    }

    /// Equal when they hold the same entries once normalized.
    public static func == (a: TimedNumberSet, b: TimedNumberSet) -> Bool { a.sorted == b.sorted }
}

extension ReservedWriter {
    /// A timed set as its count and, per entry in number order, the difference from the previous
    /// number and `newest − time` (the layout of stored facts' lists: times are near the newest).
    @inlinable public mutating func timedDeltas(_ set: TimedNumberSet, newest: Int64) {
        let entries = set.isNormalized ? set.storage : set.sorted
        varint(UInt64(entries.count))
        var last: UInt32 = 0
        for e in entries {
            precondition(e.time <= newest, "facts invariant: a list's times are not after the newest event")
            varint(UInt64(e.number - last))
            varint(UInt64(newest - e.time))
            last = e.number
        }
    }
}
