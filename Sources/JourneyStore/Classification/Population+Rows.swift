@_spi(Storage) import JourneyStorage

/// A point-in-time view's buyers, gathered in any order: what ``Population/init(_:)`` sorts into
/// the same cut-offs the indexes give for the stored facts.
struct BuyerRows {
    /// `by_spend` keys: flipped net spend, then the customer id's bytes.
    var spendKeys: [[UInt8]] = []
    var lastPurchases: [Int64] = []
    var orders: [Int] = []

    var count: Int { spendKeys.count }

    /// Adds a buyer (a customer with `facts.lastPurchase`; others are ignored).
    mutating func add(_ facts: CustomerFacts, customerID: some Sequence<UInt8>) {
        guard let last = facts.lastPurchase else { return }
        spendKeys.append(IndexKeys.spend(facts.netSpend, customerID: customerID))
        lastPurchases.append(last)
        orders.append(min(facts.orders, Int(UInt32.max)))
    }
}

extension Population {
    /// The cut-offs of `rows`, exactly as ``init(schema:in:)`` reads them from the indexes: the
    /// rows sorted as the indexes order them.
    /// - Complexity: O(P log P) for P buyers.
    init(_ rows: BuyerRows) throws {
        self.init()
        guard rows.spendKeys.count == rows.lastPurchases.count, rows.orders.count == rows.lastPurchases.count else {
            preconditionFailure("buyer rows: one spend key, last purchase and order count per buyer")
        }
        let p = rows.count
        buyers = p
        guard p > 0 else { return }
        let keys = rows.spendKeys.sorted { $0.lexicographicallyPrecedes($1) }
        var spends: [Int128] = []
        spends.reserveCapacity(p)
        for key in keys {
            guard let spend = key.withByteView({ IndexKeys.spend(fromKey: $0) }) else { throw Self.damaged("by_spend") }
            spends.append(spend)
        }
        let topRanks = Self.topPercents.map { ($0 * p + 99) / 100 }
        let quintile = (1...4).map { (k: Int) in (k * p + 4) / 5 - 1 }
        topCutoffs = topRanks.map { keys[$0 - 1] }
        revenueTotal = spends.reduce(0, +)
        revenueTop20 = spends[..<topRanks[3]].reduce(0, +)
        // `keys` descend by spend: ascending position q is rank p − q.
        monetaryBounds = quintile.map { spends[p - 1 - $0] }
        let lasts = rows.lastPurchases.sorted(), orders = rows.orders.sorted()
        recencyBounds = quintile.map { lasts[$0] }
        frequencyBounds = quintile.map { orders[$0] }
    }
}
