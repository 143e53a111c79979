@_spi(Storage) import JourneyStorage
/// Where a customer is in their lifecycle as of a clock T (DESIGN.md §1).
public enum Phase: String, CaseIterable, Sendable, Comparable {
    /// Never purchased, no signup, no abandoned cart.
    case visitor
    /// Signed up, never purchased.
    case subscriber
    /// Abandoned a cart, never purchased.
    case cartAbandoner = "cart_abandoner"
    /// One order, bought recently.
    case new
    /// Two or more orders, buying at their rhythm.
    case active
    /// No purchase for `declining_after_days`, or slower than `latency_factor` × their average gap.
    case declining
    /// No purchase for `lapsed_after_days`.
    case lapsed

    /// The name used in filters and JSON (`cart_abandoner`).
    public var name: String { rawValue }
    /// Lifecycle order: visitor, subscriber, cart_abandoner, new, active, declining, lapsed.
    public static func < (a: Phase, b: Phase) -> Bool { a.order < b.order }
    private var order: Int { Phase.allCases.firstIndex(of: self)! }
}

/// The one segment each customer is in, first match wins (DESIGN.md §1).
public enum Segment: String, CaseIterable, Sendable {
    /// Phase `visitor`.
    case visitor
    /// Phase `subscriber`.
    case subscriber
    /// Phase `cart_abandoner`.
    case abandonedProspect = "abandoned_prospect"
    /// Phase `new`.
    case newCustomer = "new_customer"
    /// Phase `active`, high value (``Profile/topPercent`` set).
    case loyalHighValue = "loyal_high_value"
    /// Phase `active`, not high value.
    case frequentLowValue = "frequent_low_value"
    /// Phase `declining` or `lapsed`, high value.
    case highValueAtRisk = "high_value_at_risk"
    /// Phase `declining` or `lapsed`, not high value.
    case nonTarget = "non_target"

    /// The name used in filters and JSON (`high_value_at_risk`).
    public var name: String { rawValue }

    /// The segment of a customer in `phase`, high value or not.
    public init(phase: Phase, highValue: Bool) {
        switch phase {
        case .visitor: self = .visitor
        case .subscriber: self = .subscriber
        case .cartAbandoner: self = .abandonedProspect
        case .new: self = .newCustomer
        case .active: self = highValue ? .loyalHighValue : .frequentLowValue
        case .declining, .lapsed: self = highValue ? .highValueAtRisk : .nonTarget
        }
    }
}

/// The VIP ladder by net spend; ordered, so `tier >= .gold` is meaningful.
public enum Tier: Int, CaseIterable, Sendable, Comparable {
    /// Net spend from the first of ``Policy/tierMinimumsMinorUnits`` (default 100 in major units).
    case bronze = 1
    /// Net spend from the second minimum (default 500).
    case silver
    /// Net spend from the third minimum (default 2,000).
    case gold
    /// Net spend from the fourth minimum (default 10,000).
    case platinum

    /// The name used in filters and JSON (`gold`).
    public var name: String {
        switch self {
        case .bronze: "bronze"
        case .silver: "silver"
        case .gold: "gold"
        case .platinum: "platinum"
        }
    }

    /// The tier named `name`, or `nil`.
    public init?(name: String) {
        guard let t = Tier.allCases.first(where: { $0.name == name }) else { return nil }
        self = t
    }

    /// Ladder order: bronze < silver < gold < platinum.
    public static func < (a: Tier, b: Tier) -> Bool { a.rawValue < b.rawValue }

    /// The highest rung `netSpend` reaches, or `nil` below the first.
    public init?(netSpend: Int128, minimums: [Int64]) {
        guard let k = minimums.lastIndex(where: { netSpend >= Int128($0) }) else { return nil }
        self = Tier(rawValue: k + 1)!
    }
}

/// Quintile scores 1–5 (5 best) among customers with at least one order.
public struct RFM: Hashable, Sendable {
    /// Recency score: 5 for the most recent buyers.
    public var recency: Int
    /// Frequency score: 5 for the most orders.
    public var frequency: Int
    /// Monetary score: 5 for the highest net spend.
    public var monetary: Int
}
