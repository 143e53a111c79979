import Foundation
import Testing
@testable import JourneyStore
@_spi(Storage) import JourneyStorage

@Suite struct ExportTests {
    static let events = """
    {"id":"s1","type":"signup","customer":"ana","time":"2026-03-01T09:00:00Z","email":" Ana.Garcia@Example.COM ","phone":"+34 (612) 345-678","attributes":{"first_name":" Ana ","last_name":"García","country":"es","zip":"28001","city":"Madrid","ads_consent":true}}
    {"id":"p1","type":"purchase","customer":"ana","time":"2026-03-02T09:00:00Z","order":"o1","items":[{"product":"cam","category":"cameras","price":"250.00"}]}
    {"id":"s2","type":"signup","customer":"bob","time":"2026-03-01T09:00:00Z","email":"b.o.b@gmail.com","phone":"(415) 555-0100","attributes":{"country":"US","zip":"94107-1234","ads_consent":true}}
    {"id":"p2","type":"purchase","customer":"bob","time":"2026-03-03T09:00:00Z","order":"o2","items":[{"product":"lens","category":"lenses","price":"99.50"}]}
    {"id":"p3","type":"purchase","customer":"cy","time":"2026-03-03T10:00:00Z","order":"o3","items":[{"product":"bag","price":"10"}]}

    """

    static func sha(_ s: String) -> String { ContactNormalization.sha256Hex(s) }

    func export(_ format: ExportFormat, where filter: String = "orders >= 1") throws -> ([String], ExportReport) {
        let t = try TemporaryStore()
        _ = try t.store.ingest(Self.events)
        let sink = MemoryLineSink()
        let report = try t.store.read { try $0.export(where: Filter(filter), format: format, to: sink) }
        return (sink.lines, report)
    }

    @Test func knownHashes() {
        // printf 'ana.garcia@example.com' | sha256sum
        #expect(Self.sha("ana.garcia@example.com") == "8fac453d04351152e705c17d1ce2a0f079400e2a0edf662e97d803427fd608c9")
        #expect(Self.sha(ContactNormalization.email(" Ana.Garcia@Example.COM ")!) == "8fac453d04351152e705c17d1ce2a0f079400e2a0edf662e97d803427fd608c9")
        #expect(Self.sha("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(Self.sha("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test func normalizationFollowsThePlatformsRules() {
        typealias N = ContactNormalization
        #expect(N.email(" Ana.Garcia@Example.COM ") == "ana.garcia@example.com")
        #expect(N.googleEmail("B.O.B@Gmail.com") == "bob@gmail.com")
        #expect(N.googleEmail("b.o.b@example.com") == "b.o.b@example.com")
        #expect(N.phoneDigits("+34 (612) 345-678", country: nil) == "34612345678")
        #expect(N.phoneDigits("(415) 555-0100", country: "US") == "14155550100")
        #expect(N.phoneDigits("0044 20 7946 0958", country: nil) == "442079460958")
        #expect(N.phoneDigits("020 7946 0958", country: "GB") == "442079460958", "the national leading zero goes")
        #expect(N.phoneDigits("555-0100", country: nil) == nil, "no country code can be known")
        #expect(N.e164("(415) 555-0100", country: "US") == "+14155550100")
        #expect(N.zip("94107-1234", country: "US") == "94107")
    }

    @Test func csvRowsAreHandChecked() throws {
        let (lines, report) = try export(.csv)
        #expect(report.written == 3)
        #expect(lines[0] == "customer,email,phone,first_name,last_name,phase,segment,tier,top_percent,orders,spend,aov,last_purchase,days_since_purchase,affinity")
        #expect(lines[1] == #"ana, Ana.Garcia@Example.COM ,+34 (612) 345-678, Ana ,García,new,new_customer,bronze,1,1,250.00,250.00,2026-03-02T09:00:00Z,1.042,cameras"#)
        #expect(lines[3] == "cy,,,,,new,new_customer,,,1,10.00,10.00,2026-03-03T10:00:00Z,0,")
    }

    @Test func jsonlWritesProfileObjects() throws {
        let (lines, _) = try export(.jsonl, where: "tier >= bronze")
        #expect(lines.count == 1)
        let object = try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any]
        #expect(object?["customer"] as? String == "ana")
        #expect(object?["spend"] as? Double == 250)
        #expect(object?["affinity"] as? [String] == ["cameras"])
    }

    @Test func metaHashesNormalizedValuesAndKeepsExternIDClear() throws {
        let (lines, report) = try export(.meta)
        #expect(lines[0] == "email,phone,fn,ln,ct,st,zip,country,extern_id")
        #expect(lines[1] == [Self.sha("ana.garcia@example.com"), Self.sha("34612345678"), Self.sha("ana"), Self.sha("garcía"),
                             Self.sha("madrid"), "", Self.sha("28001"), Self.sha("es"), "ana"].joined(separator: ","))
        #expect(lines[2].hasPrefix(Self.sha("b.o.b@gmail.com") + "," + Self.sha("14155550100") + ","))
        #expect(lines[2].hasSuffix(Self.sha("94107") + "," + Self.sha("us") + ",bob"))
        #expect(report.written == 2)
        #expect(report.skippedWithoutIdentifier == 1, "cy has neither email nor phone")
    }

    @Test func googleUsesE164AndLeavesCountryAndZipClear() throws {
        let (lines, _) = try export(.google)
        #expect(lines[0] == "Email,Phone,First Name,Last Name,Country,Zip")
        #expect(lines[1] == [Self.sha("ana.garcia@example.com"), Self.sha("+34612345678"), Self.sha("ana"), Self.sha("garcía"), "ES", "28001"].joined(separator: ","))
        #expect(lines[2] == [Self.sha("bob@gmail.com"), Self.sha("+14155550100"), "", "", "US", "94107"].joined(separator: ","))
    }
}

@Suite struct ParallelExportTests {
    @Test(arguments: [ExportFormat.csv, .jsonl, .meta, .google])
    func twoThreadsWriteWhatOneWrites(format: ExportFormat) throws {
        var generator = try EventGenerator(customers: 9000, events: 40_000, seed: 5)
        var bytes: [UInt8] = []
        _ = generator.write { bytes.append(contentsOf: $0) }
        let t = try TemporaryStore()
        _ = try t.store.ingestJSONL(bytes)
        let (parallel, sequential) = try t.store.read { snapshot -> ([String], [String]) in
            #expect(try snapshot.customerCount > 2 * Snapshot.exportBlockCustomers, "several blocks for the helper")
            let filter = try Filter("orders >= 0 or cart_abandons >= 0 or email_opens >= 0")
            let a = MemoryLineSink(), b = MemoryLineSink()
            let ra = try snapshot.export(where: filter, format: format, to: a)
            snapshot.parallelExports = false
            let rb = try snapshot.export(where: filter, format: format, to: b)
            #expect(ra == rb)
            return (a.lines, b.lines)
        }
        #expect(parallel.count > 1000)
        #expect(parallel == sequential)
    }
}
