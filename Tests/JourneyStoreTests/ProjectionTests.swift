import Testing
import LMDB
@testable import JourneyStore
@_spi(Storage) import JourneyStorage

@Suite struct ProjectionTests {
    /// `profile --all` as a user sees it, keyed by customer (customer numbers follow arrival order).
    static func allProfiles(_ store: JourneyStore, asOf: Timestamp? = nil) throws -> [String: String] {
        try store.read { snapshot in
            var out: [String: String] = [:]
            try snapshot.forEachProfile(asOf: asOf) { out[$0.customer] = $0.json(currency: store.currency); return true }
            return out
        }
    }

    /// Every stored facts record, by customer number, as bytes.
    static func storedFacts(_ store: JourneyStore) throws -> [[UInt8]] {
        try store.env.read { txn in
            var out: [[UInt8]] = []
            try store.schema.facts.forEach(in: txn) { _, value in out.append(Array(value)); return true }
            return out
        }
    }

    @Test(arguments: [21, 22, 23, 24] as [UInt64])
    func anyArrivalOrderGivesTheSameProfiles(seed: UInt64) throws {
        var random = RandomEvents(seed: seed, customers: 15)
        let events = random.events(400)
        var rng = SeededRandom(seed: seed &* 31)
        // Same events with some repeated, in another order, delivered in several batches.
        var shuffled = events + events.shuffled(using: &rng).prefix(40)
        shuffled.shuffle(using: &rng)
        let inOrder = try TemporaryStore()
        try inOrder.store.append(events.sorted { $0.time < $1.time })
        let scrambled = try TemporaryStore()
        var start = 0
        while start < shuffled.count {
            let end = min(shuffled.count, start + Int.random(in: 1...60, using: &rng))
            try scrambled.store.append(shuffled[start..<end])
            start = end
        }
        let asOf = events.map(\.time).max()!
        let expected = try Self.allProfiles(inOrder.store, asOf: asOf)
        #expect(expected.count == Set(events.map(\.customer)).count)
        let got = try Self.allProfiles(scrambled.store, asOf: asOf)
        #expect(got == expected)
        #expect(try scrambled.store.verify().isConsistent)
    }

    /// 2,500 customers span three blocks of a rebuild's fold, folded on two threads and written in
    /// order. Batches of 3,000 events touch over a thousand customers each: the live projector folds
    /// them in several blocks on two threads too, most of them from stored facts, some (events
    /// older than the stored ones) again from the log.
    @Test(arguments: [(30, 1500, 100), (2500, 12_000, 100), (2500, 12_000, 3000)])
    func rebuildGivesByteIdenticalFacts(customers: Int, count: Int, batch: Int) throws {
        var random = RandomEvents(seed: 5, customers: customers)
        let events = random.events(count)
        let t = try TemporaryStore()
        var rng = SeededRandom(seed: 6)
        var sorted = 0, refolded = 0
        for chunk in stride(from: 0, to: events.count, by: batch) {
            try t.store.append(events[chunk..<min(chunk + batch, events.count)].shuffled(using: &rng))
            try t.store.log.writer!.withLock { (w: inout LogWriter) in
                sorted += w.projector.lastBatchSorted
                refolded += w.projector.lastBatchRefolded
            }
        }
        // Both ways of folding out-of-order events ran: new customers' sorted from the batch,
        // returning customers' again from the log.
        #expect(sorted > 0 && refolded > 0)
        // The live indexes, before a rebuild rewrites them.
        #expect(try t.store.verify().isConsistent)
        let live = try Self.storedFacts(t.store)
        let profiles = try Self.allProfiles(t.store)
        let report = try t.store.rebuild()
        #expect(report.events == count)
        #expect(report.customers == Set(events.map(\.customer)).count)
        #expect(report.customers > customers * 9 / 10)
        #expect(try Self.storedFacts(t.store) == live)
        #expect(try Self.allProfiles(t.store) == profiles)
        #expect(try t.store.verify().isConsistent)
    }

