@_spi(Storage) import JourneyStorage
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Decayed category affinity (DESIGN.md §1): score(T) = Σ weight × 2^(−(T − t) / half_life).
///
/// Each category keeps its score as of the last event that touched it, and that event's time:
/// the score at T is `value × 2^(−(T − time) / half_life)`. Adding a weight decays only that
/// category's value, so a fold costs O(1) per event however many categories the customer has (one
/// shared time for all entries decayed every entry at each new event time: O(n²) for a customer
/// with many categories). A fold's state is exactly what is stored, so folding more events onto
/// stored facts gives the bytes a fold from scratch gives.
///
/// Entries are kept in order of first touch during a fold and sorted by category for encoding
/// (``normalize()``); a customer with many categories finds them through a hash index.
struct Affinity: Equatable {
    struct Entry: Equatable {
        var category: UInt32
        /// The score at `time`.
        var value: Double
        var time: Int64
    }

    private(set) var entries: [Entry] = []
    /// Whether `entries` ascend by category (stored facts do; a fold may append out of order).
    private(set) var isSorted = true
    /// Category → position in `entries`, kept for customers past ``linearSearchMax`` entries.
    private var positions: [UInt32: Int32] = [:]

    /// Up to this many entries a linear search is faster than hashing.
    static let linearSearchMax = 32

    init() {}

    /// Entries read from stored facts: sorted by category, strictly ascending.
    init(sortedEntries: [Entry]) { entries = sortedEntries }

    static func == (a: Affinity, b: Affinity) -> Bool { a.sortedEntries == b.sortedEntries }

    var isEmpty: Bool { entries.isEmpty }
    var count: Int { entries.count }

    mutating func removeAll() {
        // `removeAll(keepingCapacity:)` is a generic replacement even on an empty array, and most
        // customers have no affinity at all.
        if !entries.isEmpty { entries.removeAll(keepingCapacity: true) }
        if !positions.isEmpty { positions.removeAll(keepingCapacity: true) }
        isSorted = true
    }

    /// Adds `weight` to `category` at time `t` (not before the category's last event: a fold goes in time order).
    mutating func add(_ category: UInt32, _ weight: Double, at t: Int64, halfLifeMs: Double) {
        guard weight > 0 else { return }
        if let k = position(of: category) {
            var e = entries[k]
            if t > e.time {
                e.value *= exp2(-Double(t - e.time) / halfLifeMs)
                e.time = t
            }
            e.value += weight
            entries[k] = e
            return
        }
        if let last = entries.last, last.category > category { isSorted = false }
        entries.append(Entry(category: category, value: weight, time: t))
        if entries.count > Self.linearSearchMax {
            if positions.isEmpty { indexAll() } else { positions[category] = Int32(entries.count - 1) }
        }
    }

    private mutating func position(of category: UInt32) -> Int? {
        if entries.count <= Self.linearSearchMax {
            return entries.firstIndex { $0.category == category }
        }
        if positions.isEmpty { indexAll() }
        return positions[category].map(Int.init)
    }

    private mutating func indexAll() {
        positions.reserveCapacity(entries.count * 2)
        for (k, e) in entries.enumerated() { positions[e.category] = Int32(k) }
    }

    /// Sorts the entries by category in place, as encoding wants them.
    mutating func normalize() {
        guard !isSorted else { return }
        entries.sort { $0.category < $1.category }
        isSorted = true
        if !positions.isEmpty { positions.removeAll(keepingCapacity: true) }
    }

    /// The entries by category (a sorted copy when a fold appended out of order).
    var sortedEntries: [Entry] {
        isSorted ? entries : entries.sorted { $0.category < $1.category }
    }
}
