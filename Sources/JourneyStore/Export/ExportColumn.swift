@_spi(Storage) import JourneyStorage

/// A column of a CSV export (`journey export --columns customer,email,age`): a profile field, as the
/// profile's JSON names it. Days have 3 decimals, money the currency's, times are RFC 3339 UTC,
/// lists are joined with `|`, missing values are empty.
public enum ExportColumn: String, CaseIterable, Sendable {
    case customer, email, phone
    case firstName = "first_name", lastName = "last_name"
    case phase, segment, tier
    case topPercent = "top_percent"
    case orders, spend, gross, refunded, aov
    case firstPurchase = "first_purchase", lastPurchase = "last_purchase"
    case daysSincePurchase = "days_since_purchase", averageGapDays = "average_gap_days"
    case reactivations, affinity
    case rfmR = "rfm_r", rfmF = "rfm_f", rfmM = "rfm_m"
    case cartAbandons = "cart_abandons", lastCartAbandon = "last_cart_abandon", lastCartValue = "last_cart_value"
    case daysSinceCartAbandon = "days_since_cart_abandon"
    case emailOpens = "email_opens", lastEmailOpen = "last_email_open", daysSinceEmailOpen = "days_since_email_open"
    case signup, daysSinceSignup = "days_since_signup"
    case firstSeen = "first_seen", lastSeen = "last_seen", daysSinceSeen = "days_since_seen"
    case lastView = "last_view", daysSinceView = "days_since_view"
    case gender, birthday, age
    case birthMonth = "birth_month", daysToBirthday = "days_to_birthday"
    case city, region, zip, country, interests
    case emailConsent = "email_consent", adsConsent = "ads_consent"
    case lastOffer = "last_offer", daysSinceOffer = "days_since_offer"
    case offered, opened, bought
    case boughtCategory = "bought_category"
    case viewed
    case viewedCategory = "viewed_category"
    case pAlive = "p_alive", expectedOrders90d = "expected_orders_90d", predictedValue365d = "predicted_value_365d"

    /// The columns of a CSV export without `--columns`.
    public static let defaults: [ExportColumn] = [.customer, .email, .phone, .firstName, .lastName, .phase, .segment, .tier,
                                                  .topPercent, .orders, .spend, .aov, .lastPurchase, .daysSincePurchase, .affinity]

    /// The most columns of one export.
    public static let columnsMax = 256

    /// Columns from a comma-separated list of names (`customer,email,age`).
    /// - Throws: ``JourneyError`` `.invalidArgument` naming an unknown column and the known ones.
    public static func list(_ text: String) throws(JourneyError) -> [ExportColumn] {
        let names = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingSpaces }
        guard !names.isEmpty, names.count <= columnsMax else {
            throw JourneyError(.invalidArgument, "--columns: expected 1 to \(columnsMax) column names separated by commas")
        }
        var out: [ExportColumn] = []
        for name in names {
            guard let column = ExportColumn(rawValue: name) else {
                throw JourneyError(.invalidArgument, "--columns: unknown column \"\(name)\"; columns are \(allCases.map(\.rawValue).joined(separator: ", "))")
            }
            out.append(column)
        }
        return out
    }

    /// Whether the column shows a list of products, categories, campaigns or offers (profiles then name them).
    var needsLists: Bool { [.offered, .opened, .bought, .boughtCategory, .viewed, .viewedCategory].contains(self) }

    // size: one case per column, each a line.
    /// The column's value for `p`, `nil` when missing.
    func value(_ p: Profile, currency: Currency) -> String? {
        let e = currency.exponent, a = p.attributes
        func days(_ d: Double?) -> String? { d.map(Profile.formatDays) }
        func money(_ m: Money?) -> String? { m?.decimalString(exponent: e) }
        func flag(_ b: Bool?) -> String? { b.map { $0 ? "true" : "false" } }
        switch self {
        case .customer: return p.customer
        case .email: return p.email
        case .phone: return p.phone
        case .firstName: return a.firstName
        case .lastName: return a.lastName
        case .phase: return p.phase.name
        case .segment: return p.segment.name
        case .tier: return p.tier?.name
        case .topPercent: return p.topPercent.map(String.init)
        case .orders: return String(p.orders)
        case .spend: return money(p.spend)
        case .gross: return money(p.gross)
        case .refunded: return money(p.refunded)
        case .aov: return money(p.aov)
        case .firstPurchase: return p.firstPurchase?.rfc3339
        case .lastPurchase: return p.lastPurchase?.rfc3339
        case .daysSincePurchase: return days(p.daysSincePurchase)
        case .averageGapDays: return days(p.averageGapDays)
        case .reactivations: return String(p.reactivations)
        case .affinity: return p.affinity.joined(separator: "|")
        case .rfmR: return p.rfm.map { String($0.recency) }
        case .rfmF: return p.rfm.map { String($0.frequency) }
        case .rfmM: return p.rfm.map { String($0.monetary) }
        case .cartAbandons: return String(p.cartAbandons)
        case .lastCartAbandon: return p.lastCartAbandon?.rfc3339
        case .lastCartValue: return money(p.lastCartValue)
        case .daysSinceCartAbandon: return days(p.daysSinceCartAbandon)
        case .emailOpens: return String(p.emailOpens)
        case .lastEmailOpen: return p.lastEmailOpen?.rfc3339
        case .daysSinceEmailOpen: return days(p.daysSinceEmailOpen)
        case .signup: return p.signup?.rfc3339
        case .daysSinceSignup: return days(p.daysSinceSignup)
        case .firstSeen: return p.firstSeen.rfc3339
        case .lastSeen: return p.lastSeen.rfc3339
        case .daysSinceSeen: return days(p.daysSinceSeen)
        case .lastView: return p.lastView?.rfc3339
        case .daysSinceView: return days(p.daysSinceView)
        case .gender: return a.gender
        case .birthday: return a.birthday
        case .age: return p.age.map(String.init)
        case .birthMonth: return p.birthMonth.map(String.init)
        case .daysToBirthday: return p.daysToBirthday.map(String.init)
        case .city: return a.city
        case .region: return a.region
        case .zip: return a.zip
        case .country: return a.country
        case .interests: return a.interests?.joined(separator: "|")
        case .emailConsent: return flag(a.emailConsent)
        case .adsConsent: return flag(a.adsConsent)
        case .lastOffer: return p.lastOffer?.rfc3339
        case .daysSinceOffer: return days(p.daysSinceOffer)
        case .offered: return p.offers.joined(separator: "|")
        case .opened: return p.openedCampaigns.joined(separator: "|")
        case .bought: return p.boughtProducts.joined(separator: "|")
        case .boughtCategory: return p.boughtCategories.joined(separator: "|")
        case .viewed: return p.viewedProducts.joined(separator: "|")
        case .viewedCategory: return p.viewedCategories.joined(separator: "|")
        case .pAlive: return p.pAlive.flatMap { $0.isFinite ? String($0) : nil }
        case .expectedOrders90d: return p.expectedOrders90d.flatMap { $0.isFinite ? String($0) : nil }
        case .predictedValue365d: return money(p.predictedValue365d)
        }
    }
}

private extension Substring {
    var trimmingSpaces: String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}
