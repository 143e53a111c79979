import Foundation
import Testing
@testable import JourneyStore
@_spi(Storage) import JourneyStorage

/// Consent in every export format, `plan --record` run twice, `cooldown_days`, CSV columns.
@Suite struct ConsentAndOffersTests {
    /// yes: both consents; no-ads: email only; withdrawn: gave both, then unsubscribed from both;
    /// silent: never said; all four have an email and bought.
    static let events = """
    {"id":"s1","type":"signup","customer":"yes","time":"2026-03-01T00:00:00Z","email":"yes@x.org","attributes":{"email_consent":true,"ads_consent":true,"country":"US"}}
    {"id":"s2","type":"signup","customer":"no-ads","time":"2026-03-01T00:00:00Z","email":"na@x.org","attributes":{"email_consent":true,"ads_consent":false}}
    {"id":"s3","type":"signup","customer":"withdrawn","time":"2026-03-01T00:00:00Z","email":"w@x.org","attributes":{"email_consent":true,"ads_consent":true}}
    {"id":"u1","type":"unsubscribe","customer":"withdrawn","time":"2026-03-05T00:00:00Z","channel":"email"}
    {"id":"u2","type":"unsubscribe","customer":"withdrawn","time":"2026-03-05T00:00:00Z","channel":"ads"}
    {"id":"s4","type":"signup","customer":"silent","time":"2026-03-01T00:00:00Z","email":"s@x.org"}
    {"id":"p1","type":"purchase","customer":"yes","time":"2026-03-10T00:00:00Z","order":"o1","items":[{"product":"a","category":"cameras","price":"900"}]}
    {"id":"p2","type":"purchase","customer":"no-ads","time":"2026-03-10T00:00:00Z","order":"o2","items":[{"product":"a","category":"cameras","price":"800"}]}
    {"id":"p3","type":"purchase","customer":"withdrawn","time":"2026-03-10T00:00:00Z","order":"o3","items":[{"product":"a","category":"cameras","price":"700"}]}
    {"id":"p4","type":"purchase","customer":"silent","time":"2026-03-10T00:00:00Z","order":"o4","items":[{"product":"a","category":"cameras","price":"600"}]}

    """

    static func store() throws -> TemporaryStore {
        let t = try TemporaryStore()
        _ = try t.store.ingest(Self.events)
        return t
    }

    static func written(_ t: TemporaryStore, _ format: ExportFormat, _ options: ExportOptions = ExportOptions()) throws -> ([String], ExportReport) {
        let sink = MemoryLineSink()
        let report = try t.store.read { try $0.export(where: Filter("orders >= 1"), format: format, options: options, to: sink) }
        let customers = sink.lines.dropFirst(format == .jsonl ? 0 : 1).map { line -> String in
            switch format {
            case .jsonl: return ((try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any])?["customer"] as? String ?? ""
            case .meta: return String(line.split(separator: ",", omittingEmptySubsequences: false).last!)
            default: return String(line.split(separator: ",", omittingEmptySubsequences: false)[0])
            }
        }
        return (customers, report)
    }

    @Test(arguments: [
        (ExportFormat.meta, nil as ExportPurpose?, 1), (.google, nil, 1), (.csv, .ads, 1), (.jsonl, .ads, 1),
        (.csv, .email, 2), (.jsonl, .email, 2), (.csv, nil, 4), (.jsonl, nil, 4),
    ])
    func everyFormatLeavesOutThoseWithoutTheConsentItsListNeeds(format: ExportFormat, purpose: ExportPurpose?, count: Int) throws {
        let t = try Self.store()
        let (customers, report) = try Self.written(t, format, ExportOptions(purpose: purpose))
        #expect(customers.count == count)
        #expect(report.written == count && report.skippedWithoutConsent == 4 - count && report.skippedWithoutIdentifier == 0)
        #expect(customers.first == "yes" || format == .google, "Google's list has no customer column")
        let (all, ignoring) = try Self.written(t, format, ExportOptions(purpose: purpose, ignoreConsent: true))
        #expect(all.count == 4 && ignoring.skippedWithoutConsent == 0)
    }

    @Test func theCommandSaysHowManyItLeftOut() throws {
        let t = try Self.store()
        let meta = try journey("--store", t.path, "export", "--where", "orders >= 1", "--format", "meta", "--out", t.directory + "/m.csv")
        #expect(meta.status == 0)
        #expect(meta.stderr == "journey: exported 1 customers, left out 3 without ads consent (as of 2026-03-10T00:00:00Z, position 10)\n")
        let email = try journey("--store", t.path, "export", "--where", "orders >= 1", "--for", "email", "--out", "-",
                                "--columns", "customer,email_consent,ads_consent")
        #expect(email.stdout == "customer,email_consent,ads_consent\nyes,true,true\nno-ads,true,false\n")
        #expect(email.stderr == "journey: exported 2 customers, left out 2 without email consent (as of 2026-03-10T00:00:00Z, position 10)\n")
        #expect(!FileManager.default.fileExists(atPath: FileManager.default.currentDirectoryPath + "/-"), "--out - is standard output")
        let bad = try journey("--store", t.path, "export", "--where", "orders >= 1", "--columns", "customer,shoe_size")
        #expect(bad.status == 1 && bad.stderr.hasPrefix("journey: --columns: unknown column \"shoe_size\"; columns are customer, email,"))
        let json = try journey("--store", t.path, "export", "--where", "orders >= 1", "--format", "jsonl", "--columns", "customer")
        #expect(json.stderr == "journey: --columns: only csv exports take columns, not jsonl\n")
    }

