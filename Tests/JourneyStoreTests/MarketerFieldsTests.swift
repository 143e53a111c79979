import Foundation
import Testing
@testable import JourneyStore
@_spi(Storage) import JourneyStorage

/// Issue 19's fields at and around their boundaries: birthdays (29 February included), `within` at
/// exactly N days, `~=` without case and accents, consent by event time, behaviour in time.
@Suite struct MarketerFieldsTests {
    static func store(_ lines: String) throws -> TemporaryStore {
        let t = try TemporaryStore()
        _ = try t.store.ingest(lines)
        return t
    }

    static func profile(_ t: TemporaryStore, _ id: String, asOf: String) throws -> Profile {
        try #require(try t.store.read { try $0.profile(of: id, asOf: Timestamp(rfc3339: asOf)) })
    }

    /// The customers a filter selects, as the store runs it (by name number) and on public profiles (by name).
    static func audience(_ t: TemporaryStore, _ text: String, asOf: String? = nil) throws -> [String] {
        let filter = try Filter(text)
        let at = try asOf.map { try Timestamp(rfc3339: $0) }
        return try t.store.read { snapshot in
            let sink = MemoryLineSink()
            snapshot.parallelExports = false
            _ = try snapshot.export(where: filter, asOf: at, format: .csv, options: ExportOptions(columns: [.customer]), to: sink)
            var byName: [String] = []
            for p in snapshot.profiles(asOf: at) where filter.matches(p) { byName.append(p.customer) }
            #expect(Array(sink.lines.dropFirst()) == byName, "by number and by name agree on \(text)")
            return byName
        }
    }

    static let leapling = """
    {"id":"s1","type":"signup","customer":"leap","time":"2024-01-01T00:00:00Z","attributes":{"birthday":"2000-02-29","gender":"female"}}
    {"id":"s2","type":"signup","customer":"june","time":"2024-01-01T00:00:00Z","attributes":{"birthday":"1990-06-15","gender":"male"}}

    """

    @Test(arguments: [
        ("2027-02-27T12:00:00Z", 26, 1), ("2027-02-28T00:00:00Z", 27, 0), ("2027-02-28T23:59:59.999Z", 27, 0),
        ("2027-03-01T00:00:00Z", 27, 365), ("2028-02-28T00:00:00Z", 27, 1), ("2028-02-29T00:00:00Z", 28, 0),
        ("2028-03-01T00:00:00Z", 28, 364),
    ])
    func aTwentyNinthOfFebruaryBirthdayIsOnTheTwentyEighthInOtherYears(asOf: String, age: Int, days: Int) throws {
        let t = try Self.store(Self.leapling)
        let p = try Self.profile(t, "leap", asOf: asOf)
        #expect(p.age == age)
        #expect(p.daysToBirthday == days)
        #expect(p.birthMonth == 2)
    }

    @Test(arguments: [("2026-06-14T23:59:59.999Z", 35, 1), ("2026-06-15T00:00:00Z", 36, 0), ("2026-06-16T00:00:00Z", 36, 364),
                      ("2027-06-14T00:00:00Z", 36, 1)])
    func ageAndDaysToBirthdayCountUTCDays(asOf: String, age: Int, days: Int) throws {
        let t = try Self.store(Self.leapling)
        let p = try Self.profile(t, "june", asOf: asOf)
        #expect(p.age == age && p.daysToBirthday == days)
        #expect(try Self.audience(t, #"days_to_birthday <= 30 and gender = "male""#, asOf: asOf) == (days <= 30 ? ["june"] : []))
        #expect(try Self.audience(t, "age >= \(age) and age < \(age + 1) and birth_month = 6", asOf: asOf) == ["june"])
        #expect(try Self.audience(t, #"birthday < "1995-01-01""#, asOf: asOf) == ["june"])
    }

    static let behaviour = """
    {"id":"v1","type":"product_view","customer":"a","time":"2026-05-01T12:00:00Z","product":"z1","category":"Cámaras"}
    {"id":"v2","type":"product_view","customer":"b","time":"2026-05-01T12:00:00.001Z","product":"z2","category":"cameras"}
    {"id":"o1","type":"email_open","customer":"a","time":"2026-05-20T00:00:00Z","campaign":"news-21"}
    {"id":"c1","type":"cart_abandon","customer":"b","time":"2026-05-25T00:00:00Z","items":[{"product":"z2","category":"cameras","price":"150.00"}]}
    {"id":"f1","type":"offer","customer":"a","time":"2026-05-28T00:00:00Z","offer":"Spring-Sale","channel":"email"}
    {"id":"p1","type":"purchase","customer":"c","time":"2026-05-31T12:00:00Z","order":"o1","items":[{"product":"z3","category":"lenses","price":"10"}]}

    """

