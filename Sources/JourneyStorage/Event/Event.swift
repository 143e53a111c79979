/// One thing a customer did: the log's only input.
///
/// ```swift
/// let e = Event(id: "e1", customer: "c42", time: try Timestamp(rfc3339: "2026-03-01T10:00:00Z"),
///               payload: .purchase(order: "o9", items: [LineItem(product: "p1", category: "cameras",
///                                  price: Money(minorUnits: 19_900))]))
/// try store.append([e])
/// ```
/// Money is always in the store's currency (fixed when the store is created).
public struct Event: Hashable, Sendable {
    /// The event id, the idempotency key: a second event with the same id is skipped. ≤ 128 bytes.
    public var id: String
    /// The customer's id in the shop. ≤ 128 bytes.
    public var customer: String
    /// When it happened (not when it arrived).
    public var time: Timestamp
    /// What happened, with the fields of that type.
    public var payload: Payload

    /// An event; it is validated when appended, not here.
    public init(id: String, customer: String, time: Timestamp, payload: Payload) {
        self.id = id
        self.customer = customer
        self.time = time
        self.payload = payload
    }

    /// The fields of each event type.
    public enum Payload: Hashable, Sendable {
        /// Registered or subscribed to the newsletter.
        case signup(Contact, Attributes)
        /// Contact details or attributes changed.
        case profile(Contact, Attributes)
        /// Looked at a product.
        case productView(product: String, category: String?)
        /// Left a cart without paying; `total` defaults to Σ price × quantity.
        case cartAbandon(items: [LineItem], total: Money)
        /// Completed an order; `total` defaults to Σ price × quantity.
        case purchase(order: String, items: [LineItem], total: Money, contact: Contact)
        /// Money returned on an order (`total` > 0).
        case refund(order: String, total: Money)
        /// Opened a marketing email.
        case emailOpen(campaign: String?)
        /// An offer or campaign was sent to the customer (by the shop, or recorded by `journey plan --record`).
        case offer(offer: String, channel: String?)
        /// The customer withdrew consent for a channel.
        case unsubscribe(channel: ConsentChannel)

        /// A cart abandon whose total is the sum of its lines.
        public static func cartAbandon(items: [LineItem]) -> Payload {
            .cartAbandon(items: items, total: LineItem.total(of: items))
        }
        /// A purchase whose total is the sum of its lines.
        public static func purchase(order: String, items: [LineItem], contact: Contact = Contact()) -> Payload {
            .purchase(order: order, items: items, total: LineItem.total(of: items), contact: contact)
        }
    }

    /// The type of the payload.
    public var type: EventType {
        switch payload {
        case .signup: .signup
        case .profile: .profile
        case .productView: .productView
        case .cartAbandon: .cartAbandon
        case .purchase: .purchase
        case .refund: .refund
        case .emailOpen: .emailOpen
        case .offer: .offer
        case .unsubscribe: .unsubscribe
        }
    }
}

/// The nine event types; `rawValue` is the byte stored in the log.
public enum EventType: UInt8, CaseIterable, Sendable, CustomStringConvertible {
    /// `signup`: registered or subscribed.
    case signup = 1
    /// `profile`: contact details or attributes changed.
    case profile
    /// `product_view`: looked at a product.
    case productView
    /// `cart_abandon`: left a cart without paying.
    case cartAbandon
    /// `purchase`: completed an order.
    case purchase
    /// `refund`: money returned on an order.
    case refund
    /// `email_open`: opened a marketing email.
    case emailOpen
    /// `offer`: an offer or campaign was sent.
    case offer
    /// `unsubscribe`: consent for a channel was withdrawn.
    case unsubscribe

    /// The name used in JSONL (`"type": "product_view"`).
    public var name: String {
        switch self {
        case .signup: "signup"
        case .profile: "profile"
        case .productView: "product_view"
        case .cartAbandon: "cart_abandon"
        case .purchase: "purchase"
        case .refund: "refund"
        case .emailOpen: "email_open"
        case .offer: "offer"
        case .unsubscribe: "unsubscribe"
        }
    }

