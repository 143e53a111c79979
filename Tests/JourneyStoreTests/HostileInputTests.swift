import Foundation
import Testing
@testable import JourneyStore
@_spi(Storage) import JourneyStorage

/// Lines built to break the scanner (issue 16), refused with the message a user reads, or stored as
/// the format says.
enum Hostile {
    static let firstLine = #"{"type":"email_open","id":"ok","customer":"c0","time":"2026-01-01T00:00:00Z"}"#

    /// `text` as bytes, with each `«XX»` replaced by the byte of hex XX (for bytes a Swift string
    /// cannot hold, such as `«FF»`).
    static func bytes(_ text: String) -> [UInt8] {
        var out: [UInt8] = []
        var rest = Substring(text)
        while let open = rest.range(of: "«") {
            out += Array(rest[..<open.lowerBound].utf8)
            let hex = rest[open.upperBound...].prefix(2)
            out.append(UInt8(hex, radix: 16)!)
            rest = rest[rest.index(open.upperBound, offsetBy: 3)...]
        }
        return out + Array(rest.utf8)
    }

    /// The message refusing `line` as the second line of a file (the first is valid), or `nil`
    /// when the file is accepted; a refused file must commit nothing.
    static func refusal(of line: [UInt8]) throws -> String? {
        let t = try TemporaryStore()
        do {
            _ = try t.store.ingestJSONL(Array(firstLine.utf8) + [10] + line + [10])
            return nil
        } catch let error as JourneyError {
            #expect(error.code == .invalidEvent)
            #expect(try t.store.eventCount == 0, "a refused file commits nothing")
            return error.message
        }
    }

    static func refusal(of line: String) throws -> String? { try refusal(of: bytes(line)) }
}

/// Item 2: JSON text is UTF-8 (RFC 8259 §8.1); ill-formed bytes and unpaired surrogate escapes are
/// refused wherever they are, so that two customers never print alike.
@Suite struct InvalidUTF8Tests {
    static let head = #""id":"e1","time":"2026-03-01T10:00:00Z""#
    static let view = #""id":"e1","time":1,"type":"product_view","customer":"c1""#

