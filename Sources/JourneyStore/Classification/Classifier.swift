#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Every classification rule of DESIGN.md §1 "Facts and derived classification", as of a clock T:
/// what profiles, stats, exports and filters derive from a customer's facts. The rules read like the
/// design's text; the facts they start from are folded by ``FactsProjection``.
struct Classifier {
    let policy: Policy
    /// The buyers' cut-offs as of the snapshot (top percent, RFM quintiles).
    let population: Population

    /// Days between two times, fractional.
    @inline(__always)
    static func days(from start: Int64, to end: Int64) -> Double { Double(end - start) / 86_400_000 }

    /// average gap = (last purchase − first purchase) / (orders − 1), for orders ≥ 2, in days.
    static func averageGapDays(_ f: CustomerFacts) -> Double? {
        guard f.orders >= 2, let first = f.firstPurchase, let last = f.lastPurchase else { return nil }
        return days(from: first, to: last) / Double(f.orders - 1)
    }

    /// The lifecycle phase, with R = T − last purchase in days:
    /// - never purchased: `cart_abandoner` if any cart abandon, else `subscriber` if signed up, else `visitor`;
    /// - `lapsed` if R > lapsed_after_days;
    /// - `declining` if R > declining_after_days, or orders ≥ 3 and R > latency_factor × average gap;
    /// - `new` if orders = 1; otherwise `active`.
    func phase(_ f: CustomerFacts, asOf t: Int64) -> Phase {
        guard let last = f.lastPurchase else {
            return f.cartAbandons > 0 ? .cartAbandoner : f.signup != nil ? .subscriber : .visitor
        }
        let r = Self.days(from: last, to: t)
        if r > policy.lapsedAfterDays { return .lapsed }
        if r > policy.decliningAfterDays { return .declining }
        if f.orders >= 3, let gap = Self.averageGapDays(f), r > policy.latencyFactor * gap { return .declining }
        return f.orders == 1 ? .new : .active
    }

    /// The VIP ladder by net spend (below the first rung: none).
    func tier(_ f: CustomerFacts) -> Tier? {
        Tier(netSpend: f.netSpend, minimums: policy.tierMinimumsMinorUnits)
    }

    /// The smallest p of 1, 5, 10, 20 such that the customer (a buyer, with this `by_spend` key) is
    /// among the ceil(p × P / 100) highest net spenders, ties by customer id; none for non-buyers.
    func topPercent(_ f: CustomerFacts, spendKey: [UInt8]) -> Int? {
        f.orders > 0 ? population.topPercent(spendKey: spendKey) : nil
    }

    /// The one segment, first match wins (high value = top_percent is set).
    func segment(phase: Phase, topPercent: Int?) -> Segment {
        Segment(phase: phase, highValue: topPercent != nil)
    }

    /// RFM quintile scores among buyers; none for non-buyers.
    func rfm(_ f: CustomerFacts) -> RFM? {
        f.lastPurchase.flatMap { population.rfm(lastPurchase: $0, orders: f.orders, netSpend: f.netSpend) }
    }

    /// score(category) at T = Σ weight × 2^(−(T − t) / half_life), from the per-category values the
    /// fold keeps (each as of its own last event).
    func affinityScores(_ f: CustomerFacts, asOf t: Int64) -> [(category: UInt32, score: Double)] {
        let halfLifeMs = policy.affinityHalfLifeDays * 86_400_000
        return f.affinity.sortedEntries.map { e in (e.category, e.value * exp2(-Double(t - e.time) / halfLifeMs)) }
    }

    /// The affinity tags: up to ``Policy/affinityTagsMax`` categories with score ≥
    /// ``Policy/affinityTagScoreMin``, highest first, ties by name (their UTF-8 bytes).
    func affinityTags(_ f: CustomerFacts, asOf t: Int64, names: ([UInt32]) throws -> [String]) rethrows -> [String] {
        let tagged = affinityScores(f, asOf: t).filter { $0.score >= Policy.affinityTagScoreMin }
        var scored = Array(zip(try names(tagged.map(\.category)), tagged.map(\.score)))
        scored.sort { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0.utf8.lexicographicallyPrecedes($1.0.utf8) }
        return scored.prefix(Policy.affinityTagsMax).map(\.0)
    }

    /// AOV = gross / orders, rounded half away from zero to a minor unit.
    static func averageOrderValue(_ f: CustomerFacts) -> Money? {
        f.orders > 0 ? Money(minorUnits: roundedQuotient(f.gross, Int128(f.orders))) : nil
    }
}

/// a / b rounded half away from zero.
func roundedQuotient(_ a: Int128, _ b: Int128) -> Int128 {
    let q = a / b, r = a % b
    if 2 * abs(r) >= abs(b) { return q + ((a < 0) != (b < 0) ? -1 : 1) }
    return q
}
