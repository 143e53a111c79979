@_spi(Storage) import JourneyStorage

/// The customers a tick must classify when it does not classify everyone: a superset of those whose
/// state may differ from the one last emitted. Between the last tick (clock C, log position P₀) and
/// this one (clock T):
/// - customers with an event after P₀ (new, late or not), and those with an event later than C at
///   the last tick (`pending`: their events count only now);
/// - customers whose phase time alone moves: a last purchase `declining_after_days` or
///   `lapsed_after_days` before a moment in (C, T] (`by_last_purchase`), or a rhythm's due time
///   in (C, T] (`by_due`, the latency-factor rule);
/// - customers between the old and the new cut-off of each top percent (`by_spend`): others' purchases
///   move them in or out.
/// Tier and reactivations change only with a customer's own events, segment only with phase and top
/// percent. Saved audiences whose filters read other time- or population-dependent fields add the
/// customers of their filter's index range and their former members, or make the tick classify
/// everyone when the filter has no index range (``TickCandidates/audienceCustomers(_:snapshot:asOf:names:)``).
struct TickCandidates {
    /// Time ranges widen by this much on each side: the rules compare fractional days.
    static let marginMs: Int64 = 1000

    let snapshot: Snapshot
    let last: TickRecord
    let t: Int64
    private var marked: [Bool]
    private(set) var numbers: [UInt32] = []

    init(snapshot: Snapshot, last: TickRecord, asOf t: Int64, adding extra: [UInt32] = []) throws {
        self.snapshot = snapshot
        self.last = last
        self.t = t
        let customers = Int(try snapshot.schema.metaUInt32(MetaKey.nameCount(.customer), in: snapshot.txn) ?? 0)
        marked = [Bool](repeating: false, count: customers + 1)
        for c in extra { add(c) }
        try collect()
        numbers.sort()
    }

    private mutating func add(_ c: UInt32) {
        guard Int(c) < marked.count, !marked[Int(c)] else { return }
        marked[Int(c)] = true
        numbers.append(c)
    }

    private mutating func collect() throws {
        let schema = snapshot.schema, txn = snapshot.txn
        for c in try schema.customers(ofEventsAfter: last.position, in: txn) { add(c) }
        try schema.pending.forEach(in: txn) { key, _ in
            add(try UInt32(lmdbBytes: key))
            return true
        }
        let policy = snapshot.policy
        for days in [policy.decliningAfterDays, policy.lapsedAfterDays] {
            let span = Int64((days * 86_400_000).rounded(.down))
            try addRange(schema.byLastPurchase, from: last.clock - span - Self.marginMs, through: t - span + Self.marginMs)
        }
        try addRange(schema.byDue, from: last.clock - Self.marginMs, through: t + Self.marginMs)
        try addMovers()
    }

    /// The customers of an index keyed by time (8 bytes) + customer number, with times in the range.
    private mutating func addRange(_ index: Database<[UInt8], [UInt8]>, from: Int64, through: Int64) throws {
        guard through >= 0, from <= through else { return }
        try index.forEachView(in: snapshot.txn, from: IndexKeys.lastPurchase(max(from, 0), customer: 0)) { key, _ in
            guard let time = IndexKeys.time(fromKey: key), let c = IndexKeys.customer(fromKey: key) else {
                throw JourneyError(.corrupted, "a time index holds a damaged key; run `journey verify`")
            }
            guard time <= through else { return false }
            add(c)
            return true
        }
    }

    /// The buyers whose `by_spend` key lies between the last tick's cut-off and this one's, for each
    /// top percent (from the first key when one side has no cut-off).
    private mutating func addMovers() throws {
        let now = try snapshot.pastView(asOf: t)?.population.topCutoffs ?? snapshot.population.topCutoffs
        for k in Population.topPercents.indices {
            let old = k < last.topCutoffs.count ? last.topCutoffs[k] : nil
            let new = k < now.count ? now[k] : nil
            guard old != new else { continue }
            let bounds = [old, new].compactMap { $0 }.sorted { $0.lexicographicallyPrecedes($1) }
            let low = bounds.count == 2 ? bounds[0] : nil, high = bounds[bounds.count - 1]
            try snapshot.schema.bySpend.forEachView(in: snapshot.txn, from: low) { key, value in
                guard !high.lexicographicallyPrecedes(key.array) else { return false }
                guard let c = value.count == 4 ? value.bigEndian(as: UInt32.self) : nil else { throw Population.damaged("by_spend") }
                add(c)
                return true
            }
        }
    }

    /// Fields whose values change only with the customer's own events, or with phase and top
    /// percent, which the candidates above cover. A saved audience reading any other field (a
    /// "days since", `age`, `days_to_birthday`, affinity, RFM scores…) or a list `within N days`
    /// makes a tick classify every customer.
    static let coveredFields: Set<FilterField> = [
        .phase, .segment, .tier, .topPercent, .orders, .spend, .aov, .reactivations, .cartAbandons, .emailOpens,
        .bought, .boughtCategory, .viewedCategory, .hasEmail, .hasPhone,
        .gender, .birthday, .birthMonth, .city, .region, .zip, .country, .interests, .lastCartValue,
        .viewed, .opened, .offered, .emailConsent, .adsConsent,
    ]

    /// Whether an audience's membership can change without the customer's own events, phase or top percent.
    static func movesAlone(_ filter: Filter) -> Bool {
        !filter.root.fields.isSubset(of: coveredFields) || filter.root.readsTimeWindows
    }

    /// The customers whose membership of an audience that ``movesAlone(_:)`` may change: those in its
    /// filter's index range as of T (every member then is there: the export's narrowing) and those
    /// who were members at their last emission (by name, as ``TickEngine`` compares them). `nil` when
    /// such a filter has no index range: then the tick classifies everyone.
    static func audienceCustomers(_ audiences: [(audience: SavedAudience, filter: Filter)], snapshot: Snapshot, asOf t: Int64,
                                  names: [UInt32: String]) throws -> [UInt32]? {
        let moving = audiences.filter { movesAlone($0.filter) }
        guard !moving.isEmpty else { return [] }
        var out: [UInt32] = []
        for (_, filter) in moving {
            guard case (.index, let numbers?) = try snapshot.candidateNumbers(filter, asOf: t) else { return nil }
            out += numbers
        }
        let movingNames = Set(moving.map(\.audience.name))
        let numbers = Set(names.filter { movingNames.contains($0.value) }.keys)
        try snapshot.schema.emitted.forEachView(in: snapshot.txn) { key, value in
            if try JourneyState(decoding: value).audiences.contains(where: numbers.contains) {
                out.append(try JourneyStore.customerNumber(key))
            }
            return true
        }
        return out
    }
}

extension FilterNode {
    /// The fields the filter reads.
    var fields: Set<FilterField> {
        switch self {
        case .and(let operands), .or(let operands): operands.reduce(into: []) { $0.formUnion($1.fields) }
        case .not(let a): a.fields
        case .compare(let f, _, _), .equals(let f, _, _), .member(let f, _), .memberNumber(let f, _), .has(let f, _),
             .boolean(let f, _), .like(let f, _), .date(let f, _, _): [f]
        case .listMatch(let m): [m.field]
        }
    }

    /// Whether the filter tests a list `within N days`: its answer moves with the clock alone.
    var readsTimeWindows: Bool {
        switch self {
        case .and(let operands), .or(let operands): operands.contains { $0.readsTimeWindows }
        case .not(let a): a.readsTimeWindows
        case .listMatch(let m): m.withinDays != nil
        case .compare, .equals, .member, .memberNumber, .has, .boolean, .like, .date: false
        }
    }
}
