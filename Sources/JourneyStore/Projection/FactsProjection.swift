@_spi(Storage) import JourneyStorage

/// The facts projection: each customer's ``CustomerFacts`` (DESIGN.md §1 "Facts"), kept in `facts`,
/// with the buyers' rows in three secondary indexes — `by_spend` (net spend descending, ties by
/// customer id), `by_last_purchase` and `by_orders` — which queries narrow by and population
/// cut-offs (top percent, RFM) are read from; and `by_due`, the moment a customer's own rhythm
/// makes them `declining` with no new event, which a tick reads to find whose phase time alone moves.
struct FactsProjection: CustomerProjection {
    let fold: FoldPolicy

    init(policy: Policy) { fold = FoldPolicy(policy) }

    var valueDatabase: String { "facts" }
    var indexes: [SecondaryIndex] { Self.indexes }

    /// In slot order: 0 `by_spend`, 1 `by_last_purchase`, 2 `by_orders`, 3 `by_due`.
    static let indexes = [
        SecondaryIndex(name: "by_spend", prefixBytes: IndexKeys.spendBytes, suffix: .customerID),
        SecondaryIndex(name: "by_last_purchase", prefixBytes: 8, suffix: .customerNumber),
        SecondaryIndex(name: "by_orders", prefixBytes: 4, suffix: .customerNumber),
        SecondaryIndex(name: "by_due", prefixBytes: 8, suffix: .customerNumber),
    ]

    func makeFolder() -> any CustomerFolder { FactsFolder(fold) }

    /// Indexes of a store's facts, for readers.
    static let bySpendSlot = 0, byLastPurchaseSlot = 1, byOrdersSlot = 2, byDueSlot = 3

    /// The store's projections under `policy`, in the order they are folded: facts is the only one.
    /// A new projection is added here and to ``registration``'s databases (see "Adding a projection").
    static func projections(_ policy: Policy) -> [any CustomerProjection] { [FactsProjection(policy: policy)] }

    /// How the store registers its projections with the storage layer.
    static let registration = EventLog.Projections(
        databases: ["facts"] + indexes.map(\.name),
        initialPolicyText: { Policy(currency: $0).text },
        make: { text, currency in projections(try Policy(text: text, currency: currency)) })

    /// A buyer's rows: flipped net spend (so the top spender sorts first), last purchase time, orders
    /// (a count past 2^32 − 1 sorts as 2^32 − 1), and the rhythm's due time when there is one; none
    /// for a customer without a purchase.
    static func rows(_ facts: CustomerFacts, policy: FoldPolicy) -> IndexRows {
        guard let last = facts.lastPurchase else { return .none }
        var rows = IndexRows()
        rows[bySpendSlot] = IndexKeys.flippedSpend(facts.netSpend)
        rows[byLastPurchaseSlot] = UInt128(UInt64(bitPattern: last))
        rows[byOrdersSlot] = UInt128(UInt32(clamping: facts.orders))
        if let due = rhythmDue(facts, policy: policy) { rows[byDueSlot] = UInt128(UInt64(bitPattern: due)) }
        return rows
    }

    /// When a customer with ≥ 3 orders becomes `declining` by their own rhythm with no new event —
    /// the last purchase + latency_factor × average gap, in epoch milliseconds, rounded down — if
    /// that comes before `declining_after_days` does (otherwise the fixed rule, which
    /// `by_last_purchase` times, decides first). `nil` when the rhythm never decides.
    static func rhythmDue(_ facts: CustomerFacts, policy: FoldPolicy) -> Int64? {
        guard facts.orders >= 3, let gap = Classifier.averageGapDays(facts), let last = facts.lastPurchase,
              policy.latencyFactor * gap < policy.decliningAfterDays else { return nil }
        let due = Double(last) + (policy.latencyFactor * gap * 86_400_000).rounded(.down)
        return due < Double(Timestamp.max.millisecondsSinceEpoch) ? Int64(due) : nil
    }
}

/// One thread's fold of customers' facts, with one reusable ``CustomerFacts`` (no allocation per
/// customer once its lists have grown).
struct FactsFolder: CustomerFolder {
    private let fold: FoldPolicy
    private var facts = CustomerFacts()

    init(_ fold: FoldPolicy) { self.fold = fold }

    mutating func fold(stored: ByteView?, records: RecordRun, into output: inout [UInt8]) throws -> FoldResult {
        var before = IndexRows.none
        if let stored {
            facts = try CustomerFacts(decoding: stored)
            before = FactsProjection.rows(facts, policy: fold)
            if facts.eventsFolded > 0, let first = records.first, first.time <= facts.lastSeen { return .notAfterStored }
        } else {
            facts.reset()
        }
        let policy = fold
        for record in records { try facts.apply(record, policy: policy) }
        facts.normalizeSets()
        facts.encode(appendingTo: &output)
        return .folded(before: before, after: FactsProjection.rows(facts, policy: fold))
    }

    func rows(of stored: ByteView) throws -> IndexRows {
        FactsProjection.rows(try CustomerFacts(decoding: stored, lists: false), policy: fold)
    }
}

extension StoreSchema {
    /// The facts projection's databases.
    var facts: Database<UInt32, [UInt8]> { projectionDatabase("facts") }
    var bySpend: Database<[UInt8], UInt32> { projectionDatabase("by_spend") }
    var byLastPurchase: Database<[UInt8], [UInt8]> { projectionDatabase("by_last_purchase") }
    var byOrders: Database<[UInt8], [UInt8]> { projectionDatabase("by_orders") }
    var byDue: Database<[UInt8], [UInt8]> { projectionDatabase("by_due") }
}
