import Foundation
import Testing
@testable import JourneyStore
@_spi(Storage) import JourneyStorage

/// An interrupted multi-transaction ingest is reported until it is rolled back, and a full disk is
/// named as such (issue 16, items 14 and 15).
@Suite struct HonestOperationsTests {
    /// A store with one committed event and the first transaction of a crashed large file (50 events).
    func crashedStore() throws -> TemporaryStore {
        let t = try TemporaryStore()
        _ = try t.store.ingest(#"{"id":"before","type":"signup","customer":"old","time":0}"#)
        try LargeIngestTests.commitFirstTransactionOfACrashedFile(t.store, (0..<50).map { k in
            Event(id: "half-\(k)", customer: "new\(k % 5)", time: Timestamp(millisecondsSinceEpoch: 1000),
                  payload: .productView(product: "p\(k)", category: "c"))
        })
        return t
    }

    @Test func verifyAndStatsReportAnInterruptedIngest() throws {
        let t = try crashedStore()
        let reader = try JourneyStore(at: t.path, options: .init(readOnly: true))
        let report = try reader.verify()
        #expect(!report.isConsistent)
        #expect(report.problems == ["an interrupted ingest awaits roll-back: events from #2 on are visible to readers until the next writer removes them (`journey recover` removes them now)"])
        let stats = try reader.read { try $0.stats() }
        #expect(stats.interruptedIngestFrom == 2)
        #expect(stats.events == 51, "readers see the committed part meanwhile")
        #expect(stats.json(currency: .usd).contains(#""interrupted_ingest_from":2"#))

        let verify = try journey("--store", t.path, "verify")
        #expect(verify.status == 1)
        #expect(verify.stdout.contains("an interrupted ingest awaits roll-back"))
        let text = try journey("--store", t.path, "stats")
        #expect(text.status == 0)
        #expect(text.stderr.contains("warning: an ingest was interrupted between its transactions: events from #2 on are counted here"))
        #expect(try reader.eventCount == 51, "reading changed nothing")
    }

    @Test func recoverRollsItBack() throws {
        let t = try crashedStore()
        let first = try journey("--store", t.path, "recover")
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout == "rolled back an interrupted ingest: removed 50 events\n")
        let again = try journey("--store", t.path, "recover")
        #expect(again.stdout == "nothing to recover: no ingest was interrupted\n")
        let verify = try journey("--store", t.path, "verify")
        #expect(verify.status == 0)
        #expect(verify.stdout == "ok: 1 events, 1 customers; log, indexes and facts agree\n")
        let stats = try journey("--store", t.path, "stats", "--json")
        #expect(stats.stdout.contains(#""interrupted_ingest_from":null"#))
        #expect(stats.stderr.isEmpty)
    }

    @Test func recoverNeedsAWritableStore() throws {
        let t = try crashedStore()
        let reader = try JourneyStore(at: t.path, options: .init(readOnly: true))
        #expect(throws: JourneyError.self) { try reader.recover() }
        #expect(try reader.eventCount == 51)
    }

    @Test func aFullDiskIsNamedAndCommitsNothing() throws {
        // A 1 MiB tmpfs in a private mount namespace (root only; skipped elsewhere).
        guard geteuid() == 0, FileManager.default.isExecutableFile(atPath: "/usr/bin/unshare") else { return }
        let dir = try TemporaryStore()
        let events = dir.directory + "/events.jsonl"
        var generator = try EventGenerator(customers: 2_000, events: 40_000, seed: 1)
        var bytes: [UInt8] = []
        _ = generator.write { bytes.append(contentsOf: $0) }
        try Data(bytes).write(to: URL(fileURLWithPath: events))
        let mount = dir.directory + "/small"
        try FileManager.default.createDirectory(atPath: mount, withIntermediateDirectories: true)
        let script = """
            mount -t tmpfs -o size=1m tmpfs '\(mount)' || exit 77
            '\(journeyBinary())' --store '\(mount)/s' ingest '\(events)'; echo "ingest=$?"
            '\(journeyBinary())' --store '\(mount)/s' verify
            """
        let result = try run("/usr/bin/unshare", ["-m", "sh", "-c", script])
        guard result.status != 77, !result.stderr.contains("mount:") else { return }  // no tmpfs mounts here
        #expect(result.stdout.contains("ingest=1"))
        #expect(result.stderr.contains("the disk is full (ENOSPC)"), "\(result.stderr)")
        #expect(result.stderr.contains("nothing from this file was committed"))
        #expect(!result.stderr.contains("Input/output error"))
        #expect(result.stdout.contains("ok: 0 events, 0 customers"))
    }
}
