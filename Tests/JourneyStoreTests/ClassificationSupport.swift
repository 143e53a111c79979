@testable import JourneyStore
@_spi(Storage) import JourneyStorage

/// Builds events on a day grid for rule tests: day 0 is 2026-01-01T00:00:00Z.
struct Shop {
    static let dayMs: Int64 = 86_400_000
    static let origin: Int64 = 1_767_225_600_000
    var events: [Event] = []
    private var counter = 0

    static func at(_ day: Double) -> Timestamp {
        Timestamp(millisecondsSinceEpoch: origin + Int64((day * Double(dayMs)).rounded()))
    }

    private mutating func id() -> String { counter += 1; return "e\(counter)" }

    mutating func purchase(_ customer: String, day: Double, cents: Int64, category: String? = "cameras", product: String = "p1") {
        events.append(Event(id: id(), customer: customer, time: Self.at(day), payload: .purchase(
            order: "o\(counter)", items: [LineItem(product: product, category: category, price: Money(minorUnits: Int128(cents)))])))
    }

    mutating func refund(_ customer: String, day: Double, cents: Int64) {
        events.append(Event(id: id(), customer: customer, time: Self.at(day), payload: .refund(order: "o", total: Money(minorUnits: Int128(cents)))))
    }

    mutating func view(_ customer: String, day: Double, category: String?, product: String = "p9") {
        events.append(Event(id: id(), customer: customer, time: Self.at(day), payload: .productView(product: product, category: category)))
    }

    mutating func abandon(_ customer: String, day: Double, category: String? = "bags", lines: Int = 1) {
        let items = (0..<lines).map { LineItem(product: "b\($0)", category: category, price: Money(minorUnits: 1000)) }
        events.append(Event(id: id(), customer: customer, time: Self.at(day), payload: .cartAbandon(items: items)))
    }

    mutating func signup(_ customer: String, day: Double, email: String? = nil) {
        events.append(Event(id: id(), customer: customer, time: Self.at(day), payload: .signup(Contact(email: email), Attributes())))
    }

    mutating func open(_ customer: String, day: Double) {
        events.append(Event(id: id(), customer: customer, time: Self.at(day), payload: .emailOpen(campaign: "c")))
    }

    /// A new store holding the events (appended after `policy` is set, if given).
    func store(policy: Policy? = nil) throws -> TemporaryStore {
        let t = try TemporaryStore()
        if let policy { try t.store.setPolicy(policy) }
        try t.store.append(events)
        return t
    }

    /// A store holding the events, and each customer's profile as of `day`.
    func profiles(asOf day: Double, policy: Policy? = nil) throws -> [String: Profile] {
        let t = try store(policy: policy)
        return try t.store.read { snapshot in
            var out: [String: Profile] = [:]
            try snapshot.forEachProfile(asOf: Self.at(day)) { out[$0.customer] = $0; return true }
            return out
        }
    }

    func profile(_ customer: String, asOf day: Double) throws -> Profile {
        try profiles(asOf: day)[customer]!
    }
}
