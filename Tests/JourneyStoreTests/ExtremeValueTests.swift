import Foundation
import Testing
@testable import JourneyStore
@_spi(Storage) import JourneyStorage

/// Amounts at the event format's limit, summed past 64 bits, and customers with very many distinct
/// categories: every command still answers, exactly (issue 16, items 5 and 12).
@Suite struct ExtremeValueTests {
    /// 10^15 minor units: the largest amount one event may carry.
    static let maxAmount = Money(minorUnits: Int128(Limits.moneyMinorUnitsMax))

    static func maxPurchase(_ id: String, customer: String, day: Double) -> Event {
        Event(id: id, customer: customer, time: Shop.at(day),
              payload: .purchase(order: "o-" + id, items: [LineItem(product: "yacht", category: "boats", price: maxAmount)]))
    }

    @Test func populationSumsPastSixtyFourBitsAreExact() throws {
        // 9,224 × 10^15 > Int64.max: the population's revenue overflowed a 64-bit sum.
        let buyers = 9_224
        let t = try TemporaryStore()
        try t.store.append((0..<buyers).map { Self.maxPurchase("e\($0)", customer: "c\($0)", day: 1) })
        let (stats, exported) = try t.store.read { snapshot in
            let stats = try snapshot.stats()
            let sink = MemoryLineSink()
            let report = try snapshot.export(where: try Filter("spend > 1"), format: .csv, to: sink)
            return (stats, report.written)
        }
        #expect(stats.revenue == Money(minorUnits: Int128(buyers) * Int128(Limits.moneyMinorUnitsMax)))
        #expect(stats.revenue.decimalString(exponent: 2) == "92240000000000000.00")
        #expect(stats.top20RevenueShare.map { abs($0 - Double((buyers + 4) / 5) / Double(buyers)) < 1e-12 } == true)
        #expect(exported == buyers)
        #expect(try t.store.verify().isConsistent)
    }

    @Test func oneCustomersSpendPastSixtyFourBitsIsExact() throws {
        // 9,300 × 10^15 > Int64.max: the customer's gross overflowed when folded (ingest trapped).
        let orders = 9_300
        let t = try TemporaryStore()
        var events = (0..<orders).map { Self.maxPurchase("e\($0)", customer: "whale", day: Double($0) / 1000) }
        events.append(Self.maxPurchase("small", customer: "minnow", day: 1))
        try t.store.append(events)
        let profile = try #require(try t.store.read { try $0.profile(of: "whale") })
        #expect(profile.orders == orders)
        #expect(profile.spend == Money(minorUnits: Int128(orders) * Int128(Limits.moneyMinorUnitsMax)))
        #expect(profile.spend.decimalString(exponent: 2) == "93000000000000000.00")
        #expect(profile.aov == Self.maxAmount)
        #expect(profile.tier == .platinum)
        #expect(profile.topPercent == 1)
        // A late event re-folds the customer from the log; a rebuild folds everyone again: the same facts.
        try t.store.append([Self.maxPurchase("late", customer: "whale", day: 0.0005)])
        try t.store.rebuild()
        #expect(try t.store.verify().isConsistent)
        let after = try #require(try t.store.read { try $0.profile(of: "whale") })
        #expect(after.spend == Money(minorUnits: Int128(orders + 1) * Int128(Limits.moneyMinorUnitsMax)))
    }

    @Test func theCommandsAnswerOnAStoreOfMaximalAmounts() throws {
        let t = try TemporaryStore()
        try t.store.append((0..<9_224).map { Self.maxPurchase("e\($0)", customer: "c\($0)", day: 1) })
        let store = t.path
        let stats = try run(journeyBinary(), ["--store", store, "stats", "--json"])
        #expect(stats.status == 0, "\(stats.stderr)")
        #expect(stats.stdout.contains(#""revenue":92240000000000000.00"#) || stats.stdout.contains("92240000000000000"))
        let profile = try run(journeyBinary(), ["--store", store, "profile", "c1", "--json"])
        #expect(profile.status == 0, "\(profile.stderr)")
        #expect(profile.stdout.contains(#""spend":10000000000000.00"#))
        let export = try run(journeyBinary(), ["--store", store, "export", "--where", "tier >= gold", "--format", "jsonl"])
        #expect(export.status == 0, "\(export.stderr)")
        #expect(export.stdout.split(separator: "\n").count == 9_224)
    }

