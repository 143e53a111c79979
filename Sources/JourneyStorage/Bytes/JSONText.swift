/// Small helpers to write JSON text (strings escaped per RFC 8259).
public enum JSONText {
    /// `s` as a JSON string literal, quotes included.
    public static func quoted(_ s: String) -> String {
        if !s.utf8.contains(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C }) { return "\"" + s + "\"" }
        var out = "\""
        out.reserveCapacity(s.utf8.count + 2)
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case let c where c.value < 0x20:
                let hex = String(c.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

}

/// Builds one JSON object into a single string, without intermediate arrays: the product's one JSON
/// writer (profiles, stats, plan summaries, events as JSONL, the CLI's reports).
package struct JSONObjectWriter {
    private var out = "{"
    private var first = true

    package init(capacity: Int = 256) { out.reserveCapacity(capacity) }

    private mutating func key(_ name: String) {
        if !first { out += "," }
        first = false
        out += JSONText.quoted(name)
        out += ":"
    }

    /// A JSON value given as text (a number, an object, an array), `null` when `nil`.
    package mutating func field(_ name: String, raw: String?) {
        key(name)
        out += raw ?? "null"
    }

    /// A JSON value given as text, left out when `nil`.
    package mutating func optional(_ name: String, raw: String?) {
        if let raw { field(name, raw: raw) }
    }

    package mutating func field(_ name: String, string: String?) {
        key(name)
        if let string { out += JSONText.quoted(string) } else { out += "null" }
    }

    /// A string, left out when `nil`.
    package mutating func optional(_ name: String, string: String?) {
        if let string { field(name, string: string) }
    }

    package mutating func field(_ name: String, number: some BinaryInteger) {
        key(name)
        out += String(number)
    }

    package mutating func field(_ name: String, strings: [String]) {
        key(name)
        out += "["
        for (k, s) in strings.enumerated() {
            if k > 0 { out += "," }
            out += JSONText.quoted(s)
        }
        out += "]"
    }

    /// `values`, each already JSON text, as an array.
    package mutating func field(_ name: String, array values: [String]) {
        key(name)
        out += "[" + values.joined(separator: ",") + "]"
    }

    package mutating func finish() -> String {
        out += "}"
        return out
    }

    /// An object of `pairs` whose values are JSON text.
    package static func object(_ pairs: [(String, String)]) -> String {
        var w = JSONObjectWriter()
        for (k, v) in pairs { w.field(k, raw: v) }
        return w.finish()
    }
}

extension Event {
    /// The event as one JSONL line in the interchange format (money as decimal strings, time in UTC),
    /// which ingest reads back to the same event.
    public func jsonLine(currency: Currency) -> String {
        func money(_ m: Money) -> String { m.decimalString(exponent: currency.exponent) }
        func items(_ list: [LineItem]) -> [String] {
            list.map { item in
                var w = JSONObjectWriter()
                w.field("product", string: item.product)
                w.optional("category", string: item.category)
                w.field("price", string: money(item.price))
                w.field("quantity", number: item.quantity)
                return w.finish()
            }
        }
        var w = JSONObjectWriter()
        w.field("id", string: id)
        w.field("type", string: type.name)
        w.field("customer", string: customer)
        w.field("time", string: time.rfc3339)
        func contact(_ c: Contact) {
            w.optional("email", string: c.email)
            w.optional("phone", string: c.phone)
        }
        switch payload {
        case .signup(let c, let a), .profile(let c, let a):
            contact(c)
            var attributes = JSONObjectWriter()
            let values: [(String, String?)] = [("first_name", a.firstName), ("last_name", a.lastName), ("gender", a.gender),
                                               ("birthday", a.birthday), ("city", a.city), ("region", a.region),
                                               ("zip", a.zip), ("country", a.country)]
            for (k, v) in values { attributes.optional(k, string: v) }
            if let interests = a.interests { attributes.field("interests", strings: interests) }
            for (k, v) in [("email_consent", a.emailConsent), ("ads_consent", a.adsConsent)] {
                if let v { attributes.field(k, raw: v ? "true" : "false") }
            }
            if values.contains(where: { $0.1 != nil }) || a.interests != nil || a.emailConsent != nil || a.adsConsent != nil {
                w.field("attributes", raw: attributes.finish())
            }
        case .productView(let product, let category):
            w.field("product", string: product)
            w.optional("category", string: category)
        case .cartAbandon(let list, let total):
            w.field("items", array: items(list))
            w.field("total", string: money(total))
        case .purchase(let order, let list, let total, let c):
            w.field("order", string: order)
            w.field("items", array: items(list))
            w.field("total", string: money(total))
            contact(c)
        case .refund(let order, let total):
            w.field("order", string: order)
            w.field("total", string: money(total))
        case .emailOpen(let campaign):
            w.optional("campaign", string: campaign)
        case .offer(let offer, let channel):
            w.field("offer", string: offer)
            w.optional("channel", string: channel)
        case .unsubscribe(let channel):
            w.field("channel", string: channel.name)
        }
        return w.finish()
    }
}
