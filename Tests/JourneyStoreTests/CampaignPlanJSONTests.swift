import Testing
@testable import JourneyStore
@_spi(Storage) import JourneyStorage

/// `CampaignPlan(json:)`: the plan file format of DESIGN.md §4, and what it refuses.
@Suite struct CampaignPlanJSONTests {
    static func plan(_ text: String) throws -> CampaignPlan { try CampaignPlan(json: Array(text.utf8)) }

    static func message(_ text: String) -> String? {
        do { _ = try plan(text); return nil } catch let error as JourneyError { return error.message } catch { return "\(error)" }
    }

    @Test func aPlanFileReadsInPriorityOrder() throws {
        let plan = try Self.plan(#"""
        {"exclude": "cart_abandons >= 1",
         "audiences": [{"name": "vip", "where": "top_percent <= 20", "format": "meta"},
                       {"where": "affinity has \"cameras\"", "name": "came\u0072as"},
                       {"name": "everyone", "where": "orders >= 1", "format": "jsonl"}]}
        """#)
        #expect(plan.exclude?.text == "cart_abandons >= 1")
        #expect(plan.audiences.map(\.name) == ["vip", "cameras", "everyone"])
        #expect(plan.audiences.map(\.format) == [.meta, .csv, .jsonl], "csv when format is left out")
        #expect(plan.audiences.map(\.filter.text) == ["top_percent <= 20", #"affinity has "cameras""#, "orders >= 1"])
        #expect(try Self.plan(#"{"audiences": [{"name": "a", "where": "orders >= 1"}]}"#).exclude == nil)
    }

    @Test func aReadPlanRunsAsTheSamePlanBuiltInSwift() throws {
        let t = try PlanTests.store()
        let plan = try Self.plan(#"""
        {"exclude": "cart_abandons >= 1", "audiences": [
          {"name": "vip", "where": "top_percent <= 20", "format": "csv"},
          {"name": "cameras", "where": "affinity has \"cameras\" or bought_category has cameras", "format": "jsonl"},
          {"name": "everyone", "where": "orders >= 1", "format": "csv"}]}
        """#)
        let report = try t.store.read { try $0.run(plan, sinks: [MemoryLineSink(), MemoryLineSink(), MemoryLineSink()]) }
        #expect(report.excluded == 6)
        #expect(report.audiences.map(\.written) == [4, 7, 13])
    }

    @Test(arguments: [
        ("[]", #"expected an object {"name": …, "exclude": FILTER, "cooldown_days": N, "audiences": [{"name": …, "where": FILTER, "format": …, "for": …}, …]}, found an array"#),
        ("", "line 1, column 1: expected a value, found end of file"),
        (#"{"audiences": [}"#, #"line 1, column 16: expected a value, found "}""#),
        ("{\"audiences\": [\n  {\"name\": \"a\",\n   \"where\": 'x'}]}", #"line 3, column 13: expected a value, found "'""#),
        (#"{"audiences": []} x"#, #"line 1, column 19: expected end of file after the value, found "x""#),
        (#"{"exclude": "orders >= 1"}"#, #"missing "audiences": expected {"name": …, "exclude": FILTER, "cooldown_days": N, "audiences": [{"name": …, "where": FILTER, "format": …, "for": …}, …]}"#),
        (#"{"audiences": {}}"#, #"audiences: expected an array of {"name", "where", "format"} objects, found an object"#),
        (#"{"audiences": []}"#, "a plan needs at least one audience"),
        (#"{"exlude": "orders >= 1", "audiences": []}"#, #"unknown key "exlude"; expected "name", "exclude", "cooldown_days" or "audiences""#),
        (#"{"exclude": "orders >= 1", "exclude": "orders >= 2", "audiences": []}"#, #"key "exclude" appears twice"#),
        (#"{"exclude": null, "audiences": []}"#, "exclude: expected a filter string, found null"),
        (#"{"audiences": [1]}"#, #"audiences[0]: expected an object {"name": …, "where": FILTER, "format": …, "for": …}, found the number 1"#),
        (#"{"audiences": [{"where": "orders >= 1"}]}"#, #"audiences[0]: missing "name""#),
        (#"{"audiences": [{"name": "a"}]}"#, #"audiences[0]: missing "where""#),
        (#"{"audiences": [{"name": 7, "where": "orders >= 1"}]}"#, "audiences[0].name: expected a string, found the number 7"),
        (#"{"audiences": [{"name": "a b", "where": "orders >= 1"}]}"#, #"audiences[0].name: audience name "a b" must be 1–100 letters, digits, _ or -"#),
        (#"{"audiences": [{"name": "a", "where": 5}]}"#, "audiences[0].where: expected a filter string, found the number 5"),
        (#"{"audiences": [{"name": "a", "where": "orders >="}]}"#, #"audiences[0].where: column 10: expected a number after ">=", found end of filter"#),
        (#"{"audiences": [{"name": "a", "where": "orders >= 1", "format": "xml"}]}"#, #"audiences[0].format: expected csv, jsonl, meta or google, found the string "xml""#),
        (#"{"audiences": [{"name": "a", "where": "orders >= 1", "fromat": "csv"}]}"#, #"audiences[0]: unknown key "fromat"; expected "name", "where", "format" or "for""#),
        (#"{"audiences": [{"name": "a", "where": "orders >= 1", "for": "fax"}]}"#, #"audiences[0].for: expected email or ads, found the string "fax""#),
        (#"{"name": "a b", "audiences": [{"name": "a", "where": "orders >= 1"}]}"#, #"name: plan name "a b" must be 1–100 letters, digits, _ or -"#),
        (#"{"cooldown_days": -1, "audiences": [{"name": "a", "where": "orders >= 1"}]}"#, "cooldown_days: expected a number of days from 0 to 3000000, found the number -1"),
        (#"{"cooldown_days": "7", "audiences": [{"name": "a", "where": "orders >= 1"}]}"#, #"cooldown_days: expected a number of days from 0 to 3000000, found the string "7""#),
        (#"{"audiences": [{"name": "a", "where": "orders >= 1"}, {"name": "b", "where": "has_email"}, {"name": "a", "where": "has_phone"}]}"#,
         #"audiences[2].name: "a" is already the name of audiences[0]"#),
        (#"{"audiences": [{"name": "\ud800", "where": "has_phone"}]}"#, #"line 1, column 32: expected \u and the low half of a surrogate pair, found "\"""#),
    ])
    func badPlansNameTheKeyAndWhatWasExpected(text: String, message: String) {
        #expect(Self.message(text) == message)
    }

    @Test func deepOrLargePlansAreRefusedNotCrashed() {
        let deep = String(repeating: "[", count: 200_000) + String(repeating: "]", count: 200_000)
        #expect(Self.message(deep) == "line 1, column 17: more than 16 nested arrays or objects")
        let deepInside = #"{"audiences": [{"name": "a", "where": "has_email", "x": "# + deep + "}]}"
        #expect(Self.message(deepInside) == "line 1, column 70: more than 16 nested arrays or objects")
        let parens = { (n: Int) in String(repeating: "(", count: n) + "has_email" + String(repeating: ")", count: n) }
        let deepFilter = #"{"exclude": "\#(parens(200_000))", "audiences": [{"name": "a", "where": "has_email"}]}"#
        #expect(Self.message(deepFilter) == "exclude: expected a filter of at most 65536 bytes, found 400009 bytes")
        let nested = #"{"exclude": "\#(parens(300))", "audiences": [{"name": "a", "where": "has_email"}]}"#
        #expect(Self.message(nested) == #"exclude: column 257: more than 256 nested parentheses or "not"s"#)
        let huge = #"{"audiences": [{"name": "a", "where": "has_email", "x": ""# + String(repeating: "x", count: CampaignPlan.fileBytesMax) + "\"}]}"
        #expect(Self.message(huge) == "expected a plan of at most \(CampaignPlan.fileBytesMax) bytes, found \(huge.utf8.count) bytes")
    }

    @Test func stringsFollowJSON() throws {
        let plan = try Self.plan(#"{"audiences": [{"name": "caf\u0065", "where": "affinity has \"\ud83d\ude00 \\ \/ \t\"", "format": "csv"}]}"#)
        #expect(plan.audiences[0].filter.text == "affinity has \"😀 \\ / \t\"")
        #expect(throws: JourneyError.self) { try CampaignPlan(json: Array(#"{"audiences": [{"name": ""#.utf8) + [0xFF] + Array(#"", "where": "x"}]}"#.utf8)) }
    }
}