    @Test func columnsShowTheNewFields() throws {
        let t = try Self.store()
        _ = try t.store.ingest("""
        {"id":"v1","type":"product_view","customer":"yes","time":"2026-03-11T00:00:00Z","product":"b","category":"lenses"}
        {"id":"o1","type":"offer","customer":"yes","time":"2026-03-12T00:00:00Z","offer":"spring"}

        """)
        let options = ExportOptions(columns: try ExportColumn.list("customer, viewed_category,offered,days_since_offer,country,days_since_seen"))
        let sink = MemoryLineSink()
        _ = try t.store.read { try $0.export(where: Filter(#"viewed_category has "lenses""#), format: .csv, options: options, to: sink) }
        #expect(sink.lines == ["customer,viewed_category,offered,days_since_offer,country,days_since_seen", "yes,lenses,spring,0,US,0"])
    }

    static let plan = """
    {"name": "march", "cooldown_days": 7, "audiences": [
      {"name": "vip", "where": "spend >= 800", "format": "meta"},
      {"name": "newsletter", "where": "orders >= 1", "format": "csv", "for": "email"}]}
    """

    @Test func recordingAPlanTwiceRecordsItsOffersOnce() throws {
        let t = try Self.store()
        let plan = try t.write("march.json", Self.plan)
        let out = t.directory + "/out"
        let first = try journey("--store", t.path, "plan", plan, "--out-dir", out, "--record")
        #expect(first.status == 0, "\(first.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(first.stdout.utf8)) as? [String: Any])
        let audiences = try #require(report["audiences"] as? [[String: Any]])
        // vip: yes (consent), no-ads (spend 800, no ads consent); newsletter: withdrawn (no email consent), silent (none).
        #expect(audiences.map { $0["written"] as? Int } == [1, 0])
        #expect(audiences.map { $0["skipped_without_consent"] as? Int } == [1, 2])
        #expect(report["recorded"] as? Int == 1 && report["already_recorded"] as? Int == 0)
        #expect(first.stderr.contains("journey: vip: left out 1 without consent"))
        let events = try t.store.events(of: "yes").map { $0.jsonLine(currency: .usd) }
        #expect(events.last == #"{"id":"march/vip/yes","type":"offer","customer":"yes","time":"2026-03-10T00:00:00Z","offer":"vip","channel":"ads"}"#)
        // Run again as of the same clock, ignoring the cooldown's effect: nothing twice.
        let again = try t.store.runPlan(try CampaignPlan(json: Array(Self.plan.utf8)), asOf: time("2026-03-10T00:00:00Z"),
                                        sinks: [MemoryLineSink(), MemoryLineSink()], record: true)
        #expect(again.coolingDown == 1, "yes was offered something within 7 days")
        #expect(again.recorded == 0)
        var noCooldown = try CampaignPlan(json: Array(Self.plan.utf8))
        noCooldown.cooldownDays = nil
        let third = try t.store.runPlan(noCooldown, asOf: time("2026-03-10T00:00:00Z"), sinks: [MemoryLineSink(), MemoryLineSink()], record: true)
        #expect(third.recorded == 0 && third.alreadyRecorded == 1, "the same plan, audience and customer: the same id")
        #expect(try t.store.verify().isConsistent)
    }

    @Test func cooldownLeavesOutThoseOfferedWithinNDays() throws {
        let t = try Self.store()
        _ = try t.store.ingest("""
        {"id":"f1","type":"offer","customer":"no-ads","time":"2026-03-03T00:00:00Z","offer":"x"}
        {"id":"f2","type":"offer","customer":"silent","time":"2026-03-03T00:00:00.001Z","offer":"y","channel":"sms"}

        """)
        var plan = try CampaignPlan(exclude: nil, audiences: [.init(name: "all", filter: Filter("orders >= 1"), format: .csv)])
        plan.cooldownDays = 7
        let sink = MemoryLineSink()
        let report = try t.store.read { try $0.run(plan, sinks: [sink]) }
        // The clock is 2026-03-10: no-ads's offer is exactly 7 days old (out of the window), silent's 1 ms younger.
        #expect(report.coolingDown == 1)
        #expect(sink.lines.dropFirst().map { String($0.prefix { $0 != "," }) } == ["yes", "no-ads", "withdrawn"])
        #expect(report.json.contains(#""cooling_down":1"#))
    }

    @Test func recordingNeedsAName() throws {
        let t = try Self.store()
        let plan = try CampaignPlan(exclude: nil, audiences: [.init(name: "all", filter: Filter("orders >= 1"), format: .csv)])
        #expect(throws: JourneyError.self) { try t.store.runPlan(plan, sinks: [MemoryLineSink()], record: true) }
        let file = try t.write("my plan.json", #"{"audiences": [{"name": "all", "where": "orders >= 1"}]}"#)
        let result = try journey("--store", t.path, "plan", file, "--out-dir", t.directory + "/o", "--record")
        #expect(result.status == 1 && result.stderr.contains(#"give the plan a "name""#))
    }
}
