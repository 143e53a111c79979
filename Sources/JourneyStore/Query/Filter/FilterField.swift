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

    // Issue 19: demographics, behaviour in time, consent and offers (Profile+Marketing.swift).
    /// `attributes.gender`, text.
    case gender
    /// Whole years since the birthday; missing without one.
    case age
    /// The birthday, a date compared as `"YYYY-MM-DD"`.
    case birthday
    /// The birthday's month, 1–12.
    case birthMonth = "birth_month"
    /// Days to the next birthday, 0 on the day (29 February: 28 February in other years).
    case daysToBirthday = "days_to_birthday"
    /// `attributes.city`, text.
    case city
    /// `attributes.region`, text.
    case region
    /// `attributes.zip`, text.
    case zip
    /// `attributes.country`, text (ISO 3166 alpha-2, upper case).
    case country
    /// The declared interests, a list.
    case interests
    /// Days since the newest abandoned cart.
    case daysSinceCartAbandon = "days_since_cart_abandon"
    /// The newest abandoned cart's total, in major units.
    case lastCartValue = "last_cart_value"
    /// Days since the newest product view.
    case daysSinceView = "days_since_view"
    /// Days since the newest event of any type.
    case daysSinceSeen = "days_since_seen"
    /// The products viewed, a list.
    case viewed
    /// The campaigns whose emails were opened, a list.
    case opened
    /// Consent to marketing email (missing until given or withdrawn).
    case emailConsent = "email_consent"
    /// Consent to advertising audiences.
    case adsConsent = "ads_consent"
    /// Days since the newest offer.
    case daysSinceOffer = "days_since_offer"
    /// The offers received, a list.
    case offered

    // Prediction; missing without a fitted model (`journey predict`) or a purchase.
    /// ``Profile/pAlive``, 0–1.
    case pAlive = "p_alive"
    /// ``Profile/expectedOrders90d``.
    case expectedOrders90d = "expected_orders_90d"
    /// ``Profile/predictedValue365d``, in major units.
    case predictedValue365d = "predicted_value_365d"

    /// What kind of values the field holds, which decides the operators it takes.
    enum Kind { case enumeration([String]), ordered([String]), number, money, list, boolean, text, date }

    var kind: Kind {
        switch self {
        case .phase: .enumeration(Phase.allCases.map(\.name))
        case .segment: .enumeration(Segment.allCases.map(\.name))
        case .tier: .ordered(Tier.allCases.map(\.name))
        case .spend, .aov, .lastCartValue, .predictedValue365d: .money
        case .affinity, .bought, .boughtCategory, .viewedCategory, .interests, .viewed, .opened, .offered: .list
        case .hasEmail, .hasPhone, .emailConsent, .adsConsent: .boolean
        case .gender, .city, .region, .zip, .country: .text
        case .birthday: .date
        default: .number
        }
    }

    /// The facts list a list field tests, which keeps a time per entry (`within N days`); `nil` for
    /// `affinity` and `interests`.
    var timedList: ListKind? {
        switch self {
        case .bought: .bought
        case .boughtCategory: .boughtCategory
        case .viewed: .viewed
        case .viewedCategory: .viewedCategory
        case .opened: .opened
        case .offered: .offered
        default: nil
        }
    }

    /// The list fields with times, as messages name them.
    static let timedListNames = allCases.filter { $0.timedList != nil }.map(\.rawValue).joined(separator: ", ")
    /// The list fields, as messages name them.
    static let listNames = allCases.filter { if case .list = $0.kind { true } else { false } }.map(\.rawValue).joined(separator: ", ")

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
    /// A boolean field is `value` (false when the field is missing).
    case boolean(FilterField, Bool)
    /// A text field equal to a value without case and accents (`value` is folded: ``TextFolding``).
    case like(FilterField, String)
    /// A list test with `~=` or `within`.
    case listMatch(ListMatch)
    /// A date field (`birthday`) against a date, as `YYYY-MM-DD` text (which orders as the dates do).
    case date(FilterField, FilterOperator, String)
}

/// `LIST has VALUE within N days`, `LIST ~= VALUE` and `LIST ~= VALUE within N days`.
struct ListMatch: Hashable, Sendable {
    var field: FilterField
    /// Folded (``TextFolding``) when `folded`.
    var value: String
    var folded: Bool
    /// Only entries whose newest event lies in (T − days, T].
    var withinDays: Double?
}
