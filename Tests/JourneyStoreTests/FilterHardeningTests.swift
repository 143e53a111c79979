import Testing
@testable import JourneyStore
@_spi(Storage) import JourneyStorage

/// Index narrowing gives the same audience as testing every customer, whatever the literal.
@Suite struct FilterNarrowingTests {
    /// As of day 20: buyers b1 ($10), b2 ($1.10), b3 (net $0, bought exactly 2 days before), b4 (net
    /// −$10), b5 (bought at the clock); non-buyers r1 (a $5 refund only: −$5), s1 (signed up), v1 (viewed).
    static func store() throws -> TemporaryStore {
        var shop = Shop()
        shop.purchase("b1", day: 1, cents: 1000)
        shop.purchase("b2", day: 10, cents: 110)
        shop.purchase("b3", day: 18, cents: 5000)
        shop.refund("b3", day: 19, cents: 5000)
        shop.purchase("b4", day: 5, cents: 3000)
        shop.refund("b4", day: 6, cents: 4000)
        shop.purchase("b5", day: 20, cents: 20_000)
        shop.refund("r1", day: 7, cents: 500)
        shop.signup("s1", day: 3)
        shop.view("v1", day: 4, category: "cameras")
        return try shop.store()
    }

    static let everyone: Set<String> = ["b1", "b2", "b3", "b4", "b5", "r1", "s1", "v1"]

    /// The audience of `text`, checked against a full scan and against `text or text`.
    func audience(_ text: String, asOf day: Double = 20) throws -> Set<String> {
        let t = try Self.store()
        return try t.store.read { snapshot in
            func run(_ text: String) throws -> Set<String> {
                var out = Set<String>()
                try snapshot.forEachProfile(where: try Filter(text), asOf: Shop.at(day)) { out.insert($0.customer); return true }
                return out
            }
            let filter = try Filter(text)
            var brute = Set<String>()
            try snapshot.forEachProfile(asOf: Shop.at(day)) { if filter.matches($0) { brute.insert($0.customer) }; return true }
            let answer = try run(text)
            #expect(answer == brute, "\(text): the index range and a full scan agree")
            #expect(try run("(\(text)) or (\(text))") == answer, "\(text): X or X is X")
            return answer
        }
    }

    @Test func spendAtAndBelowZeroCountsNonBuyers() throws {
        #expect(try audience("spend >= 0") == ["b1", "b2", "b3", "b5", "s1", "v1"])
        #expect(try audience("spend = 0") == ["b3", "s1", "v1"])
        #expect(try audience("spend > -5") == ["b1", "b2", "b3", "b5", "s1", "v1"])
        #expect(try audience("spend >= -5") == ["b1", "b2", "b3", "b5", "r1", "s1", "v1"])
        #expect(try audience("spend >= -10") == Self.everyone)
        #expect(try audience("spend > 0") == ["b1", "b2", "b5"])
        #expect(try audience("spend >= 10 and orders >= 1") == ["b1", "b5"])
    }

    @Test func moneyLiteralsAreExactDecimals() throws {
        #expect(try audience("spend = 1.10") == ["b2"], "1.10 × 100 is not 110 in binary floating point")
        #expect(try audience("spend = 1.1 or spend = 10.00") == ["b1", "b2"])
        #expect(try audience("aov <= 1.1") == ["b2"])
        #expect(try audience("spend = 0.011e2") == ["b2"])
        #expect(try audience("spend > 1.099 and spend < 1.101") == ["b2"])
    }

    @Test func ordersAtAndBelowOneCountNonBuyers() throws {
        #expect(try audience("orders >= 0") == Self.everyone)
        #expect(try audience("orders = 0") == ["r1", "s1", "v1"])
        #expect(try audience("orders > -1") == Self.everyone)
        #expect(try audience("orders > 0.5") == ["b1", "b2", "b3", "b4", "b5"])
        #expect(try audience("orders = 1.5").isEmpty)
        #expect(try audience("orders = -1").isEmpty)
    }

    @Test func daysSincePurchaseBoundaries() throws {
        #expect(try audience("days_since_purchase >= 2") == ["b1", "b2", "b3", "b4"])
        #expect(try audience("days_since_purchase > 2") == ["b1", "b2", "b4"])
        #expect(try audience("days_since_purchase = 2") == ["b3"])
        #expect(try audience("days_since_purchase <= 2") == ["b3", "b5"])
        #expect(try audience("days_since_purchase <= 0") == ["b5"])
        // As of day 15, b3 and b5 have no event yet (they do not exist then): no days since is negative.
        #expect(try audience("days_since_purchase < 0", asOf: 15).isEmpty, "purchases after the clock do not count")
        #expect(try audience("days_since_purchase >= -5", asOf: 15) == ["b1", "b2", "b4"])
        #expect(try audience("not days_since_purchase < 3") == ["b1", "b2", "b4", "r1", "s1", "v1"], "not is the complement")
    }

    @Test func topPercentRangesHoldEveryMatch() throws {
        // Five buyers: the top 1 % is one customer, b5.
        #expect(try audience("top_percent = 1") == ["b5"])
        #expect(try audience("top_percent = 20").isEmpty)
        #expect(try audience("top_percent >= 1") == ["b5"])
        #expect(try audience("top_percent != 5") == ["b5"])
        #expect(try audience("top_percent < 1").isEmpty)
    }

    @Test(arguments: [
        ("orders >= 5000000000", []), ("orders = 4294967296", []), ("orders > 100000000000000000", []),
        ("days_since_purchase > 1000000000000000000", []), ("days_since_purchase < -1000000000000000000", []),
        ("days_since_purchase = 999999999999999999", []), ("days_since_purchase <= 1000000000000000000", ["b1", "b2", "b3", "b4", "b5"]),
        ("spend > 1000000000000000000", []), ("spend >= -1000000000000000000", FilterNarrowingTests.everyone),
        ("aov < -1000000000000000000", []), ("top_percent <= 1000000000000000000", ["b5"]),
    ] as [(String, Set<String>)])
    func hugeLiteralsInIndexRangesDoNotTrap(text: String, expected: Set<String>) throws {
        #expect(try audience(text) == expected)
    }
}

