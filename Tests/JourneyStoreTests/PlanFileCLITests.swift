import Foundation
import Testing
@testable import JourneyStore
@_spi(Storage) import JourneyStorage

/// `journey plan` refuses hostile plan files with a reason, writing nothing, and never crashes.
@Suite struct PlanFileCLITests {
    func refusal(_ text: String) throws -> (CommandResult, String, Bool) {
        let t = try PlanTests.store()
        let file = try t.write("plan.json", text)
        let out = t.directory + "/out"
        let result = try journey("--store", t.path, "plan", file, "--out-dir", out)
        return (result, file, FileManager.default.fileExists(atPath: out))
    }

    @Test func deeplyNestedArraysAreRefused() throws {
        let (result, file, wroteOutput) = try refusal(String(repeating: "[", count: 200_000) + String(repeating: "]", count: 200_000))
        #expect(result.status == 1)
        #expect(result.stderr == "journey: \(file): line 1, column 17: more than 16 nested arrays or objects\n")
        #expect(!wroteOutput)
    }

    @Test func aDeeplyNestedExclusionIsRefused() throws {
        let parens = String(repeating: "(", count: 200_000) + "has_email" + String(repeating: ")", count: 200_000)
        let (result, file, wroteOutput) = try refusal(#"{"exclude": "\#(parens)", "audiences": [{"name": "a", "where": "has_email"}]}"#)
        #expect(result.status == 1)
        #expect(result.stderr == "journey: \(file): exclude: expected a filter of at most 65536 bytes, found 400009 bytes\n")
        #expect(!wroteOutput)
    }

    @Test func anUnknownFormatOrKeyIsRefused() throws {
        let (format, file, _) = try refusal(#"{"audiences": [{"name": "a", "where": "has_email", "format": "xml"}]}"#)
        #expect(format.stderr == "journey: \(file): audiences[0].format: expected csv, jsonl, meta or google, found the string \"xml\"\n")
        let (key, keyFile, wroteOutput) = try refusal(#"{"exlude": "has_email", "audiences": [{"name": "a", "where": "has_email"}]}"#)
        #expect(key.status == 1)
        #expect(key.stderr == "journey: \(keyFile): unknown key \"exlude\"; expected \"name\", \"exclude\", \"cooldown_days\" or \"audiences\"\n")
        #expect(!wroteOutput, "a misspelt exclusion must not send offers to those it meant to leave out")
    }
}
