@testable import JourneyStore
@_spi(Storage) import JourneyStorage

/// Random valid events of every type, for property tests.
struct RandomEvents {
    var random: SeededRandom
    var counter = 0
    let customers: Int

    init(seed: UInt64, customers: Int = 20) {
        random = SeededRandom(seed: seed)
        self.customers = customers
    }

    mutating func string(_ prefix: String, _ range: Int) -> String {
        prefix + String(Int.random(in: 0..<range, using: &random))
    }

    mutating func maybe<T>(_ make: (inout RandomEvents) -> T) -> T? {
        Bool.random(using: &random) ? make(&self) : nil
    }

    /// Text with characters that need escaping in JSON, now and then.
    mutating func text() -> String {
        let pieces = ["Ana", "Zoë", "O'Brien", "line\nbreak", "quote\"d", "back\\slash", "tab\there", "東京", "😀", "plain", "zoe", "ZOË"]
        return pieces.randomElement(using: &random)!
    }

    mutating func items() -> [LineItem] {
        (0..<Int.random(in: 1...4, using: &random)).map { _ in
            LineItem(product: string("p", 50), category: maybe { $0.string("cat", 8) },
                     price: Money(minorUnits: Int128(Int64.random(in: 0...500_000, using: &random))),
                     quantity: Int.random(in: 1...5, using: &random))
        }
    }

    mutating func contact() -> Contact {
        Contact(email: maybe { $0.string("user", 1000) + "@example.com" }, phone: maybe { "+1 555 " + $0.string("", 10000) })
    }

    mutating func attributes() -> Attributes {
        Attributes(firstName: maybe { $0.text() }, lastName: maybe { $0.text() }, gender: maybe { r in ["f", "F", "m", "Ž"].randomElement(using: &r.random)! },
                   birthday: maybe { r in ["1990-02-28", "1992-02-29", "1970-01-01", "2000-12-31", "1955-06-15"].randomElement(using: &r.random)! },
                   city: maybe { $0.text() }, region: maybe { _ in "CA" },
                   zip: maybe { $0.string("", 99999) }, country: maybe { _ in "US" },
                   interests: maybe { r in (0..<Int.random(in: 0...3, using: &r.random)).map { _ in r.text() } },
                   emailConsent: maybe { r in Bool.random(using: &r.random) }, adsConsent: maybe { r in Bool.random(using: &r.random) })
    }

    mutating func event() -> Event {
        counter += 1
        let payload: Event.Payload
        switch Int.random(in: 0..<9, using: &random) {
        case 0: payload = .signup(contact(), attributes())
        case 1: payload = .profile(contact(), attributes())
        case 2: payload = .productView(product: string("p", 50), category: maybe { $0.string("cat", 8) })
        case 3: payload = .cartAbandon(items: items())
        case 4: payload = .purchase(order: string("o", 1_000_000), items: items(), contact: contact())
        case 5: payload = .refund(order: string("o", 1_000_000), total: Money(minorUnits: Int128(Int64.random(in: 1...100_000, using: &random))))
        case 6: payload = .emailOpen(campaign: maybe { $0.string("camp", 5) })
        case 7: payload = .offer(offer: ["Spring", "spring", "Ñandú", "vip"].randomElement(using: &random)!, channel: maybe { _ in "email" })
        default: payload = .unsubscribe(channel: ConsentChannel.allCases.randomElement(using: &random)!)
        }
        let ms = Int64.random(in: 1_700_000_000_000...1_800_000_000_000, using: &random)
        return Event(id: "e\(counter)-\(random.next() % 1000)", customer: string("c", customers),
                     time: Timestamp(millisecondsSinceEpoch: ms), payload: payload)
    }

    mutating func events(_ n: Int) -> [Event] { (0..<n).map { _ in event() } }
}
