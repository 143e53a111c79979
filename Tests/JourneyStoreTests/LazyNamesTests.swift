import Testing
@testable import JourneyStore
@_spi(Storage) import JourneyStorage

/// A writer of a store with many names holds only those it meets (looked up in `names`), and the
/// store is the same as one whose writer held them all (issue 17: the steady state of a big store).
@Suite struct LazyNamesTests {
    /// Events of `customers` customers with a few products each, in order.
    static func events(_ prefix: String, customers: Range<Int>, products: Int) -> [Event] {
        customers.map { c in
            Event(id: "\(prefix)-\(c)", customer: "c\(c)", time: Shop.at(Double(c) / 1000),
                  payload: .productView(product: "p\(c % products)", category: "k\(c % 7)"))
        }
    }

    @Test func smallBatchesIntoAStoreOfManyNamesFindTheStoredNumbers() throws {
        let many = NameCache.loadAllNamesMax + 5_000
        let t = try TemporaryStore()
        try t.store.append(Self.events("a", customers: 0..<many, products: 300))
        // A new process: its writer starts with empty tables and, for small batches, loads none.
        let reopened = try t.reopen()
        try reopened.append(Self.events("b", customers: 10..<40, products: 300))        // returning customers
        try reopened.append(Self.events("c", customers: many..<(many + 20), products: 300))  // new ones
        try reopened.append(Self.events("d", customers: 0..<5, products: 300) + Self.events("e", customers: many..<(many + 3), products: 300))
        #expect(try reopened.customerCount == many + 20)
        #expect(try reopened.verify().isConsistent)
        let p = try #require(try reopened.read { try $0.profile(of: "c12") })
        #expect(p.viewedProducts == ["p12"], "the returning customer kept its number and history")
        #expect(try reopened.events(of: "c12").count == 2)
        #expect(try reopened.events(of: "c\(many + 2)").count == 2)
        // What a writer that held every name would have written: the same facts for everyone.
        let full = try TemporaryStore()
        try full.store.append(Self.events("a", customers: 0..<many, products: 300) + Self.events("b", customers: 10..<40, products: 300)
                              + Self.events("c", customers: many..<(many + 20), products: 300)
                              + Self.events("d", customers: 0..<5, products: 300) + Self.events("e", customers: many..<(many + 3), products: 300))
        for id in ["c0", "c12", "c39", "c\(many + 2)", "c\(many + 19)"] {
            let a = try reopened.read { try $0.profile(of: id) }, b = try full.store.read { try $0.profile(of: id) }
            #expect(a == b, "\(id)")
        }
    }
}
