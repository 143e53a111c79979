import Testing
@testable import JourneyStore
@_spi(Storage) import JourneyStorage

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

@Suite struct ScannerMatchingTests {
    static let keyNames: [(String, Key)] = [
        ("id", .id), ("type", .type), ("customer", .customer), ("time", .time), ("order", .order),
        ("product", .product), ("category", .category), ("campaign", .campaign), ("currency", .currency),
        ("email", .email), ("phone", .phone), ("total", .total), ("items", .items), ("attributes", .attributes),
        ("price", .price), ("quantity", .quantity), ("first_name", .firstName), ("last_name", .lastName),
        ("gender", .gender), ("birthday", .birthday), ("city", .city), ("region", .region), ("zip", .zip),
        ("country", .country), ("interests", .interests),
    ]

    /// Every field name and event type is recognised; near misses (a byte more or less, another
    /// case, a trailing NUL) are not.
    @Test func namesMatchExactly() {
        func key(_ s: String) -> Key { Array(s.utf8).withUnsafeBytes { Key($0) } }
        func type(_ s: String) -> EventType? { Array(s.utf8).withUnsafeBytes { EventScanText.type(named: $0) } }
        for (name, expected) in Self.keyNames {
            #expect(key(name) == expected, "\(name)")
            for miss in [name + "s", String(name.dropLast()), name.uppercased(), name + "\u{0}", "_" + name] {
                #expect(key(miss) == .unknown, "\(miss.debugDescription)")
            }
        }
        for t in EventType.allCases {
            #expect(type(t.name) == t)
            for miss in [t.name + "s", String(t.name.dropLast()), t.name.uppercased(), t.name + "\u{0}"] {
                #expect(type(miss) == nil, "\(miss.debugDescription)")
            }
        }
    }

    /// The 8-bytes-at-a-time test agrees with a byte-by-byte one: the lowest byte it flags is the
    /// first quote, backslash or byte below 0x20 in the word (or, while a string has shown no byte
    /// with the high bit set, also the first such byte), and it flags none when there is none.
    @Test func wordTestAgreesWithBytes() {
        var rng = SeededRandom(seed: 9)
        let edges: [UInt8] = [0x00, 0x1F, 0x20, 0x21, 0x22, 0x23, 0x5B, 0x5C, 0x5D, 0x7F, 0x80, 0x9F, 0xA0, 0xA2, 0xDC, 0xFF]
        for trial in 0..<20_000 {
            var bytes = (0..<8).map { _ in UInt8(truncatingIfNeeded: 0x23 + rng.next() % 0x5B) }  // printable ASCII from `#`
            if trial % 2 == 0 { bytes[Int(rng.next() % 8)] = edges[Int(rng.next() % UInt64(edges.count))] }
            if trial % 3 == 0 { bytes[Int(rng.next() % 8)] = edges[Int(rng.next() % UInt64(edges.count))] }
            let word = bytes.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
            for highs: UInt64 in [0, 0x8080_8080_8080_8080] {
                let first = bytes.firstIndex { $0 == 0x22 || $0 == 0x5C || $0 < 0x20 || (highs != 0 && $0 >= 0x80) }
                let stops = JSONEventScanner.stops(word, highs: highs)
                #expect(stops == 0 ? first == nil : stops.trailingZeroBitCount >> 3 == first, "\(bytes) \(highs)")
            }
        }
    }

    /// Strings of every length up to 40, plain, with an escaped quote at every position, or with a
    /// control character (refused) at every position, scan as one byte at a time would.
    @Test func stringsOfEveryLengthScan() throws {
        for length in 0...40 {
            let plain = String(repeating: "a", count: length)
            let line = #"{"id":"\#(plain)","type":"signup","customer":"c","time":0}"#
            var draft = EventDraft()
            var scanner = JSONEventScanner(exponent: 2)
            try Array(line.utf8).withUnsafeBytes { try scanner.scan($0, into: &draft) }
            #expect(draft.string(draft.id!) == plain)
            for at in 0..<length {
                var escaped = Array(plain)
                escaped.insert(contentsOf: #"\""#, at: at)
                let withQuote = #"{"id":"\#(String(escaped))","type":"signup","customer":"c","time":0}"#
                try Array(withQuote.utf8).withUnsafeBytes { try scanner.scan($0, into: &draft) }
                var expected = Array(plain)
                expected.insert("\"", at: at)
                #expect(draft.string(draft.id!) == String(expected))
                var control = Array(plain.utf8)
                control[at] = 0x09
                let withTab = Array(#"{"id":""#.utf8) + control + Array(#"","type":"signup","customer":"c","time":0}"#.utf8)
                #expect(throws: FieldError.self) { try withTab.withUnsafeBytes { try scanner.scan($0, into: &draft) } }
            }
        }
    }
}
