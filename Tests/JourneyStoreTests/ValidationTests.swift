import Testing
@testable import JourneyStore
@_spi(Storage) import JourneyStorage

/// Every rule of the event format, with the message a user sees (`line N: field: expected …, found …`).
@Suite struct ValidationTests {
    static let head = #""id":"e1","customer":"c1","time":"2026-03-01T10:00:00Z""#
    static let item = #"{"product":"p1","price":"10.00"}"#

    static let cases: [(String, String)] = [
        (#"{"id":"e1","customer":"c1","time":"2026-03-01T10:00:00Z"}"#,
         "type: expected one of signup, profile, product_view, cart_abandon, purchase, refund, email_open, offer, unsubscribe, found nothing"),
        (#"{"type":"click",\#(head)}"#,
         #"type: expected one of signup, profile, product_view, cart_abandon, purchase, refund, email_open, offer, unsubscribe, found "click""#),
        (#"{"type":"signup","customer":"c1","time":"2026-03-01T10:00:00Z"}"#,
         "id: expected a non-empty string of at most 128 bytes, found nothing"),
        (#"{"type":"signup","id":"\#(String(repeating: "x", count: 129))","customer":"c1","time":"2026-03-01T10:00:00Z"}"#,
         "id: expected at most 128 bytes, found 129 bytes"),
        (#"{"type":"signup","id":42,"customer":"c1","time":"2026-03-01T10:00:00Z"}"#,
         "id: expected a string, found 42"),
        (#"{"type":"signup","id":"e1","customer":"","time":"2026-03-01T10:00:00Z"}"#,
         #"customer: expected a non-empty string of at most 128 bytes, found """#),
        (#"{"type":"signup","id":"e1","customer":"c1"}"#,
         "time: expected an RFC 3339 time with offset or integer epoch milliseconds, found nothing"),
        (#"{"type":"signup","id":"e1","customer":"c1","time":"2026-03-01T10:00:00"}"#,
         #"time: expected an RFC 3339 time with offset (2026-03-01T10:00:00Z) or integer epoch milliseconds, found "2026-03-01T10:00:00""#),
        (#"{"type":"signup","id":"e1","customer":"c1","time":-5}"#,
         "time: expected an RFC 3339 time with offset (2026-03-01T10:00:00Z) or integer epoch milliseconds between 0 and 253402300799999, found -5"),
        (#"{"type":"product_view",\#(head)}"#,
         "product: expected a product id (required for product_view), found nothing"),
        (#"{"type":"cart_abandon",\#(head)}"#,
         "items: expected at least one line item (required for cart_abandon), found nothing"),
        (#"{"type":"purchase",\#(head),"items":[\#(item)]}"#,
         "order: expected an order id (required for purchase), found nothing"),
        (#"{"type":"purchase",\#(head),"order":"o1","items":[]}"#,
         "items: expected at least one line item (required for purchase), found nothing"),
        (#"{"type":"purchase",\#(head),"order":"o1","items":[{"product":"p1"}]}"#,
         "items[0].price: expected a decimal ≥ 0, found nothing"),
        (#"{"type":"purchase",\#(head),"order":"o1","items":[\#(item),{"price":"1.00"}]}"#,
         "items[1].product: expected a product id, found nothing"),
        (#"{"type":"purchase",\#(head),"order":"o1","items":[{"product":"p1","price":"-5.00"}]}"#,
         #"items[0].price: expected a decimal ≥ 0 with at most 2 decimals (at most 1000000000000000 minor units), found "-5.00""#),
        (#"{"type":"purchase",\#(head),"order":"o1","items":[{"product":"p1","price":1.005}]}"#,
         "items[0].price: expected a decimal ≥ 0 with at most 2 decimals (at most 1000000000000000 minor units), found 1.005"),
        (#"{"type":"purchase",\#(head),"order":"o1","items":[{"product":"p1","price":"1","quantity":0}]}"#,
         "items[0].quantity: expected an integer from 1 to 1000000, found 0"),
        (#"{"type":"purchase",\#(head),"order":"o1","items":[{"product":"p1","price":"1","quantity":1.5}]}"#,
         "items[0].quantity: expected an integer from 1 to 1000000, found 1.5"),
        (#"{"type":"purchase",\#(head),"order":"o1","items":[\#(item)],"currency":"EUR"}"#,
         #"currency: expected the store's currency USD, found "EUR""#),
        (#"{"type":"refund",\#(head),"order":"o1"}"#,
         "total: expected an amount > 0 (required for refund), found nothing"),
        (#"{"type":"refund",\#(head),"order":"o1","total":"0.00"}"#,
         "total: expected an amount > 0 (required for refund), found 0.00"),
        (#"{"type":"signup",\#(head),"attributes":{"birthday":"1990-02-30"}}"#,
         #"attributes.birthday: expected a date YYYY-MM-DD from 1900-01-01 to the event's date, found "1990-02-30""#),
        (#"{"type":"signup",\#(head),"attributes":{"country":"USA"}}"#,
         #"attributes.country: expected an ISO 3166 alpha-2 code such as US, found "USA""#),
        (#"{"type":"signup",\#(head),"email":"ana.example.com"}"#,
         #"email: expected an email address with @, found "ana.example.com""#),
        (#"{"type":"signup",\#(head),"attributes":{"interests":"cameras"}}"#,
         #"attributes.interests: expected an array of strings, found "cameras""#),
        (#"{"type":"signup",\#(head)"#,
         #"JSON at column 73: expected "," or "}", found end of line"#),
        (#"["signup"]"#,
         #"JSON at column 1: expected a JSON object starting with {, found an array"#),
        (#"{"type":"signup",\#(head)} trailing"#,
         #"JSON at column 75: expected end of line after the object, found trailing"#),
    ]

    @Test(arguments: cases)
    func aBrokenRuleIsNamedWithItsLineAndField(line: String, message: String) throws {
        let t = try TemporaryStore()
        let text = #"{"type":"email_open","id":"ok","customer":"c0","time":"2026-01-01T00:00:00Z"}"# + "\n" + line + "\n"
        do {
            _ = try t.store.ingest(text)
            Issue.record("line was accepted: \(line)")
        } catch let error as JourneyError {
            #expect(error.code == .invalidEvent)
            #expect(error.message == "line 2: " + message)
        }
        #expect(try t.store.eventCount == 0, "a refused file commits nothing")
    }

    @Test func unknownFieldsAreIgnoredAndDefaultsFilled() throws {
        let t = try TemporaryStore()
        let report = try t.store.ingest(#"""
        {"id":"e1","type":"purchase","customer":"c1","time":1772359200000,"order":"o1","utm":{"source":["x",{"y":null}]},"items":[{"product":"p1","price":"2.50","quantity":4,"sku":"z"}],"currency":"usd","note":true}
        {"id":"e2","type":"signup","customer":"c1","time":"2026-03-01T10:00:00Z","attributes":{"country":"es","birthday":"2000-02-29","shoe":43}}
        """#)
        #expect(report.appended == 2)
        let events = try t.store.events(of: "c1")
        #expect(events.count == 2)
        guard case .purchase(let order, let items, let total, _) = events[0].payload,
              case .signup(_, let attributes) = events[1].payload else {
            Issue.record("unexpected payloads \(events)"); return
        }
        #expect(order == "o1")
        #expect(items == [LineItem(product: "p1", price: Money(minorUnits: 250), quantity: 4)])
        #expect(total == Money(minorUnits: 1000))
        #expect(attributes.country == "ES")
        #expect(attributes.birthday == "2000-02-29")
    }

    @Test func escapedStringsAreDecoded() throws {
        let t = try TemporaryStore()
        _ = try t.store.ingest(#"{"id":"e\"1","type":"product_view","customer":"c\u00e9","time":0,"product":"caf\u00e9 \ud83d\ude00\n"}"#)
        let events = try t.store.events(of: "cé")
        #expect(events.map(\.id) == ["e\"1"])
        #expect(events.first?.payload == .productView(product: "café 😀\n", category: nil))
    }

    @Test func swiftEventsFollowTheSameRules() throws {
        let t = try TemporaryStore()
        let bad = Event(id: "e1", customer: "c1", time: time("2026-01-01T00:00:00Z"),
                        payload: .purchase(order: "", items: [LineItem(product: "p", price: Money(minorUnits: 1))]))
        let good = Event(id: "e0", customer: "c1", time: time("2026-01-01T00:00:00Z"), payload: .emailOpen(campaign: "x"))
        #expect {
            try t.store.append([good, bad])
        } throws: { error in
            (error as? JourneyError)?.message == #"event 1 (id "e1"): order: expected an order id (required for purchase), found """#
        }
        #expect(try t.store.eventCount == 0)
    }

    /// A large batch: the same rules and messages wherever the bad event is (among the first
    /// events, which the writer loads itself, the first the loading thread loads, or later), and
    /// all or nothing.
    @Test(arguments: [5, LogWriter.apiHeadEvents, 1_500, 2_999])
    func aLargeBatchFollowsTheSameRules(badAt index: Int) throws {
        let t = try TemporaryStore()
        var events = IDFilterTests.views(0..<3_000)
        events[index] = Event(id: "bad", customer: "c1", time: time("2026-01-01T00:00:00Z"),
                              payload: .purchase(order: "", items: [LineItem(product: "p", price: Money(minorUnits: 1))]))
        #expect {
            try t.store.append(events)
        } throws: { error in
            (error as? JourneyError)?.message == #"event \#(index) (id "bad"): order: expected an order id (required for purchase), found """#
        }
        #expect(try t.store.eventCount == 0)
    }

    @Test func aLargeBatchStoresWhatSmallBatchesDo() throws {
        var random = RandomEvents(seed: 9, customers: 300)
        let events = random.events(5_000)
        let one = try TemporaryStore(), many = try TemporaryStore()
        let a = try one.store.append(events)
        var b = AppendReport(appended: 0, duplicates: 0)
        for start in stride(from: 0, to: events.count, by: 500) {
            let r = try many.store.append(events[start..<min(start + 500, events.count)])
            b.appended += r.appended
            b.duplicates += r.duplicates
        }
        #expect(a == b)
        #expect(try LargeIngestTests.profiles(one.store) == LargeIngestTests.profiles(many.store))
        #expect(try one.store.verify().isConsistent)
    }

    /// Batch sizes around the two-thread path's edges (below it, at it, a whole number of the
    /// loader's groups after the writer's first ones, one more): every event stored, and the store
    /// consistent.
    @Test(arguments: [LogWriter.apiPipelinedEventsMin - 1, LogWriter.apiPipelinedEventsMin,
                      LogWriter.apiHeadEvents + 4 * LogWriter.apiGroupSize, LogWriter.apiHeadEvents + 4 * LogWriter.apiGroupSize + 1])
    func largeBatchEdgesStoreEveryEvent(count: Int) throws {
        let t = try TemporaryStore()
        var random = RandomEvents(seed: UInt64(count), customers: 200)
        var events = random.events(count)
        for k in events.indices { events[k].id = "b\(k)" }
        #expect(try t.store.append(events) == AppendReport(appended: count, duplicates: 0))
        #expect(try t.store.eventCount == count)
        #expect(try t.store.verify().isConsistent)
    }

    /// Duplicates within a large batch are found whichever thread loaded each copy: the writer's
    /// first events, the loader's first group, a later group after the loader's ring went round.
    @Test func duplicatesInALargeBatchAreSkippedAcrossThreads() throws {
        let t = try TemporaryStore()
        var events = IDFilterTests.views(0..<5_000)
        events[LogWriter.apiHeadEvents + 44] = events[100]          // the loader's copy of a writer's event
        events[4_500] = events[10]                                  // long after the ring went round
        events[4_600] = events[LogWriter.apiHeadEvents + 1]         // a loader's event again, later
        let report = try t.store.append(events)
        #expect(report == AppendReport(appended: 4_997, duplicates: 3))
        #expect(try t.store.eventCount == 4_997)
        #expect(try t.store.verify().isConsistent)
    }

    /// A batch holding one very large event leaves no draft of that size kept by the writer.
    @Test func aVeryLargeEventIsNotKeptByTheWritersDrafts() throws {
        let t = try TemporaryStore()
        var events = IDFilterTests.views(0..<2_000)
        let lines = (0..<1_000).map { LineItem(product: "product-\($0)-" + String(repeating: "x", count: 60), category: "c\($0)", price: Money(minorUnits: 100)) }
        events[1_500] = Event(id: "big", customer: "c1", time: time("2026-01-01T00:00:00Z"), payload: .purchase(order: "o1", items: lines))
        #expect(try t.store.append(events).appended == 2_000)
        let largest = try t.store.log.writer!.withLock { (w: inout LogWriter) in w.apiGroups.flatMap(\.drafts).map(\.heldBytes).max() ?? 0 }
        #expect(largest > 0 && largest <= LogWriter.apiDraftBytesMax)
    }
}