    /// Hundreds of profile updates (far past the point where the facts' contact text is compacted,
    /// live and in a rebuild) keep the latest value of each field, and live and rebuilt facts agree.
    @Test func manyProfileUpdatesKeepTheLatestValues() throws {
        let t = try TemporaryStore()
        let start = Shop.at(0).millisecondsSinceEpoch
        func at(_ k: Int) -> Timestamp { Timestamp(millisecondsSinceEpoch: start + Int64(k) * 60_000) }
        // The zip is set before the email, so the text holds them in another order than a compacted one.
        let zip = String(repeating: "9", count: 30)
        var events = [Event(id: "z", customer: "c1", time: at(0), payload: .profile(Contact(), Attributes(zip: zip))),
                      Event(id: "s", customer: "c1", time: at(1),
                            payload: .signup(Contact(email: "first@example.com"), Attributes(firstName: "Ada")))]
        for k in 2...300 {
            let city = "City number \(k) " + String(repeating: "x", count: 60)
            events.append(Event(id: "p\(k)", customer: "c1", time: at(k),
                                payload: .profile(Contact(), Attributes(city: city, interests: ["i\(k)", "cameras"]))))
        }
        // In batches, so the live projection decodes and re-encodes the facts between them.
        for chunk in stride(from: 0, to: events.count, by: 50) { try t.store.append(events[chunk..<min(chunk + 50, events.count)]) }
        let p = try #require(try t.store.read { try $0.profile(of: "c1") })
        #expect(p.email == "first@example.com")
        #expect(p.attributes.firstName == "Ada")
        #expect(p.attributes.zip == zip)
        #expect(p.attributes.city == "City number 300 " + String(repeating: "x", count: 60))
        #expect(p.attributes.interests == ["i300", "cameras"])
        let live = try Self.storedFacts(t.store)
        try t.store.rebuild()
        #expect(try Self.storedFacts(t.store) == live)
        #expect(try t.store.verify().isConsistent)
    }

    /// The rebuild's scratch facts are reset between customers: nothing of one leaks into the next.
    @Test func resetFactsEqualFreshFacts() throws {
        var random = RandomEvents(seed: 9, customers: 1)
        let t = try TemporaryStore()
        try t.store.append(random.events(200))
        var facts = try t.store.env.read { txn in
            try t.store.schema.facts.withView(1, in: txn) { try CustomerFacts(decoding: $0!) }
        }
        #expect(facts.orders > 0 && !facts.viewedProducts.isEmpty && !facts.affinity.isEmpty)
        facts.reset()
        #expect(facts == CustomerFacts())
    }

    @Test func verifyNamesATamperedFactsRecord() throws {
        var shop = Shop()
        shop.purchase("c1", day: 0, cents: 1000)
        shop.purchase("c2", day: 1, cents: 2000)
        let t = try shop.store()
        #expect(try t.store.verify().isConsistent)
        // Replace c2's facts with c1's: a projection that no longer matches its log.
        try t.store.env.write { txn in
            let c1 = try t.store.schema.facts.get(1, in: txn)!
            try t.store.schema.facts.put(2, c1, in: txn)
        }
        let report = try t.store.verify()
        #expect(!report.isConsistent)
        #expect(report.problems.contains("customer c2: stored facts differ from a fresh fold of the log"))
        try t.store.rebuild()
        #expect(try t.store.verify().isConsistent, "rebuild repairs the projections from the log")
    }

    @Test func verifyNoticesAMissingIndexEntry() throws {
        var shop = Shop()
        shop.purchase("c1", day: 0, cents: 1000)
        let t = try shop.store()
        try t.store.env.write { txn in try t.store.schema.byOrders.removeAll(in: txn) }
        let report = try t.store.verify()
        #expect(report.problems == ["by_orders index differs from a fresh fold at entry 1 (expected 1 entries)"])
    }

