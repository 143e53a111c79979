@_spi(Storage) import JourneyStorage
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
/// `has_phone`. Demographics `gender`, `city`, `region`, `zip`, `country` (text: `=`, `!=`, `in`,
/// `~=`), `birthday` (a date: `birthday < "1990-01-01"`), `age`, `birth_month`,
/// `days_to_birthday`, list `interests`; behaviour `days_since_cart_abandon`, `last_cart_value`,
/// `days_since_view`, `days_since_seen`, lists `viewed` and `opened`; consent `email_consent`,
/// `ads_consent`; offers `days_since_offer`, list `offered`;
/// prediction `p_alive`, `expected_orders_90d`, `predicted_value_365d` (money).
/// Operators `= != < <= > >=`, `in (a, b)`, `has`, `and`, `or`, `not`, parentheses;
/// strings in double quotes, enum values as bare words; numbers such as `90`, `-3`, `12.5`, `.5` or
/// `1e6`, at most ``literalMagnitudeMax`` in magnitude. `~=` compares text without case and
/// accents (`city ~= "koln"` matches `Köln`; on a list: some entry does). A test of `bought`,
/// `bought_category`, `viewed`, `viewed_category`, `opened` or `offered` takes `within N days`:
/// `viewed_category has "cameras" within 30 days` holds when such an event happened in (T − 30 d, T].
///
/// Missing values: a comparison (`=`, `!=`, `<`, …, `in`) with a missing value (no purchase yet, no
/// email open, no tier) is false, so `tier != gold` leaves out customers without a tier. `not X` is
/// the complement of `X`: every customer `X` does not select, those with missing values included, so
/// `X` and `not X` always split the customers in two. Hence `not days_since_purchase < 30` selects
/// those who never bought, while `days_since_purchase >= 30` does not.
///
/// Limits: at most ``textBytesMax`` bytes of text and ``nestingMax`` nested parentheses or `not`s.
public struct Filter: Hashable, Sendable, CustomStringConvertible {
    /// The longest filter text, in UTF-8 bytes.
    public static let textBytesMax = 65_536
    /// The deepest nesting of parentheses and `not`s. Evaluation recurses this deep; a chain of
    /// `and`s or `or`s of any length does not nest.
    public static let nestingMax = 256
    /// The longest window of `within N days`: longer than the store's times reach.
    public static let withinDaysMax = 3_000_000.0
    /// The largest magnitude of a number in a filter: far beyond any count, day or amount, and small
    /// enough that every index range derived from one stays in Int64.
    public static let literalMagnitudeMax = 1e18
    /// ``literalMagnitudeMax`` as messages show it.
    static let literalMagnitudeMaxText = "1e18"

    /// The text the filter was parsed from.
    public let text: String
    let root: FilterNode
    /// Decimal digits of the store's currency: `spend` and `aov` literals are scaled by them.
    let currencyExponent: Int

    /// Parses and type-checks `text`.
    /// - Throws: ``JourneyError`` (`.invalidArgument`) whose message starts with the column and says
    ///   what was expected: `column 9: expected a value after "=", found end of filter`; also for text
    ///   longer than ``textBytesMax``, nesting deeper than ``nestingMax`` and numbers beyond
    ///   ``literalMagnitudeMax``.
    public init(_ text: String, currency: Currency = .usd) throws(JourneyError) {
        guard text.utf8.count <= Self.textBytesMax else {
            throw JourneyError(.invalidArgument, "expected a filter of at most \(Self.textBytesMax) bytes, found \(text.utf8.count) bytes")
        }
        self.text = text
        currencyExponent = currency.exponent
        var parser = FilterParser(tokens: try FilterLexer.tokens(text), moneyExponent: currency.exponent)
        root = try parser.parse()
    }

    /// The filter that every profile passes.
    public static let all = try! Filter("orders >= 0")

    /// The filter's text.
    public var description: String { text }

    /// Whether `profile` is in the audience.
    public func matches(_ profile: Profile) -> Bool { root.matches(profile) }
}

extension FilterNode {
    func matches(_ p: Profile) -> Bool {
        switch self {
        case .and(let operands):
            for operand in operands where !operand.matches(p) { return false }
            return true
        case .or(let operands):
            for operand in operands where operand.matches(p) { return true }
            return false
        case .not(let a): return !a.matches(p)
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
            return p.listContains(field, value)
        case .boolean(let field, let value):
            return field.flag(of: p).map { $0 == value } ?? false
        case .like(let field, let folded):
            guard let v = field.text(of: p) else { return false }
            return TextFolding.fold(v) == folded
        case .listMatch(let match):
            return p.listMatches(match)
        case .date(let field, let op, let value):
            guard let v = field.date(of: p) else { return false }
            return op.holds(v, value)
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
        case .pAlive: p.pAlive
        case .expectedOrders90d: p.expectedOrders90d
        case .predictedValue365d: p.predictedValue365d.map { Double($0.minorUnits) }
        default: marketingNumber(of: p)
        }
    }

    func text(of p: Profile) -> String? {
        switch self {
        case .phase: p.phase.name
        case .segment: p.segment.name
        case .tier: p.tier?.name
        case .gender: p.attributes.gender
        case .city: p.attributes.city
        case .region: p.attributes.region
        case .zip: p.attributes.zip
        case .country: p.attributes.country
        default: nil
        }
    }

    func list(of p: Profile) -> [String] {
        switch self {
        case .affinity: p.affinity
        case .bought: p.boughtProducts
        case .boughtCategory: p.boughtCategories
        case .viewedCategory: p.viewedCategories
        case .interests: p.attributes.interests ?? []
        case .viewed: p.viewedProducts
        case .opened: p.openedCampaigns
        case .offered: p.offers
        default: []
        }
    }
}

extension FilterNode {
    /// Whether the filter tests a list the facts keep (products, categories, campaigns, offers).
    var usesLists: Bool {
        switch self {
        case .and(let operands), .or(let operands): operands.contains { $0.usesLists }
        case .not(let a): a.usesLists
        case .has(let field, _): field.timedList != nil
        case .listMatch(let m): m.field.timedList != nil
        default: false
        }
    }
}
