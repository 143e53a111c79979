import Testing
@testable import JourneyStore

/// DESIGN §1: a snapshot as of T is what the store would have held then — only events with time ≤ T
/// (and, with a position N, among the first N of the log) count.
@Suite struct PointInTimeTests {
    /// Random events of 60 customers over about three years (appended in three batches out of time
    /// order): c0–c2 active throughout, c58 and c59 newcomers in the last 2 %, the others in the
    /// first 85 %. Late in time few customers have changed since; early, most have.
    static func events(seed: UInt64) -> [Event] {
        var random = RandomEvents(seed: seed, customers: 60)
        let start: Int64 = 1_700_000_000_000, span: Int64 = 100_000_000_000
        return random.events(900).map { event in
            var event = event
            let k = Int(event.customer.dropFirst())!
            let offset = event.time.millisecondsSinceEpoch - start
            let (from, width) = k < 3 ? (0.0, 1.0) : k >= 58 ? (0.98, 0.02) : (0.0, 0.85)
            event.time = Timestamp(millisecondsSinceEpoch: start + Int64(Double(span) * from + Double(offset) * width))
            return event
        }
    }

    static func store(_ events: [Event], batches: Int = 3) throws -> TemporaryStore {
        let temporary = try TemporaryStore(options: .init(syncDisabled: true))
        let size = (events.count + batches - 1) / batches
        for start in stride(from: 0, to: events.count, by: size) {
            try temporary.store.append(events[start..<min(start + size, events.count)])
        }
        return temporary
    }

    static func profiles(_ store: JourneyStore, asOf: Timestamp?, position: UInt64? = nil) throws -> [String: Profile] {
        try store.read(position: position) { snapshot in
            var all: [String: Profile] = [:]
            try snapshot.forEachProfile(asOf: asOf) { all[$0.customer] = $0; return true }
            return all
        }
    }

    static func jsonlExport(_ store: JourneyStore, _ filter: String, asOf: Timestamp?, position: UInt64? = nil) throws -> [String] {
        let sink = MemoryLineSink()
        let f = try Filter(filter, currency: store.currency)
        _ = try store.read(position: position) { try $0.export(where: f, asOf: asOf, format: .jsonl, to: sink) }
        return sink.lines.sorted()
    }

    /// T the time of the last event before a fraction of the time span: early (most customers
    /// changed since: the view folds the whole log), late (a few changed: each is folded from its
    /// own events); exactly an event's time, so that event counts.
    @Test(arguments: [(11, 0.1), (12, 0.5), (13, 0.9), (14, 0.95)] as [(UInt64, Double)])
    func asOfTEqualsAStoreOfTheEventsUpToT(seed: UInt64, fraction: Double) throws {
        let events = Self.events(seed: seed)
        let limit = 1_700_000_000_000 + Int64(1e11 * fraction)
        let t = events.map(\.time).filter { $0.millisecondsSinceEpoch <= limit }.max()!
        let all = try Self.store(events)
        let earlier = try Self.store(events.filter { $0.time <= t })
        let past = try Self.profiles(all.store, asOf: t)
        #expect(past == (try Self.profiles(earlier.store, asOf: t)))
        #expect(past.count < Set(events.map(\.customer)).count, "some customers do not exist yet as of T")
        #expect(past.values.allSatisfy { ($0.daysSincePurchase ?? 0) >= 0 && $0.lastSeen <= t })
        let folded = try all.store.read { try $0.pastView(asOf: t.millisecondsSinceEpoch)?.isFoldedFromLog }
        #expect(folded == (fraction < 0.9), "the view's route")
        for filter in ["top_percent <= 10", "phase = declining or rfm_r >= 4", "days_since_purchase < 60 and spend > 100"] {
            #expect(try Self.jsonlExport(all.store, filter, asOf: t) == (try Self.jsonlExport(earlier.store, filter, asOf: t)), "\(filter)")
        }
        var stats = try all.store.read { try $0.stats(asOf: t) }
        let expected = try earlier.store.read { try $0.stats(asOf: t) }
        #expect(stats.position == UInt64(try all.store.eventCount))
        stats.position = expected.position
        #expect(stats == expected)
        // A customer whose first event is after T does not exist as of T.
        let late = try #require(Set(events.map(\.customer)).subtracting(past.keys).first)
        #expect(try all.store.read { try $0.profile(of: late, asOf: t) } == nil)
    }

    /// `position N` counts the first N events of the log (what the store knew then); the default
    /// clock is the newest of their times.
    @Test(arguments: [(21, 100), (22, 450), (23, 880)] as [(UInt64, Int)])
    func positionNEqualsAStoreOfTheFirstNEvents(seed: UInt64, n: Int) throws {
        let events = Self.events(seed: seed)
        let all = try Self.store(events)
        let first = try Self.store(Array(events.prefix(n)))
        let bounded = try Self.profiles(all.store, asOf: nil, position: UInt64(n))
        #expect(bounded == (try Self.profiles(first.store, asOf: nil)))
        #expect(try all.store.read(position: UInt64(n)) { [$0.clock(nil), Timestamp(millisecondsSinceEpoch: Int64($0.position))] }
                == [events.prefix(n).map(\.time).max()!, Timestamp(millisecondsSinceEpoch: Int64(n))])
        // Both bounds at once: the first N events up to a T among their times.
        let t = events.prefix(n).map(\.time).sorted()[n / 2]
        let both = try Self.store(events.prefix(n).filter { $0.time <= t })
        #expect(try Self.profiles(all.store, asOf: t, position: UInt64(n)) == (try Self.profiles(both.store, asOf: t)))
        #expect(try Self.jsonlExport(all.store, "segment = loyal_high_value or tier >= silver", asOf: t, position: UInt64(n))
                == (try Self.jsonlExport(both.store, "segment = loyal_high_value or tier >= silver", asOf: t)))
    }

    /// A position at or past the log's end, and a clock at or after the newest event, read the
    /// stored facts: the same as no bound at all.
    @Test func boundsAtOrPastTheEndChangeNothing() throws {
        let events = Self.events(seed: 31)
        let all = try Self.store(events)
        let newest = events.map(\.time).max()!
        let plain = try Self.profiles(all.store, asOf: nil)
        #expect(try Self.profiles(all.store, asOf: newest, position: UInt64(events.count)) == plain)
        #expect(try Self.profiles(all.store, asOf: nil, position: 1 << 40) == plain)
        #expect(try all.store.read { try $0.pastView(asOf: newest.millisecondsSinceEpoch) } == nil)
    }
}
