import Testing
@testable import JourneyStore
@_spi(Storage) import JourneyStorage

/// Every rule of DESIGN.md §1, at and around its boundaries.
@Suite struct ClassificationTests {
    @Test(arguments: [(30.0, Phase.new), (30.001, .declining), (90.0, .declining), (90.001, .lapsed), (0.0, .new)])
    func oneOrderPhaseFollowsTheThresholds(asOf day: Double, phase: Phase) throws {
        var shop = Shop()
        shop.purchase("a", day: 0, cents: 5000)
        #expect(try shop.profile("a", asOf: day).phase == phase)
    }

    @Test func daysSincePurchaseIsFractional() throws {
        var shop = Shop()
        shop.purchase("a", day: 0, cents: 5000)
        #expect(try shop.profile("a", asOf: 1.5).daysSincePurchase == 1.5)
    }

    @Test func aCustomerSlowerThanTheirOwnRhythmIsDeclining() throws {
        var shop = Shop()
        for day in [0.0, 5, 10] { shop.purchase("a", day: day, cents: 1000) }
        // Average gap 5 days: declining once more than 2 × 5 days have passed.
        #expect(try shop.profile("a", asOf: 20).phase == .active)
        #expect(try shop.profile("a", asOf: 20.01).phase == .declining)
        #expect(try shop.profile("a", asOf: 20).averageGapDays == 5)
    }

    @Test func theLatencyRuleNeedsThreeOrders() throws {
        var shop = Shop()
        for day in [0.0, 5] { shop.purchase("a", day: day, cents: 1000) }
        #expect(try shop.profile("a", asOf: 25).phase == .active)
    }

    @Test func thePhasesOfCustomersWhoNeverBought() throws {
        var shop = Shop()
        shop.view("v", day: 0, category: nil)
        shop.signup("s", day: 0)
        shop.signup("ca", day: 0)
        shop.abandon("ca", day: 1)
        shop.open("o", day: 0)
        let p = try shop.profiles(asOf: 2)
        #expect(p["v"]?.phase == .visitor)
        #expect(p["o"]?.phase == .visitor)
        #expect(p["s"]?.phase == .subscriber)
        #expect(p["ca"]?.phase == .cartAbandoner, "an abandoned cart outranks a signup")
        #expect(p.values.allSatisfy { $0.rfm == nil && $0.topPercent == nil && $0.tier == nil })
    }

    @Test func aPurchaseAfterMoreThanTheLapseRestartsTheCycle() throws {
        var shop = Shop()
        shop.purchase("r", day: 0, cents: 1000)
        shop.purchase("r", day: 90.5, cents: 1000)
        shop.purchase("n", day: 0, cents: 1000)
        shop.purchase("n", day: 90, cents: 1000)
        let p = try shop.profiles(asOf: 91)
        #expect(p["r"]?.reactivations == 1)
        #expect(p["r"]?.phase == .active)
        #expect(p["n"]?.reactivations == 0)
    }

    @Test(arguments: [
        (Int64(9_999), nil as Tier?), (10_000, .bronze), (49_999, .bronze), (50_000, .silver),
        (199_999, .silver), (200_000, .gold), (999_999, .gold), (1_000_000, .platinum),
    ])
    func theLadderRungs(cents: Int64, tier: Tier?) throws {
        var shop = Shop()
        shop.purchase("a", day: 0, cents: cents)
        #expect(try shop.profile("a", asOf: 1).tier == tier)
    }

    @Test func exactMoneyReachesARungAndRefundsLeaveIt() throws {
        var shop = Shop()
        shop.purchase("a", day: 0, cents: 9_999)
        shop.purchase("a", day: 1, cents: 2)
        shop.purchase("b", day: 0, cents: 10_000)
        shop.refund("b", day: 1, cents: 1)
        let p = try shop.profiles(asOf: 2)
        #expect(p["a"]?.spend == Money(minorUnits: 10_001))
        #expect(p["a"]?.tier == .bronze)
        #expect(p["b"]?.spend == Money(minorUnits: 9_999))
        #expect(p["b"]?.gross == Money(minorUnits: 10_000))
        #expect(p["b"]?.refunded == Money(minorUnits: 1))
        #expect(p["b"]?.tier == nil)
        #expect(p["a"]?.aov == Money(minorUnits: 5_001), "AOV = gross / orders, rounded half away from zero")
    }