    @Test func verifyChecksEveryEventIndexEntry() throws {
        var shop = Shop()
        shop.purchase("c1", day: 0, cents: 1000)
        shop.purchase("c2", day: 1, cents: 2000)
        let t = try shop.store()
        let schema = t.store.schema
        #expect(try t.store.verify().isConsistent)
        // Swap the two events' entries in each index: the counts still agree with the log.
        try t.store.env.write { txn in
            func idHash(_ s: UInt64) throws -> UInt64 {
                try schema.events.withValue(s, in: txn) { stableHash64(try EventRecord($0!).idAndPayload().0) }
            }
            let h1 = try idHash(1), h2 = try idHash(2)
            for (hash, s) in [(h1, UInt64(1)), (h2, 2)] { #expect(try schema.removeIDEntry(IDEntry(hash: hash, sequence: s), in: txn)) }
            try schema.insertIDEntries([IDEntry(hash: h1, sequence: 2), IDEntry(hash: h2, sequence: 1)], in: txn)
            try schema.setSequences(of: 1, to: [2], in: txn)
            try schema.setSequences(of: 2, to: [1], in: txn)
        }
        let problems = try t.store.verify().problems
        #expect(problems.count == 2)
        #expect(problems.contains { $0.hasPrefix("event id index differs from the log at entry ") })
        #expect(problems.contains("customer event index differs from the log at entry 1: it files event 2 under customer 1, the log event 1 under customer 1"))
        // Put back, then one entry missing: the counts differ, and the walk says which.
        try t.store.env.write { txn in
            try schema.setSequences(of: 1, to: [1], in: txn)
            try schema.setSequences(of: 2, to: [], in: txn)
        }
        #expect(try t.store.verify().problems.filter { $0.hasPrefix("customer") } == [
            "customer event index holds 1 entries for 2 events", "customer event index lacks the entry of event 2"])
        // A malformed run (sequences that do not ascend) is reported, and the rest still checked.
        try t.store.env.write { txn in
            try CustomerRuns.Key(2, 2).withBytes { key in
                try [UInt8](arrayLiteral: 0).withUnsafeBytes { _ = try schema.customerEvents.putBytes(Array(key), $0, in: txn) }
            }
        }
        let problemsNow = try t.store.verify().problems.filter { !$0.hasPrefix("event id index") }  // ids still swapped
        #expect(problemsNow == ["customer event index: customer_events holds a run whose sequences do not ascend"])
    }

    @Test func aLateEventRefoldsItsCustomer() throws {
        var shop = Shop()
        shop.purchase("a", day: 10, cents: 1000)
        shop.purchase("a", day: 101, cents: 1000)
        let t = try shop.store()
        #expect(try t.store.read { try $0.profile(of: "a")?.reactivations } == 1)
        // A purchase from day 50 arrives last: the gaps are now 40 and 51 days, no reactivation.
        var late = Shop()
        late.purchase("a", day: 50, cents: 1000)
        late.events[0].id = "late"
        try t.store.append(late.events)
        let p = try t.store.read { try $0.profile(of: "a") }
        #expect(p?.reactivations == 0)
        #expect(p?.orders == 3)
        #expect(p?.firstPurchase == Shop.at(10))
        #expect(try t.store.verify().isConsistent)
    }

    @Test func aReadSnapshotIsConsistentWhileAppendsContinue() throws {
        var shop = Shop()
        shop.purchase("a", day: 0, cents: 1000)
        let t = try shop.store()
        let store = t.store
        let (before, after) = try store.read { snapshot -> (Int?, Int?) in
            let before = try snapshot.profile(of: "a")?.orders
            var more = Shop()
            more.purchase("a", day: 1, cents: 1000)
            more.events[0].id = "more"
            try store.append(more.events)
            return (before, try snapshot.profile(of: "a")?.orders)
        }
        #expect(before == 1)
        #expect(after == 1, "the snapshot does not see the later append")
        #expect(try store.read { try $0.profile(of: "a")?.orders } == 2)
    }
}