    @Test func spendKeysOrderPastSixtyFourBits() {
        // The by_spend key orders spends beyond Int64 and below zero by their value, highest first.
        let spends: [Int128] = [Int128(Int64.max) * 3, Int128(Int64.max) + 1, Int128(Int64.max), 1, 0, -5, -Int128(Int64.max) * 2]
        var keys: [[UInt8]] = []
        for s in spends {
            let key = IndexKeys.spend(s, customerID: "c".utf8)
            keys.append(key)
            #expect(key.withByteView { IndexKeys.spend(fromKey: $0) } == s)
        }
        #expect(keys == keys.sorted { $0.lexicographicallyPrecedes($1) })
    }

    @Test func factsWithHugeSumsRoundTrip() throws {
        var facts = CustomerFacts()
        facts.eventsFolded = 1  // stored facts are of a customer with events (decoding refuses none)
        facts.gross = Limits.moneySumMinorUnitsMax
        facts.refunded = Int128(Limits.moneyMinorUnitsMax) * 12_345
        var bytes: [UInt8] = []
        facts.encode(appendingTo: &bytes)
        let decoded = try bytes.withByteView { try CustomerFacts(decoding: $0) }
        #expect(decoded.gross == facts.gross)
        #expect(decoded.refunded == facts.refunded)
        #expect(decoded == facts)
    }

    @Test func oneCustomerWithAHundredThousandDistinctCategoriesInReverseTimeOrder() throws {
        // Each view names a new category, newest first: the fold sorts them into time order. Before,
        // each new category was inserted into a sorted list and every event decayed every entry
        // (O(n²): 3.5 s for 100,000 and 29 s for 300,000); now each event touches one entry.
        let n = 100_000
        let t = try TemporaryStore()
        let base = Shop.origin
        var lines: [UInt8] = []
        for k in (0..<n).reversed() {
            let line = #"{"id":"v\#(k)","type":"product_view","customer":"many","time":\#(base + Int64(k) * 1000),"product":"p\#(k % 7)","category":"cat\#(k)"}"#
            lines.append(contentsOf: line.utf8)
            lines.append(10)
        }
        _ = try t.store.ingestJSONL(lines)
        // A late event re-folds the whole history from the log.
        _ = try t.store.ingest(#"{"id":"late","type":"product_view","customer":"many","time":\#(base - 1000),"product":"p0","category":"cat0"}"#)
        let profile = try #require(try t.store.read { try $0.profile(of: "many") })
        #expect(profile.viewedCategories.count == n)
        // As of the newest event, a category viewed once scores 2^(−age / 30 days): only the newest
        // reaches 1.0; cat0, viewed twice about a day before, scores ≈ 1.95.
        #expect(profile.affinity == ["cat0", "cat\(n - 1)"])
        #expect(try t.store.verify().isConsistent)
    }

    @Test func affinityEqualsTheDesignFormulaForManyCategories() throws {
        // score(T) = Σ weight × 2^(−(T − t) / 30 days), computed here directly, against the store's
        // tags for a customer whose 40 categories (past the linear-search size) get weights over time.
        var shop = Shop()
        var reference: [String: [(day: Double, weight: Double)]] = [:]
        var rng = SystemRandomNumberGenerator()
        for k in 0..<400 {
            let day = Double(k) / 4
            let category = "k\(Int.random(in: 0..<40, using: &rng))"
            switch k % 3 {
            case 0: shop.view("a", day: day, category: category); reference[category, default: []].append((day, 1))
            case 1: shop.abandon("a", day: day, category: category, lines: 2); reference[category, default: []].append((day, 4))
            default: shop.purchase("a", day: day, cents: 100, category: category); reference[category, default: []].append((day, 5))
            }
        }
        let asOf = 120.0
        let scores = reference.mapValues { $0.reduce(0) { $0 + $1.weight * exp2(-(asOf - $1.day) / 30) } }
        let expected = scores.filter { $0.value >= 1 }.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
            .prefix(3).map(\.key)
        #expect(try shop.profile("a", asOf: asOf).affinity == expected)
    }
}
