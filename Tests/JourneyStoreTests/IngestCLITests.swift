import Foundation
import Testing
@testable import JourneyStore
@_spi(Storage) import JourneyStorage

/// The `journey` binary, run as a user would: exact output and exit codes.
@Suite struct IngestCLITests {
    static let good = """
    {"id":"e1","type":"signup","customer":"c1","time":"2026-03-01T09:00:00Z","email":"ana@example.com"}
    {"id":"e2","type":"purchase","customer":"c1","time":"2026-03-01T09:10:00Z","order":"o1","items":[{"product":"p1","category":"cameras","price":"199.00"}]}

    """
    static let badSecondLine = """
    {"id":"x1","type":"signup","customer":"c9","time":"2026-03-01T09:00:00Z"}
    {"id":"x2","type":"purchase","customer":"c9","time":"2026-03-01T09:10:00Z","order":"o1","items":[{"product":"p1","price":"-5.00"}]}

    """

    @Test func ingestPrintsJSONCountsAndIsIdempotent() throws {
        let t = try TemporaryStore()
        let file = try t.write("a.jsonl", Self.good)
        let first = try journey("--store", t.path, "ingest", file, "--json")
        #expect(first.status == 0)
        #expect(first.stdout == #"{"appended":2,"duplicates":0,"rejected":0,"events":2}"# + "\n")
        let second = try journey("ingest", "--store", t.path, file, "--json")
        #expect(second.stdout == #"{"appended":0,"duplicates":2,"rejected":0,"events":2}"# + "\n")
    }

    @Test func aBadLineFailsTheFileWithItsLineAndField() throws {
        let t = try TemporaryStore()
        let file = try t.write("bad.jsonl", Self.badSecondLine)
        let result = try journey("--store", t.path, "ingest", file)
        #expect(result.status != 0)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr == "journey: \(file): line 2: items[0].price: expected a decimal ≥ 0 with at most 2 decimals (at most 1000000000000000 minor units), found \"-5.00\"; nothing from this file was committed\n")
        let events = try journey("--store", t.path, "events", "c9")
        #expect(events.status != 0, "line 1 was not committed")
    }

    /// `--transaction-mib` splits a file into transactions: the same store as one transaction; a bad
    /// last line still commits nothing.
    @Test func transactionSizeSplitsALargeFileWithTheSameResult() throws {
        var random = RandomEvents(seed: 21, customers: 500)
        let text = random.events(12_000).map { $0.jsonLine(currency: .usd) }.joined(separator: "\n") + "\n"
        #expect(text.utf8.count > 2 << 20, "more than two 1 MiB transactions")
        let one = try TemporaryStore(), split = try TemporaryStore()
        let file = try one.write("big.jsonl", text)
        let a = try journey("--store", one.path, "ingest", file, "--json")
        let b = try journey("--store", split.path, "ingest", file, "--json", "--transaction-mib", "1")
        #expect(a.status == 0 && b.status == 0)
        #expect(a.stdout == b.stdout)
        #expect(try LargeIngestTests.profiles(one.store) == LargeIngestTests.profiles(split.store))
        let stored = try split.store.eventCount
        // The same events under new ids, then a bad line: the whole file is rolled back.
        let bad = try split.write("bad.jsonl", text.replacingOccurrences(of: #""id":""#, with: #""id":"z"#) + Self.badSecondLine)
        let refused = try journey("--store", split.path, "ingest", bad, "--transaction-mib", "1")
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("nothing from this file was committed"))
        #expect(try split.reopen().eventCount == stored)
        #expect(try journey("--store", split.path, "ingest", bad, "--transaction-mib", "0").status != 0, "0 MiB is refused")
    }

    @Test func skipInvalidWritesTheRejectsFile() throws {
        let t = try TemporaryStore()
        let file = try t.write("bad.jsonl", Self.badSecondLine)
        let rejects = t.directory + "/rejects.jsonl"
        let result = try journey("--store", t.path, "ingest", file, "--skip-invalid", "--rejects", rejects, "--json")
        #expect(result.status == 0)
        #expect(result.stdout == #"{"appended":1,"duplicates":0,"rejected":1,"events":1}"# + "\n")
        let written = try String(contentsOfFile: rejects, encoding: .utf8)
        let lines = written.split(separator: "\n")
        #expect(lines.count == 1)
        let object = try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any]
        #expect(object?["line"] as? Int == 2)
        #expect((object?["reason"] as? String)?.hasPrefix("items[0].price: expected a decimal ≥ 0") == true)
        #expect(object?["input"] as? String == String(Self.badSecondLine.split(separator: "\n")[1]))
    }