    @Test func withinCountsFromExactlyNDaysBeforeTheClockExcluded() throws {
        let t = try Self.store(Self.behaviour)
        let asOf = "2026-05-31T12:00:00Z"   // 30 days after v1, exactly; 1 ms less after v2
        #expect(try Self.audience(t, #"viewed_category has "cameras" within 30 days"#, asOf: asOf) == ["b"])
        #expect(try Self.audience(t, #"viewed_category ~= "CAMARAS" within 30 days"#, asOf: asOf) == [])
        #expect(try Self.audience(t, #"viewed_category ~= "camaras" within 30.001 days"#, asOf: asOf) == ["a"])
        #expect(try Self.audience(t, #"viewed has "z1" within 30 days or viewed has "z2" within 29.9999 days"#, asOf: asOf) == [])
        #expect(try Self.audience(t, #"viewed has "z2" within 30 days"#, asOf: asOf) == ["b"])
        #expect(try Self.audience(t, #"viewed_category has "cameras" within 0 days"#, asOf: "2026-05-01T12:00:00.001Z") == [])
        #expect(try Self.audience(t, #"bought_category has "lenses" within 0.5 days and not bought has "z9""#, asOf: asOf) == ["c"])
        #expect(try Self.audience(t, #"opened has "news-21" within 11.5 days"#, asOf: asOf) == [])
        #expect(try Self.audience(t, #"opened has "news-21" within 14 days"#, asOf: asOf) == ["a"])
        #expect(try Self.audience(t, #"offered ~= "spring-sale" within 7 days and days_since_offer < 4"#, asOf: asOf) == ["a"])
        #expect(try Self.audience(t, #"offered has "spring-sale""#, asOf: asOf) == [], "= and has stay exact")
        let a = try Self.profile(t, "a", asOf: asOf)
        #expect(a.lastTime(of: "Cámaras", in: .viewedCategory) == time("2026-05-01T12:00:00Z"))
        #expect(a.offers == ["Spring-Sale"] && a.openedCampaigns == ["news-21"])
        #expect(a.daysSinceOffer == 3.5 && a.daysSinceView == 30 && a.daysSinceSeen == 3.5)
    }

    @Test func cartAndViewTimesAreFields() throws {
        let t = try Self.store(Self.behaviour)
        let asOf = "2026-06-01T00:00:00Z"
        #expect(try Self.audience(t, "days_since_cart_abandon <= 7 and last_cart_value > 100", asOf: asOf) == ["b"])
        #expect(try Self.audience(t, "last_cart_value > 150", asOf: asOf) == [])
        #expect(try Self.audience(t, "days_since_view >= 30.5", asOf: asOf) == ["a"])
        #expect(try Self.audience(t, "days_since_seen < 1", asOf: asOf) == ["c"])
        #expect(try Self.audience(t, "not days_since_offer >= 0", asOf: asOf) == ["b", "c"], "no offer: the comparison is false")
    }

    @Test func tildeEqualsIgnoresCaseAndAccentsWhereEqualsIsExact() throws {
        let t = try Self.store("""
        {"id":"s1","type":"signup","customer":"k","time":"2026-01-01T00:00:00Z","attributes":{"city":"Köln","country":"de","interests":["Fotografía"],"gender":"Female"}}
        {"id":"p1","type":"purchase","customer":"k","time":"2026-01-02T00:00:00Z","order":"o","items":[{"product":"x","category":"Cámaras","price":"500"}]}
        {"id":"s2","type":"signup","customer":"m","time":"2026-01-01T00:00:00Z","attributes":{"city":"MÜNCHEN","gender":"female"}}

        """)
        #expect(try Self.audience(t, #"affinity ~= "camaras""#) == ["k"])
        #expect(try Self.audience(t, #"affinity has "Cámaras""#) == ["k"])
        #expect(try Self.audience(t, #"bought_category ~= "CÁMARAS""#) == ["k"])
        #expect(try Self.audience(t, #"city ~= "koln""#) == ["k"])
        #expect(try Self.audience(t, #"city = "koln""#) == [])
        #expect(try Self.audience(t, #"city ~= "munchen" or interests ~= "fotografia""#) == ["k", "m"])
        #expect(try Self.audience(t, #"gender = "female""#) == ["m"])
        #expect(try Self.audience(t, #"gender ~= "FEMALE""#) == ["k", "m"])
        #expect(try Self.audience(t, #"country in ("DE", "FR")"#) == ["k"])
        #expect(try Self.audience(t, #"not city != "Köln""#) == ["k"])
    }

