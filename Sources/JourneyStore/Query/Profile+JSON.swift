extension Profile {
    /// The profile as one JSON object (DESIGN.md §4): money as JSON numbers in major units, `spend` =
    /// net spend, `affinity` = the tag categories, `rfm` = `{"r","f","m"}`, times RFC 3339 UTC, days
    /// rounded to 3 decimals, missing values `null`.
    public func json(currency: Currency) -> String {
        let q = JSONText.quoted
        func money(_ m: Money?) -> String { m.map { $0.decimalString(exponent: currency.exponent) } ?? "null" }
        func time(_ t: Timestamp?) -> String { t.map { q($0.rfc3339) } ?? "null" }
        func number(_ d: Double?) -> String { d.map(Profile.formatDays) ?? "null" }
        func string(_ s: String?) -> String { s.map(q) ?? "null" }
        func list(_ l: [String]) -> String { "[" + l.map(q).joined(separator: ",") + "]" }
        let rfmText = rfm.map { #"{"r":\#($0.recency),"f":\#($0.frequency),"m":\#($0.monetary)}"# } ?? "null"
        let pairs: [(String, String)] = [
            ("customer", q(customer)), ("phase", q(phase.name)), ("segment", q(segment.name)),
            ("tier", tier.map { q($0.name) } ?? "null"), ("top_percent", topPercent.map(String.init) ?? "null"),
            ("orders", String(orders)), ("spend", money(spend)), ("gross", money(gross)), ("refunded", money(refunded)),
            ("aov", money(aov)), ("first_purchase", time(firstPurchase)), ("last_purchase", time(lastPurchase)),
            ("days_since_purchase", number(daysSincePurchase)), ("average_gap_days", number(averageGapDays)),
            ("reactivations", String(reactivations)), ("affinity", list(affinity)), ("rfm", rfmText),
            ("cart_abandons", String(cartAbandons)), ("last_cart_abandon", time(lastCartAbandon)),
            ("last_cart_value", money(lastCartValue)), ("email_opens", String(emailOpens)),
            ("last_email_open", time(lastEmailOpen)), ("days_since_email_open", number(daysSinceEmailOpen)),
            ("email", string(email)), ("phone", string(phone)), ("signup", time(signup)),
            ("days_since_signup", number(daysSinceSignup)), ("first_seen", time(firstSeen)), ("last_seen", time(lastSeen)),
            ("bought_categories", list(boughtCategories)), ("viewed_categories", list(viewedCategories)),
            ("as_of", time(asOf)),
        ]
        return "{" + pairs.map { q($0.0) + ":" + $0.1 }.joined(separator: ",") + "}"
    }

    /// Days with at most 3 decimals, as a JSON number.
    static func formatDays(_ d: Double) -> String {
        let rounded = (d * 1000).rounded() / 1000
        if rounded == rounded.rounded(), abs(rounded) < 1e15 { return String(Int64(rounded)) }
        return String(rounded)
    }
}
