import Foundation
import Testing
@testable import JourneyStore
@_spi(Storage) import JourneyStorage

/// Item 8: a product, category or campaign is a key of the `names` database (a kind byte + the
/// name), and LMDB refuses keys over 511 bytes. Names of 511 and 512 bytes passed the 512-byte field
/// check, then failed the whole write without a line number, even with `--skip-invalid`.
@Suite struct NameKeyLimitTests {
    static func name(_ bytes: Int) -> String { String(repeating: "n", count: bytes) }

    /// A line whose field `field` holds a name of `bytes` bytes.
    static func line(_ field: String, _ bytes: Int) -> String {
        let head = #""id":"e1","customer":"c1","time":"2026-03-01T10:00:00Z""#
        let n = name(bytes)
        return switch field {
        case "product": #"{\#(head),"type":"product_view","product":"\#(n)"}"#
        case "category": #"{\#(head),"type":"product_view","product":"p1","category":"\#(n)"}"#
        case "campaign": #"{\#(head),"type":"email_open","campaign":"\#(n)"}"#
        case "items[0].product": #"{\#(head),"type":"cart_abandon","items":[{"product":"\#(n)","price":1}]}"#
        default: #"{\#(head),"type":"purchase","order":"o1","items":[{"product":"p1","category":"\#(n)","price":1}]}"#
        }
    }

    static let fields = ["product", "category", "campaign", "items[0].product", "items[0].category"]

    @Test(arguments: fields, [511, 512, 600])
    func aNameOverTheKeyLimitFailsItsLine(field: String, bytes: Int) throws {
        #expect(try Hostile.refusal(of: Self.line(field, bytes)) == "line 2: \(field): expected a name of at most 510 bytes, found \(bytes) bytes")
    }

    @Test(arguments: fields)
    func aNameAtTheKeyLimitIsStored(field: String) throws {
        let t = try TemporaryStore()
        #expect(try t.store.ingest(Self.line(field, 510)).appended == 1)
        let event = try #require(try t.store.events(of: "c1").first)
        #expect(event.jsonLine(currency: .usd).contains(#""\#(Self.name(510))""#))
    }

    @Test func skipInvalidSkipsTheLineInsteadOfFailingTheFile() throws {
        let t = try TemporaryStore()
        let good = Self.line("product", 3).replacingOccurrences(of: #""e1""#, with: #""e0""#)
        let text = [good, Self.line("category", 512), good.replacingOccurrences(of: #""e0""#, with: #""e3""#)].joined(separator: "\n") + "\n"
        let file = try t.write("names.jsonl", text)
        let rejects = t.directory + "/rejects.jsonl"
        let result = try journey("--store", t.path, "ingest", file, "--skip-invalid", "--rejects", rejects, "--json")
        #expect(result.status == 0)
        #expect(result.stdout == #"{"appended":2,"duplicates":0,"rejected":1,"events":2}"# + "\n")
        let written = try String(contentsOfFile: rejects, encoding: .utf8)
        #expect(written.contains(#""line":2,"reason":"category: expected a name of at most 510 bytes, found 512 bytes""#))
        let refused = try journey("--store", t.path, "ingest", file)
        #expect(refused.stderr == "journey: \(file): line 2: category: expected a name of at most 510 bytes, found 512 bytes; nothing from this file was committed\n")
    }

    /// Swift events meet the same limit with the same message, whichever thread loads them.
    @Test(arguments: [1, 2_999])
    func swiftEventsMeetTheSameLimit(badAt index: Int) throws {
        let t = try TemporaryStore()
        var events = IDFilterTests.views(0..<(index + 1))
        let at = time("2026-01-01T00:00:00Z")
        events[index] = index == 1
            ? Event(id: "bad", customer: "c1", time: at, payload: .productView(product: Self.name(511), category: nil))
            : Event(id: "bad", customer: "c1", time: at, payload: .cartAbandon(items: [LineItem(product: "p", category: Self.name(512), price: Money(minorUnits: 1))]))
        let field = index == 1 ? "product" : "items[0].category"
        #expect {
            try t.store.append(events)
        } throws: { error in
            (error as? JourneyError)?.message == #"event \#(index) (id "bad"): \#(field): expected a name of at most 510 bytes, found \#(index == 1 ? 511 : 512) bytes"#
        }
        #expect(try t.store.eventCount == 0)
        events[index] = Event(id: "fine", customer: "c1", time: at, payload: .emailOpen(campaign: Self.name(510)))
        #expect(try t.store.append(events).appended == index + 1)
    }
}
