import Testing
@testable import JourneyStore

/// DESIGN §1 "Journey transitions", checked against a reference model: at each tick, a fresh store of
/// the events the log held then (the tick's position) classifies every customer as of the tick's
/// clock; the differences from the states emitted so far, in DESIGN's order, are the transitions.
@Suite struct TransitionTests {
    /// What the model remembers of a customer between ticks.
    struct State: Equatable {
        var phase: Phase?, tier: Tier?, top: Int?, segment: Segment?, reactivations = 0
        var audiences: Set<String> = []
    }

    /// The transitions a tick at `t` must append, given every event appended so far, the audiences in
    /// force and the states emitted before (updated).
    static func expected(events: [Event], at t: Timestamp, audiences: [(String, String)], emitted: inout [String: State],
                         firstSeq: UInt64) throws -> [Transition] {
        let fresh = try TemporaryStore(options: .init(syncDisabled: true))
        try fresh.store.append(events)
        let filters = try audiences.sorted { $0.0.utf8.lexicographicallyPrecedes($1.0.utf8) }.map { ($0.0, try Filter($0.1)) }
        var out: [Transition] = []
        var profiles = try fresh.store.read { snapshot in
            var all: [Profile] = []
            try snapshot.forEachProfile(asOf: t) { all.append($0); return true }
            return all
        }
        profiles.sort { $0.customer.utf8.lexicographicallyPrecedes($1.customer.utf8) }
        for p in profiles {
            let old = emitted[p.customer] ?? State()
            let new = State(phase: p.phase, tier: p.tier, top: p.topPercent, segment: p.segment, reactivations: p.reactivations,
                            audiences: Set(filters.filter { $0.1.matches(p) }.map(\.0)))
            func emit(_ kind: Transition.Kind, _ from: Transition.Value?, _ to: Transition.Value?, audience: String? = nil) {
                guard from != to else { return }
                out.append(Transition(seq: firstSeq + UInt64(out.count), customer: p.customer, kind: kind, audience: audience,
                                      from: from, to: to, at: t))
            }
            emit(.phase, old.phase.map { .phase($0) }, new.phase.map { .phase($0) })
            emit(.tier, old.tier.map { .tier($0) }, new.tier.map { .tier($0) })
            emit(.topPercent, old.top.map { .topPercent($0) }, new.top.map { .topPercent($0) })
            emit(.segment, old.segment.map { .segment($0) }, new.segment.map { .segment($0) })
            emit(.reactivations, .count(old.reactivations), .count(new.reactivations))
            for (name, _) in filters {
                emit(.audience, .member(old.audiences.contains(name)), .member(new.audiences.contains(name)), audience: name)
            }
            emitted[p.customer] = new
        }
        return out
    }