    /// The JSONL name.
    public var description: String { name }

    /// The type named `name` in JSONL, or `nil`.
    public init?(name: String) {
        guard let match = EventType.allCases.first(where: { $0.name == name }) else { return nil }
        self = match
    }
}

/// How to reach a customer. Empty fields are `nil`.
public struct Contact: Hashable, Sendable {
    /// An email address (must contain `@`).
    public var email: String?
    /// A phone number: digits, spaces and `+ - ( ) .`.
    public var phone: String?
    /// Contact details; `nil` fields are absent.
    public init(email: String? = nil, phone: String? = nil) {
        self.email = email
        self.phone = phone
    }
    package var isEmpty: Bool { email == nil && phone == nil }
}

/// What a customer told the shop about themselves. Empty fields are `nil`.
public struct Attributes: Hashable, Sendable {
    /// Given name.
    public var firstName: String?
    /// Family name.
    public var lastName: String?
    /// As the shop records it.
    public var gender: String?
    /// `YYYY-MM-DD`.
    public var birthday: String?
    /// City.
    public var city: String?
    /// State, province or region.
    public var region: String?
    /// Postal code.
    public var zip: String?
    /// ISO 3166 alpha-2, upper case.
    public var country: String?
    /// Declared interests.
    public var interests: [String]?
    /// Consent to marketing email (`attributes.email_consent`).
    public var emailConsent: Bool?
    /// Consent to advertising audiences such as Meta's and Google's (`attributes.ads_consent`).
    public var adsConsent: Bool?

    /// Attributes; `nil` fields are absent (and keep their earlier value in the profile).
    public init(firstName: String? = nil, lastName: String? = nil, gender: String? = nil, birthday: String? = nil,
                city: String? = nil, region: String? = nil, zip: String? = nil, country: String? = nil,
                interests: [String]? = nil, emailConsent: Bool? = nil, adsConsent: Bool? = nil) {
        self.firstName = firstName
        self.lastName = lastName
        self.gender = gender
        self.birthday = birthday
        self.city = city
        self.region = region
        self.zip = zip
        self.country = country
        self.interests = interests
        self.emailConsent = emailConsent
        self.adsConsent = adsConsent
    }
}

/// A channel a customer can withdraw consent for (`unsubscribe`'s `channel`).
public enum ConsentChannel: UInt8, CaseIterable, Sendable, CustomStringConvertible {
    /// Marketing email.
    case email = 1
    /// Advertising audiences (Meta, Google).
    case ads
    /// Text messages.
    case sms

    /// The name used in JSONL.
    public var name: String {
        switch self {
        case .email: "email"
        case .ads: "ads"
        case .sms: "sms"
        }
    }

    /// The JSONL name.
    public var description: String { name }

    /// The channel named `name` in JSONL, or `nil`.
    public init?(name: String) {
        guard let match = ConsentChannel.allCases.first(where: { $0.name == name }) else { return nil }
        self = match
    }
}

/// One line of a cart or an order.
public struct LineItem: Hashable, Sendable {
    /// Product id.
    public var product: String
    /// Category, which feeds affinity.
    public var category: String?
    /// Unit price (≥ 0).
    public var price: Money
    /// ≥ 1.
    public var quantity: Int

    /// A line of `quantity` × `product` at `price` each.
    public init(product: String, category: String? = nil, price: Money, quantity: Int = 1) {
        self.product = product
        self.category = category
        self.price = price
        self.quantity = quantity
    }

    /// Σ price × quantity (128-bit; validation refuses a total past ``Limits/moneyMinorUnitsMax``).
    public static func total(of items: [LineItem]) -> Money {
        Money(minorUnits: items.reduce(0) { $0 + $1.price.minorUnits * Int128($1.quantity) })
    }
}
