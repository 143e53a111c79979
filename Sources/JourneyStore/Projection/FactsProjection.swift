@_spi(Storage) import JourneyStorage

/// The facts projection: each customer's ``CustomerFacts`` (DESIGN.md §1 "Facts"), kept in `facts`,
/// with the buyers' rows in three secondary indexes — `by_spend` (net spend descending, ties by
/// customer id), `by_last_purchase` and `by_orders` — which queries narrow by and population
/// cut-offs (top percent, RFM) are read from.
struct FactsProjection: CustomerProjection {
    let fold: FoldPolicy

    init(policy: Policy) { fold = FoldPolicy(policy) }

    var valueDatabase: String { "facts" }
    var indexes: [SecondaryIndex] { Self.indexes }

    /// In slot order: 0 `by_spend`, 1 `by_last_purchase`, 2 `by_orders`.
    static let indexes = [
        SecondaryIndex(name: "by_spend", prefixBytes: IndexKeys.spendBytes, suffix: .customerID),
        SecondaryIndex(name: "by_last_purchase", prefixBytes: 8, suffix: .customerNumber),
        SecondaryIndex(name: "by_orders", prefixBytes: 4, suffix: .customerNumber),
    ]

    func makeFolder() -> any CustomerFolder { FactsFolder(fold) }

    /// The store's projections under `policy`, in the order they are folded: facts is the only one.
    /// A new projection is added here and to ``registration``'s databases (see "Adding a projection").
    static func projections(_ policy: Policy) -> [any CustomerProjection] { [FactsProjection(policy: policy)] }

    /// How the store registers its projections with the storage layer.
    static let registration = EventLog.Projections(
        databases: ["facts"] + indexes.map(\.name),
        initialPolicyText: { Policy(currency: $0).text },
        make: { text, currency in projections(try Policy(text: text, currency: currency)) })

    /// A buyer's rows: flipped net spend (so the top spender sorts first), last purchase time, orders
    /// (a count past 2^32 − 1 sorts as 2^32 − 1); none for a customer without a purchase.
    static func rows(_ facts: CustomerFacts) -> IndexRows {
        guard let last = facts.lastPurchase else { return .none }
        var rows = IndexRows()
        rows[0] = IndexKeys.flippedSpend(facts.netSpend)
        rows[1] = UInt128(UInt64(bitPattern: last))
        rows[2] = UInt128(UInt32(clamping: facts.orders))
        return rows
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
            before = FactsProjection.rows(facts)
            if facts.eventsFolded > 0, let first = records.first, first.time <= facts.lastSeen { return .notAfterStored }
        } else {
            facts.reset()
        }
        let policy = fold
        for record in records { try facts.apply(record, policy: policy) }
        facts.normalizeSets()
        facts.encode(appendingTo: &output)
        return .folded(before: before, after: FactsProjection.rows(facts))
    }

    func rows(of stored: ByteView) throws -> IndexRows {
        FactsProjection.rows(try CustomerFacts(decoding: stored, lists: false))
    }
}

extension StoreSchema {
    /// The facts projection's databases.
    var facts: Database<UInt32, [UInt8]> { projectionDatabase("facts") }
    var bySpend: Database<[UInt8], UInt32> { projectionDatabase("by_spend") }
    var byLastPurchase: Database<[UInt8], [UInt8]> { projectionDatabase("by_last_purchase") }
    var byOrders: Database<[UInt8], [UInt8]> { projectionDatabase("by_orders") }
}
