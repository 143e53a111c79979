import Foundation
import Testing
@testable import JourneyStore
@_spi(Storage) import JourneyStorage

/// Issue 19's fixes found in the README: tier thresholds in major units, seeds in generated ids.
@Suite struct PolicyAndGeneratorCLITests {
    @Test func policyShowsAndTakesTiersInMajorUnits() throws {
        let t = try TemporaryStore()
        _ = try t.store.ingest(#"{"id":"p","type":"purchase","customer":"c","time":0,"order":"o","items":[{"product":"x","price":"2500.50"}]}"# + "\n")
        let shown = try journey("--store", t.path, "policy")
        #expect(shown.stdout.contains("tier_bronze=100\ntier_silver=500\ntier_gold=2000\ntier_platinum=10000\n"))
        let set = try journey("--store", t.path, "policy", "tier_gold=2500.50")
        #expect(set.status == 0, "\(set.stderr)")
        #expect(set.stdout.contains("tier_gold=2500.50\n"))
        #expect(try t.store.read { try $0.profile(of: "c") }?.tier == .gold, "2500.50 is gold from 2500.50")
        _ = try journey("--store", t.path, "policy", "tier_gold=2500.51")
        #expect(try t.store.read { try $0.profile(of: "c") }?.tier == .silver)
        let bad = try journey("--store", t.path, "policy", "tier_gold=25.001")
        #expect(bad.status == 1 && bad.stderr == "journey: tier_gold must be an amount with at most 2 decimals ≥ 0 in major units (tier_gold=2000), got \"25.001\"\n")
        let order = try journey("--store", t.path, "policy", "tier_gold=20000")
        #expect(order.stderr == "journey: tier minimums must rise from bronze to platinum\n")
    }

    @Test func twoSeedsGiveTwoFilesThatBothGoIn() throws {
        let t = try TemporaryStore()
        for seed in ["1", "2"] {
            let file = t.directory + "/s\(seed).jsonl"
            #expect(try journey("generate", "--customers", "50", "--events", "300", "--seed", seed, "--out", file).status == 0)
            let text = try String(contentsOfFile: file, encoding: .utf8)
            #expect(text.hasPrefix(#"{"id":"e\#(seed)-0","#))
            let report = try journey("--store", t.path, "ingest", file, "--json")
            #expect(report.stdout.contains(#""rejected":0"#) && !report.stdout.contains(#""appended":0,"#))
        }
        let stats = try t.store.read { try $0.stats() }
        #expect(stats.events > 500, "the second file was not taken for duplicates of the first")
    }
}