    /// Random ingests (late events included) interleaved with ticks to the newest time or to a time
    /// between the clock and it, and audiences saved, replaced and dropped between ticks: the store's
    /// transitions are the model's, a rebuild writes them again byte for byte, and verify agrees.
    @Test(arguments: [101, 102, 103, 104] as [UInt64])
    func ticksEqualTheReferenceModel(seed: UInt64) throws {
        let choices = [("winback", "phase = lapsed"), ("vips", "tier >= silver or top_percent <= 5"),
                       ("recent", "days_since_purchase <= 90"), ("cameras", #"bought_category has "cat1""#),
                       ("winback", "phase = lapsed and orders >= 2"),
                       ("lookers", #"viewed_category has "cat2" within 30 days and days_since_view <= 20"#)]
        _ = try Self.checkTicks(seed: seed, choices: choices)
    }

    /// Without audiences that need every customer, a tick classifies only its candidates — and
    /// still finds every transition the model finds.
    @Test(arguments: [201, 202, 203] as [UInt64])
    func candidateTicksEqualTheReferenceModel(seed: UInt64) throws {
        // "recent" moves with the clock: a tick at the newest time adds its index range and former members.
        let choices = [("winback", "phase = lapsed"), ("vips", "segment = loyal_high_value or top_percent <= 5"),
                       ("recent", "days_since_purchase <= 25 and orders >= 1"),
                       ("viewers", #"viewed has "p2" and last_cart_value >= 0 and not email_consent"#)]
        let reports = try Self.checkTicks(seed: seed, choices: choices, customers: 80)
        #expect(reports.contains { !$0.classifiedEveryone && $0.customersChecked < 80 }, "some ticks classified only their candidates")
    }

    /// Time moving on in 20-day rounds with few customers active in each, a tick on day 19 of each:
    /// phases move by time alone (the declining and lapsed thresholds, and the rhythm of frequent
    /// buyers), which the candidates must cover without new events.
    @Test(arguments: [301, 302, 303] as [UInt64])
    func timeAloneMovesPhases(seed: UInt64) throws {
        let reports = try Self.checkTicks(seed: seed, choices: [("winback", "phase = lapsed")], customers: 300, roundDays: 20)
        #expect(reports.dropFirst().allSatisfy { !$0.classifiedEveryone })
    }

    static func checkTicks(seed: UInt64, choices: [(String, String)], customers: Int = 40, roundDays: Int64? = nil) throws -> [TickReport] {
        var random = RandomEvents(seed: seed, customers: customers)
        var rng = SeededRandom(seed: seed)
        let temporary = try TemporaryStore(options: .init(syncDisabled: true))
        let store = temporary.store
        var appended: [Event] = []
        var emitted: [String: State] = [:]
        var audiences: [String: String] = [:]
        var expected: [Transition] = []
        var reports: [TickReport] = []
        for round in 0..<8 {
            var batch = random.events(Int.random(in: 20...(roundDays == nil ? customers * 3 : 60), using: &rng))
            if let roundDays {
                // Round r's events fall in days [40 r, 40 (r + 1)), a few of them late.
                let day: Int64 = 86_400_000, start = 1_700_000_000_000 + Int64(round) * roundDays * day
                for k in batch.indices {
                    let late = Int.random(in: 0..<10, using: &rng) == 0 ? roundDays * day : 0
                    batch[k].time = Timestamp(millisecondsSinceEpoch: start - late + Int64.random(in: 0..<(roundDays * day), using: &rng))
                }
                // Frequent buyers: three purchases on days 13, 15 and 17 (the rhythm rule: declining
                // 4 days after the last, on day 21, after this round's tick and long before the
                // 30-day rule, at the next round's).
                for c in 0..<5 {
                    for k in 0..<3 {
                        let time = Timestamp(millisecondsSinceEpoch: start + Int64(13 + 2 * k) * day + Int64(c) * 3_600_000)
                        let line = LineItem(product: "p1", category: "cat1", price: Money(minorUnits: 1000), quantity: 1)
                        batch.append(Event(id: "rhythm-\(round)-\(c)-\(k)", customer: "r\(round)-\(c)", time: time,
                                           payload: .purchase(order: "ro-\(round)-\(c)-\(k)", items: [line], contact: Contact())))
                    }
                }
            }
            try store.append(batch)
            appended += batch
            if roundDays != nil {
                // Audiences fixed from the first tick: later ticks classify only their candidates.
                if round == 0 { for (name, filter) in choices { try store.saveAudience(name, where: filter); audiences[name] = filter } }
            } else if round % 3 == 1 {
                let (name, filter) = choices[Int.random(in: 0..<choices.count, using: &rng)]
                try store.saveAudience(name, where: filter)
                audiences[name] = filter
            } else if round == 6, let name = audiences.keys.sorted().first {
                try store.dropAudience(name)
                audiences[name] = nil
            }
            let newest = appended.map(\.time).max()!
            let clock = try store.clock?.millisecondsSinceEpoch ?? 1_700_000_000_000
            var t = Bool.random(using: &rng) || clock >= newest.millisecondsSinceEpoch ? newest
                : Timestamp(millisecondsSinceEpoch: Int64.random(in: clock...newest.millisecondsSinceEpoch, using: &rng))
            if let roundDays { t = Timestamp(millisecondsSinceEpoch: 1_700_000_000_000 + (Int64(round) * roundDays + 19) * 86_400_000) }
            let report = try store.tick(asOf: t)
            reports.append(report)
            let model = try Self.expected(events: appended.filter { $0.time <= t }, at: t, audiences: Array(audiences),
                                          emitted: &emitted, firstSeq: UInt64(expected.count) + 1)
            #expect(report.transitions == model.count, "round \(round)")
            expected += model
        }
        let stored = try store.transitions()
        #expect(stored.count == expected.count)
        for (a, b) in zip(stored, expected) where a != b {
            Issue.record("seq \(a.seq): stored \(a.json), model \(b.json)")
            break
        }
        #expect(try store.verify().isConsistent)
        _ = try store.rebuild()
        #expect(try store.transitions() == stored, "rebuild replays the ticks to the same transitions")
        #expect(try store.verify().isConsistent)
        return reports
    }

    @Test func theClockCannotGoBack() throws {
        var random = RandomEvents(seed: 7, customers: 10)
        let temporary = try TemporaryStore(options: .init(syncDisabled: true))
        try temporary.store.append(random.events(50))
        let report = try temporary.store.tick()
        #expect(throws: JourneyError.self) { try temporary.store.tick(asOf: Timestamp(millisecondsSinceEpoch: report.clock.millisecondsSinceEpoch - 1)) }
        #expect(try temporary.store.clock == report.clock)
        #expect(try temporary.store.lastTransitionSeq == UInt64(report.transitions))
        // The same clock again: nothing changed, nothing to report.
        #expect(try temporary.store.tick(asOf: report.clock).transitions == 0)
    }

    /// Which saved audiences make a tick classify everyone: a list `within N days` or a "days since"
    /// moves with the clock alone, and without an index range to narrow it every customer is
    /// classified; demographics, consent and plain list tests change only with the customer's own
    /// events, which the candidates cover.
    @Test(arguments: [
        (#"viewed has "p1" and city = "Lyon" and email_consent and gender = "f""#, false),
        (#"offered ~= "spring" and interests has "x" and birth_month = 5"#, false),
        (#"viewed has "p1" within 7 days"#, true),
        (#"not (opened has "camp1" within 7 days)"#, true),
        ("days_to_birthday <= 30", true),
        ("age >= 30", true),
        ("days_since_offer <= 3", true),
        // A days-since with an index range: its range and former members, not everyone.
        ("phase = lapsed and days_since_purchase <= 91", false),
        ("top_percent <= 5 and rfm_r >= 3", false),
    ])
    func audiencesThatNeedEveryone(filter: String, everyone: Bool) throws {
        var random = RandomEvents(seed: 9, customers: 20)
        let temporary = try TemporaryStore(options: .init(syncDisabled: true))
        try temporary.store.append(random.events(60))
        try temporary.store.saveAudience("a", where: filter)
        // A new audience is evaluated for everyone once; later ticks depend on what it reads.
        #expect(try temporary.store.tick().classifiedEveryone)
        try temporary.store.append(random.events(5))
        #expect(try temporary.store.tick().classifiedEveryone == everyone)
    }

    /// An audience on a "days since" with an index range: members leave it by time alone, found
    /// among the former members (no event, no phase change brings them into the candidates).
    @Test func membersLeaveADaysSinceAudienceByTimeAlone() throws {
        let temporary = try TemporaryStore(options: .init(syncDisabled: true))
        let store = temporary.store
        let day: Int64 = 86_400_000, start: Int64 = 1_700_000_000_000
        let line = LineItem(product: "p1", category: "cat1", price: Money(minorUnits: 1000), quantity: 1)
        let events = (0..<20).map { k in
            Event(id: "e\(k)", customer: "c\(k)", time: Timestamp(millisecondsSinceEpoch: start + Int64(k) * day),
                  payload: .purchase(order: "o\(k)", items: [line], contact: Contact()))
        }
        try store.append(events)
        try store.saveAudience("recent", where: "days_since_purchase <= 10 and orders >= 1")
        _ = try store.tick()   // day 19: c9 … c19 are members
        let later = try store.tick(asOf: Timestamp(millisecondsSinceEpoch: start + 25 * day))
        #expect(!later.classifiedEveryone)
        let exits = try store.transitions(after: later.firstSeq - 1).filter { $0.kind == .audience && $0.to == .member(false) }
        #expect(exits.map(\.customer).sorted() == (9..<15).map { "c\($0)" }.sorted(), "those 11 or more days past their purchase at day 25")
    }

    /// An embedded consumer's writes commit with its checkpoint: a body that fails (a crash before
    /// the commit) leaves both, and the same batch comes again.
    @Test func aConsumerGetsEachTransitionExactlyOnce() throws {
        var random = RandomEvents(seed: 8, customers: 10)
        let temporary = try TemporaryStore(options: .init(syncDisabled: true))
        let store = temporary.store
        try store.append(random.events(80), tick: true)
        let all = try store.transitions()
        struct Crash: Error {}
        #expect(throws: Crash.self) {
            try store.consume(as: "mailer", limit: 5) { batch, txn in
                try txn.setValue([1], forKey: Array("sent-\(batch[0].seq)".utf8))
                throw Crash()
            }
        }
        #expect(try store.checkpoint(of: "mailer") == 0)
        var seen: [Transition] = []
        while try store.consume(as: "mailer", limit: 5, { batch, txn in
            seen += batch
            try txn.setValue([1], forKey: Array("sent-\(batch[0].seq)".utf8))
            #expect(try txn.value(forKey: Array("sent-\(batch[0].seq)".utf8)) == [1])
        }) > 0 {}
        #expect(seen == all, "every transition once, in order")
        #expect(try store.checkpoint(of: "mailer") == all.last!.seq)
        #expect(try store.consume(as: "mailer") { _, _ in Issue.record("nothing new") } == 0)
    }

    /// `append(_:tick:)` gives what an append then a tick give, in one transaction.
    @Test func appendAndTickTogether() throws {
        var random = RandomEvents(seed: 9, customers: 15)
        let events = random.events(120)
        let together = try TemporaryStore(options: .init(syncDisabled: true))
        let apart = try TemporaryStore(options: .init(syncDisabled: true))
        for half in [events[..<60], events[60...]] {
            let report = try together.store.append(half, tick: true)
            try apart.store.append(half)
            let tick = try apart.store.tick()
            #expect(report.transitions == tick.transitions && report.clock == tick.clock)
        }
        #expect(try together.store.transitions() == (try apart.store.transitions()))
    }
}