    @Test func foldingMatchesFoundationForLatinLetters() {
        for v in UInt32(0x20)...0x24F {
            guard let scalar = Unicode.Scalar(v), scalar.properties.isAlphabetic else { continue }
            let s = String(scalar)
            let foundation = s.folding(options: [.caseInsensitive, .diacriticInsensitive], locale: Locale(identifier: "en_US_POSIX"))
            let ours = TextFolding.fold(s)
            // Foundation keeps some letters whole (æ, ß, ø, ł, đ, ı…) that `~=` spells out or bases.
            guard foundation.unicodeScalars.allSatisfy({ $0.isASCII }) && v < 0x180 else { continue }
            #expect(ours == foundation, "U+\(String(v, radix: 16)) \(s)")
        }
        #expect(TextFolding.fold("Straße Æsir Œuvre Łódź ĲSSEL") == "strasse aesir oeuvre lodz ijssel")
        #expect(TextFolding.fold("Cafe\u{301}") == "cafe", "decomposed accents go too")
        #expect(TextFolding.fold("東京 ΣΊΣΥΦΟΣ") == "東京 σίσυφοσ", "other scripts are only lowered")
    }

    @Test func consentIsLatestByEventTimeAndMissingIsNeither() throws {
        // Delivered out of order: the unsubscribe (day 2) arrives after the later profile (day 3).
        let t = try Self.store("""
        {"id":"s1","type":"signup","customer":"u","time":"2026-01-01T00:00:00Z","email":"u@x.org","attributes":{"email_consent":true,"ads_consent":true}}
        {"id":"s3","type":"profile","customer":"u","time":"2026-01-03T00:00:00Z","attributes":{"ads_consent":true}}
        {"id":"s2","type":"unsubscribe","customer":"u","time":"2026-01-02T00:00:00Z","channel":"ads"}
        {"id":"s4","type":"unsubscribe","customer":"u","time":"2026-01-02T00:00:00Z","channel":"email"}
        {"id":"n1","type":"signup","customer":"n","time":"2026-01-01T00:00:00Z","email":"n@x.org"}

        """)
        let u = try Self.profile(t, "u", asOf: "2026-01-04T00:00:00Z")
        #expect(u.attributes.emailConsent == false && u.attributes.adsConsent == true)
        #expect(try Self.audience(t, "ads_consent") == ["u"])
        #expect(try Self.audience(t, "email_consent = false") == ["u"])
        #expect(try Self.audience(t, "email_consent or email_consent = false") == ["u"], "no consent given: neither")
        #expect(try Self.audience(t, "not email_consent") == ["u", "n"])
        #expect(try t.store.verify().isConsistent)
    }

