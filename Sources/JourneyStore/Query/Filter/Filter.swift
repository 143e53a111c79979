/// An audience filter over profiles (DESIGN.md §1 "Audiences"), parsed and type-checked up front.
///
/// ```swift
/// let filter = try Filter(#"segment = high_value_at_risk and affinity has "cameras" and days_since_purchase > 60"#)
/// try store.read { snapshot in
///     for profile in try snapshot.profiles(where: filter) { … }
/// }
/// ```
/// Fields: `phase`, `segment`, `tier` (ordered: `tier >= gold`), `top_percent`, `orders`, `spend`, `aov`
/// (money in major units), `days_since_purchase`, `days_since_signup`, `reactivations`,
/// `cart_abandons`, `email_opens`, `days_since_email_open`, `rfm_r`, `rfm_f`, `rfm_m`; lists
/// `affinity`, `bought`, `bought_category`, `viewed_category` (with `has`); booleans `has_email`,
/// `has_phone`. Operators `= != < <= > >=`, `in (a, b)`, `has`, `and`, `or`, `not`, parentheses;
/// strings in double quotes, enum values as bare words. A comparison with a missing value is false.
public struct Filter: Hashable, Sendable, CustomStringConvertible {
    /// The text the filter was parsed from.
    public let text: String
    let root: FilterNode
    /// Minor units per major unit of the store's currency, for `spend` and `aov`.
    let moneyScale: Double

    /// Parses and type-checks `text`.
    /// - Throws: ``JourneyError`` (`.invalidArgument`) whose message starts with the column and says
    ///   what was expected: `column 9: expected a value after "=", found end of filter`.
    public init(_ text: String, currency: Currency = .usd) throws(JourneyError) {
        self.text = text
        var scale = 1.0
        for _ in 0..<currency.exponent { scale *= 10 }
        moneyScale = scale
        var parser = FilterParser(tokens: try FilterLexer.tokens(text), moneyScale: scale)
        root = try parser.parse()
    }

    /// The filter that every profile passes.
    public static let all = try! Filter("orders >= 0")

    public var description: String { text }

    /// Whether `profile` is in the audience.
    public func matches(_ profile: Profile) -> Bool { root.matches(profile, moneyScale: moneyScale) }
}

extension FilterNode {
    func matches(_ p: Profile, moneyScale: Double) -> Bool {
        switch self {
        case .and(let a, let b): return a.matches(p, moneyScale: moneyScale) && b.matches(p, moneyScale: moneyScale)
        case .or(let a, let b): return a.matches(p, moneyScale: moneyScale) || b.matches(p, moneyScale: moneyScale)
        case .not(let a): return !a.matches(p, moneyScale: moneyScale)
        case .compare(let field, let op, let value):
            guard let v = field.number(of: p) else { return false }
            return op.holds(v, value)
        case .equals(let field, let value, let negated):
            guard let v = field.text(of: p) else { return false }
            return (v == value) != negated
        case .member(let field, let values):
            guard let v = field.text(of: p) else { return false }
            return values.contains(v)
        case .memberNumber(let field, let values):
            guard let v = field.number(of: p) else { return false }
            return values.contains(v)
        case .has(let field, let value):
            return field.list(of: p).contains(value)
        case .boolean(let field, let value):
            return (field == .hasEmail ? p.email != nil : p.phone != nil) == value
        }
    }
}

extension FilterField {
    /// The field's number in `p` (money in minor units, tiers by rank), or `nil` when missing.
    func number(of p: Profile) -> Double? {
        switch self {
        case .tier: p.tier.map { Double($0.rawValue) }
        case .topPercent: p.topPercent.map(Double.init)
        case .orders: Double(p.orders)
        case .spend: Double(p.spend.minorUnits)
        case .aov: p.aov.map { Double($0.minorUnits) }
        case .daysSincePurchase: p.daysSincePurchase
        case .daysSinceSignup: p.daysSinceSignup
        case .reactivations: Double(p.reactivations)
        case .cartAbandons: Double(p.cartAbandons)
        case .emailOpens: Double(p.emailOpens)
        case .daysSinceEmailOpen: p.daysSinceEmailOpen
        case .rfmR: p.rfm.map { Double($0.recency) }
        case .rfmF: p.rfm.map { Double($0.frequency) }
        case .rfmM: p.rfm.map { Double($0.monetary) }
        default: nil
        }
    }

    func text(of p: Profile) -> String? {
        switch self {
        case .phase: p.phase.name
        case .segment: p.segment.name
        case .tier: p.tier?.name
        default: nil
        }
    }

    func list(of p: Profile) -> [String] {
        switch self {
        case .affinity: p.affinity
        case .bought: p.boughtProducts
        case .boughtCategory: p.boughtCategories
        case .viewedCategory: p.viewedCategories
        default: []
        }
    }
}

extension FilterNode {
    /// Whether the filter tests a product or category list (`bought`, `bought_category`, `viewed_category`).
    var usesLists: Bool {
        switch self {
        case .and(let a, let b), .or(let a, let b): a.usesLists || b.usesLists
        case .not(let a): a.usesLists
        case .has(let field, _): field != .affinity
        default: false
        }
    }
}
