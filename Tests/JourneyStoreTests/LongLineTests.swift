import Foundation
import Testing
@testable import JourneyStore
@_spi(Storage) import JourneyStorage

/// Item 9: a line over `Limits.lineBytesMax` (1 MiB) is an invalid line like any other: with
/// `--skip-invalid` it is skipped and reported (its first KiB and `…`), and the lines after it keep
/// their numbers; without, it fails the file with its number.
@Suite struct LongLineTests {
    static func event(_ k: Int) -> String {
        #"{"id":"e\#(k)","type":"email_open","customer":"c1","time":\#(1_770_000_000_000 + k)}"#
    }

    /// A valid event made longer than `bytes` by an unknown field.
    static func long(_ k: Int, bytes: Int, filler: String = "x") -> String {
        let head = #"{"id":"e\#(k)","type":"email_open","customer":"c1","time":1,"note":""#
        return head + String(repeating: filler, count: (bytes - head.utf8.count) / filler.utf8.count + 1) + #""}"#
    }

    static let bad = #"{"id":"e4","type":"email_open","customer":"c1","time":"soon"}"#
    static let reason = "longer than \(Limits.lineBytesMax) bytes"

    /// Lines 1 and 3 valid, 2 too long, 4 invalid, 5 too long (its 1,024th byte starts an "é": 65
    /// bytes before the filler, then two a character), 6 valid, 7 too long without a final newline.
    static let lines = [event(1), long(2, bytes: 1 << 20), event(3), bad, long(55, bytes: 1 << 20, filler: "é"), event(6),
                        long(7, bytes: (1 << 20) + 1)]
    static let text = lines.joined(separator: "\n")

    /// What a rejection shows of a long line: its first `bytes` and "…".
    static func shown(_ line: String, bytes: Int = 1024) -> String {
        String(decoding: line.utf8.prefix(bytes), as: UTF8.self) + "…"
    }

    @Test func inMemoryLongLinesAreSkippedAndLaterLinesKeepTheirNumbers() throws {
        let t = try TemporaryStore()
        let report = try t.store.ingest(Self.text, skipInvalid: true)
        #expect(report.appended == 3)
        #expect(report.rejections.map(\.line) == [2, 4, 5, 7])
        #expect(report.rejections.map(\.reason) == [Self.reason, "time: expected an RFC 3339 time with offset (2026-03-01T10:00:00Z) or integer epoch milliseconds, found \"soon\"", Self.reason, Self.reason])
        #expect(report.rejections[0].input == Self.shown(Self.lines[1]))
        #expect(report.rejections[2].input == Self.shown(Self.lines[4], bytes: 1023), "cut before the character it would split")
        #expect(try t.store.events(of: "c1").map(\.id) == ["e1", "e3", "e6"])
        #expect {
            try TemporaryStore().store.ingest(Self.text)
        } throws: { error in
            (error as? JourneyError)?.message == "line 2: \(Self.reason)"
        }
    }

    /// Through the CLI, from a file read in 4 MiB chunks: a 5 MiB line spans several, in one
    /// transaction and in transactions of 1 MiB.
    @Test(arguments: [[], ["--transaction-mib", "1"]])
    func aFileWithLongLinesIsSkippedLineByLine(extra: [String]) throws {
        let t = try TemporaryStore()
        var lines = Self.lines
        lines[1] = Self.long(2, bytes: 5 << 20)
        let file = try t.write("long.jsonl", lines.joined(separator: "\n"))
        let rejects = t.directory + "/rejects.jsonl"
        let result = try run(journeyBinary(), ["--store", t.path, "ingest", file, "--skip-invalid", "--rejects", rejects, "--json"] + extra)
        #expect(result.status == 0)
        #expect(result.stdout == #"{"appended":3,"duplicates":0,"rejected":4,"events":3}"# + "\n")
        let written = try String(contentsOfFile: rejects, encoding: .utf8).split(separator: "\n")
        let objects = try written.map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(objects.map { $0?["line"] as? Int } == [2, 4, 5, 7])
        #expect(objects.first??["reason"] as? String == Self.reason)
        #expect(objects.first??["input"] as? String == Self.shown(lines[1]))
        let events = try journey("--store", t.path, "events", "c1")
        #expect(events.stdout.split(separator: "\n").count == 3)

        let refused = try run(journeyBinary(), ["--store", t.directory + "/other", "ingest", file] + extra)
        #expect(refused.status != 0)
        #expect(refused.stderr == "journey: \(file): line 2: \(Self.reason); nothing from this file was committed\n")
    }
}
