import Foundation
import Testing

/// The README's five-minute tour runs top to bottom as written (with the built binary, and a
/// smaller data set so that it runs in seconds in a debug build).
@Suite struct ReadmeTourTests {
    /// The shell block under "## A five-minute tour".
    static func tour() throws -> String {
        let readme = try String(contentsOfFile: FileManager.default.currentDirectoryPath + "/README.md", encoding: .utf8)
        let section = try #require(readme.range(of: "## A five-minute tour"))
        let rest = readme[section.upperBound...]
        let open = try #require(rest.range(of: "```sh\n"))
        let close = try #require(rest[open.upperBound...].range(of: "\n```"))
        return String(rest[open.upperBound..<close.lowerBound])
    }

    @Test func theTourRunsAsWritten() throws {
        var script = try Self.tour()
        #expect(script.contains("J=.build/release/journey"))
        script = script.replacingOccurrences(of: "swift build -c release\n", with: "")
            .replacingOccurrences(of: "J=.build/release/journey", with: "J='\(journeyBinary())'")
            .replacingOccurrences(of: "--customers 10000 --events 200000", with: "--customers 1000 --events 20000")
        let dir = NSTemporaryDirectory() + "journey-tour-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let result = try run("/bin/bash", ["-euo", "pipefail", "-c", "cd '\(dir)'\n" + script])
        #expect(result.status == 0, "\(result.stderr)")
        for file in ["events.jsonl", "winback-cameras.csv", "plan.json", "campaign/vip-winback.csv", "campaign/camera-fans.csv", "birthdays.csv"] {
            #expect(FileManager.default.fileExists(atPath: dir + "/" + file), "\(file)")
        }
        #expect(result.stdout.contains("ok: "), "verify said so")
        #expect(result.stdout.contains("saved audience winback: followed from the next tick"))
        #expect(result.stdout.contains(#""position":"#) && result.stdout.contains(#""classified_everyone":true"#), "the first tick classified everyone")
        let transitions = result.stdout.split(separator: "\n").filter { $0.hasPrefix(#"{"seq":"#) }
        #expect(transitions.count == 5 && transitions.first?.hasPrefix(#"{"seq":1,"customer":"#) == true, "mailer read the first five")
    }
}
