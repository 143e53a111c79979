@_spi(Storage) import JourneyStorage
/// The store's classification policy (DESIGN.md §1), kept in its `meta` database.
///
/// ```swift
/// var policy = try store.policy
/// policy.lapsedAfterDays = 120
/// try store.setPolicy(policy)      // rebuilds the projections when a stored fact depends on it
/// ```
public struct Policy: Hashable, Sendable {
    /// Days without a purchase after which a customer is `declining`.
    public var decliningAfterDays: Double = 30
    /// Days without a purchase after which a customer is `lapsed`; also what makes a purchase a reactivation.
    public var lapsedAfterDays: Double = 90
    /// A customer with ≥ 3 orders is `declining` when the time since the last purchase exceeds this
    /// many times their average gap.
    public var latencyFactor: Double = 2.0
    /// Net spend, in minor units, from which each tier starts: bronze, silver, gold, platinum.
    public var tierMinimumsMinorUnits: [Int64]
    /// Half-life of category affinity, in days.
    public var affinityHalfLifeDays: Double = 30
    /// Affinity weight of a product view.
    public var viewWeight: Double = 1
    /// Affinity weight of each abandoned cart line.
    public var cartLineWeight: Double = 2
    /// Affinity weight of each purchased line.
    public var purchaseLineWeight: Double = 5
    /// Decimals of the store's currency: ``text`` and ``set(_:to:)`` give tiers in major units.
    public let currencyExponent: Int

    // Prediction (BG/NBD and Gamma-Gamma), see Policy+Prediction.swift.
    /// Days ahead that ``Profile/expectedOrders90d`` counts purchases over.
    public var expectedOrdersHorizonDays: Double = 90
    /// Days ahead that ``Profile/predictedValue365d`` values purchases over.
    public var predictedValueHorizonDays: Double = 365
    /// The discount rate per 30-day month of the predicted value (0: undiscounted).
    public var predictedValueDiscountMonthly: Double = 0
    /// The fitted models (`journey predict`), if any: profiles score customers with them.
    public var predictionModel: PredictionModel?

    /// The design's defaults, with tier rungs at 100, 500, 2000 and 10000 in major units.
    public init(currency: Currency = .usd) {
        currencyExponent = currency.exponent
        var scale: Int64 = 1
        for _ in 0..<currency.exponent { scale *= 10 }
        tierMinimumsMinorUnits = [100, 500, 2000, 10_000].map { $0 * scale }
    }

    /// The affinity score at which a category becomes a tag.
    public static let affinityTagScoreMin = 1.0
    /// At most this many affinity tags per customer.
    public static let affinityTagsMax = 3

    /// Whether stored facts or their indexes computed under `self` would differ under `other` (then
    /// a rebuild is needed): the rhythm index (`by_due`) depends on the declining rule's values.
    public func changesFacts(comparedTo other: Policy) -> Bool {
        lapsedAfterDays != other.lapsedAfterDays || affinityHalfLifeDays != other.affinityHalfLifeDays
            || decliningAfterDays != other.decliningAfterDays || latencyFactor != other.latencyFactor
            || viewWeight != other.viewWeight || cartLineWeight != other.cartLineWeight
            || purchaseLineWeight != other.purchaseLineWeight
    }

    static let keys = ["declining_after_days", "lapsed_after_days", "latency_factor", "tier_bronze", "tier_silver",
                       "tier_gold", "tier_platinum", "affinity_half_life_days", "view_weight", "cart_line_weight",
                       "purchase_line_weight"]

    /// The policy as `key=value` lines (tiers in major units, as every amount: `tier_gold=2000`), as
    /// stored and as `journey policy` prints it.
    public var text: String {
        let values: [String] = [fmt(decliningAfterDays), fmt(lapsedAfterDays), fmt(latencyFactor)]
            + tierMinimumsMinorUnits.map(majorUnits)
            + [fmt(affinityHalfLifeDays), fmt(viewWeight), fmt(cartLineWeight), fmt(purchaseLineWeight)]
        return zip(Self.keys, values).map { "\($0)=\($1)\n" }.joined() + predictionText
    }

    /// Sets one value by its key in ``text``.
    /// - Throws: ``JourneyError/Code/invalidArgument`` naming the valid keys or the expected value.
    public mutating func set(_ key: String, to value: String) throws(JourneyError) {
        if try setPrediction(key, to: value) { return }
        guard let index = Self.keys.firstIndex(of: key) else {
            throw JourneyError(.invalidArgument, "unknown policy key \"\(key)\"; valid keys: \((Self.keys + Self.predictionKeys).joined(separator: ", "))")
        }
        if (3...6).contains(index) {
            let text = value
            let minor = JSONEventScanner.parseMoney(text, exponent: currencyExponent)
            guard let v = minor else {
                let decimals = currencyExponent == 0 ? "a whole amount" : "an amount with at most \(currencyExponent) decimals"
                throw JourneyError(.invalidArgument, "\(key) must be \(decimals) ≥ 0 in major units (tier_gold=2000), got \"\(value)\"")
            }
            tierMinimumsMinorUnits[index - 3] = v
            guard tierMinimumsMinorUnits == tierMinimumsMinorUnits.sorted() else {
                throw JourneyError(.invalidArgument, "tier minimums must rise from bronze to platinum")
            }
            return
        }
        guard let v = Double(value), v.isFinite, v > 0 || (index >= 8 && v >= 0) else {
            throw JourneyError(.invalidArgument, "\(key) must be a number > 0, got \"\(value)\"")
        }
        switch index {
        case 0: decliningAfterDays = v
        case 1: lapsedAfterDays = v
        case 2: latencyFactor = v
        case 7: affinityHalfLifeDays = v
        case 8: viewWeight = v
        case 9: cartLineWeight = v
        default: purchaseLineWeight = v
        }
    }

    /// Parses ``text``; keys it does not hold keep their defaults.
    init(text: String, currency: Currency) throws(JourneyError) {
        self.init(currency: currency)
        var modelLines: [String: String] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: "=", maxSplits: 1)
            guard parts.count == 2 else { throw JourneyError(.corrupted, "stored policy line \"\(line)\" is not key=value") }
            if PredictionModel.isModelKey(parts[0]) { modelLines[String(parts[0])] = String(parts[1]); continue }
            try set(String(parts[0]), to: String(parts[1]))
        }
        predictionModel = try PredictionModel(lines: modelLines)
    }
}

extension Policy {
    /// An amount in major units: whole ones without decimals (`2000`), others with all of them (`2000.50`).
    func majorUnits(_ minor: Int64) -> String {
        let text = Money(minorUnits: Int128(minor)).decimalString(exponent: currencyExponent)
        guard currencyExponent > 0, text.hasSuffix("." + String(repeating: "0", count: currencyExponent)) else { return text }
        return String(text.dropLast(currencyExponent + 1))
    }
}

private func fmt(_ v: Double) -> String {
    v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : String(v)
}
