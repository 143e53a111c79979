@_spi(Storage) import JourneyStorage

/// A consistent, point-in-time view of the store, lent to a closure by ``JourneyStore/read(position:_:)``.
///
/// ```swift
/// try store.read { snapshot in
///     let p = try snapshot.profile(of: "c42")              // as of the newest event
///     for profile in try snapshot.profiles(asOf: .now) { … }  // lazy, one batch at a time
/// }
/// ```
/// Appends that commit while the closure runs are not seen. A snapshot and the sequences it makes
/// must not leave the closure.
///
/// Everything is derived as of a point in time (DESIGN §1): a clock T (each query's `asOf`, by
/// default the newest event's time) and a log position (``position``, set by
/// ``JourneyStore/read(position:_:)``). Only events with time ≤ T and sequence ≤ the position count:
/// the snapshot answers as the store would have then, customers who had no event yet included.
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
    /// The sequence of the log's last event in this snapshot (0 for an empty log).
    public let lastSequence: UInt64
    /// The position bound below ``lastSequence``, if any: later events do not count.
    let positionBound: UInt64?
    /// The newest event's time within the position bound (the default clock of a bounded snapshot).
    private var boundedNewest: Timestamp?
    /// The last point-in-time view used.
    private var lastView: FactsView?
    /// Whether `txn` is a write transaction lent for reading: what it sees may never commit, so
    /// nothing it reads goes into the store's caches (populations, views, names).
    let writing: Bool
    /// Whether ``policy`` folds facts differently from the stored policy (a replayed tick's): then
    /// no stored fact holds, and every view folds the log.
    let refoldsAll: Bool
    /// How profiles are built for the filters the store runs (issue 19: FilterBinding.swift).
    var evaluation = FilterEvaluation()

    /// - Parameters:
    ///   - position: count only the first `position` events.
    ///   - writing: `txn` is a write transaction's (``WriteTransaction/reading``).
    ///   - policy: classify with this policy rather than the stored one.
    init(store: JourneyStore, txn: ReadTransaction, position: UInt64? = nil, writing: Bool = false, policy: Policy? = nil) throws {
        self.store = store
        self.txn = txn
        self.writing = writing
        let stored = try store.storedPolicy(in: txn)
        self.policy = policy ?? stored
        self.refoldsAll = policy.map { $0.changesFacts(comparedTo: stored) } ?? false
        self.newestEventTime = try store.schema.metaUInt64(MetaKey.newestTime, in: txn).map { Timestamp(millisecondsSinceEpoch: Int64($0)) }
        self.rollBackEpoch = try store.schema.metaUInt64(MetaKey.rollBackEpoch, in: txn) ?? 0
        let last = try store.schema.lastSequence(in: txn)
        self.lastSequence = last
        self.positionBound = position.flatMap { $0 < last ? $0 : nil }
        if positionBound != nil || refoldsAll {
            let view = try pastView(asOf: nil)
            boundedNewest = view.map { Timestamp(millisecondsSinceEpoch: $0.asOf) }
        }
    }

    /// The log position this snapshot counts events up to: what the store knew after its N-th event.
    public var position: UInt64 { positionBound ?? lastSequence }

    var schema: StoreSchema { store.schema }

    /// Buyers' cut-offs, computed from the indexes once per committed state of the store: snapshots
    /// that see the same last write share them, so a profile lookup costs O(log C), not O(buyers).
    var population: Population {
        get throws {
            if let cachedPopulation { return cachedPopulation }
            if writing {
                cachedPopulation = try Population(schema: schema, in: txn)
                return cachedPopulation!
            }
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

    /// The rules of classification with this snapshot's policy and the population cut-offs as of `t`.
    func classifier(at t: Int64) throws -> Classifier {
        Classifier(policy: policy, population: try pastView(asOf: t)?.population ?? population)
    }

    /// The clock: `asOf`, else the newest event's time (within the position bound), else now.
    public func clock(_ asOf: Timestamp?) -> Timestamp {
        asOf ?? boundedNewest ?? newestEventTime ?? .now
    }

    /// The facts as of `t` and the position bound, or `nil` when the stored facts and indexes are
    /// those (`t` at or after the newest event, no position bound): the common case costs nothing.
    /// Views are kept by the store for the snapshot, so the threads of an export share one.
    func pastView(asOf t: Int64?) throws -> FactsView? {
        if positionBound == nil, !refoldsAll, (t ?? .max) >= newestEventTime?.millisecondsSinceEpoch ?? .min { return nil }
        if let view = lastView, view.asOf == t ?? boundedNewest?.millisecondsSinceEpoch { return view }
        let key = ViewKey(snapshot: txn.snapshotID, asOf: t ?? boundedNewest?.millisecondsSinceEpoch, position: positionBound)
        let caches = !writing && !refoldsAll
        if caches, key.asOf != nil, let (cached, view) = store.viewCache.withLock({ $0 }), cached == key {
            lastView = view
            return view
        }
        let view = try FactsView.build(self, asOf: t, sequenceMax: positionBound)
        if caches { store.viewCache.withLock { $0 = (ViewKey(snapshot: key.snapshot, asOf: view.asOf, position: positionBound), view) } }
        lastView = view
        return view
    }

    /// Customer `number`'s facts as of `t`, given their stored facts; `nil` when the customer had no
    /// event by then.
    func facts(of number: UInt32, stored: ByteView, asOf t: Int64, lists: Bool = true) throws -> CustomerFacts? {
        if let view = try pastView(asOf: t) { return try view.facts(of: number, stored: stored, lists: lists) }
        return try CustomerFacts(decoding: stored, lists: lists)
    }

    /// The number of customers the store has seen (everyone with at least one event in the log, as
    /// of the newest event: a past clock may count fewer, see ``profiles(asOf:)``).
    public var customerCount: Int { get throws { try schema.facts.count(in: txn) } }

    /// The profile of customer `id` as of `asOf` (default: the newest event), or `nil` when unknown.
    /// - Complexity: O(log C) after the snapshot's first classification, which reads the index cut-offs once.
    public func profile(of id: String, asOf: Timestamp? = nil) throws -> Profile? {
        guard let number = try schema.number(.customer, id, in: txn) else { return nil }
        return try profile(number: number, id: id, asOf: clock(asOf).millisecondsSinceEpoch)
    }

    func profile(number: UInt32, id: String, asOf t: Int64, lists: Bool = true) throws -> Profile? {
        let facts = try schema.facts.withView(number, in: txn) { bytes in
            try bytes.flatMap { b in try self.facts(of: number, stored: b, asOf: t, lists: lists) }
        }
        guard let facts else { return nil }
        return try profile(number: number, id: id, facts: facts, asOf: t, lists: lists)
    }

    func profile(number: UInt32, id: String, facts: CustomerFacts, asOf t: Int64, lists: Bool = true) throws -> Profile {
        let spendKey = facts.orders > 0 ? IndexKeys.spend(facts.netSpend, customerID: id.utf8) : []
        return try Profile(customer: id, facts: facts, asOf: t, classifier: try classifier(at: t),
                           spendKey: spendKey, lists: lists, names: self)
    }

    /// The names of `numbers` of `kind`, in their order. The store keeps every name snapshots read
    /// (``NameDirectory``): a scan, or the next lookup, reads each product or category name from the map once.
    func names(_ kind: NameKind, _ numbers: [UInt32]) throws -> [String] {
        if writing { return try numbers.map { try schema.name(kind, $0, in: txn) } }
        return try store.nameDirectory.names(kind, numbers, epoch: rollBackEpoch, schema: schema, in: txn)
    }

    /// The names of `numbers` of `kind`, sorted by their UTF-8 bytes, and for each the position in
    /// `numbers` it came from. A writing snapshot reads them from its transaction, past the cache.
    func sortedNamesAndOrder(_ kind: NameKind, _ numbers: [UInt32]) throws -> (names: [String], order: [Int]) {
        if writing {
            let names = try numbers.map { try schema.name(kind, $0, in: txn) }
            let order = names.indices.sorted { names[$0].utf8.lexicographicallyPrecedes(names[$1].utf8) }
            return (order.map { names[$0] }, order)
        }
        return try store.nameDirectory.sortedNamesAndOrder(kind, numbers, epoch: rollBackEpoch, schema: schema, in: txn)
    }

    /// Every customer's profile as of `asOf`, in customer-number order (first seen first), lazily:
    /// facts are read a batch at a time, so memory stays constant whatever the store's size (as of
    /// a past clock, the customers whose facts changed since are held folded in memory).
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
                if let facts = try snapshot.facts(of: number, stored: value, asOf: asOf, lists: lists) {
                    collected.append((number, facts))
                }
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
    ///
    /// - Parameter position: count only the first `position` events of the log — what the store
    ///   knew then (DESIGN §1 `--position`); `nil` or a position at or past the end counts every event.
    ///   The snapshot's default clock is then the newest time among those events.
    /// - Parameter body: what to read; its result is `read`'s.
    public func read<R>(position: UInt64? = nil, _ body: (Snapshot) throws -> R) throws -> R {
        try translatingStorageErrors { try env.read { txn in try body(try Snapshot(store: self, txn: txn, position: position)) } }
    }
}

/// What a cached point-in-time view was built for.
struct ViewKey: Equatable {
    var snapshot: Int
    var asOf: Int64?
    var position: UInt64?
}

extension Timestamp {
    /// The wall clock now.
    public static var now: Timestamp {
        Timestamp(millisecondsSinceEpoch: Int64(wallClockMilliseconds()))
    }
}
