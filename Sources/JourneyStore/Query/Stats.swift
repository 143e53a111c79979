@_spi(Storage) import JourneyStorage
/// Population counts and suggested policy values as of a clock (`journey stats`).
public struct Stats: Hashable, Sendable {
    /// The clock of the classification.
    public var asOf: Timestamp
    /// The log position counted: events after it do not count (``Snapshot/position``).
    public var position: UInt64
    /// Customers (anyone with an event).
    public var customers = 0
    /// Customers with at least one order.
    public var buyers = 0
    /// Events that count as of the clock and position (all events of the log at the newest time).
    public var events = 0
    /// Customers per phase.
    public var phases: [Phase: Int] = [:]
    /// Customers per segment.
    public var segments: [Segment: Int] = [:]
    /// Customers per tier; those below the first rung under `nil`.
    public var tiers: [Tier?: Int] = [:]
    /// Σ net spend of all buyers.
    public var revenue = Money.zero
    /// The share of net spend brought by the top 20 % of buyers, 0…1 (`nil` without revenue).
    public var top20RevenueShare: Double?
    /// Repeat-purchase gaps observed (consecutive purchases of the same customer).
    public var repeatGaps = 0
    /// Median of all repeat-purchase gaps, in days: a suggested `declining_after_days`.
    public var medianRepeatGapDays: Double?
    /// 90th percentile of all repeat-purchase gaps, in days: a suggested `lapsed_after_days`; the day
    /// after it is when a win-back should start.
    public var defectionDays: Double?
    /// The first log sequence of an ingest that was interrupted between its transactions, when one
    /// awaits roll-back: its events are counted here until a writer (or ``JourneyStore/recover()``)
    /// removes them.
    public var interruptedIngestFrom: UInt64?
    /// Prediction: Σ of the customers' ``Profile/expectedOrders90d`` (`nil` without a fitted model).
    public var expectedOrders: Double?
    /// Prediction: Σ of the customers' ``Profile/predictedValue365d`` (`nil` without a fitted model).
    public var predictedValue: Money?
    /// Prediction: buyers the model scores but whose expected orders or value have no value (only at
    /// degenerate parameters: the sums above leave them out, and this says how many).
    public var unpredicted = 0
}

extension Snapshot {
    /// Classifies every customer at `asOf` and counts them.
    /// - Complexity: O(C + G log G) for C customers and G repeat gaps.
    public func stats(asOf: Timestamp? = nil) throws -> Stats {
        let t = clock(asOf)
        var stats = Stats(asOf: t, position: position)
        stats.interruptedIngestFrom = try store.log.openIngestMarker(in: txn)
        var gaps: [Int64] = []
        try forEachFacts(asOf: t.millisecondsSinceEpoch) { _, facts in
            stats.events += Int(facts.eventsFolded)
            let times = facts.purchaseTimes
            if times.count > 1 { for k in 1..<times.count { gaps.append(times[k] - times[k - 1]) } }
        }
        try forEachProfile(asOf: asOf) { p in
            stats.customers += 1
            if p.orders > 0 { stats.buyers += 1; stats.revenue = stats.revenue + p.spend }
            stats.phases[p.phase, default: 0] += 1
            stats.segments[p.segment, default: 0] += 1
            stats.tiers[p.tier, default: 0] += 1
            if let e = p.expectedOrders90d { stats.expectedOrders = (stats.expectedOrders ?? 0) + e }
            if let v = p.predictedValue365d { stats.predictedValue = (stats.predictedValue ?? .zero) + v }
            if p.pAlive != nil, p.expectedOrders90d == nil || p.predictedValue365d == nil { stats.unpredicted += 1 }
            return true
        }
        let population = try pastView(asOf: t.millisecondsSinceEpoch)?.population ?? population
        if population.revenueTotal != 0 { stats.top20RevenueShare = Double(population.revenueTop20) / Double(population.revenueTotal) }
        gaps.sort()
        stats.repeatGaps = gaps.count
        if !gaps.isEmpty {
            let n = gaps.count
            let median = n % 2 == 1 ? Double(gaps[n / 2]) : (Double(gaps[n / 2 - 1]) + Double(gaps[n / 2])) / 2
            stats.medianRepeatGapDays = median / 86_400_000
            // Nearest rank: the smallest gap with at least 90 % of gaps at or below it.
            stats.defectionDays = Double(gaps[(9 * n + 9) / 10 - 1]) / 86_400_000
        }
        return stats
    }

    /// Calls `body` with every customer's number and facts as of `t`, in number order.
    func forEachFacts(asOf t: Int64, _ body: (UInt32, CustomerFacts) throws -> Void) throws {
        try schema.facts.forEachView(in: txn) { key, value in
            guard let number = key.bigEndian(as: UInt32.self), key.count == 4 else { throw RecordReader.corrupt }
            if let facts = try self.facts(of: number, stored: value, asOf: t) { try body(number, facts) }
            return true
        }
    }
}

extension Stats {
    /// The stats as one JSON object.
    public func json(currency: Currency) -> String {
        func counts<K>(_ keys: [K], _ name: (K) -> String, _ table: [K: Int]) -> String {
            var w = JSONObjectWriter()
            for k in keys { w.field(name(k), number: table[k] ?? 0) }
            return w.finish()
        }
        func days(_ d: Double?) -> String? { d.map(Profile.formatDays) }
        let tierKeys: [Tier?] = [nil] + Tier.allCases.map { Optional($0) }
        var w = JSONObjectWriter(capacity: 1024)
        w.field("as_of", string: asOf.rfc3339)
        w.field("position", number: position)
        w.field("events", number: events)
        w.field("customers", number: customers)
        w.field("buyers", number: buyers)
        w.field("phases", raw: counts(Phase.allCases, \.name, phases))
        w.field("segments", raw: counts(Segment.allCases, \.name, segments))
        w.field("tiers", raw: counts(tierKeys, { $0?.name ?? "none" }, tiers))
        w.field("revenue", raw: revenue.decimalString(exponent: currency.exponent))
        w.field("top20_revenue_share", raw: top20RevenueShare.map { String(($0 * 10000).rounded() / 10000) })
        w.field("repeat_gaps", number: repeatGaps)
        w.field("median_repeat_gap_days", raw: days(medianRepeatGapDays))
        w.field("defection_days", raw: days(defectionDays))
        var suggested = JSONObjectWriter()
        suggested.field("declining_after_days", raw: days(medianRepeatGapDays))
        suggested.field("lapsed_after_days", raw: days(defectionDays))
        w.field("suggested_policy", raw: suggested.finish())
        w.field("interrupted_ingest_from", raw: interruptedIngestFrom.map { String($0) })
        w.field("expected_orders_90d", raw: expectedOrders.map { String($0) })
        w.field("predicted_value_365d", raw: predictedValue?.decimalString(exponent: currency.exponent))
        if unpredicted > 0 { w.field("unpredicted_customers", raw: String(unpredicted)) }
        return w.finish()
    }
}
