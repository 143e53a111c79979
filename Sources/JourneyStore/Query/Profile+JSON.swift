@_spi(Storage) import JourneyStorage
extension Profile {
    /// The profile as one JSON object (DESIGN.md §4): money as JSON numbers in major units, `spend` =
    /// net spend, `affinity` = the tag categories, `rfm` = `{"r","f","m"}`, times RFC 3339 UTC, days
    /// rounded to 3 decimals, missing values `null`.
    public func json(currency: Currency) -> String {
        var w = JSONObjectWriter(capacity: 1024)
        let e = currency.exponent
        w.field("customer", string: customer)
        w.field("phase", string: phase.name)
        w.field("segment", string: segment.name)
        w.field("tier", string: tier?.name)
        w.field("top_percent", raw: topPercent.map(String.init))
        w.field("orders", raw: String(orders))
        w.field("spend", raw: spend.decimalString(exponent: e))
        w.field("gross", raw: gross.decimalString(exponent: e))
        w.field("refunded", raw: refunded.decimalString(exponent: e))
        w.field("aov", raw: aov?.decimalString(exponent: e))
        w.field("first_purchase", string: firstPurchase?.rfc3339)
        w.field("last_purchase", string: lastPurchase?.rfc3339)
        w.field("days_since_purchase", raw: daysSincePurchase.map(Profile.formatDays))
        w.field("average_gap_days", raw: averageGapDays.map(Profile.formatDays))
        w.field("reactivations", raw: String(reactivations))
        w.field("affinity", strings: affinity)
        w.field("rfm", raw: rfm.map { #"{"r":\#($0.recency),"f":\#($0.frequency),"m":\#($0.monetary)}"# })
        w.field("cart_abandons", raw: String(cartAbandons))
        w.field("last_cart_abandon", string: lastCartAbandon?.rfc3339)
        w.field("last_cart_value", raw: lastCartValue?.decimalString(exponent: e))
        w.field("email_opens", raw: String(emailOpens))
        w.field("last_email_open", string: lastEmailOpen?.rfc3339)
        w.field("days_since_email_open", raw: daysSinceEmailOpen.map(Profile.formatDays))
        w.field("email", string: email)
        w.field("phone", string: phone)
        w.field("signup", string: signup?.rfc3339)
        w.field("days_since_signup", raw: daysSinceSignup.map(Profile.formatDays))
        w.field("first_seen", string: firstSeen.rfc3339)
        w.field("last_seen", string: lastSeen.rfc3339)
        w.field("bought_categories", strings: boughtCategories)
        w.field("viewed_categories", strings: viewedCategories)
        addMarketingFields(to: &w, currency: currency)
        w.field("p_alive", raw: pAlive.flatMap { $0.isFinite ? String($0) : nil })
        w.field("expected_orders_90d", raw: expectedOrders90d.flatMap { $0.isFinite ? String($0) : nil })
        w.field("predicted_value_365d", raw: predictedValue365d?.decimalString(exponent: e))
        w.field("as_of", string: asOf.rfc3339)
        return w.finish()
    }

    /// Issue 19's fields: demographics, behaviour in time, consent, offers.
    private func addMarketingFields(to w: inout JSONObjectWriter, currency: Currency) {
        let a = attributes
        func flag(_ b: Bool?) -> String? { b.map { $0 ? "true" : "false" } }
        w.field("first_name", string: a.firstName)
        w.field("last_name", string: a.lastName)
        w.field("gender", string: a.gender)
        w.field("birthday", string: a.birthday)
        w.field("age", raw: age.map(String.init))
        w.field("birth_month", raw: birthMonth.map(String.init))
        w.field("days_to_birthday", raw: daysToBirthday.map(String.init))
        w.field("city", string: a.city)
        w.field("region", string: a.region)
        w.field("zip", string: a.zip)
        w.field("country", string: a.country)
        if let interests = a.interests { w.field("interests", strings: interests) } else { w.field("interests", raw: nil) }
        w.field("email_consent", raw: flag(a.emailConsent))
        w.field("ads_consent", raw: flag(a.adsConsent))
        w.field("days_since_cart_abandon", raw: daysSinceCartAbandon.map(Profile.formatDays))
        w.field("last_view", string: lastView?.rfc3339)
        w.field("days_since_view", raw: daysSinceView.map(Profile.formatDays))
        w.field("days_since_seen", raw: Profile.formatDays(daysSinceSeen))
        w.field("last_offer", string: lastOffer?.rfc3339)
        w.field("days_since_offer", raw: daysSinceOffer.map(Profile.formatDays))
        w.field("opened", strings: openedCampaigns)
        w.field("offered", strings: offers)
    }

    /// Days with at most 3 decimals, as a JSON number.
    static func formatDays(_ d: Double) -> String {
        let thousandths = (d * 1000).rounded()
        guard abs(thousandths) < 1e15 else { return String(d) }
        let v = Int64(thousandths)
        let whole = v / 1000, fraction = abs(v % 1000)
        let sign = v < 0 && whole == 0 ? "-" : ""
        guard fraction != 0 else { return sign + String(whole) }
        var digits = String(fraction)
        while digits.count < 3 { digits = "0" + digits }
        while digits.hasSuffix("0") { digits.removeLast() }
        return sign + String(whole) + "." + digits
    }
}