    @Test func standardInputIsAccepted() throws {
        let t = try TemporaryStore()
        let result = try journey("--store", t.path, "ingest", "-", "--json", stdin: Self.good)
        #expect(result.status == 0)
        #expect(result.stdout == #"{"appended":2,"duplicates":0,"rejected":0,"events":2}"# + "\n")
    }

    @Test func eventsPrintsACustomersHistoryInTimeOrder() throws {
        let t = try TemporaryStore()
        let late = #"{"id":"e0","type":"product_view","customer":"c1","time":"2026-03-01T08:00:00+01:00","product":"p1"}"#
        _ = try journey("--store", t.path, "ingest", "-", stdin: Self.good + late + "\n")
        let result = try journey("--store", t.path, "events", "c1")
        #expect(result.status == 0)
        #expect(result.stdout == """
        {"id":"e0","type":"product_view","customer":"c1","time":"2026-03-01T07:00:00Z","product":"p1"}
        {"id":"e1","type":"signup","customer":"c1","time":"2026-03-01T09:00:00Z","email":"ana@example.com"}
        {"id":"e2","type":"purchase","customer":"c1","time":"2026-03-01T09:10:00Z","order":"o1","items":[{"product":"p1","category":"cameras","price":"199.00","quantity":1}],"total":"199.00"}

        """)
    }

    @Test func initFixesTheCurrency() throws {
        let t = try TemporaryStore()
        let path = t.directory + "/eur"
        let created = try journey("--store", path, "init", "--currency", "eur")
        #expect(created.status == 0)
        #expect(created.stdout == "store at \(path) keeps money in EUR (0 events)\n")
        let clash = try journey("--store", path, "init", "--currency", "USD")
        #expect(clash.status != 0)
        #expect(clash.stderr.contains("keeps money in EUR, not USD"))
    }

    @Test func theEventsDatabaseIsReadableWithMdbDump() throws {
        let mdbDump = ["/usr/bin/mdb_dump", "/usr/local/bin/mdb_dump"].first { FileManager.default.isExecutableFile(atPath: $0) }
        try #require(mdbDump != nil, "lmdb-utils is installed by tools/install-deps")
        let t = try TemporaryStore()
        _ = try journey("--store", t.path, "ingest", "-", stdin: Self.good)
        let dump = try run(mdbDump!, ["-s", "events", t.path])
        #expect(dump.status == 0)
        let keys = dump.stdout.split(separator: "\n").drop { $0 != "HEADER=END" }.dropFirst().enumerated()
            .filter { $0.offset % 2 == 0 }.map { $0.element.trimmingCharacters(in: .whitespaces) }
        #expect(keys.prefix(2) == ["0000000000000001", "0000000000000002"])
    }
}

@Suite struct ConcurrentWritersTests {
    @Test func twoProcessesIngestingAtOnceBothLand() throws {
        let t = try TemporaryStore()
        var files: [String] = []
        for k in 0..<2 {
            var generator = try EventGenerator(customers: 300, events: 4000, seed: UInt64(10 + k))
            var bytes: [UInt8] = []
            _ = generator.write { bytes.append(contentsOf: $0) }
            // Distinct ids per file: prefix every event id with the file number.
            let text = String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: #"{"id":"e"#, with: #"{"id":"f\#(k)-e"#)
            files.append(try t.write("part\(k).jsonl", text))
        }
        let processes = try files.map { file -> Process in
            let p = Process()
            p.executableURL = URL(fileURLWithPath: journeyBinary())
            p.arguments = ["--store", t.path, "ingest", file, "--json"]
            p.standardOutput = FileHandle.nullDevice
            try p.run()
            return p
        }
        for p in processes { p.waitUntilExit() }
        #expect(processes.allSatisfy { $0.terminationStatus == 0 })
        let store = try t.reopen()
        let expected = try files.map { file in
            Set(try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n").map { line in
                line.split(separator: ",")[0]
            }).count
        }.reduce(0, +)
        #expect(try store.eventCount == expected)
        #expect(try store.verify().isConsistent)
    }
}
