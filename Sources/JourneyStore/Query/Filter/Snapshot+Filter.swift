@_spi(Storage) import JourneyStorage

/// How a filter is evaluated: which index narrows the customers before each is classified and tested.
public enum FilterAccess: Hashable, Sendable, CustomStringConvertible {
    /// Every customer is classified and tested.
    case fullScan
    /// Only buyers in a range of an index are: `by_spend`, `by_last_purchase` or `by_orders`.
    case index(String)

    /// `full scan`, or `index NAME`.
    public var description: String {
        switch self {
        case .fullScan: "full scan"
        case .index(let name): "index \(name)"
        }
    }
}

extension Snapshot {
    /// The profiles that match `filter` as of `asOf`, lazily. A conjunct on `top_percent`, `spend`,
    /// `days_since_purchase` or `orders` narrows the scan to a range of the matching index; the whole
    /// filter is still tested on every candidate.
    /// - Complexity: O(C) for a full scan; O(R log C) for R customers in an index range.
    public func profiles(where filter: Filter, asOf: Timestamp? = nil) throws -> FilteredProfiles {
        try profiles(where: filter, asOf: asOf, lists: true)
    }

    /// As ``profiles(where:asOf:)``; without `lists` the product and category lists are left empty
    /// unless the filter tests them.
    func profiles(where filter: Filter, asOf: Timestamp?, lists: Bool) throws -> FilteredProfiles {
        let t = clock(asOf).millisecondsSinceEpoch
        let (access, candidates) = try candidateNumbers(filter, asOf: t)
        return FilteredProfiles(snapshot: self, filter: filter, asOf: t, access: access, candidates: candidates,
                                lists: lists || filter.root.usesLists)
    }

    /// Which access ``profiles(where:asOf:)`` uses for `filter`.
    public func access(for filter: Filter, asOf: Timestamp? = nil) throws -> FilterAccess {
        try candidateNumbers(filter, asOf: clock(asOf).millisecondsSinceEpoch).0
    }
}

/// The lazy sequence of ``Snapshot/profiles(where:asOf:)``, in customer-number order.
/// Iteration stops at the first error, kept in ``Iterator/error``; ``Snapshot/forEachProfile(where:asOf:_:)`` throws it.
public struct FilteredProfiles: Sequence {
    let snapshot: Snapshot
    let filter: Filter
    let asOf: Int64
    /// How the customers are found.
    public let access: FilterAccess
    let candidates: [UInt32]?
    let lists: Bool

    /// An iterator over the matching profiles.
    public func makeIterator() -> Iterator {
        Iterator(sequence: self, all: candidates == nil ? ProfileSequence(snapshot: snapshot, asOf: asOf, lists: lists).makeIterator() : nil)
    }

    /// Classifies and tests one candidate customer after another; stops at the first error.
    public struct Iterator: IteratorProtocol {
        let sequence: FilteredProfiles
        var all: ProfileSequence.Iterator?
        var position = 0
        /// The error that ended iteration early, if any.
        public private(set) var error: (any Error)?

        /// The next matching profile, or `nil` at the end or after an error (see ``error``).
        public mutating func next() -> Profile? {
            if all != nil {
                while let p = all!.next() {
                    if sequence.filter.matches(p) { return p }
                }
                error = all!.error
                return nil
            }
            let candidates = sequence.candidates!
            while position < candidates.count, error == nil {
                let number = candidates[position]
                position += 1
                do {
                    let id = try sequence.snapshot.schema.name(.customer, number, in: sequence.snapshot.txn)
                    if let p = try sequence.snapshot.profile(number: number, id: id, asOf: sequence.asOf, lists: sequence.lists), sequence.filter.matches(p) {
                        return p
                    }
                } catch {
                    self.error = publicError(error)
                }
            }
            return nil
        }
    }
}

extension Snapshot {
    /// Calls `body` with every profile matching `filter` until it returns `false`; throws what reading throws.
    public func forEachProfile(where filter: Filter, asOf: Timestamp? = nil, _ body: (Profile) throws -> Bool) throws {
        try forEachProfile(where: filter, asOf: asOf, lists: true, body)
    }

    /// As the public one; profiles name their lists only when `lists` (the filter tests them by number).
    func forEachProfile(where filter: Filter, asOf: Timestamp?, lists: Bool, _ body: (Profile) throws -> Bool) throws {
        try evaluating([filter], namesLists: lists) {
            var iterator = try profiles(where: filter, asOf: asOf, lists: lists).makeIterator()
            while let p = iterator.next() {
                guard try body(p) else { return }
            }
            if let error = iterator.error { throw error }
        }
    }
}
