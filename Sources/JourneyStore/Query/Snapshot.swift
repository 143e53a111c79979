@_spi(Storage) import JourneyStorage

/// A consistent, point-in-time view of the store, lent to a closure by ``JourneyStore/read(_:)``.
///
/// ```swift
/// try store.read { snapshot in
///     let p = try snapshot.profile(of: "c42")              // as of the newest event
///     for profile in try snapshot.profiles(asOf: .now) { … }  // lazy, one batch at a time
/// }
/// ```
/// Appends that commit while the closure runs are not seen. A snapshot and the sequences it makes
/// must not leave the closure.
public final class Snapshot {
    let store: JourneyStore
    let txn: ReadTransaction
    /// The policy stored in this snapshot.
    public let policy: Policy
    /// The time of the newest event in the store, the default clock; `nil` for an empty store.
    public let newestEventTime: Timestamp?
    private var cachedPopulation: Population?
    /// The store's roll-back epoch in this snapshot (``MetaKey/rollBackEpoch``), which says whether cached names hold.
    let rollBackEpoch: UInt64
    /// Whether full-scan exports may use a second thread (tests turn it off to compare).
    var parallelExports = true
    /// How profiles are built for the filters the store runs (issue 19: FilterBinding.swift).
    var evaluation = FilterEvaluation()

    init(store: JourneyStore, txn: ReadTransaction) throws {
        self.store = store
        self.txn = txn
        self.policy = try store.storedPolicy(in: txn)
        self.newestEventTime = try store.schema.metaUInt64(MetaKey.newestTime, in: txn).map { Timestamp(millisecondsSinceEpoch: Int64($0)) }
        self.rollBackEpoch = try store.schema.metaUInt64(MetaKey.rollBackEpoch, in: txn) ?? 0
    }

    var schema: StoreSchema { store.schema }

    /// Buyers' cut-offs, computed from the indexes once per committed state of the store: snapshots
    /// that see the same last write share them, so a profile lookup costs O(log C), not O(buyers).
    var population: Population {
        get throws {
            if let cachedPopulation { return cachedPopulation }
            let id = txn.snapshotID
            let p = try store.populationCache.withLock { cache in
                if let (cachedID, population) = cache, cachedID == id { return population }
                let population = try Population(schema: schema, in: txn)
                cache = (id, population)
                return population
            }
            cachedPopulation = p
            return p
        }
    }

    /// The rules of classification with this snapshot's policy and population cut-offs.
    var classifier: Classifier {
        get throws { Classifier(policy: policy, population: try population) }
    }

    /// The clock: `asOf`, else the newest event's time, else now.
    public func clock(_ asOf: Timestamp?) -> Timestamp {
        asOf ?? newestEventTime ?? .now
    }

    /// The number of customers (everyone with at least one event).
    public var customerCount: Int { get throws { try schema.facts.count(in: txn) } }

    /// The profile of customer `id` as of `asOf` (default: the newest event), or `nil` when unknown.
    /// - Complexity: O(log C) after the snapshot's first classification, which reads the index cut-offs once.
    public func profile(of id: String, asOf: Timestamp? = nil) throws -> Profile? {
        guard let number = try schema.number(.customer, id, in: txn) else { return nil }
        return try profile(number: number, id: id, asOf: clock(asOf).millisecondsSinceEpoch)
    }

    func profile(number: UInt32, id: String, asOf t: Int64, lists: Bool = true) throws -> Profile? {
        let facts = try schema.facts.withView(number, in: txn) { bytes in
            try bytes.map { (b) throws(JourneyError) in try CustomerFacts(decoding: b) }
        }
        guard let facts else { return nil }
        return try profile(number: number, id: id, facts: facts, asOf: t, lists: lists)
    }

    func profile(number: UInt32, id: String, facts: CustomerFacts, asOf t: Int64, lists: Bool = true) throws -> Profile {
        let spendKey = facts.orders > 0 ? IndexKeys.spend(facts.netSpend, customerID: id.utf8) : []
        return try Profile(customer: id, facts: facts, asOf: t, classifier: try classifier,
                           spendKey: spendKey, lists: lists, names: self)
    }

