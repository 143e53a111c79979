@_spi(Storage) import JourneyStorage

/// What classifying one customer needs to know about all buyers, read once per snapshot from the
/// secondary indexes: the `top_percent` cut-offs and the RFM quintile boundaries.
///
/// - top_percent p: the customer is among the ceil(p × P / 100) highest net spenders (ties by customer
///   id ascending), P = buyers. The cut-off is the `by_spend` key at that rank.
/// - RFM quintiles: score = 1 + #{k in 1…4 : x > a[ceil(k × P / 5) − 1]}, with a the buyers' values
///   sorted worst first; customers with equal values share a score (the lower one).
struct Population {
    static let topPercents = [1, 5, 10, 20]

    var buyers = 0
    /// `by_spend` key of the last customer inside each of ``topPercents``.
    var topCutoffs: [[UInt8]] = []
    var recencyBounds: [Int64] = []
    var frequencyBounds: [Int] = []
    var monetaryBounds: [Int128] = []
    /// Σ net spend of all buyers and of the top 20 % (128-bit: see ``Money``).
    var revenueTotal: Int128 = 0
    var revenueTop20: Int128 = 0

    /// A population without buyers.
    init() {}

    init(schema: StoreSchema, in txn: some ReadableTransaction) throws {
        buyers = try schema.byOrders.count(in: txn)
        let p = buyers
        guard p > 0 else { return }
        let topRanks = Self.topPercents.map { ($0 * p + 99) / 100 }
        let quintile = (1...4).map { (k: Int) in (k * p + 4) / 5 - 1 }
        topCutoffs = Array(repeating: [], count: topRanks.count)
        var rank = 0
        var ascendingSpend = [Int128](repeating: 0, count: 4)
        try schema.bySpend.forEachView(in: txn) { key, _ in
            rank += 1
            guard rank <= p, let spend = IndexKeys.spend(fromKey: key) else { throw Self.damaged("by_spend") }
            revenueTotal += spend
            if rank <= topRanks[3] { revenueTop20 += spend }
            for k in topRanks.indices where topRanks[k] == rank { topCutoffs[k] = key.array }
            // Descending rank r is ascending position p − r.
            let ascending = p - rank
            for k in quintile.indices where quintile[k] == ascending { ascendingSpend[k] = spend }
            return true
        }
        guard rank == p else { throw Self.damaged("by_spend") }
        monetaryBounds = ascendingSpend
        recencyBounds = try Self.values(at: quintile, of: schema.byLastPurchase, named: "by_last_purchase", in: txn, IndexKeys.time(fromKey:))
        frequencyBounds = try Self.values(at: quintile, of: schema.byOrders, named: "by_orders", in: txn, IndexKeys.orders(fromKey:))
    }

    static func damaged(_ index: String) -> JourneyError {
        JourneyError(.corrupted, "the \(index) index is damaged (an entry of the wrong size, or a count that disagrees with by_orders); run `journey verify`, then `journey rebuild`")
    }

    /// The values of an ascending index at the given 0-based positions, reading no further than the last.
    private static func values<T: Numeric>(
        at positions: [Int], of db: Database<[UInt8], [UInt8]>, named name: String, in txn: some ReadableTransaction,
        _ value: (ByteView) -> T?
    ) throws -> [T] {
        var out = [T](repeating: 0, count: positions.count)
        var position = 0
        try db.forEachView(in: txn) { key, _ in
            guard let v = value(key) else { throw damaged(name) }
            for k in positions.indices where positions[k] == position { out[k] = v }
            position += 1
            return position <= positions[positions.count - 1]
        }
        guard position > positions[positions.count - 1] else { throw damaged(name) }
        return out
    }

    /// The smallest p of 1, 5, 10, 20 whose top the customer with this `by_spend` key is in.
    func topPercent(spendKey: [UInt8]) -> Int? {
        for (k, cutoff) in topCutoffs.enumerated() where !cutoff.lexicographicallyPrecedes(spendKey) {
            return Self.topPercents[k]
        }
        return nil
    }

    func rfm(lastPurchase: Int64, orders: Int, netSpend: Int128) -> RFM? {
        guard buyers > 0, orders > 0 else { return nil }
        return RFM(recency: 1 + recencyBounds.filter { lastPurchase > $0 }.count,
                   frequency: 1 + frequencyBounds.filter { orders > $0 }.count,
                   monetary: 1 + monetaryBounds.filter { netSpend > $0 }.count)
    }
}
