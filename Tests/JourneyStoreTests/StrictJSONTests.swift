import Testing
@testable import JourneyStore
@_spi(Storage) import JourneyStorage

/// Item 10: every number token follows RFC 8259's grammar (ignored ones too), money strings the same
/// grammar without sign or exponent, and no object of a line has a key twice (a key written with
/// escapes is the key it decodes to).
@Suite struct StrictJSONTests {
    static let head = #""id":"e1","customer":"c1","time":"2026-03-01T10:00:00Z""#
    static let money = "expected a decimal ≥ 0 with at most 2 decimals (at most 1000000000000000 minor units)"
    static func open(_ more: String) -> String { #"{\#(head),"type":"email_open"\#(more)}"# }
    static func buy(_ item: String, _ more: String = "") -> String {
        #"{\#(head),"type":"purchase","order":"o1","items":[\#(item)]\#(more)}"#
    }

    static let numbers: [(String, String)] = [
        (buy(#"{"product":"p1","price":00012.30}"#), "items[0].price: \(money), found 00012.30"),
        (buy(#"{"product":"p1","price":"007.50"}"#), #"items[0].price: \#(money), found "007.50""#),
        (buy(#"{"product":"p1","price":"00"}"#), #"items[0].price: \#(money), found "00""#),
        (buy(#"{"product":"p1","price":1e3}"#), "items[0].price: \(money), found 1e3"),
        (buy(#"{"product":"p1","price":-0}"#), "items[0].price: \(money), found -0"),
        (buy(#"{"product":"p1","price":1,"quantity":01}"#), "items[0].quantity: expected an integer from 1 to 1000000, found 01"),
        (#"{"id":"e1","customer":"c1","type":"email_open","time":01719878201524}"#,
         "time: expected an RFC 3339 time with offset (2026-03-01T10:00:00Z) or integer epoch milliseconds between 0 and 253402300799999, found 01719878201524"),
        (open(#","utm":1-2+e"#), "JSON at column 84: expected a JSON number, found 1-2+e"),
        (open(#","utm":-"#), "JSON at column 84: expected a JSON number, found -"),
        (open(#","utm":1."#), "JSON at column 84: expected a JSON number, found 1."),
        (open(#","utm":.5"#), "JSON at column 84: expected a JSON number, found .5"),
        (open(#","utm":01"#), "JSON at column 84: expected a JSON number, found 01"),
        (open(#","utm":-01"#), "JSON at column 84: expected a JSON number, found -01"),
        (open(#","utm":1e+"#), "JSON at column 84: expected a JSON number, found 1e+"),
        (open(#","utm":[1,2.0e]"#), "JSON at column 87: expected a JSON number, found 2.0e"),
        (open(#","utm":{"a":+1}"#), "JSON at column 89: expected a JSON number, found +1"),
    ]

    @Test(arguments: numbers)
    func numbersFollowTheJSONGrammar(line: String, message: String) throws {
        #expect(try Hostile.refusal(of: line) == "line 2: " + message)
    }

    @Test func everyJSONNumberFormIsAccepted() throws {
        let t = try TemporaryStore()
        let line = Self.buy(#"{"product":"p1","price":0.5,"n":[0,-0,-0.5e-3,1E+9,10.25,7e0]},{"product":"p2","price":"0"}"#,
                            #","time2":0,"utm":{"x":-12.5E-07}"#)
        #expect(try t.store.ingest(line).appended == 1)
        guard case .purchase(_, let items, let total, _) = try t.store.events(of: "c1").first?.payload else {
            Issue.record("no purchase stored"); return
        }
        #expect(items.map(\.price) == [Money(minorUnits: 50), Money(minorUnits: 0)])
        #expect(total == Money(minorUnits: 50))
    }

    static let duplicates: [(String, String)] = [
        (#"{"id":"e1","id":"e2","customer":"c1","type":"email_open","time":1}"#, #"id: duplicate key "id""#),
        (#"{"id":"e1","customer":"c1","type":"email_open","type":"signup","time":1}"#, #"type: duplicate key "type""#),
        (buy(#"{"product":"p1","price":1}"#, #","items":[{"product":"p2","price":2}]"#), #"items: duplicate key "items""#),
        (buy(#"{"product":"p1","price":"1","price":"2"}"#), #"items[0].price: duplicate key "price""#),
        (buy(#"{"product":"p1","price":1},{"product":"p2","price":1,"sku":1,"sku":2}"#), #"items[1].sku: duplicate key "sku""#),
        (#"{\#(head),"type":"signup","attributes":{"city":"a","zip":"1","city":"b"}}"#, #"attributes.city: duplicate key "city""#),
        (open(#","utm":1,"utm":2"#), #"utm: duplicate key "utm""#),
        (open(#","utm":{"a":1,"b":{"a":2},"a":3}"#), #"JSON at column 103: duplicate key "a""#),
        (open(#","utm":[{"a":1},{"a":2,"a":3}]"#), #"JSON at column 100: duplicate key "a""#),
        (#"{"id":"e1","\u0069d":"e2","customer":"c1","type":"email_open","time":1}"#, #"id: duplicate key "id""#),
        (open(#","x":1,"\u0078":2"#), #"x: duplicate key "x""#),
        (open(#","":1,"":2"#), #": duplicate key """#),
    ]

    @Test(arguments: duplicates)
    func aKeyTwiceInAnObjectIsRefused(line: String, message: String) throws {
        #expect(try Hostile.refusal(of: line) == "line 2: " + message)
    }

    @Test func keysWrittenWithEscapesAreTheKeysTheyDecodeTo() throws {
        let t = try TemporaryStore()
        let line = #"{"\u0069d":"e1","typ\u0065":"product_view","\u0063ustomer":"c1","time":1,"pro\u0064uct":"p1","\"odd\"":1}"#
        #expect(try t.store.ingest(line).appended == 1)
        let events = try t.store.events(of: "c1")
        #expect(events.map(\.id) == ["e1"])
        #expect(events.first?.payload == .productView(product: "p1", category: nil))
    }

    @Test func anObjectHoldsAtMostAThousandUnknownFields() throws {
        let fields = (0..<1_000).map { #""k\#($0)":0"# }
        let t = try TemporaryStore()
        #expect(try t.store.ingest(Self.open(#","utm":{\#(fields.joined(separator: ","))}"#)).appended == 1)
        let message = try Hostile.refusal(of: Self.open(#","utm":{\#(fields.joined(separator: ",")),"k1000":0}"#))
        #expect(message?.hasSuffix(#": expected at most 1000 unknown fields in an object, found "k1000""#) == true)
    }
}
