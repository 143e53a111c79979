import Testing
@testable import JourneyStore
@_spi(Storage) import JourneyStorage

@Suite struct FilterParserTests {
    @Test(arguments: [
        ("phase = lapsed", FilterNode.equals(.phase, "lapsed", negated: false)),
        ("phase != lapsed", .equals(.phase, "lapsed", negated: true)),
        (#"segment = "high_value_at_risk""#, .equals(.segment, "high_value_at_risk", negated: false)),
        ("tier >= gold", .compare(.tier, .greaterOrEqual, 3)),
        ("orders < 3", .compare(.orders, .less, 3)),
        ("orders <= 3", .compare(.orders, .lessOrEqual, 3)),
        ("orders > 3", .compare(.orders, .greater, 3)),
        ("spend >= 500.5", .compare(.spend, .greaterOrEqual, 50_050)),
        ("days_since_purchase = 12.5", .compare(.daysSincePurchase, .equal, 12.5)),
        ("phase in (lapsed, declining)", .member(.phase, ["lapsed", "declining"])),
        ("top_percent in (1, 5)", .memberNumber(.topPercent, [1, 5])),
        (#"affinity has "cameras""#, .has(.affinity, "cameras")),
        ("has_email", .boolean(.hasEmail, true)),
        ("has_phone = false", .boolean(.hasPhone, false)),
        ("not has_email", .not(.boolean(.hasEmail, true))),
    ])
    func everyOperatorParses(text: String, node: FilterNode) throws {
        #expect(try Filter(text).root == node)
    }

    @Test func andBindsTighterThanOrAndNotTighterThanAnd() throws {
        let a = FilterNode.equals(.phase, "new", negated: false)
        let b = FilterNode.compare(.orders, .greater, 1)
        let c = FilterNode.boolean(.hasEmail, true)
        #expect(try Filter("phase = new or orders > 1 and has_email").root == .or([a, .and([b, c])]))
        #expect(try Filter("(phase = new or orders > 1) and has_email").root == .and([.or([a, b]), c]))
        #expect(try Filter("not phase = new and has_email").root == .and([.not(a), c]))
        #expect(try Filter("not (phase = new and has_email)").root == .not(.and([a, c])))
        #expect(try Filter("phase = new AND orders > 1 OR has_email").root == .or([.and([a, b]), c]))
        #expect(try Filter("phase = new and (orders > 1 and has_email) and phase = new").root == .and([a, b, c, a]),
                "a chain is one flat node, parenthesized or not")
    }

    @Test(arguments: [
        ("phase =", "column 8: expected a value after \"=\", found end of filter"),
        ("", "column 1: expected a condition such as phase = lapsed, found end of filter"),
        ("phse = new", "column 1: unknown field \"phse\"; fields are \(FilterField.names)"),
        ("phase = gone", "column 9: unknown phase \"gone\"; valid values are visitor, subscriber, cart_abandoner, new, active, declining, lapsed"),
        ("phase > new", "column 7: phase takes =, != or in, not >"),
        ("orders > many", "column 10: expected a number after \">\", found \"many\""),
        ("orders 3", "column 8: expected an operator (= != < <= > >= ~=), \"in\" or \"has\" after orders, found 3"),
        ("(phase = new", "column 13: expected \")\", found end of filter"),
        ("phase = new phase = lapsed", "column 13: expected \"and\", \"or\" or end of filter, found \"phase\""),
        ("orders has 3", "column 8: \"has\" needs a list field (affinity, bought, bought_category, viewed_category, interests, viewed, opened, offered), not orders"),
        ("affinity = cameras", "column 1: affinity is a list: use affinity has \"value\""),
        (#"affinity has "cameras"#, "column 14: expected a closing \" for the string, found end of filter"),
        ("phase in (new lapsed)", "column 15: expected \",\" or \")\" in the list, found \"lapsed\""),
        ("tier >= diamond", "column 9: unknown tier \"diamond\"; valid values are bronze, silver, gold, platinum"),
        ("has_email = maybe", "column 13: expected true or false after \"=\", found \"maybe\""),
        ("orders >= 1 and", "column 16: expected a field name (\(FilterField.names)), found end of filter"),
        ("orders ! 1", "column 8: expected \"!=\", found \"!\""),
        ("orders = 1 # x", "column 12: unexpected character \"#\""),
    ])
    func malformedFiltersSayWhereAndWhat(text: String, message: String) {
        #expect {
            _ = try Filter(text)
        } throws: { error in
            guard let error = error as? JourneyError else { return false }
            return error.code == .invalidArgument && error.message == message
        }
    }
}

@Suite struct FilterEvaluationTests {
    static func shop() -> Shop {
        var shop = Shop()
        for k in 1...10 { shop.purchase("b\(k)", day: Double(k), cents: Int64(k) * 10_000, category: k % 2 == 0 ? "cameras" : "lenses") }
        shop.purchase("b10", day: 10.5, cents: 1000)
        shop.signup("s1", day: 3, email: "s1@example.com")
        shop.abandon("a1", day: 4)
        return shop
    }

