import Testing
@testable import JourneyStore
@_spi(Storage) import JourneyStorage

@Suite struct TimestampTests {
    @Test(arguments: [
        ("1970-01-01T00:00:00Z", Int64(0)),
        ("2026-03-01T10:00:00Z", 1_772_359_200_000),
        ("2026-03-01T12:00:00+02:00", 1_772_359_200_000),
        ("2026-03-01T05:30:00-04:30", 1_772_359_200_000),
        ("2026-03-01t10:00:00z", 1_772_359_200_000),
        ("2026-03-01 10:00:00Z", 1_772_359_200_000),
        ("2026-03-01T10:00:00.5Z", 1_772_359_200_500),
        ("2026-03-01T10:00:00.123456Z", 1_772_359_200_123),
        ("2024-02-29T00:00:00Z", 1_709_164_800_000),
    ])
    func rfc3339Parses(text: String, ms: Int64) throws {
        #expect(try Timestamp(rfc3339: text).millisecondsSinceEpoch == ms)
    }

    @Test(arguments: [
        "2026-03-01T10:00:00", "2026-03-01", "2026-13-01T10:00:00Z", "2026-02-29T10:00:00Z", "2026-03-01T24:00:00Z",
        "2026-03-01T10:00:00.Z", "2026-03-01T10:00:00+0200", "1969-12-31T23:59:59Z", "yesterday", "2026-03-01T10:00:60Z",
    ])
    func malformedTimesAreRefused(text: String) {
        #expect(throws: JourneyError.self) { try Timestamp(rfc3339: text) }
    }

    @Test(arguments: [Int64(0), 1_772_359_200_000, 1_772_359_200_123, 951_782_400_000, Timestamp.max.millisecondsSinceEpoch])
    func formattingRoundTrips(ms: Int64) throws {
        let t = Timestamp(millisecondsSinceEpoch: ms)
        #expect(try Timestamp(rfc3339: t.rfc3339) == t)
    }

    @Test func formatsInUTC() {
        #expect(Timestamp(millisecondsSinceEpoch: 1_772_359_200_000).rfc3339 == "2026-03-01T10:00:00Z")
        #expect(Timestamp(millisecondsSinceEpoch: 1_772_359_200_050).rfc3339 == "2026-03-01T10:00:00.050Z")
    }
}