/// Number literals: the forms accepted, and the ones refused with their column.
@Suite struct FilterLiteralTests {
    @Test(arguments: [
        ("orders > .5", 0.5), ("orders > 5.", 5), ("orders > 1e3", 1000), ("orders > 2.5E-1", 0.25),
        ("orders > 1e+2", 100), ("orders > -0.5", -0.5), ("orders > 1e18", 1e18), ("orders > -1e18", -1e18),
    ])
    func numbersParse(text: String, value: Double) throws {
        #expect(try Filter(text).root == .compare(.orders, .greater, value))
    }

    @Test(arguments: [
        ("orders > 100000000000000000000000", "column 10: expected a number between -1e18 and 1e18, found 100000000000000000000000"),
        ("orders > 9223372036854775807", "column 10: expected a number between -1e18 and 1e18, found 9223372036854775807"),
        ("days_since_purchase > 1e23", "column 23: expected a number between -1e18 and 1e18, found 1e23"),
        ("spend < -1.5e18", "column 9: expected a number between -1e18 and 1e18, found -1.5e18"),
        ("orders in (1, 1e400)", "column 15: expected a number between -1e18 and 1e18, found 1e400"),
        ("orders > 1.2.3", "column 10: expected a number such as 90 or 12.5, found 1.2.3"),
        ("orders > --5", "column 10: expected a number such as 90 or 12.5, found --5"),
        ("orders > 5e", "column 10: expected a number such as 90 or 12.5, found 5e"),
        ("orders > 1e5e5", "column 10: expected a number such as 90 or 12.5, found 1e5e5"),
        ("orders > -", "column 10: expected a number such as 90 or 12.5, found -"),
        ("orders > 5-3", "column 10: expected a number such as 90 or 12.5, found 5-3"),
    ])
    func badNumbersSayWhereAndWhat(text: String, message: String) {
        #expect(throws: JourneyError.self) { _ = try Filter(text) }
        #expect(Self.message(text) == message)
    }

    static func message(_ text: String) -> String? {
        do { _ = try Filter(text); return nil } catch { return error.message }
    }

    @Test func theCommandLineRefusesOverflowingLiteralsWithoutCrashing() throws {
        let t = try FilterNarrowingTests.store()
        for (filter, message) in [("orders > 9223372036854775807", "column 10: expected a number between -1e18 and 1e18, found 9223372036854775807"),
                                  ("days_since_purchase > 1e23", "column 23: expected a number between -1e18 and 1e18, found 1e23")] {
            let result = try journey("--store", t.path, "export", "--where", filter)
            #expect(result.status == 1)
            #expect(result.stderr == "journey: \(message)\n")
        }
    }
}

/// Hostile nesting and size are refused with a position, never a crash.
@Suite struct FilterNestingTests {
    static func parens(_ n: Int, _ inner: String = "orders >= 1") -> String {
        String(repeating: "(", count: n) + inner + String(repeating: ")", count: n)
    }

    @Test func deepParenthesesAreRefusedAtTheFirstTooDeep() {
        #expect(FilterLiteralTests.message(Self.parens(20_000)) == #"column 257: more than 256 nested parentheses or "not"s"#)
        #expect(FilterLiteralTests.message(Self.parens(257)) == #"column 257: more than 256 nested parentheses or "not"s"#)
        #expect(FilterLiteralTests.message(Self.parens(256)) == nil)
    }

    @Test func deepNotsAreRefused() throws {
        let nots = { (n: Int) in String(repeating: "not ", count: n) + "has_email" }
        #expect(FilterLiteralTests.message(nots(16_000)) == #"column 1025: more than 256 nested parentheses or "not"s"#)
        #expect(FilterLiteralTests.message(nots(20_000)) == "expected a filter of at most 65536 bytes, found 80009 bytes")
        #expect(try Filter(nots(256)).matches(try Shop().profileWithEmail()))
        #expect(try !Filter(nots(255)).matches(try Shop().profileWithEmail()))
    }

    @Test func longChainsAreFlatAndOversizedOnesRefused() throws {
        let chain = { (n: Int, op: String) in Array(repeating: "has_email", count: n).joined(separator: " \(op) ") }
        let long = chain(100_000, "and")
        #expect(FilterLiteralTests.message(long) == "expected a filter of at most 65536 bytes, found \(long.utf8.count) bytes")
        let profile = try Shop().profileWithEmail()
        let wide = try Filter(chain(4_000, "and"))
        #expect(wide.matches(profile))
        #expect(Set([wide, try Filter(chain(4_000, "and"))]).count == 1, "hashing a wide filter")
        #expect(try Filter(chain(4_000, "or")).matches(profile))
        #expect(try !Filter(chain(4_000, "and") + " and not has_email").matches(profile))
    }

    @Test func theCommandLineRefusesDeepFiltersWithoutCrashing() throws {
        let t = try FilterNarrowingTests.store()
        let result = try journey("--store", t.path, "export", "--where", Self.parens(20_000))
        #expect(result.status == 1)
        #expect(result.stderr == "journey: column 257: more than 256 nested parentheses or \"not\"s\n")
    }
}

extension Shop {
    /// A profile with an email, as of the signup.
    func profileWithEmail() throws -> Profile {
        var shop = self
        shop.signup("e1", day: 1, email: "e1@example.com")
        return try shop.profile("e1", asOf: 2)
    }
}