    /// The names of `numbers` of `kind`, in their order. The store keeps every name snapshots read
    /// (``NameDirectory``): a scan, or the next lookup, reads each product or category name from the map once.
    func names(_ kind: NameKind, _ numbers: some Collection<UInt32>) throws -> [String] {
        try store.nameDirectory.names(kind, numbers, epoch: rollBackEpoch, schema: schema, in: txn)
    }

    /// The names of `numbers` of `kind`, sorted by their UTF-8 bytes.
    func sortedNames(_ kind: NameKind, _ numbers: [UInt32]) throws -> [String] {
        try store.nameDirectory.sortedNames(kind, numbers, epoch: rollBackEpoch, schema: schema, in: txn)
    }

    /// Every customer's profile as of `asOf`, in customer-number order (first seen first), lazily:
    /// facts are read a batch at a time, so memory stays constant whatever the store's size.
    public func profiles(asOf: Timestamp? = nil) -> ProfileSequence {
        ProfileSequence(snapshot: self, asOf: clock(asOf).millisecondsSinceEpoch)
    }
}

/// The lazy sequence of ``Snapshot/profiles(asOf:)``. Iteration stops at the first error, which
/// ``ProfileSequence/Iterator/error`` then holds; use ``Snapshot/forEachProfile(asOf:_:)`` to have it thrown.
public struct ProfileSequence: Sequence {
    let snapshot: Snapshot
    let asOf: Int64
    var lists = true

    /// An iterator over every customer's profile.
    public func makeIterator() -> Iterator { Iterator(snapshot: snapshot, asOf: asOf, lists: lists) }

    /// Reads facts a batch of customers at a time and classifies them; stops at the first error.
    public struct Iterator: IteratorProtocol {
        static let batchSize = 512
        let snapshot: Snapshot
        let asOf: Int64
        let lists: Bool
        private var batch: [(UInt32, CustomerFacts)] = []
        private var position = 0
        private var nextKey: UInt32 = 1
        private var exhausted = false
        /// The error that ended iteration early, if any.
        public private(set) var error: (any Error)?

        init(snapshot: Snapshot, asOf: Int64, lists: Bool) {
            self.snapshot = snapshot
            self.asOf = asOf
            self.lists = lists
        }

        /// The next profile, or `nil` at the end or after an error (see ``error``).
        public mutating func next() -> Profile? {
            do {
                if position == batch.count {
                    guard !exhausted else { return nil }
                    try fill()
                    guard position < batch.count else { return nil }
                }
                let (number, facts) = batch[position]
                position += 1
                let id = try snapshot.schema.name(.customer, number, in: snapshot.txn)
                return try snapshot.profile(number: number, id: id, facts: facts, asOf: asOf, lists: lists)
            } catch {
                self.error = publicError(error)
                exhausted = true
                batch.removeAll()
                position = 0
                return nil
            }
        }

        private mutating func fill() throws {
            batch.removeAll(keepingCapacity: true)
            position = 0
            var last: UInt32 = 0
            let size = Self.batchSize
            var filled = 0
            var collected: [(UInt32, CustomerFacts)] = []
            collected.reserveCapacity(size)
            try snapshot.schema.facts.forEachView(in: snapshot.txn, from: nextKey) { key, value in
                guard let number = key.bigEndian(as: UInt32.self), key.count == 4 else { throw RecordReader.corrupt }
                collected.append((number, try CustomerFacts(decoding: value, lists: lists)))
                last = number
                filled += 1
                return filled < size
            }
            batch = collected
            if filled < size { exhausted = true } else { nextKey = last + 1 }
        }
    }
}

extension Snapshot {
    /// Calls `body` with every profile as of `asOf` until it returns `false`; throws what reading throws.
    public func forEachProfile(asOf: Timestamp? = nil, _ body: (Profile) throws -> Bool) throws {
        var iterator = profiles(asOf: asOf).makeIterator()
        while let profile = iterator.next() {
            guard try body(profile) else { return }
        }
        if let error = iterator.error { throw error }
    }
}

extension JourneyStore {
    /// Runs `body` with a consistent snapshot of the store (an LMDB read transaction).
    public func read<R>(_ body: (Snapshot) throws -> R) throws -> R {
        try translatingStorageErrors { try env.read { txn in try body(try Snapshot(store: self, txn: txn)) } }
    }
}

extension Timestamp {
    /// The wall clock now.
    public static var now: Timestamp {
        Timestamp(millisecondsSinceEpoch: Int64(wallClockMilliseconds()))
    }
}
