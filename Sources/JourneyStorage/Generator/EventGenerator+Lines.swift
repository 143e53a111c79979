/// Writing one generated event as a JSONL line into the generator's line buffer.
extension EventGenerator {
    mutating func view(_ c: Int, _ t: Int64) {
        let category = Int(sessionCategory[c])
        let product = productTable.draw(&rng)
        head("product_view", c, t)
        text(#","product":"p"#); number(Int64(category * Self.productsPerCategory + product))
        text(#"","category":""#); text(Self.categories[category]); text("\"}\n")
    }

    mutating func items(_ c: Int) -> Int64 {
        let count = 1 + min(Int(basket[c] * Float(rng.unit())), 4)
        var total: Int64 = 0
        text(#","items":["#)
        for k in 0..<count {
            let category = k == 0 ? Int(sessionCategory[c]) : categoryTable.draw(&rng)
            let product = productTable.draw(&rng)
            let id = category * Self.productsPerCategory + product
            let price = Self.price(product: id, category: category)
            let quantity = rng.chance(0.9) ? 1 : 2 + rng.below(3)
            total += price * Int64(quantity)
            if k > 0 { text(",") }
            text(#"{"product":"p"#); number(Int64(id)); text(#"","category":""#); text(Self.categories[category])
            text(#"","price":""#); money(price); text("\"")
            if quantity > 1 { text(#","quantity":"#); number(Int64(quantity)) }
            text("}")
        }
        text("]")
        return total
    }

    mutating func purchase(_ c: Int, _ t: Int64) {
        head("purchase", c, t)
        text(#","order":"o"#); number(Int64(fresh)); text("\"")
        let total = items(c)
        if rng.chance(0.3) { text(#","currency":"USD""#) }
        if rng.chance(0.2) { text(#","email":"customer"#); number(Int64(c)); text(#"@example.com""#) }
        text("}\n")
        lastOrder[c] = Int32(truncatingIfNeeded: fresh)
        lastTotal[c] = total
        refundDue[c] = total > 0 && rng.chance(0.03)
        let gap = Double(gapDays[c]) * (0.5 + rng.unit())
        nextDue[c] = t + Int64(gap * 86_400_000)
        if rng.chance(0.12) { dormantUntil[c] = t + Int64((95 + 200 * rng.unit()) * 86_400_000) }
    }

    mutating func cart(_ c: Int, _ t: Int64) {
        head("cart_abandon", c, t)
        let total = items(c)
        if rng.chance(0.2) { text(#","total":""#); money(total); text("\"") }
        text("}\n")
    }

    mutating func signup(_ c: Int, _ t: Int64, type: StaticString) {
        head(type, c, t)
        text(#","email":"customer"#); number(Int64(c)); text(#"@example.com""#)
        if rng.chance(0.4) { text(#","phone":"+1 555 "#); number(Int64(1_000_000 + c % 9_000_000)); text("\"") }
        text(#","attributes":{"first_name":""#); text(Self.firstNames[c % Self.firstNames.count])
        text(#"","last_name":""#); text(Self.lastNames[(c / 7) % Self.lastNames.count])
        text(#"","country":""#); text(Self.countries[c % Self.countries.count])
        text(#"","city":""#); text(Self.cities[c % Self.cities.count])
        text(#"","zip":""#); number(Int64(10_000 + c % 89_999))
        text(#"","birthday":""#); number(Int64(1950 + c % 55)); text("-"); padded(1 + c % 12, 2); text("-"); padded(1 + (c / 12) % 28, 2)
        text(#"","gender":""#); text(Self.genders[(c / 3) % Self.genders.count])
        text(#"","interests":[""#); text(Self.categories[c % Self.categories.count])
        text(#""],"email_consent":"#); text(c % 10 == 0 ? "false" : "true")
        text(#","ads_consent":"#); text(c % 3 == 0 ? "false" : "true"); text("}}\n")
    }

    mutating func head(_ type: StaticString, _ c: Int, _ t: Int64) {
        text(#"{"id":"e"#); digits(seed); text("-"); number(Int64(fresh)); text(#"","type":""#); text(type)
        text(#"","customer":"c"#); padded(c, 7); text(#"","time":"#)
        if fresh % 10 == 3 { number(t) } else { text("\""); rfc3339(t); text("\"") }
    }

    // MARK: Bytes

    @inline(__always) mutating func text(_ s: StaticString) {
        line.append(contentsOf: UnsafeBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount))
    }

    @inline(__always) mutating func text(_ s: String) { line.append(contentsOf: s.utf8) }

    mutating func number(_ v: Int64) {
        if v >= 10 { number(v / 10) }
        line.append(UInt8(48 + v % 10))
    }

    mutating func digits(_ v: UInt64) {
        if v >= 10 { digits(v / 10) }
        line.append(UInt8(48 + v % 10))
    }

    mutating func padded(_ v: Int, _ width: Int) {
        var digits = 1, x = v
        while x >= 10 { x /= 10; digits += 1 }
        for _ in digits..<max(width, digits) { line.append(48) }
        number(Int64(v))
    }

    mutating func money(_ cents: Int64) {
        number(cents / 100)
        line.append(46)
        line.append(UInt8(48 + cents / 10 % 10))
        line.append(UInt8(48 + cents % 10))
    }

    mutating func rfc3339(_ ms: Int64) {
        let days = ms / 86_400_000, rest = ms % 86_400_000
        let (y, m, d) = Timestamp.civil(fromDays: days)
        padded(Int(y), 4); line.append(45); padded(Int(m), 2); line.append(45); padded(Int(d), 2); line.append(84)
        padded(Int(rest / 3_600_000), 2); line.append(58); padded(Int(rest / 60_000 % 60), 2); line.append(58)
        padded(Int(rest / 1000 % 60), 2); line.append(90)
    }

    /// A product's price in cents: fixed per product, in its category's price band.
    package static func price(product: Int, category: Int) -> Int64 {
        var h = UInt64(product) &* 0x9E37_79B9_7F4A_7C15
        h ^= h >> 29
        let base = [89_900, 45_000, 12_000, 6_000, 8_000, 2_500, 70_000, 15_000, 3_000, 2_000,
                    1_500, 20_000, 18_000, 11_000, 25_000, 30_000, 1_200, 2_900, 900, 3_500][category]
        return Int64(Double(base) * (0.5 + Double(h % 1000) / 666)) / 10 * 10 + 9
    }
}