    @Test func topPercentCeilingsOverAHundredBuyers() throws {
        var shop = Shop()
        for k in 1...100 { shop.purchase("c\(k)", day: 0, cents: Int64(k) * 100) }
        let p = try shop.profiles(asOf: 1)
        #expect(p["c100"]?.topPercent == 1)
        #expect((96...99).allSatisfy { p["c\($0)"]?.topPercent == 5 })
        #expect((91...95).allSatisfy { p["c\($0)"]?.topPercent == 10 })
        #expect((81...90).allSatisfy { p["c\($0)"]?.topPercent == 20 })
        #expect((1...80).allSatisfy { p["c\($0)"]?.topPercent == nil })
    }

    @Test func topPercentRoundsUpAndBreaksTiesByCustomerID() throws {
        var shop = Shop()
        // 7 buyers: the top 1 %, 5 % and 10 % each hold ceil(p × 7 / 100) = 1 customer, the top 20 % two.
        shop.purchase("b", day: 0, cents: 90_000)
        shop.purchase("a", day: 0, cents: 90_000)
        for k in 1...5 { shop.purchase("x\(k)", day: 0, cents: Int64(k) * 100) }
        let p = try shop.profiles(asOf: 1)
        #expect(p["a"]?.topPercent == 1, "equal spend: the lower customer id ranks first")
        #expect(p["b"]?.topPercent == 20)
        #expect(p["x5"]?.topPercent == nil)
        #expect(p["a"]?.isHighValue == true)
    }

    @Test func affinityDecaysWithAHalfLifeAndCutsAtOne() throws {
        var shop = Shop()
        shop.purchase("a", day: 0, cents: 1000, category: "cameras")
        // One purchased line weighs 5: 5 × 2^(−t/30) ≥ 1 until t = 30 × log2(5) ≈ 69.66 days.
        #expect(try shop.profile("a", asOf: 69.6).affinity == ["cameras"])
        #expect(try shop.profile("a", asOf: 69.7).affinity == [])
        var views = Shop()
        views.view("v", day: 0, category: "lenses")
        #expect(try views.profile("v", asOf: 0).affinity == ["lenses"], "a single view scores exactly 1.0")
        #expect(try views.profile("v", asOf: 0.01).affinity == [])
    }

    @Test func atMostThreeTagsHighestFirstTiesByName() throws {
        var shop = Shop()
        shop.abandon("a", day: 0, category: "bags", lines: 3)   // 6
        shop.view("a", day: 0, category: "zoom")                // 1
        shop.view("a", day: 0, category: "flash")               // 1
        shop.view("a", day: 0, category: "tripods")             // 1
        shop.view("a", day: 0, category: "tripods")             // 2
        shop.view("a", day: 0, category: nil)                   // nothing
        let p = try shop.profile("a", asOf: 0)
        #expect(p.affinity == ["bags", "tripods", "flash"])
        #expect(p.viewedCategories.sorted() == ["flash", "tripods", "zoom"])
    }

    @Test func listsAreSortedByTheNamesBytes() throws {
        var shop = Shop()
        // Byte order: upper case before lower case, "é" (0xC3 0xA9) after every ASCII letter, a prefix first.
        for product in ["b", "é", "B", "ab", "a", "Z", "a b", "zz"] { shop.view("a", day: 0, category: "c-" + product, product: product) }
        let p = try shop.profile("a", asOf: 0)
        #expect(p.viewedProducts == ["B", "Z", "a", "a b", "ab", "b", "zz", "é"])
        #expect(p.viewedCategories == p.viewedProducts.map { "c-" + $0 })
        #expect(p.affinity == ["c-B", "c-Z", "c-a"], "equal scores: byte order too")
    }

    @Test func segmentsFollowPhaseAndValue() throws {
        var shop = Shop()
        // Five buyers: the top 20 % is one customer.
        shop.purchase("loyal", day: 50, cents: 900_000)
        shop.purchase("loyal", day: 55, cents: 900_000)
        shop.purchase("frequent", day: 50, cents: 100)
        shop.purchase("frequent", day: 55, cents: 100)
        shop.purchase("newbie", day: 55, cents: 100)
        shop.purchase("gone", day: 0, cents: 100)
        shop.purchase("gone2", day: 0, cents: 200)
        shop.signup("sub", day: 1)
        shop.abandon("prospect", day: 1)
        shop.view("browser", day: 1, category: nil)
        var p = try shop.profiles(asOf: 60)
        #expect(p["loyal"]?.segment == .loyalHighValue)
        #expect(p["frequent"]?.segment == .frequentLowValue)
        #expect(p["newbie"]?.segment == .newCustomer)
        #expect(p["gone"]?.segment == .nonTarget)
        #expect(p["sub"]?.segment == .subscriber)
        #expect(p["prospect"]?.segment == .abandonedProspect)
        #expect(p["browser"]?.segment == .visitor)
        p = try shop.profiles(asOf: 100)
        #expect(p["loyal"]?.segment == .highValueAtRisk)
        #expect(p["loyal"]?.phase == .declining)
    }

