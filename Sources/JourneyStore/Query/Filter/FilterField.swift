@_spi(Storage) import JourneyStorage
/// The fields a filter can name (DESIGN.md §1 "Audiences").
public enum FilterField: String, CaseIterable, Sendable {
    /// ``Profile/phase``, compared by name (`phase = declining`).
    case phase
    /// ``Profile/segment``, compared by name.
    case segment
    /// ``Profile/tier``, ordered (`tier >= gold`); missing below bronze.
    case tier
    /// ``Profile/topPercent``: 1, 5, 10 or 20; missing outside the top 20 %.
    case topPercent = "top_percent"
    /// ``Profile/orders``.
    case orders
    /// ``Profile/spend`` (net), in major units.
    case spend
    /// ``Profile/aov``, in major units; missing without orders.
    case aov
    /// ``Profile/daysSincePurchase``; missing without purchases.
    case daysSincePurchase = "days_since_purchase"
    /// ``Profile/daysSinceSignup``; missing without a signup.
    case daysSinceSignup = "days_since_signup"
    /// ``Profile/reactivations``.
    case reactivations
    /// ``Profile/cartAbandons``.
    case cartAbandons = "cart_abandons"
    /// ``Profile/emailOpens``.
    case emailOpens = "email_opens"
    /// ``Profile/daysSinceEmailOpen``; missing without an open.
    case daysSinceEmailOpen = "days_since_email_open"
    /// The RFM recency score, 1–5; missing for non-buyers.
    case rfmR = "rfm_r"
    /// The RFM frequency score, 1–5; missing for non-buyers.
    case rfmF = "rfm_f"
    /// The RFM monetary score, 1–5; missing for non-buyers.
    case rfmM = "rfm_m"
    /// The affinity tags, a list (`affinity has "cameras"`).
    case affinity
    /// The products bought, a list.
    case bought
    /// The categories bought, a list.
    case boughtCategory = "bought_category"
    /// The categories viewed, a list.
    case viewedCategory = "viewed_category"
    /// Whether the profile has an email.
    case hasEmail = "has_email"
    /// Whether the profile has a phone.
    case hasPhone = "has_phone"

    // Prediction; missing without a fitted model (`journey predict`) or a purchase.
    /// ``Profile/pAlive``, 0–1.
    case pAlive = "p_alive"
    /// ``Profile/expectedOrders90d``.
    case expectedOrders90d = "expected_orders_90d"
    /// ``Profile/predictedValue365d``, in major units.
    case predictedValue365d = "predicted_value_365d"

    /// What kind of values the field holds, which decides the operators it takes.
    enum Kind { case enumeration([String]), ordered([String]), number, money, list, boolean }

    var kind: Kind {
        switch self {
        case .phase: .enumeration(Phase.allCases.map(\.name))
        case .segment: .enumeration(Segment.allCases.map(\.name))
        case .tier: .ordered(Tier.allCases.map(\.name))
        case .spend, .aov, .predictedValue365d: .money
        case .affinity, .bought, .boughtCategory, .viewedCategory: .list
        case .hasEmail, .hasPhone: .boolean
        default: .number
        }
    }

    static let names = allCases.map(\.rawValue).joined(separator: ", ")
}

/// A comparison operator.
public enum FilterOperator: String, Sendable {
    /// `=`
    case equal = "="
    /// `!=`
    case notEqual = "!="
    /// `<`
    case less = "<"
    /// `<=`
    case lessOrEqual = "<="
    /// `>`
    case greater = ">"
    /// `>=`
    case greaterOrEqual = ">="

    func holds<T: Comparable>(_ a: T, _ b: T) -> Bool {
        switch self {
        case .equal: a == b
        case .notEqual: a != b
        case .less: a < b
        case .lessOrEqual: a <= b
        case .greater: a > b
        case .greaterOrEqual: a >= b
        }
    }
}

/// A parsed, type-checked filter expression.
///
/// `and` and `or` hold a flat list of operands, so a chain of any length is wide, not deep: evaluating,
/// hashing and releasing a node recurse only as deep as the parentheses and `not`s, which the parser
/// caps at ``Filter/nestingMax``.
enum FilterNode: Hashable, Sendable {
    /// Every operand holds (two or more).
    case and([FilterNode])
    /// Some operand holds (two or more).
    case or([FilterNode])
    /// The complement: every customer the operand does not select, those with missing values included.
    indirect case not(FilterNode)
    /// A number field (and money, in minor units; tiers by rank) against a number.
    case compare(FilterField, FilterOperator, Double)
    /// An enumeration field equal (or not) to a value.
    case equals(FilterField, String, negated: Bool)
    case member(FilterField, [String])
    case memberNumber(FilterField, [Double])
    /// A list field holds a value.
    case has(FilterField, String)
    /// A boolean field is `value`.
    case boolean(FilterField, Bool)
}
