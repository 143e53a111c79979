import TestSupport
import Foundation
import Testing
@testable import JourneyStore
@_spi(Storage) import JourneyStorage

@Suite struct PlanTests {
    static func store() throws -> TemporaryStore {
        var shop = Shop()
        for k in 1...30 {
            shop.purchase("c\(k)", day: Double(k), cents: Int64(k) * 5_000, category: k % 3 == 0 ? "cameras" : "bags")
            if k % 4 == 0 { shop.signup("c\(k)", day: 0, email: "c\(k)@example.com") }
            if k % 5 == 0 { shop.abandon("c\(k)", day: Double(k) + 0.5) }
        }
        let t = try shop.store()
        return t
    }

    @Test func overlappingAudiencesGiveEachCustomerOneOfferAndRespectExclusions() throws {
        let t = try Self.store()
        let plan = try CampaignPlan(exclude: Filter("cart_abandons >= 1"), audiences: [
            .init(name: "vip", filter: Filter("top_percent <= 20"), format: .csv),
            .init(name: "cameras", filter: Filter(#"affinity has "cameras" or bought_category has cameras"#), format: .jsonl),
            .init(name: "everyone", filter: Filter("orders >= 1"), format: .csv),
        ])
        let sinks = [MemoryLineSink(), MemoryLineSink(), MemoryLineSink()]
        let report = try t.store.read { try $0.run(plan, sinks: sinks) }
        let customers = sinks.map { sink in
            sink.lines.dropFirst(sink === sinks[1] ? 0 : 1).map { line -> String in
                sink === sinks[1] ? ((try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["customer"] as? String ?? "")
                                  : String(line.split(separator: ",")[0])
            }
        }
        let all = customers.flatMap { $0 }
        #expect(Set(all).count == all.count, "no customer in two audiences")
        let excluded = Set((1...30).filter { $0 % 5 == 0 }.map { "c\($0)" })
        #expect(excluded.isDisjoint(with: all), "no excluded customer anywhere")
        // c30, c25 are excluded; the top 20 % (6 of 30) by spend are c25…c30.
        #expect(customers[0] == ["c26", "c27", "c28", "c29"])
        #expect(customers[1] == ["c3", "c6", "c9", "c12", "c18", "c21", "c24"])
        #expect(customers[2].count == 30 - 6 - 4 - 7)
        #expect(report.excluded == 6)
        #expect(report.unassigned == 0)
        #expect(report.audiences.map(\.written) == [4, 7, 13])
        #expect(report.customers == 30)
    }

    @Test func aPlanCommandWritesOneFilePerAudienceAndASummary() throws {
        let t = try Self.store()
        let plan = try t.write("plan.json", """
        {"exclude": "cart_abandons >= 1", "audiences": [
          {"name": "vip", "where": "top_percent <= 20", "format": "csv"},
          {"name": "winback", "where": "days_since_purchase > 10", "format": "meta"}]}
        """)
        let out = t.directory + "/out"
        let result = try journey("--store", t.path, "plan", plan, "--out-dir", out)
        #expect(result.status == 0)
        let files = try FileManager.default.contentsOfDirectory(atPath: out).sorted()
        #expect(files == ["summary.json", "vip.csv", "winback.csv"])
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/summary.json"))) as? [String: Any]
        #expect(summary?["excluded"] as? Int == 6)
        let audiences = summary?["audiences"] as? [[String: Any]]
        #expect(audiences?.map { $0["written"] as? Int } == [4, 0], "no winback buyer gave ads consent")
        #expect(audiences?[1]["skipped_without_identifier"] as? Int == 12, "winback buyers without email cannot be matched by Meta")
        #expect(audiences?[1]["skipped_without_consent"] as? Int == 4)
        #expect(result.stderr == "journey: winback: left out 4 without consent, 12 without a usable email or phone\n")
        let ignoring = try journey("--store", t.path, "plan", plan, "--out-dir", out, "--ignore-consent")
        let again = try JSONSerialization.jsonObject(with: Data(ignoring.stdout.utf8)) as? [String: Any]
        #expect((again?["audiences"] as? [[String: Any]])?.map { $0["written"] as? Int } == [4, 4])
    }

    @Test func aBadFilterFailsBeforeAnyOutput() throws {
        let t = try Self.store()
        let out = t.directory + "/audience.csv"
        let result = try journey("--store", t.path, "export", "--where", "orders >= 1 and tier > diamond", "--out", out)
        #expect(result.status != 0)
        #expect(result.stderr == "journey: column 24: unknown tier \"diamond\"; valid values are bronze, silver, gold, platinum\n")
        #expect(!FileManager.default.fileExists(atPath: out))
        let plan = try t.write("bad-plan.json", #"{"audiences": [{"name": "a", "where": "orders >=", "format": "csv"}]}"#)
        let planResult = try journey("--store", t.path, "plan", plan, "--out-dir", t.directory + "/planout")
        #expect(planResult.status != 0)
        #expect(planResult.stderr.contains("audiences[0].where: column 10: expected a number after \">=\", found end of filter"))
        #expect(!FileManager.default.fileExists(atPath: t.directory + "/planout"))
    }

    @Test func anExportReadsOneSnapshotWhileAppendsContinue() throws {
        let t = try Self.store()
        let store = t.store
        let sink = MemoryLineSink()
        let (report, before) = try store.read { snapshot -> (ExportReport, Int) in
            let before = try snapshot.customerCount
            // Another thread appends 50 new buyers while the export runs on this snapshot.
            runOnAnotherThread {
                var more = Shop()
                for k in 100..<150 { more.purchase("n\(k)", day: 40, cents: 1_000) }
                for k in more.events.indices { more.events[k].id = "late-\(k)" }
                _ = try? store.append(more.events)
            }
            return (try snapshot.export(where: Filter("orders >= 1"), format: .csv, to: sink), before)
        }
        #expect(before == 30)
        #expect(report.written == 30, "the export sees its snapshot only")
        #expect(try store.read { try $0.customerCount } == 80)
    }
}