    @Test func rfmQuintilesShareScoresOnTies() throws {
        var shop = Shop()
        for k in 1...10 {
            for n in 0..<k { shop.purchase("c\(k)", day: Double(k) + Double(n) * 0.01, cents: Int64(k) * 1000) }
        }
        let p = try shop.profiles(asOf: 20)
        #expect(p["c10"]?.rfm == RFM(recency: 5, frequency: 5, monetary: 5))
        #expect(p["c1"]?.rfm == RFM(recency: 1, frequency: 1, monetary: 1))
        #expect(p["c5"]?.rfm == RFM(recency: 3, frequency: 3, monetary: 3))
        var ties = Shop()
        for k in 1...10 { ties.purchase("t\(k)", day: 1, cents: 1000) }
        let q = try ties.profiles(asOf: 2)
        #expect(Set(q.values.map(\.rfm)) == [RFM(recency: 1, frequency: 1, monetary: 1)], "equal values share the lower score")
    }

    @Test func theDefaultClockIsTheNewestEvent() throws {
        var shop = Shop()
        shop.purchase("a", day: 0, cents: 1000)
        shop.open("b", day: 45)
        let t = try shop.store()
        let p = try t.store.read { try $0.profile(of: "a") }
        #expect(p?.asOf == Shop.at(45))
        #expect(p?.phase == .declining)
        #expect(p?.daysSincePurchase == 45)
    }

    @Test func aStoreWhoseNewestEventIsAtTheEpochUsesItAsTheClock() throws {
        let t = try TemporaryStore()
        _ = try t.store.ingest(#"{"id":"e","type":"signup","customer":"c","time":0}"#)
        #expect(try t.store.read { try $0.profile(of: "c")?.asOf } == Timestamp(millisecondsSinceEpoch: 0))
    }

    @Test func statsCountEveryoneAndSuggestThresholds() throws {
        var shop = Shop()
        // Gaps of 10, 20, …, 100 days across customers.
        for k in 1...10 {
            shop.purchase("g\(k)", day: 0, cents: 1000 * Int64(k))
            shop.purchase("g\(k)", day: Double(10 * k), cents: 1000 * Int64(k))
        }
        shop.signup("s", day: 0)
        let t = try shop.store()
        let s = try t.store.read { try $0.stats() }
        #expect(s.customers == 11)
        #expect(s.buyers == 10)
        #expect(s.phases.values.reduce(0, +) == 11)
        #expect(s.segments[.subscriber] == 1)
        #expect(s.repeatGaps == 10)
        #expect(s.medianRepeatGapDays == 55)
        #expect(s.defectionDays == 90)
        // Top 20 % = the two largest spenders: (20000 + 18000) × 2 of 110000 × 2.
        #expect(s.top20RevenueShare == 38_000.0 / 110_000.0)
    }

    @Test func changingThePolicyRebuildsWhatDependsOnIt() throws {
        var shop = Shop()
        shop.purchase("r", day: 0, cents: 1000)
        shop.purchase("r", day: 60, cents: 1000)
        let t = try shop.store()
        #expect(try t.store.read { try $0.profile(of: "r")?.reactivations } == 0)
        var policy = try t.store.policy
        policy.lapsedAfterDays = 45
        #expect(try t.store.setPolicy(policy) == true)
        #expect(try t.store.read { try $0.profile(of: "r")?.reactivations } == 1)
        policy.decliningAfterDays = 10
        #expect(try t.store.setPolicy(policy) == true, "the rhythm index (by_due) depends on the declining rule")
        policy.tierMinimumsMinorUnits[0] = 5_000
        #expect(try t.store.setPolicy(policy) == false, "tiers are applied at query time")
        #expect(try t.store.read { try $0.profile(of: "r", asOf: Shop.at(71))?.phase } == .declining)
        #expect(try t.store.verify().isConsistent)
    }
}
