import Foundation
import Testing
@testable import JourneyStore
@_spi(Storage) import JourneyStorage

/// `forget` (GDPR erasure): personal fields leave every record and the facts, behaviour stays,
/// verify and rebuild agree, and re-ingesting the original file brings nothing back.
@Suite struct ForgetTests {
    static let original = """
    {"id":"s1","type":"signup","customer":"ana","time":"2026-03-01T00:00:00Z","email":"ana@x.org","phone":"+34 600 000 000","attributes":{"first_name":"Ana","birthday":"1990-05-01","city":"Madrid","interests":["cameras"],"email_consent":true}}
    {"id":"v1","type":"product_view","customer":"ana","time":"2026-03-02T00:00:00Z","product":"p1","category":"cameras"}
    {"id":"p1","type":"purchase","customer":"ana","time":"2026-03-03T00:00:00Z","order":"o1","email":"ana@work.org","items":[{"product":"p1","category":"cameras","price":"300"}]}
    {"id":"f1","type":"profile","customer":"ana","time":"2026-03-04T00:00:00Z","attributes":{"city":"Sevilla"}}
    {"id":"u1","type":"unsubscribe","customer":"ana","time":"2026-03-05T00:00:00Z","channel":"ads"}
    {"id":"s2","type":"signup","customer":"bo","time":"2026-03-01T00:00:00Z","email":"bo@x.org","attributes":{"first_name":"Bo"}}
    {"id":"p2","type":"purchase","customer":"bo","time":"2026-03-06T00:00:00Z","order":"o2","items":[{"product":"p2","category":"bags","price":"50"}]}

    """

    @Test func forgettingBlanksPersonalFieldsEverywhereAndKeepsBehaviour() throws {
        let t = try TemporaryStore()
        let file = try t.write("events.jsonl", Self.original)
        _ = try t.store.ingestJSONL(atPath: file)
        let bo = try t.store.read { try $0.profile(of: "bo") }
        let report = try t.store.forget(["ana", "nobody"], asOf: time("2026-12-01T00:00:00Z"))
        #expect(report.customers == 1 && report.recordsRewritten == 3 && report.unknown == ["nobody"])
        let p = try #require(try t.store.read { try $0.profile(of: "ana") })
        #expect(p.email == nil && p.phone == nil && p.attributes == Attributes(adsConsent: false), "only the unsubscribe's consent stays")
        #expect(p.orders == 1 && p.spend == Money(minorUnits: 30_000) && p.viewedCategories == ["cameras"] && p.signup != nil)
        #expect(try t.store.read { try $0.profile(of: "bo") } == bo, "others are untouched")
        let log = try t.store.events(of: "ana").map { $0.jsonLine(currency: .usd) }
        #expect(!log.joined().contains("ana@") && !log.joined().contains("Madrid") && !log.joined().contains("Sevilla"))
        #expect(log.count == 5 && log[0] == #"{"id":"s1","type":"signup","customer":"ana","time":"2026-03-01T00:00:00Z"}"#)
        #expect(try t.store.verify().isConsistent)
        try t.store.rebuild()
        #expect(try t.store.verify().isConsistent)
        #expect(try t.store.read { try $0.profile(of: "ana") } == p)

        // The original file again: its ids are known, nothing comes back.
        let again = try t.store.ingestJSONL(atPath: file)
        #expect(again.appended == 0 && again.duplicates == 7)
        // A copy of it under new ids (another export of the same data): stored without personal data.
        let copy = Self.original.replacingOccurrences(of: #""id":""#, with: #""id":"copy-"#)
        #expect(try t.store.ingest(copy).appended == 7)
        let q = try #require(try t.store.read { try $0.profile(of: "ana") })
        #expect(q.email == nil && q.attributes.city == nil && q.attributes.firstName == nil)
        #expect(try t.store.read { try $0.profile(of: "bo") }?.attributes.firstName == "Bo")
        // The customer comes back after the erasure: that signup is kept.
        _ = try t.store.ingest(#"{"id":"back","type":"signup","customer":"ana","time":"2026-12-02T00:00:00Z","email":"ana@new.org","attributes":{"email_consent":true}}"# + "\n")
        let r = try #require(try t.store.read { try $0.profile(of: "ana") })
        #expect(r.email == "ana@new.org" && r.attributes.emailConsent == true && r.attributes.city == nil)
        #expect(try t.store.verify().isConsistent)
        try t.store.rebuild()
        #expect(try t.store.read { try $0.profile(of: "ana") } == r)
    }

    @Test func theCommandSaysWhatItRewrote() throws {
        let t = try TemporaryStore()
        _ = try t.store.ingest(Self.original)
        let result = try journey("--store", t.path, "forget", "ana", "bo")
        #expect(result.status == 0)
        #expect(result.stdout == "forgot 2 customers: rewrote 4 records without personal data\n")
        let twice = try journey("--store", t.path, "forget", "ana", "zed")
        #expect(twice.stdout == "forgot 1 customer: rewrote 0 records without personal data\n")
        #expect(twice.status == 1 && twice.stderr == "journey: unknown customer \"zed\"\n")
        #expect(try journey("--store", t.path, "verify").status == 0)
        let events = try journey("--store", t.path, "events", "bo")
        #expect(!events.stdout.contains("bo@x.org") && events.stdout.contains(#""order":"o2""#))
    }

    @Test func aForgottenCustomersIndexRowsStayRight() throws {
        // Facts change, index rows not: verify compares both with a fresh fold.
        var random = RandomEvents(seed: 19, customers: 30)
        let t = try TemporaryStore()
        try t.store.append(random.events(600))
        let customers = (0..<30).map { "c\($0)" }.filter { $0.hasSuffix("3") || $0.hasSuffix("7") }
        let report = try t.store.forget(customers)
        #expect(report.customers > 0 && report.recordsRewritten > 0)
        #expect(try t.store.verify().isConsistent)
        try t.store.read { snapshot in
            for id in customers {
                let p = try #require(try snapshot.profile(of: id))
                #expect(p.email == nil && p.phone == nil && p.attributes.firstName == nil && p.attributes.interests == nil)
            }
        }
    }
}
