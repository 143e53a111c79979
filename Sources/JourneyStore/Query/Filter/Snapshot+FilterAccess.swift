@_spi(Storage) import JourneyStorage

extension FilterNode {
    /// The operands of a top-level `and`, else the node itself.
    var conjuncts: [FilterNode] {
        if case .and(let operands) = self { operands } else { [self] }
    }
}

/// Index narrowing. The indexes hold buyers only (orders ≥ 1), so a conjunct may narrow the scan only
/// when every non-buyer fails it for sure — a non-buyer has no `top_percent` and no last purchase, 0
/// orders and a net spend ≤ 0 (below 0 after a refund without a purchase) — and its range must hold
/// every buyer that passes it. The range may hold more: the whole filter is tested on each candidate.
extension Snapshot {
    /// Customer numbers from the first index range a conjunct allows, sorted; `nil` for a full scan.
    func candidateNumbers(_ filter: Filter, asOf t: Int64) throws -> (FilterAccess, [UInt32]?) {
        // The indexes hold the stored facts: as of a past point in time, every customer is tested.
        guard try pastView(asOf: t) == nil else { return (.fullScan, nil) }
        for case .compare(let field, let op, let v) in filter.root.conjuncts {
            switch field {
            case .topPercent:
                return (.index("by_spend"), try topPercentCandidates(op, v))
            case .spend where Self.nonBuyersFailSpend(op, v):
                // Double(spend) is what the filter compares, and it is monotonic in the key order.
                return (.index("by_spend"), try scanSpend { Double(try Self.decoded(IndexKeys.spend(fromKey: $0), "by_spend")) >= v })
            case .daysSincePurchase:
                guard let (oldest, newest) = Self.lastPurchaseRange(op, v, asOf: t) else { continue }
                return (.index("by_last_purchase"), try scanKeys(schema.byLastPurchase, from: IndexKeys.lastPurchase(oldest, customer: 0)) {
                    try Self.decoded(IndexKeys.time(fromKey: $0), "by_last_purchase") <= newest
                })
            case .orders where [.greater, .greaterOrEqual, .equal].contains(op) && !op.holds(0, v):
                // Orders are whole numbers below 2^32 (the key's width): none reaches a larger literal.
                guard v < 0x1p32 else { return (.index("by_orders"), []) }
                let least = Int(max(v.rounded(.down), 1))
                return (.index("by_orders"), try scanKeys(schema.byOrders, from: IndexKeys.orders(least, customer: 0)) {
                    try op != .equal || Double(Self.decoded(IndexKeys.orders(fromKey: $0), "by_orders")) <= v
                })
            default:
                continue
            }
        }
        return (.fullScan, nil)
    }

    /// Every comparison with `top_percent` is false for a customer without one, and those with one
    /// are the `by_spend` keys up to the 20 % cut-off; `<`, `<=` and `=` stop at a nearer one.
    private func topPercentCandidates(_ op: FilterOperator, _ v: Double) throws -> [UInt32] {
        let cutoffs = try population.topCutoffs
        guard !cutoffs.isEmpty else { return [] }
        let k = [.less, .lessOrEqual, .equal].contains(op)
            ? Population.topPercents.lastIndex { Double($0) <= v } : Population.topPercents.count - 1
        guard let k else { return [] }
        let cutoff = cutoffs[k]
        return try scanSpend { !$0.follows(cutoff) }
    }

    /// Whether every net spend ≤ 0 fails `spend op v`, and the buyers that pass have a spend ≥ v.
    static func nonBuyersFailSpend(_ op: FilterOperator, _ v: Double) -> Bool {
        switch op {
        case .greater: v >= 0
        case .greaterOrEqual, .equal: v > 0
        case .less, .lessOrEqual, .notEqual: false
        }
    }

    /// The last-purchase times (epoch ms, inclusive) of buyers who may pass `days_since_purchase op v`
    /// at `t`; `nil` for `!=`. Days since purchase are Double(t − last) / 86 400 000: days ≥ v only if
    /// last ≤ t − v·day, and days ≤ v only if last ≥ t − v·day, up to the rounding of both sides, which
    /// a margin of a millisecond plus 2^-40 of the operands' magnitudes covers many times over.
    static func lastPurchaseRange(_ op: FilterOperator, _ v: Double, asOf t: Int64) -> (oldest: Int64, newest: Int64)? {
        let span = v * 86_400_000
        let edge = Double(t) - span
        let margin = 1 + (Double(t).magnitude + span.magnitude) * 0x1p-40
        guard let newest = clampedInt64((edge + margin).rounded(.up)),
              let oldest = clampedInt64((edge - margin).rounded(.down)) else { return nil }
        switch op {
        case .greater, .greaterOrEqual: return (0, newest)
        case .less, .lessOrEqual: return (max(oldest, 0), .max)
        case .equal: return (max(oldest, 0), newest)
        case .notEqual: return nil
        }
    }

    /// `x` as an Int64, saturating at the type's bounds; `nil` for NaN.
    static func clampedInt64(_ x: Double) -> Int64? {
        if x.isNaN { return nil }
        if x >= 0x1p63 { return .max }
        if x <= -0x1p63 { return .min }
        return Int64(x)
    }

    /// A value read from an index key; a key of the wrong size is a damaged index.
    static func decoded<T>(_ value: T?, _ index: String) throws -> T {
        guard let value else { throw Population.damaged(index) }
        return value
    }

    private func scanSpend(while keep: (ByteView) throws -> Bool) throws -> [UInt32] {
        var out: [UInt32] = []
        try schema.bySpend.forEachView(in: txn) { key, value in
            guard try keep(key) else { return false }
            guard value.count == 4, let customer = value.bigEndian(as: UInt32.self) else { throw Population.damaged("by_spend") }
            out.append(customer)
            return true
        }
        return out.sorted()
    }

    private func scanKeys(_ db: Database<[UInt8], [UInt8]>, from start: [UInt8]?, while keep: (ByteView) throws -> Bool) throws -> [UInt32] {
        var out: [UInt32] = []
        try db.forEachView(in: txn, from: start) { key, _ in
            guard try keep(key) else { return false }
            out.append(try Self.decoded(IndexKeys.customer(fromKey: key), db.name ?? "index"))
            return true
        }
        return out.sorted()
    }
}
