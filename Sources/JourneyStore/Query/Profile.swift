@_spi(Storage) import JourneyStorage
/// One customer classified as of a clock T: the facts plus everything derived from them (DESIGN.md §1).
public struct Profile: Hashable, Sendable {
    /// The customer id.
    public var customer: String
    /// The clock the time-dependent values were derived at.
    public var asOf: Timestamp
    /// Lifecycle phase at ``asOf``.
    public var phase: Phase
    /// The one segment the customer is in.
    public var segment: Segment
    /// VIP tier by net spend, `nil` below bronze.
    public var tier: Tier?
    /// 1, 5, 10 or 20 when among that top share of net spenders; `nil` otherwise (and for non-buyers).
    public var topPercent: Int?
    /// High value = ``topPercent`` is set.
    public var isHighValue: Bool { topPercent != nil }
    /// Number of purchase events.
    public var orders: Int
    /// Net spend: gross purchases − refunds.
    public var spend: Money
    /// Σ purchase totals.
    public var gross: Money
    /// Σ refund totals.
    public var refunded: Money
    /// Average order value, gross / orders, rounded half away from zero to a minor unit.
    public var aov: Money?
    /// Time of the first event.
    public var firstSeen: Timestamp
    /// Time of the newest event.
    public var lastSeen: Timestamp
    /// Time of the first signup.
    public var signup: Timestamp?
    /// Time of the first purchase.
    public var firstPurchase: Timestamp?
    /// Time of the newest purchase.
    public var lastPurchase: Timestamp?
    /// (T − last purchase) in days, fractional.
    public var daysSincePurchase: Double?
    /// (T − signup) in days.
    public var daysSinceSignup: Double?
    /// (last − first purchase) / (orders − 1) in days, for orders ≥ 2.
    public var averageGapDays: Double?
    /// Purchases more than `lapsed_after_days` after the previous one.
    public var reactivations: Int
    /// Up to 3 categories with affinity ≥ 1.0 at T, highest first (ties by the names' UTF-8 bytes).
    public var affinity: [String]
    /// RFM quintile scores, `nil` for non-buyers.
    public var rfm: RFM?
    /// Abandoned carts.
    public var cartAbandons: Int
    /// Time of the newest abandoned cart.
    public var lastCartAbandon: Timestamp?
    /// Total of the newest abandoned cart.
    public var lastCartValue: Money?
    /// Marketing emails opened.
    public var emailOpens: Int
    /// Time of the newest email open.
    public var lastEmailOpen: Timestamp?
    /// (T − last email open) in days.
    public var daysSinceEmailOpen: Double?
    /// Latest email by event time.
    public var email: String?
    /// Latest phone by event time.
    public var phone: String?
    /// Latest attributes by event time, field by field.
    public var attributes: Attributes
    /// Products bought, sorted by the UTF-8 bytes of their names (likewise the three lists below).
    public var boughtProducts: [String]
    /// Categories bought.
    public var boughtCategories: [String]
    /// Products viewed.
    public var viewedProducts: [String]
    /// Categories viewed.
    public var viewedCategories: [String]

    // Issue 19: behaviour in time, offers, and the lists' times (Profile+Marketing.swift derives the rest).
    /// Time of the newest product view.
    public var lastView: Timestamp? = nil
    /// Time of the newest offer received.
    public var lastOffer: Timestamp? = nil
    /// Campaigns whose emails were opened, sorted by their UTF-8 bytes.
    public var openedCampaigns: [String] = []
    /// Offers received, sorted by their UTF-8 bytes.
    public var offers: [String] = []
    /// The time of the newest event of each entry of the lists with times, in the lists' order.
    public var listTimes = ListTimes()
    /// The facts' lists by name number, for the filters the store runs itself (not part of the value).
    var numbered: NumberedLists? = nil

    // Prediction (BG/NBD and Gamma-Gamma, from the model `journey predict` stored): computed when
    // read; `nil` without a model or without a purchase by ``asOf``.
    var prediction: CustomerPrediction? = nil
    /// P(alive): the probability that the customer has not quietly left.
    public var pAlive: Double? { prediction?.pAlive }
    /// Expected purchase days in the next `expected_orders_horizon_days` (default 90).
    public var expectedOrders90d: Double? { prediction?.expectedOrders }
    /// Expected purchase days in the next `predicted_value_horizon_days` (default 365) × the
    /// expected spend per purchase day, undiscounted, rounded to a minor unit.
    public var predictedValue365d: Money? { prediction?.predictedValue }
}

extension Profile {
    /// Classifies `facts` at `asOf` by the rules of ``Classifier`` (DESIGN.md §1, exactly).
    /// - Parameter lists: whether to name the bought and viewed products and categories (exports
    ///   that print none of them skip the work; they are then empty).
    init(customer: String, facts f: CustomerFacts, asOf t: Int64, classifier c: Classifier,
         spendKey: [UInt8], lists: Bool = true, names: Snapshot) throws {
        let phase = c.phase(f, asOf: t)
        let topPercent = c.topPercent(f, spendKey: spendKey)
        func since(_ time: Int64?) -> Double? { time.map { Classifier.days(from: $0, to: t) } }
        self.init(
            customer: customer, asOf: Timestamp(millisecondsSinceEpoch: t), phase: phase,
            segment: c.segment(phase: phase, topPercent: topPercent), tier: c.tier(f), topPercent: topPercent,
            orders: f.orders, spend: Money(minorUnits: f.netSpend), gross: Money(minorUnits: f.gross),
            refunded: Money(minorUnits: f.refunded), aov: Classifier.averageOrderValue(f),
            firstSeen: Timestamp(millisecondsSinceEpoch: f.firstSeen), lastSeen: Timestamp(millisecondsSinceEpoch: f.lastSeen),
            signup: ts(f.signup), firstPurchase: ts(f.firstPurchase), lastPurchase: ts(f.lastPurchase),
            daysSincePurchase: since(f.lastPurchase), daysSinceSignup: since(f.signup),
            averageGapDays: Classifier.averageGapDays(f), reactivations: Int(f.reactivations),
            affinity: try c.affinityTags(f, asOf: t) { try names.names(.category, $0) }, rfm: c.rfm(f),
            cartAbandons: Int(f.cartAbandons), lastCartAbandon: ts(f.lastCartAbandon),
            lastCartValue: f.lastCartAbandon != nil ? Money(minorUnits: Int128(f.lastCartValue)) : nil,
            emailOpens: Int(f.emailOpens), lastEmailOpen: ts(f.lastEmailOpen), daysSinceEmailOpen: since(f.lastEmailOpen),
            email: f.field(.email), phone: f.field(.phone),
            attributes: Attributes(firstName: f.field(.firstName), lastName: f.field(.lastName), gender: f.field(.gender),
                                   birthday: f.field(.birthday), city: f.field(.city), region: f.field(.region),
                                   zip: f.field(.zip), country: f.field(.country), interests: f.interests),
            boughtProducts: [], boughtCategories: [], viewedProducts: [], viewedCategories: [])
        try addMarketingFields(f, lists: lists, names: names)
        prediction = c.policy.prediction(f, asOf: t, exponent: names.store.currency.exponent)
    }
}

@inline(__always)
func ts(_ ms: Int64?) -> Timestamp? { ms.map { Timestamp(millisecondsSinceEpoch: $0) } }
