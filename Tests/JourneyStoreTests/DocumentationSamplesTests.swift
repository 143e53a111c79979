import Foundation
import Testing
@testable import JourneyStore
@_spi(Storage) import JourneyStorage

/// The Swift samples of the DocC catalog (`Sources/JourneyStore/JourneyStore.docc`), run against a
/// temporary store. Every ```swift block of every article must appear in this file or in
/// `ViewCountsProjection.swift`, line for line (indentation and `import` lines aside), so a sample
/// that stops compiling or stops doing what the article says fails here.
@Suite struct DocumentationSamplesTests {
    static let catalog = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../Sources/JourneyStore/JourneyStore.docc").standardized.path

    /// Lines without their indentation, blank lines and `import` lines dropped.
    static func normalized(_ text: some StringProtocol) -> [String] {
        text.split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.hasPrefix("import ") }
    }

    /// The ```swift blocks of an article.
    static func swiftBlocks(of article: String) throws -> [String] {
        let text = try String(contentsOfFile: catalog + "/" + article, encoding: .utf8)
        var blocks: [String] = []
        var current: [Substring]?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if current == nil, trimmed == "```swift" {
                current = []
            } else if current != nil, trimmed == "```" {
                blocks.append(current!.joined(separator: "\n"))
                current = nil
            } else {
                current?.append(line)
            }
        }
        return blocks
    }

    @Test(arguments: ["GettingStarted.md", "Embedding.md", "AddingAProjection.md", "Journey.md"])
    func everySampleIsInThisFile(article: String) throws {
        let here = URL(fileURLWithPath: #filePath).deletingLastPathComponent().path
        let source = try ["DocumentationSamplesTests.swift", "ViewCountsProjection.swift"].flatMap { file in
            Self.normalized(try String(contentsOfFile: here + "/" + file, encoding: .utf8))
        }
        let blocks = try Self.swiftBlocks(of: article)
        #expect(!blocks.isEmpty)
        for block in blocks {
            let lines = Self.normalized(block)
            let found = source.indices.contains { start in
                start + lines.count <= source.count && Array(source[start..<start + lines.count]) == lines
            }
            #expect(found, "a sample of \(article) is not compiled here:\n\(block)")
        }
    }

    @Test func everyArticleIsListedOnTheLandingPage() throws {
        let landing = try String(contentsOfFile: Self.catalog + "/JourneyStore.md", encoding: .utf8)
        for article in ["GettingStarted", "EventFormat", "ClassificationRules", "Embedding", "AddingAProjection", "Audiences",
                        "PredictedValue", "Journey"] {
            #expect(landing.contains("<doc:\(article)>"), "\(article)")
        }
    }

    // MARK: - Getting started

    @Test func gettingStarted() throws {
        let temporary = try TemporaryStore()
        let directory = temporary.directory
        let storePath = directory + "/shop.store"
        let eventsPath = try temporary.write("events.jsonl", """
            {"id":"e1","type":"signup","customer":"c7","time":"2026-01-05T09:00:00Z","email":"bo@example.com"}
            {"id":"e2","type":"purchase","customer":"c7","time":"2026-01-06T10:00:00+01:00","order":"o1","items":[{"product":"p1","category":"lenses","price":"89.90","quantity":2}]}
            {"id":"e3","type":"product_view","customer":"c8","time":1767700000000,"product":"p2","category":"cameras"}

            """)
        let exportPath = directory + "/gold-cameras.csv"

        let store = try JourneyStore(at: storePath)   // opens the store, or creates it (USD)

        let report = try store.ingestJSONL(atPath: eventsPath)   // one transaction: every line or none
        print("appended \(report.appended), duplicates \(report.duplicates), \(report.events) events in the store")
        #expect((report.appended, report.duplicates, report.events) == (3, 0, 3))
        #expect(try store.ingestJSONL(atPath: eventsPath).duplicates == 3, "ids are idempotency keys")

        let signup = Event(
            id: "e10", customer: "c42", time: try Timestamp(rfc3339: "2026-02-20T08:00:00Z"),
            payload: .signup(Contact(email: "ada@example.com"), Attributes(firstName: "Ada", country: "GB")))
        let purchase = Event(
            id: "e11", customer: "c42", time: try Timestamp(rfc3339: "2026-03-01T10:00:00Z"),
            payload: .purchase(order: "o9", items: [
                LineItem(product: "p1", category: "cameras", price: Money(minorUnits: 249_900)),
            ]))
        let appended = try store.append([signup, purchase])   // one transaction: all of them or none
        #expect((appended.appended, appended.duplicates) == (2, 0))

        let profile = try store.read { snapshot in
            try snapshot.profile(of: "c42")   // as of the newest event in the store; nil for an unknown id
        }
        if let profile {
            print(profile.phase.name, profile.segment.name, profile.tier?.name ?? "no tier",
                  profile.spend.decimalString(exponent: store.currency.exponent), profile.affinity)
        }
        #expect(profile?.phase == .new)
        #expect(profile?.tier == .gold)
        #expect(profile?.spend == Money(minorUnits: 249_900))
        #expect(profile?.affinity == ["cameras"])
        #expect(profile?.email == "ada@example.com")

        let june = try store.read { snapshot in
            try snapshot.profile(of: "c42", asOf: try Timestamp(rfc3339: "2026-06-30T00:00:00Z"))
        }
        #expect(june?.phase == .lapsed)                          // 121 days after the purchase
        let history = try store.events(of: "c42")                // the customer's events, in time order
        #expect(history.map(\.id) == ["e10", "e11"])

        let filter = try Filter(#"tier >= gold and affinity has "cameras""#, currency: store.currency)
        let sink = try FileLineSink(path: exportPath)
        let exported = try store.read { snapshot in
            try snapshot.export(where: filter, format: .csv, to: sink)
        }
        try sink.close()
        print("\(exported.written) customers written to \(exportPath)")
        #expect(exported.written == 1)
        let csv = try String(contentsOfFile: exportPath, encoding: .utf8)
        #expect(csv.hasPrefix("customer,email,phone,first_name,last_name,phase,segment,tier,"))
        #expect(csv.contains("\nc42,ada@example.com,,Ada,,new,new_customer,gold,"))

        try store.read { snapshot in
            try snapshot.forEachProfile(where: filter) { profile in
                print(profile.customer, profile.daysSincePurchase ?? 0)
                return true   // false stops early
            }
        }

        let plan = try CampaignPlan(exclude: try Filter("cart_abandons >= 10"), audiences: [
            CampaignPlan.Audience(name: "vip-winback", filter: try Filter("segment = high_value_at_risk"), format: .meta),
            CampaignPlan.Audience(name: "everyone-else", filter: .all, format: .csv),
        ])
        let sinks = [MemoryLineSink(), MemoryLineSink()]
        let planned = try store.read { snapshot in try snapshot.run(plan, sinks: sinks) }
        print(planned.json)   // counts per audience; each customer is in at most one
        #expect(planned.audiences.map(\.matched) == [0, 3])
        #expect(sinks[1].lines.count == 4)

        let stats = try store.read { snapshot in try snapshot.stats() }
        print(stats.json(currency: store.currency))
        #expect(stats.customers == 3 && stats.buyers == 2)

        let check = try store.verify()   // changes nothing
        if !check.isConsistent {
            check.problems.forEach { print($0) }
            if check.onlyProjectionsDiffer { try store.rebuild() }   // the log is sound: fold it again
        }
        #expect(check.isConsistent)
        let rebuilt = try store.rebuild()
        print("\(rebuilt.events) events replayed in \(rebuilt.seconds) s")
        #expect(rebuilt.events == 5 && rebuilt.customers == 3)
    }

    @Test func aStoreInAnotherCurrency() throws {
        let temporary = try TemporaryStore()
        let storePath = temporary.directory + "/eur.store"
        let euros = try JourneyStore(at: storePath, options: .init(currency: try Currency(code: "EUR")))
        #expect(euros.currency.code == "EUR")
        #expect(throws: JourneyError.self) { try JourneyStore(at: storePath, options: .init(currency: .usd)) }
    }

    @Test func ingestSkippingInvalidLines() throws {
        let temporary = try TemporaryStore()
        let store = temporary.store
        let eventsPath = try temporary.write("mixed.jsonl", """
            {"id":"e1","type":"email_open","customer":"c1","time":"2026-01-05T09:00:00Z"}
            {"id":"e2","type":"purchase","customer":"c1","time":"2026-01-06T10:00:00Z","order":"o1","items":[{"product":"p1","price":"-5.00"}]}

            """)
        #expect {
            try store.ingestJSONL(atPath: eventsPath)
        } throws: { error in
            (error as? JourneyError)?.message.hasPrefix("line 2: items[0].price: expected a decimal ≥ 0") == true
        }
        #expect(try store.eventCount == 0, "nothing from the file was committed")

        let lenient = try store.ingestJSONL(atPath: eventsPath, options: IngestOptions(skipInvalid: true))
        for rejection in lenient.rejections { print("line \(rejection.line): \(rejection.reason)") }
        #expect((lenient.appended, lenient.rejected) == (1, 1))
        #expect(lenient.rejections.first?.line == 2)
    }

    // MARK: - Embedding

    @Test func embedding() async throws {
        let temporary = try TemporaryStore()
        let storePath = temporary.path
        let batch = (0..<2_000).map { k in
            Event(id: "view-\(k)", customer: "c\(k % 100)", time: Timestamp(millisecondsSinceEpoch: 1_767_225_600_000 + Int64(k) * 1000),
                  payload: .productView(product: "p\(k % 7)", category: "cameras"))
        }

        let store = try JourneyStore(at: storePath)   // one per process and directory, shared by every task
        let counts = try await withThrowingTaskGroup(of: Int.self) { group in
            group.addTask { try store.append(batch).appended }              // writers take turns
            group.addTask { try store.read { snapshot in try snapshot.customerCount } }   // readers never wait
            return try await group.reduce(0, +)
        }
        #expect(counts == 2_000 || counts == 2_100)

        let reader = try JourneyStore(at: storePath, options: .init(readOnly: true))
        do {
            try reader.recover()
        } catch let error as JourneyError where error.code == .readOnly {
            print(error.message)   // store at …/store was opened read-only; open it for writing to recover it
        }
        #expect(try reader.read { try $0.customerCount } == 100)

        do {
            try store.append([Event(id: "r1", customer: "c42", time: .now, payload: .refund(order: "o9", total: .zero))])
        } catch let error as JourneyError where error.code == .invalidEvent {
            print(error.message)   // event 0 (id "r1"): total: expected an amount > 0 (required for refund), found 0.00
        }
        #expect {
            try store.append([Event(id: "r1", customer: "c42", time: .now, payload: .refund(order: "o9", total: .zero))])
        } throws: { error in
            (error as? JourneyError)?.message == #"event 0 (id "r1"): total: expected an amount > 0 (required for refund), found 0.00"#
        }

        let removed = try store.recover()   // rolls back an ingest a crash interrupted; 0 when there is none
        #expect(removed == 0)
    }

    // MARK: - The journey

    /// The journey article's store: c42 signs up and buys twice (bronze, then silver), c7 buys once
    /// and lapses, then opens an email; c8 only looks. Three ticks: the ingest's, one on 11 April
    /// (c7's 91st day without a purchase), and the append's on 20 April.
    @Test func theJourney() throws {
        let temporary = try TemporaryStore()
        let store = temporary.store
        let eventsPath = try temporary.write("january.jsonl", """
            {"id":"e1","type":"signup","customer":"c42","time":"2026-01-02T09:00:00Z","email":"ada@example.com"}
            {"id":"e2","type":"purchase","customer":"c42","time":"2026-01-05T10:00:00Z","order":"o1","items":[{"product":"p1","category":"cameras","price":"300.00"}]}
            {"id":"e3","type":"purchase","customer":"c7","time":"2026-01-10T10:00:00Z","order":"o3","items":[{"product":"p2","category":"bags","price":"40.00"}]}

            """)

        var options = IngestOptions()
        options.tick = true   // tick in the ingest's last transaction
        let ingested = try store.ingestJSONL(atPath: eventsPath, options: options)
        #expect(ingested.transitions == 6 && ingested.clock == time("2026-01-10T10:00:00Z"))
        #expect(try store.clock == time("2026-01-10T10:00:00Z"))

        try store.acknowledge("mailer", through: try store.lastTransitionSeq)   // start from now: skip the history
        #expect(try store.checkpoint(of: "mailer") == 6)

        try store.saveAudience("winback", where: "phase = lapsed and days_since_purchase <= 91")
        try store.saveAudience("lapsed-reading", where: "phase = lapsed and days_since_email_open <= 1")
        #expect(try store.savedAudiences().map(\.name) == ["lapsed-reading", "winback"])

        _ = try store.ingest("""
            {"id":"e4","type":"purchase","customer":"c42","time":"2026-03-01T10:00:00Z","order":"o2","items":[{"product":"p1","category":"cameras","price":"300.00"}]}
            {"id":"e5","type":"product_view","customer":"c8","time":"2026-03-10T12:00:00Z","product":"p3","category":"lenses"}

            """)

        let march = try Timestamp(rfc3339: "2026-03-15T00:00:00Z")
        let knownThen = try store.read(position: 3) { snapshot in   // the log's first 3 events: what the store knew then
            try snapshot.profile(of: "c42", asOf: march)            // only events at or before March 15 count
        }
        #expect(knownThen?.orders == 1 && knownThen?.phase == .declining)
        let knownNow = try store.read { snapshot in try snapshot.profile(of: "c42", asOf: march) }
        #expect(knownNow?.orders == 2 && knownNow?.phase == .active)
        #expect(try store.read(position: 3) { try $0.profile(of: "c8", asOf: march) } == nil, "c8 had no event in the first 3")

        let report = try store.tick(asOf: try Timestamp(rfc3339: "2026-04-11T00:00:00Z"))   // default: the newest event's time
        print(report.json)   // {"clock":"2026-04-11T00:00:00Z","position":5,"customers_checked":3,"transitions":8,"first_seq":7,…}
        #expect(report.json.hasPrefix(#"{"clock":"2026-04-11T00:00:00Z","position":5,"customers_checked":3,"transitions":8,"first_seq":7,"#))
        #expect(report.classifiedEveryone, "the saved audiences are new")

        for transition in try store.transitions(after: 0, limit: 100) {
            print(transition.json)   // {"seq":1,"customer":"c42","kind":"phase","from":null,"to":"new","at":"2026-01-10T10:00:00Z"}
        }
        let all = try store.transitions()
        #expect(all.first?.json == #"{"seq":1,"customer":"c42","kind":"phase","from":null,"to":"new","at":"2026-01-10T10:00:00Z"}"#)
        #expect(Array(all.map(\.json)[6...7]) == [
            #"{"seq":7,"customer":"c42","kind":"phase","from":"new","to":"declining","at":"2026-04-11T00:00:00Z"}"#,
            #"{"seq":8,"customer":"c42","kind":"tier","from":"bronze","to":"silver","at":"2026-04-11T00:00:00Z"}"#,
        ])
        #expect(all[11].json == #"{"seq":12,"customer":"c7","kind":"audience","audience":"winback","from":false,"to":true,"at":"2026-04-11T00:00:00Z"}"#)
        #expect(all.map(\.seq) == Array(1...14), "gapless")
        #expect(all.map { "\($0.customer) \($0.kind.rawValue)" } == [
            "c42 phase", "c42 tier", "c42 top_percent", "c42 segment", "c7 phase", "c7 segment",   // the ingest's tick
            "c42 phase", "c42 tier", "c42 segment", "c7 phase", "c7 segment", "c7 audience", "c8 phase", "c8 segment",
        ])

        func tierUp(_ transition: Transition) -> Tier? {
            guard transition.kind == .tier, case .tier(let to)? = transition.to else { return nil }
            if case .tier(let from)? = transition.from, from >= to { return nil }
            return to   // from no tier, or from a lower one
        }
        #expect(all.compactMap { t in tierUp(t).map { "\(t.customer) \($0.name)" } } == ["c42 bronze", "c42 silver"])

        let handed = try store.consume(as: "mailer", limit: 500) { transitions, txn in
            for t in transitions where t.audience == "winback" && t.to == .member(true) {
                try txn.setValue(Array(t.at.rfc3339.utf8), forKey: Array("winback/\(t.customer)".utf8))   // commits with the checkpoint
            }
        }
        #expect(handed == 8)
        #expect(try store.checkpoint(of: "mailer") == 14)

        var delivered: [Transition] = []
        func deliver(_ batch: [Transition]) throws { delivered += batch }
        var after = try store.checkpoint(of: "crm")
        while true {
            let batch = try store.transitions(after: after, limit: 1_000)
            guard let last = batch.last else { break }
            try deliver(batch)                                // elsewhere; seq is the idempotency key
            try store.acknowledge("crm", through: last.seq)   // only once delivered: at least once
            after = last.seq
        }
        #expect(delivered == all && after == 14)
        #expect(try store.consumers().map { "\($0.name) \($0.checkpoint)" } == ["crm 14", "mailer 14"])
        #expect(try !store.waitForTransitions(after: after, seconds: 0), "nothing new yet")

        let events = [Event(id: "e6", customer: "c7", time: try Timestamp(rfc3339: "2026-04-20T09:00:00Z"), payload: .emailOpen(campaign: "spring"))]
        let appended = try store.append(events, tick: true)   // the events and their transitions commit together
        #expect(appended.appended == 1 && appended.transitions == 2 && appended.clock == events[0].time)

        if try store.waitForTransitions(after: after, seconds: 60) {
            // a tick committed transitions after `after`: read them as above
        }
        #expect(try store.waitForTransitions(after: after, seconds: 60))
        #expect(try store.transitions(after: after).map(\.json) == [
            #"{"seq":15,"customer":"c7","kind":"audience","audience":"lapsed-reading","from":false,"to":true,"at":"2026-04-20T09:00:00Z"}"#,
            #"{"seq":16,"customer":"c7","kind":"audience","audience":"winback","from":true,"to":false,"at":"2026-04-20T09:00:00Z"}"#,
        ])

        // The consumer's own state committed with its checkpoint, and it reads it back.
        var started: [UInt8]?
        #expect(try store.consume(as: "mailer") { _, txn in started = try txn.value(forKey: Array("winback/c7".utf8)) } == 2)
        #expect(started == Array("2026-04-11T00:00:00Z".utf8))

        // A tick to an earlier clock fails and changes nothing; an ingest's tick stays at a later clock.
        #expect(throws: JourneyError.self) { try store.tick(asOf: time("2026-04-01T00:00:00Z")) }
        _ = try store.tick(asOf: time("2026-04-25T00:00:00Z"))
        let late = try temporary.write("late.jsonl", #"{"id":"e7","type":"email_open","customer":"c8","time":"2026-04-21T09:00:00Z"}"# + "\n")
        let lateReport = try store.ingestJSONL(atPath: late, options: options)
        #expect(lateReport.clock == time("2026-04-25T00:00:00Z") && lateReport.appended == 1)
        #expect(try store.eventCount == 7)

        // Rebuild replays the recorded ticks to the same transitions; verify agrees.
        let before = try store.transitions()
        #expect(try store.verify().isConsistent)
        _ = try store.rebuild()
        #expect(try store.transitions() == before)
        #expect(try store.verify().isConsistent)

        // Erasure: the forgotten customer is checked by the next tick (a tick on candidates: the
        // audience reads only has_email) and leaves the audience of their erased email; their
        // recorded journey is kept as history: rebuild gives the same transitions, verify agrees.
        try store.dropAudience("winback")
        try store.dropAudience("lapsed-reading")
        try store.saveAudience("emailable", where: "has_email")
        _ = try store.tick(asOf: time("2026-04-25T00:00:00Z"))
        #expect(try store.transitions(after: UInt64(before.count)).last?.json.contains(#""customer":"c42","kind":"audience","audience":"emailable","from":false,"to":true"#) == true)
        #expect(try store.forget(["c42"]).customers == 1)
        let recheck = try store.tick(asOf: time("2026-04-25T00:00:00Z"))
        #expect(!recheck.classifiedEveryone && recheck.customersChecked == 1 && recheck.transitions == 1)
        #expect(try store.transitions().last?.json == #"{"seq":\#(recheck.firstSeq),"customer":"c42","kind":"audience","audience":"emailable","from":true,"to":false,"at":"2026-04-25T00:00:00Z"}"#)
        let erased = try store.transitions()
        #expect(try store.verify().isConsistent)
        _ = try store.rebuild()
        #expect(try store.transitions() == erased)
        #expect(try store.verify().isConsistent)
    }

    // MARK: - Adding a projection

    /// Records of one customer as a fold gets them: `records` sorted into (time, id) order.
    static func withRun<R>(_ records: [EventRecord], _ body: (RecordRun) throws -> R) throws -> R {
        var places = records.map { RecordPlace(start: $0.bytes.baseAddress!, length: UInt32($0.bytes.count)) }
        return try places.withUnsafeMutableBufferPointer { places in
            try RecordRun.sortIntoFoldOrder(places)
            return try body(RecordRun(UnsafeBufferPointer(places)))
        }
    }

    /// Folds `records` onto `stored` as the live pipeline does: the fast path, or the whole history
    /// again when the folder answers `.notAfterStored`.
    static func liveFold(stored: [UInt8]?, new records: [EventRecord], history: [EventRecord],
                         folder: inout any CustomerFolder, refolds: inout Int) throws -> [UInt8] {
        var output: [UInt8] = []
        let result = try withRun(records) { run in
            if let stored { return try stored.withByteView { try folder.fold(stored: $0, records: run, into: &output) } }
            return try folder.fold(stored: nil, records: run, into: &output)
        }
        guard case .notAfterStored = result else { return output }
        refolds += 1
        output.removeAll()
        _ = try withRun(history) { try folder.fold(stored: nil, records: $0, into: &output) }
        return output
    }

    /// The worked example: any arrival order, in any number of batches, gives the bytes a rebuild's
    /// fold of the whole log gives.
    @Test(arguments: [41, 42, 43] as [UInt64])
    func theViewCountsProjectionFoldsLikeARebuild(seed: UInt64) throws {
        var random = RandomEvents(seed: seed, customers: 12)
        var events = random.events(400)
        // Customers c0 to c5 arrive in time order (their later events take the fast path), the
        // others in random order (their late events come before stored ones: folded again).
        let inOrder = events.indices.filter { ["c0", "c1", "c2", "c3", "c4", "c5"].contains(events[$0].customer) }
        for (k, event) in zip(inOrder, inOrder.map { events[$0] }.sorted { $0.time < $1.time }) { events[k] = event }
        let temporary = try TemporaryStore()
        try temporary.store.append(events)
        let schema = temporary.store.schema
        let projection = ViewCountsProjection()
        try temporary.store.env.read { txn in
            var rebuilt: [UInt32: [UInt8]] = [:]
            let fold = try LogFold(schema: schema, in: txn)
            _ = try fold.fold(projection) { block in block.forEachCustomer { customer, value in rebuilt[customer] = value.array } }
            #expect(rebuilt.count == Set(events.map(\.customer)).count)

            var folder = projection.makeFolder()
            var refolds = 0, fastPaths = 0
            for (customer, value) in rebuilt {
                let history = try schema.records(of: customer, in: txn)
                // Arrival in two batches: the first half of the log, then the rest.
                let early = history.filter { $0.sequence <= UInt64(events.count / 2) }.map(\.record)
                let late = history.filter { $0.sequence > UInt64(events.count / 2) }.map(\.record)
                var stored: [UInt8]? = nil
                if !early.isEmpty { stored = try Self.liveFold(stored: nil, new: early, history: early, folder: &folder, refolds: &refolds) }
                if !late.isEmpty {
                    let before = refolds
                    stored = try Self.liveFold(stored: stored, new: late, history: history.map(\.record), folder: &folder, refolds: &refolds)
                    if refolds == before && !early.isEmpty { fastPaths += 1 }
                }
                #expect(stored == value, "customer \(customer)")
                let id = try schema.name(.customer, customer, in: txn)
                let views = events.filter { $0.customer == id && $0.type == .productView }.count
                #expect(try value.withByteView { try folder.rows(of: $0) }[0] == (views > 0 ? UInt128(views) : nil))
            }
            #expect(refolds > 0 && fastPaths > 0, "both paths ran")
        }
    }

    /// The example registered beside facts: appends (in order, late, and in several batches), a
    /// rebuild and verify drive both projections, and verify catches a damaged view count.
    @Test func registeringTheDatabases() throws {
        let registration = EventLog.Projections(
            databases: ["facts"] + FactsProjection.indexes.map(\.name) + ["view_counts", "by_views"] + JourneySchema.databases,
            initialPolicyText: { Policy(currency: $0).text },
            make: { text, currency in
                [FactsProjection(policy: try Policy(text: text, currency: currency)), ViewCountsProjection()]
            })
        let temporary = try TemporaryStore()
        let store = try JourneyStore(at: temporary.directory + "/with-views", options: .init(syncDisabled: true),
                                     projections: registration)
        var random = RandomEvents(seed: 5, customers: 30)
        let events = random.events(900)
        for batch in stride(from: 0, to: events.count, by: 300) { try store.append(Array(events[batch..<batch + 300])) }
        let views = try store.schema.databases(of: ViewCountsProjection())
        func storedCounts() throws -> [String: UInt32] {
            try store.env.read { txn in
                var counts: [String: UInt32] = [:]
                try views.values.forEach(in: txn) { key, value in
                    let customer = try UInt32(lmdbBytes: key)
                    counts[try store.schema.name(.customer, customer, in: txn)] = try ViewCountsFolder.decode(ByteView(value)).views
                    return true
                }
                return counts
            }
        }
        var expected: [String: UInt32] = [:]
        for event in events { expected[event.customer, default: 0] += event.type == .productView ? 1 : 0 }
        #expect(try storedCounts() == expected)
        #expect(try store.verify().isConsistent)
        _ = try store.rebuild()
        #expect(try storedCounts() == expected)
        #expect(try store.verify().isConsistent)
        // Verify folds the second projection too: a damaged count is found, and a rebuild repairs it.
        try store.env.write { txn in _ = try views.values.put(1, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 99], in: txn) }
        let report = try store.verify()
        #expect(report.problems.contains { $0.contains("view_counts differ") } && report.onlyProjectionsDiffer)
        _ = try store.rebuild()
        #expect(try store.verify().isConsistent)

        // A store created without the new databases is not opened with them (no migration).
        let older = temporary.directory + "/older"
        _ = try JourneyStore(at: older)
        #expect {
            try JourneyStore(at: older, options: .init(), projections: registration)
        } throws: { error in
            (error as? JourneyError)?.code == .storage
        }
    }
}
