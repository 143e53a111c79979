@_spi(Storage) import JourneyStorage

/// One tick's rules: each customer's state as of the tick's clock T (phase, tier, top percent,
/// segment, reactivations, saved audiences — classified from their facts as of T by ``Classifier``)
/// and the transitions from the state last emitted. The live tick and the replay of recorded ticks
/// (rebuild, verify) both run it; they differ only in which customers they ask it about.
struct TickEngine {
    let snapshot: Snapshot
    let t: Int64
    /// The saved audiences in force, sorted by name (the order of their transitions), with their filters.
    let audiences: [(audience: SavedAudience, filter: Filter)]
    let classifier: Classifier
    /// Whether an audience's filter reads the product and category lists.
    let lists: Bool
    /// The name of every saved audience's number, ended ones included: membership is by name, so a
    /// customer in an audience whose filter was replaced stays in it unless the new filter leaves them out.
    let names: [UInt32: String]

    init(snapshot: Snapshot, asOf t: Int64, audiences: [SavedAudience], names: [UInt32: String]) throws {
        self.snapshot = snapshot
        self.t = t
        self.names = names
        self.audiences = try audiences.sorted { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }.map { a in
            (a, try Filter(a.filter, currency: snapshot.store.currency))
        }
        classifier = try snapshot.classifier(at: t)
        lists = self.audiences.contains { $0.filter.root.usesLists }
    }

    /// Customer `number`'s state as of T, or `nil` when they have no event by then.
    func state(number: UInt32, id: String) throws -> JourneyState? {
        let facts = try snapshot.schema.facts.withView(number, in: snapshot.txn) { stored in
            try stored.flatMap { try snapshot.facts(of: number, stored: $0, asOf: t, lists: lists) }
        }
        guard let f = facts else { return nil }
        let spendKey = f.orders > 0 ? IndexKeys.spend(f.netSpend, customerID: id.utf8) : []
        var state = JourneyState()
        let phase = classifier.phase(f, asOf: t)
        state.phase = phase
        state.tier = classifier.tier(f)
        state.topPercent = classifier.topPercent(f, spendKey: spendKey)
        state.segment = classifier.segment(phase: phase, topPercent: state.topPercent)
        state.reactivations = Int(f.reactivations)
        if !audiences.isEmpty {
            let profile = try snapshot.profile(number: number, id: id, facts: f, asOf: t, lists: lists)
            state.audiences = audiences.filter { $0.filter.matches(profile) }.map(\.audience.number).sorted()
        }
        return state
    }

    /// Appends the transitions from `old` to `new` in the order DESIGN gives: by kind, then by
    /// audience name. Memberships of audiences no longer in force end silently.
    func diff(number: UInt32, id: [UInt8], from old: JourneyState, to new: JourneyState, into out: inout [StoredTransition]) {
        func emit(_ kind: Transition.Kind, _ from: Transition.Value?, _ to: Transition.Value?, audience: UInt32 = 0) {
            guard from != to else { return }
            out.append(StoredTransition(customerNumber: number, customerID: id, kind: kind, audience: audience, from: from, to: to, at: t))
        }
        emit(.phase, old.phase.map { .phase($0) }, new.phase.map { .phase($0) })
        emit(.tier, old.tier.map { .tier($0) }, new.tier.map { .tier($0) })
        emit(.topPercent, old.topPercent.map { .topPercent($0) }, new.topPercent.map { .topPercent($0) })
        emit(.segment, old.segment.map { .segment($0) }, new.segment.map { .segment($0) })
        emit(.reactivations, .count(old.reactivations), .count(new.reactivations))
        for (audience, _) in audiences {
            let was = old.audiences.contains { names[$0] == audience.name }
            emit(.audience, .member(was), .member(new.audiences.contains(audience.number)), audience: audience.number)
        }
    }

    /// What a tick run over some customers found.
    struct Outcome {
        var transitions: [StoredTransition] = []
        /// New emitted states, by customer number (only those that changed).
        var emitted: [(UInt32, JourneyState)] = []
        var checked = 0
    }

    /// Classifies `customers` — (number, id) pairs, in id byte order — and diffs each with its
    /// emitted state (`emitted`, `nil` for never emitted).
    func run(_ customers: some Sequence<(UInt32, [UInt8])>, emitted: (UInt32) throws -> JourneyState?) throws -> Outcome {
        var outcome = Outcome()
        for (number, id) in customers {
            guard let new = try state(number: number, id: String(decoding: id, as: UTF8.self)) else { continue }
            outcome.checked += 1
            let old = try emitted(number) ?? .initial
            guard new != old else { continue }
            diff(number: number, id: id, from: old, to: new, into: &outcome.transitions)
            outcome.emitted.append((number, new))
        }
        return outcome
    }
}

extension StoreSchema {
    /// Every customer's number and id, in id byte order (one walk of `names`).
    func customersByID(in txn: some ReadableTransaction) throws -> [(UInt32, [UInt8])] {
        var all: [(UInt32, [UInt8])] = []
        let kind = NameKind.customer.rawValue
        try names.forEach(in: txn, from: [kind]) { key, value in
            guard key.first == kind else { return false }
            guard value.count == 4 else { throw JourneyError(.corrupted, "names holds a number of \(value.count) bytes") }
            all.append((UInt32(bigEndian: value.loadUnaligned(as: UInt32.self)), Array(key.dropFirst())))
            return true
        }
        return all
    }

    /// The ids of `numbers`, and the pairs in id byte order.
    func customersByID(_ numbers: some Sequence<UInt32>, in txn: some ReadableTransaction) throws -> [(UInt32, [UInt8])] {
        try numbers.map { ($0, Array(try customerID($0, in: txn))) }.sorted { $0.1.lexicographicallyPrecedes($1.1) }
    }
}
