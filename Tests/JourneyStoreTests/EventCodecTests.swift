import Testing
@testable import JourneyStore

@Suite struct EventCodecTests {
    /// Groups events by customer in time order, as `events(of:)` returns them; the first of a
    /// duplicated id wins.
    static func expectedHistories(_ events: [Event]) -> [String: [Event]] {
        var seen = Set<String>()
        var byCustomer: [String: [(Int, Event)]] = [:]
        for (k, e) in events.enumerated() where seen.insert(e.id).inserted { byCustomer[e.customer, default: []].append((k, e)) }
        return byCustomer.mapValues { list in
            list.sorted { ($0.1.time, $0.0) < ($1.1.time, $1.0) }.map(\.1)
        }
    }

    @Test(arguments: [1, 2, 3, 4, 5] as [UInt64])
    func appendThenReadIsTheIdentity(seed: UInt64) throws {
        var random = RandomEvents(seed: seed)
        let events = random.events(300)
        let t = try TemporaryStore()
        let report = try t.store.append(events)
        #expect(report.appended == 300)
        for (customer, expected) in Self.expectedHistories(events) {
            #expect(try t.store.events(of: customer) == expected)
        }
    }

    @Test(arguments: [11, 12, 13] as [UInt64])
    func jsonLineThenIngestIsTheIdentity(seed: UInt64) throws {
        var random = RandomEvents(seed: seed)
        let events = random.events(300)
        let t = try TemporaryStore()
        let text = events.map { $0.jsonLine(currency: .usd) }.joined(separator: "\n") + "\n"
        let report = try t.store.ingest(text)
        #expect(report.appended == 300)
        #expect(report.events == 300)
        for (customer, expected) in Self.expectedHistories(events) {
            let stored = try t.store.events(of: customer)
            #expect(stored == expected)
            // And printing the stored events gives the same lines again.
            #expect(stored.map { $0.jsonLine(currency: .usd) } == expected.map { $0.jsonLine(currency: .usd) })
        }
    }

    @Test func everyTypeSurvivesTheRoundTrip() throws {
        var random = RandomEvents(seed: 99)
        var events = random.events(200)
        let types = Set(events.map(\.type))
        #expect(types == Set(EventType.allCases))
        events.sort { $0.id < $1.id }
        let t = try TemporaryStore()
        try t.store.append(events)
        let all = try Set(Self.expectedHistories(events).keys.flatMap { try t.store.events(of: $0) })
        #expect(all == Set(events))
    }

    @Test func recordsCarryTheirFormatVersion() throws {
        let t = try TemporaryStore()
        try t.store.append([Event(id: "e1", customer: "c1", time: time("2026-01-01T00:00:00Z"), payload: .emailOpen(campaign: nil))])
        let first = try t.store.env.read { txn in try t.store.schema.events.get(1, in: txn) }
        #expect(first?.first == EventRecord.formatVersion)
        var newer = first!
        newer[0] = EventRecord.formatVersion + 1
        #expect(throws: JourneyError.self) {
            try newer.withUnsafeBytes { try EventRecord($0) }
        }
    }

    @Test func moneyPrintsWithTheCurrencyDecimals() {
        #expect(Money(minorUnits: 19_900).decimalString(exponent: 2) == "199.00")
        #expect(Money(minorUnits: 5).decimalString(exponent: 2) == "0.05")
        #expect(Money(minorUnits: -510).decimalString(exponent: 2) == "-5.10")
        #expect(Money(minorUnits: 1234).decimalString(exponent: 0) == "1234")
        #expect(Money(minorUnits: 1234).decimalString(exponent: 3) == "1.234")
    }

    @Test(arguments: [
        ("199", 2, Int64(19_900)), ("199.5", 2, 19_950), ("199.00", 2, 19_900), ("0.01", 2, 1), ("199.000", 2, 19_900),
        ("99.99", 2, 9_999), ("1000", 0, 1000), ("1.5", 3, 1500),
    ])
    func decimalsParseToExactMinorUnits(text: String, exponent: Int, minor: Int64) {
        let parsed = Array(text.utf8).withUnsafeBytes { JSONEventScanner.parseMoney($0, exponent: exponent) }
        #expect(parsed == minor)
    }

    @Test(arguments: ["-5", "1.001", "1.", ".5", "1e3", "abc", "", "1,5", "99999999999999999999", "0x10"])
    func malformedDecimalsAreRefused(text: String) {
        let parsed = Array(text.utf8).withUnsafeBytes { JSONEventScanner.parseMoney($0, exponent: 2) }
        #expect(parsed == nil)
    }

    @Test func exactMoneyAddsUp() throws {
        let t = try TemporaryStore()
        let report = try t.store.ingest("""
        {"id":"a","type":"purchase","customer":"c","time":"2026-01-01T00:00:00Z","order":"o","items":[{"product":"p","price":"99.99"},{"product":"q","price":0.02}]}
        """)
        #expect(report.appended == 1)
        guard case .purchase(_, _, let total, _) = try t.store.events(of: "c").first?.payload else {
            Issue.record("expected a purchase"); return
        }
        #expect(total == Money(minorUnits: 10_001))
    }
}