    static let cases: [(String, String)] = [
        (#"{\#(head),"type":"email_open","customer":"c«FF»"}"#, "customer: invalid UTF-8"),
        (#"{\#(head),"type":"email_open","customer":"c«FE»"}"#, "customer: invalid UTF-8"),
        (#"{\#(view),"product":"«C0»«AF»"}"#, "product: invalid UTF-8"),                  // overlong "/"
        (#"{\#(view),"product":"a«E0»«80»«AF»"}"#, "product: invalid UTF-8"),             // overlong, 3 bytes
        (#"{\#(view),"product":"«ED»«A0»«80»"}"#, "product: invalid UTF-8"),              // U+D800 as bytes
        (#"{\#(view),"product":"«F4»«90»«80»«80»"}"#, "product: invalid UTF-8"),          // above U+10FFFF
        (#"{\#(view),"product":"«F5»«80»«80»«80»"}"#, "product: invalid UTF-8"),
        (#"{\#(view),"product":"ab«E2»«82»"}"#, "product: invalid UTF-8"),                // truncated at the end
        (#"{\#(view),"product":"«E2»«82»ab"}"#, "product: invalid UTF-8"),                // truncated inside
        (#"{\#(view),"product":"«80»"}"#, "product: invalid UTF-8"),                      // no lead byte
        (#"{\#(view),"product":"p1","category":"twelve bytes«FF» and more"}"#, "category: invalid UTF-8"),
        (#"{\#(head),"type":"email_open","customer":"c\ud800"}"#, "customer: invalid UTF-8"),
        (#"{\#(head),"type":"email_open","customer":"c\udc00"}"#, "customer: invalid UTF-8"),
        (#"{\#(head),"type":"email_open","customer":"\ud800\u0041"}"#, "customer: invalid UTF-8"),
        (#"{\#(head),"type":"email_open","customer":"c\ud83d"}"#, "customer: invalid UTF-8"),
        (#"{\#(head),"type":"purchase","customer":"c1","order":"o1","items":[{"product":"p«FF»","price":1}]}"#,
         "items[0].product: invalid UTF-8"),
        (#"{\#(head),"type":"signup","customer":"c1","attributes":{"interests":["ok","\udfff"]}}"#,
         "attributes.interests[1]: invalid UTF-8"),
        (#"{\#(head),"type":"email_open","customer":"c1","note«FF»":1}"#, "JSON at column 83: invalid UTF-8"),
        (#"{\#(head),"type":"email_open","customer":"c1","utm":{"source":"«C3»"}}"#, "JSON at column 95: invalid UTF-8"),
        (#"{\#(head),"type":"email_open","customer":"c1","utm":["x","\ud800"]}"#, "JSON at column 90: invalid UTF-8"),
        (#"{\#(head),"type":"email_open","customer":"c1","\udc00":1}"#, "JSON at column 79: invalid UTF-8"),
        (#"{\#(head),"type":"email_open","customer":"c1","utm":"\q"}"#, #"JSON at column 85: expected a valid JSON escape, found \q"#),
        (#"{\#(head),"type":"email_open","customer":"c1\u00e"}"#, #"customer: expected a valid JSON escape, found \u00e"#),
        (#"{\#(head),"type":"«FF»","customer":"c1"}"#, "type: invalid UTF-8"),
    ]

    @Test(arguments: cases)
    func illFormedTextIsRefusedWithItsField(line: String, message: String) throws {
        #expect(try Hostile.refusal(of: line) == "line 2: " + message)
    }

    @Test func wellFormedTextIsKept() throws {
        let t = try TemporaryStore()
        let text = Hostile.bytes(#"""
        {"id":"e1","type":"product_view","customer":"caf«C3»«A9»","time":1,"product":"«F0»«9F»«98»«80»«EF»«BF»«BF»«F4»«8F»«BF»«BF»","ключ":"значение"}
        {"id":"e2","type":"product_view","customer":"c\ufffd","time":2,"product":"\ud83d\ude00\u00e9"}
        """#)
        #expect(try t.store.ingestJSONL(text).appended == 2)
        #expect(try t.store.events(of: "café").first?.payload == .productView(product: "😀\u{FFFF}\u{10FFFF}", category: nil))
        #expect(try t.store.events(of: "c\u{FFFD}").first?.payload == .productView(product: "😀é", category: nil))
    }

    /// The issue's report: `c\xff`, `c\xfe` and `c\ufffd` were three customers printed alike, and
    /// `profile $'c\xff'` answered with another one's profile.
    @Test func theCLIKeepsCustomersApart() throws {
        let t = try TemporaryStore()
        let file = t.directory + "/mixed.jsonl"
        try Data(Hostile.bytes(#"""
        {"id":"e1","type":"email_open","customer":"c\ufffd","time":1}
        {"id":"e2","type":"email_open","customer":"c«FF»","time":2}
        {"id":"e3","type":"email_open","customer":"c«FE»","time":3}

        """#)).write(to: URL(fileURLWithPath: file))
        let result = try journey("--store", t.path, "ingest", file, "--skip-invalid", "--json")
        #expect(result.stdout == #"{"appended":1,"duplicates":0,"rejected":2,"events":1}"# + "\n")
        let refused = try journey("--store", t.path, "ingest", file)
        #expect(refused.stderr == "journey: \(file): line 2: customer: invalid UTF-8; nothing from this file was committed\n")
        // The shell passes the byte 0xFF itself, which a Swift string cannot.
        let raw = try run("/bin/sh", ["-c", #""$0" --store "$1" profile "$(printf 'c\377')""#, journeyBinary(), t.path])
        #expect(raw.status != 0)
        #expect(raw.stdout.isEmpty)
        #expect(raw.stderr == "journey: argument 4 is not valid UTF-8\n")
        let replacement = try journey("--store", t.path, "profile", "c\u{FFFD}", "--json")
        #expect(replacement.status == 0)
        #expect(replacement.stdout.hasPrefix(#"{"customer":"c�","#))
    }
}
