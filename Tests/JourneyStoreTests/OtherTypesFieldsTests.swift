import Testing
@testable import JourneyStore
@_spi(Storage) import JourneyStorage

/// Item 11: DESIGN.md §1 ignores unknown fields, and a field of another type is one: only the
/// type's own fields are checked (the type may come after them in the line) and stored.
@Suite struct OtherTypesFieldsTests {
    static let head = #""id":"e1","customer":"c1","time":"2026-03-01T10:00:00Z""#

    /// Lines with wrongly typed fields of other types, and the event each must store.
    static let accepted: [(String, Event.Payload)] = [
        (#"{\#(head),"type":"product_view","product":"p1","order":1}"#, .productView(product: "p1", category: nil)),
        (#"{"order":1,"items":"x","total":"abc",\#(head),"type":"product_view","product":"p1"}"#, .productView(product: "p1", category: nil)),
        (#"{\#(head),"email":5,"attributes":{"interests":"x"},"currency":"EUR","type":"product_view","product":"p1"}"#,
         .productView(product: "p1", category: nil)),
        (#"{\#(head),"type":"purchase","order":"o1","items":[{"product":"p1","price":1}],"attributes":5,"campaign":7,"product":42,"category":{}}"#,
         .purchase(order: "o1", items: [LineItem(product: "p1", price: Money(minorUnits: 100))])),
        (#"{\#(head),"type":"email_open","items":[{"price":-1}],"total":"-5","email":"no at","phone":"call me","campaign":"spring"}"#,
         .emailOpen(campaign: "spring")),
        (#"{\#(head),"order":[1],"product":null,"category":"","type":"signup","email":"ana@example.com"}"#,
         .signup(Contact(email: "ana@example.com"), Attributes())),
        (#"{\#(head),"type":"refund","order":"o1","total":"5.00","items":"x","email":5,"product":""}"#,
         .refund(order: "o1", total: Money(minorUnits: 500))),
        (#"{\#(head),"campaign":{"a":[1,2]},"type":"cart_abandon","items":[{"product":"p1","price":"2.50"}],"order":false}"#,
         .cartAbandon(items: [LineItem(product: "p1", price: Money(minorUnits: 250))])),
    ]

    @Test(arguments: accepted)
    func fieldsOfOtherTypesAreIgnoredAndNotStored(line: String, payload: Event.Payload) throws {
        let t = try TemporaryStore()
        #expect(try t.store.ingest(line).appended == 1)
        #expect(try t.store.events(of: "c1").map(\.payload) == [payload])
    }

    static let refused: [(String, String)] = [
        // The type's own fields, before or after it.
        (#"{"order":1,\#(head),"type":"purchase","items":[{"product":"p1","price":1}]}"#, "order: expected a string, found 1"),
        (#"{\#(head),"type":"purchase","order":1,"items":[{"product":"p1","price":1}]}"#, "order: expected a string, found 1"),
        (#"{"total":"abc","campaign":5,\#(head),"type":"email_open"}"#, "campaign: expected a string, found 5"),
        (#"{"attributes":{"country":"USA"},\#(head),"type":"profile"}"#,
         #"attributes.country: expected an ISO 3166 alpha-2 code such as US, found "USA""#),
        // Not JSON text: refused whatever the type.
        (#"{\#(head),"type":"product_view","product":"p1","total":01}"#, "JSON at column 103: expected a JSON number, found 01"),
        (#"{\#(head),"type":"product_view","product":"p1","order":"«FF»"}"#, "JSON at column 104: invalid UTF-8"),
        (#"{\#(head),"order":"«FF»","type":"product_view","product":"p1"}"#, "order: invalid UTF-8"),
        (#"{\#(head),"items":[{"price":1,"price":2}],"type":"product_view","product":"p1"}"#, #"items[0].price: duplicate key "price""#),
    ]

    @Test(arguments: refused)
    func theTypesOwnFieldsAndTheJSONAreStillChecked(line: String, message: String) throws {
        #expect(try Hostile.refusal(of: line) == "line 2: " + message)
    }
}
