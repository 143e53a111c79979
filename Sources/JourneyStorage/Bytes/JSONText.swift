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

    /// `{"k":v,…}` from pairs whose values are already JSON text; `nil` values are left out.
    public static func object(_ pairs: [(String, String?)]) -> String {
        "{" + pairs.compactMap { key, value in value.map { quoted(key) + ":" + $0 } }.joined(separator: ",") + "}"
    }
}

extension Event {
    /// The event as one JSONL line in the interchange format (money as decimal strings, time in UTC),
    /// which ingest reads back to the same event.
    public func jsonLine(currency: Currency) -> String {
        let q = JSONText.quoted
        func money(_ m: Money) -> String { q(m.decimalString(exponent: currency.exponent)) }
        func items(_ list: [LineItem]) -> String {
            "[" + list.map { item in
                JSONText.object([("product", q(item.product)), ("category", item.category.map(q)),
                                 ("price", money(item.price)), ("quantity", String(item.quantity))])
            }.joined(separator: ",") + "]"
        }
        func contact(_ c: Contact) -> [(String, String?)] { [("email", c.email.map(q)), ("phone", c.phone.map(q))] }
        var pairs: [(String, String?)] = [("id", q(id)), ("type", q(type.name)), ("customer", q(customer)), ("time", q(time.rfc3339))]
        switch payload {
        case .signup(let c, let a), .profile(let c, let a):
            pairs += contact(c)
            let attributes: [(String, String?)] = [
                ("first_name", a.firstName.map(q)), ("last_name", a.lastName.map(q)), ("gender", a.gender.map(q)),
                ("birthday", a.birthday.map(q)), ("city", a.city.map(q)), ("region", a.region.map(q)),
                ("zip", a.zip.map(q)), ("country", a.country.map(q)),
                ("interests", a.interests.map { "[" + $0.map(q).joined(separator: ",") + "]" }),
            ]
            if attributes.contains(where: { $0.1 != nil }) { pairs.append(("attributes", JSONText.object(attributes))) }
        case .productView(let product, let category):
            pairs += [("product", q(product)), ("category", category.map(q))]
        case .cartAbandon(let list, let total):
            pairs += [("items", items(list)), ("total", money(total))]
        case .purchase(let order, let list, let total, let c):
            pairs += [("order", q(order)), ("items", items(list)), ("total", money(total))] + contact(c)
        case .refund(let order, let total):
            pairs += [("order", q(order)), ("total", money(total))]
        case .emailOpen(let campaign):
            pairs += [("campaign", campaign.map(q))]
        }
        return JSONText.object(pairs)
    }
}