    @Test(arguments: [
        ("wealth > 3", #"column 1: unknown field "wealth"; fields are"#),
        (#"age >= "x""#, #"column 8: expected a number after ">=", found "\"x\"""#),
        (#"age within 3 days"#, #"column 5: "within" follows a list test such as viewed_category has "cameras" within 30 days; age is not a list"#),
        (#"orders > 1 within 3 days"#, #"column 12: "within" follows a list test"#),
        (#"affinity has "cameras" within 3 days"#, #"column 24: "within" needs a list with times (bought, bought_category, viewed_category, viewed, opened, offered), not affinity"#),
        (#"viewed has "x" within -1 days"#, #"column 23: expected a number of days from 0 to 3000000 after "within", found -1"#),
        (#"viewed has "x" within 3 weeks"#, #"column 25: expected "days" after the number, found "weeks""#),
        (#"birthday < "1990-13-01""#, #"column 12: expected a date YYYY-MM-DD after "<", found "\"1990-13-01\"""#),
        (#"gender > "f""#, "column 8: gender takes =, !=, ~= or in, not >"),
        (#"gender = female"#, #"column 10: expected a value in double quotes after "=", found "female""#),
        (#"orders ~= 3"#, #"column 8: "~=" compares text (gender, city, region, zip, country) or a list, not orders"#),
        (#"city ~ "x""#, #"column 6: expected "~=", found "~""#),
        (#"email_consent = maybe"#, #"column 17: expected true or false after "=", found "maybe""#),
    ])
    func badFiltersSayWhereAndWhat(text: String, message: String) {
        #expect(throws: JourneyError.self) { try Filter(text) }
        do { _ = try Filter(text) } catch {
            #expect(error.message.hasPrefix(message), "\(error.message)")
        }
    }

    @Test(arguments: [
        (#""birthday":"2026-03-02""#, #"line 1: attributes.birthday: expected a date YYYY-MM-DD from 1900-01-01 to the event's date, found "2026-03-02""#),
        (#""birthday":"1899-12-31""#, #"line 1: attributes.birthday: expected a date YYYY-MM-DD from 1900-01-01 to the event's date, found "1899-12-31""#),
        (#""email_consent":"yes""#, #"line 1: attributes.email_consent: expected true or false, found "yes""#),
    ])
    func badAttributesAreRefusedWithTheirLine(attribute: String, message: String) throws {
        let t = try TemporaryStore()
        let line = #"{"id":"s","type":"signup","customer":"c","time":"2026-03-01T23:00:00Z","attributes":{\#(attribute)}}"#
        #expect(throws: JourneyError.self) { _ = try t.store.ingest(line + "\n") }
        do { _ = try t.store.ingest(line + "\n") } catch { #expect((error as? JourneyError)?.message == message) }
        let fine = #"{"id":"s","type":"signup","customer":"c","time":"2026-03-01T23:00:00Z","attributes":{"birthday":"2026-03-01"}}"#
        #expect(try t.store.ingest(fine + "\n").appended == 1, "born on the event's day is fine")
    }

    @Test(arguments: [
        (#"{"id":"u","type":"unsubscribe","customer":"c","time":0}"#, "line 1: channel: expected email, ads or sms (required for unsubscribe), found nothing"),
        (#"{"id":"u","type":"unsubscribe","customer":"c","time":0,"channel":"fax"}"#, #"line 1: channel: expected email, ads or sms (required for unsubscribe), found "fax""#),
        (#"{"id":"o","type":"offer","customer":"c","time":0}"#, "line 1: offer: expected an offer or campaign name (required for offer), found nothing"),
        (#"{"id":"o","type":"offer","customer":"c","time":0,"offer":"x","channel":""}"#, #"line 1: channel: expected a non-empty string or no field, found """#),
    ])
    func offersAndUnsubscribesAreChecked(line: String, message: String) throws {
        let t = try TemporaryStore()
        do { _ = try t.store.ingest(line + "\n"); Issue.record("accepted \(line)") } catch { #expect((error as? JourneyError)?.message == message) }
    }

    @Test func newTypesRoundTripThroughTheLog() throws {
        let t = try TemporaryStore()
        let events = [
            Event(id: "o", customer: "c", time: time("2026-03-01T00:00:00Z"), payload: .offer(offer: "vip", channel: "sms")),
            Event(id: "u", customer: "c", time: time("2026-03-02T00:00:00Z"), payload: .unsubscribe(channel: .sms)),
            Event(id: "s", customer: "c", time: time("2026-03-03T00:00:00Z"),
                  payload: .profile(Contact(), Attributes(gender: "x", emailConsent: false, adsConsent: true))),
        ]
        try t.store.append(events)
        #expect(try t.store.events(of: "c") == events)
        let lines = events.map { $0.jsonLine(currency: .usd) }
        #expect(lines[0] == #"{"id":"o","type":"offer","customer":"c","time":"2026-03-01T00:00:00Z","offer":"vip","channel":"sms"}"#)
        #expect(lines[2].hasSuffix(#""attributes":{"gender":"x","email_consent":false,"ads_consent":true}}"#))
        let copy = try TemporaryStore()
        _ = try copy.store.ingest(lines.joined(separator: "\n") + "\n")
        #expect(try copy.store.events(of: "c") == events)
    }
}