    func matching(_ filter: String, asOf day: Double = 12) throws -> (Set<String>, FilterAccess) {
        let t = try TemporaryStore()
        try t.store.append(Self.shop().events)
        return try t.store.read { snapshot in
            let f = try Filter(filter)
            var names = Set<String>()
            try snapshot.forEachProfile(where: f, asOf: Shop.at(day)) { names.insert($0.customer); return true }
            // The same answer as testing every profile.
            var brute = Set<String>()
            try snapshot.forEachProfile(asOf: Shop.at(day)) { if f.matches($0) { brute.insert($0.customer) }; return true }
            #expect(names == brute, "index-narrowed and full evaluation agree for \(filter)")
            return (names, try snapshot.access(for: f, asOf: Shop.at(day)))
        }
    }

    @Test func indexedRangesMatchAFullScan() throws {
        let (top, topAccess) = try matching("top_percent <= 20")
        #expect(top == ["b10", "b9"])
        #expect(topAccess == .index("by_spend"))
        let (recent, recentAccess) = try matching("days_since_purchase <= 3")
        #expect(recent == ["b9", "b10"])
        #expect(recentAccess == .index("by_last_purchase"))
        let (old, _) = try matching("days_since_purchase > 8 and spend >= 200")
        #expect(old == ["b2", "b3"])
        let (rich, richAccess) = try matching("spend >= 800")
        #expect(rich == ["b8", "b9", "b10"])
        #expect(richAccess == .index("by_spend"))
        let (repeaters, ordersAccess) = try matching("orders >= 2")
        #expect(repeaters == ["b10"])
        #expect(ordersAccess == .index("by_orders"))
    }

    @Test func missingValuesCompareFalse() throws {
        let (noPurchase, access) = try matching("days_since_purchase < 1000 or days_since_purchase >= 1000")
        #expect(!noPurchase.contains("s1"))
        #expect(noPurchase.count == 10)
        #expect(access == .fullScan, "an or is not narrowed")
        #expect(try matching("tier != gold").0.allSatisfy { $0.hasPrefix("b") }, "no tier is missing, not different")
        #expect(try matching("not days_since_purchase < 1000").0 == ["s1", "a1"])
    }

    @Test func listsEnumsAndBooleans() throws {
        #expect(try matching(#"affinity has "cameras" and tier >= silver"#).0 == ["b6", "b8", "b10"])
        #expect(try matching("bought_category has lenses and orders = 1").0 == ["b1", "b3", "b5", "b7", "b9"])
        #expect(try matching("segment in (subscriber, abandoned_prospect)").0 == ["s1", "a1"])
        #expect(try matching("has_email").0 == ["s1"])
        #expect(try matching("phase = cart_abandoner").0 == ["a1"])
    }
}
