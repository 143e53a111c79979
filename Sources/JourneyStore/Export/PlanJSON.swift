@_spi(Storage) import JourneyStorage
/// A JSON value of a plan file (RFC 8259). Objects keep their keys in order, duplicates included,
/// so that the plan reader can refuse them.
enum PlanJSON {
    case object([(key: String, value: PlanJSON)])
    case array([PlanJSON])
    case string(String)
    case number(String)
    case bool(Bool)
    case null

    /// The deepest nesting of arrays and objects; a plan needs 3. Parsing recurses this deep at most.
    static let depthMax = 16

    /// The kind of value, as a message names it.
    var kind: String {
        switch self {
        case .object: "an object"
        case .array: "an array"
        case .string(let s): "the string " + JSONText.quoted(s.count > 40 ? String(s.prefix(40)) + "…" : s)
        case .number(let n): "the number " + n
        case .bool(let b): b ? "true" : "false"
        case .null: "null"
        }
    }

    /// Parses `bytes` as one JSON value.
    /// - Throws: ``JourneyError`` `.invalidArgument`: `line 2, column 7: expected "," or "]", found "}"`.
    static func parse(_ bytes: [UInt8]) throws(JourneyError) -> PlanJSON {
        var reader = PlanJSONReader(bytes: bytes)
        reader.skipSpace()
        let value = try reader.value(depth: 0)
        reader.skipSpace()
        guard reader.i == bytes.count else { throw reader.fail("end of file after the value") }
        return value
    }
}

/// A recursive-descent JSON reader whose recursion is bounded by ``PlanJSON/depthMax``.
private struct PlanJSONReader {
    let bytes: [UInt8]
    var i = 0

    func fail(_ expected: String) -> JourneyError {
        let found = i < bytes.count
            ? JSONText.quoted(String(String(decoding: bytes[i..<min(i + 4, bytes.count)], as: UTF8.self).prefix(1)))
            : "end of file"
        return failing("expected \(expected), found \(found)")
    }

    /// `message` after the line and column (in characters) of the reading position.
    func failing(_ message: String) -> JourneyError {
        var line = 1, column = 1
        for b in bytes[..<i] {
            if b == UInt8(ascii: "\n") { line += 1; column = 1 } else if b & 0xC0 != 0x80 { column += 1 }
        }
        return JourneyError(.invalidArgument, "line \(line), column \(column): \(message)")
    }

    mutating func skipSpace() {
        while i < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[i]) { i += 1 }
    }

    private mutating func take(_ byte: Character) -> Bool {
        guard i < bytes.count, bytes[i] == byte.asciiValue! else { return false }
        i += 1
        return true
    }

    mutating func value(depth: Int) throws(JourneyError) -> PlanJSON {
        guard i < bytes.count else { throw fail("a value") }
        switch bytes[i] {
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            guard depth < PlanJSON.depthMax else { throw failing("more than \(PlanJSON.depthMax) nested arrays or objects") }
            return bytes[i] == UInt8(ascii: "{") ? try object(depth: depth + 1) : try array(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"), UInt8(ascii: "f"), UInt8(ascii: "n"):
            for (word, value) in [("true", PlanJSON.bool(true)), ("false", .bool(false)), ("null", .null)]
            where bytes[i...].starts(with: word.utf8) {
                i += word.utf8.count
                return value
            }
            throw fail("a value")
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
        default: throw fail("a value")
        }
    }

    private mutating func object(depth: Int) throws(JourneyError) -> PlanJSON {
        i += 1
        var members: [(key: String, value: PlanJSON)] = []
        skipSpace()
        if take("}") { return .object(members) }
        while true {
            skipSpace()
            guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { throw fail("a key in double quotes") }
            let key = try string()
            skipSpace()
            guard take(":") else { throw fail("\":\" after the key") }
            skipSpace()
            members.append((key, try value(depth: depth)))
            skipSpace()
            if take(",") { continue }
            guard take("}") else { throw fail("\",\" or \"}\"") }
            return .object(members)
        }
    }

    private mutating func array(depth: Int) throws(JourneyError) -> PlanJSON {
        i += 1
        var elements: [PlanJSON] = []
        skipSpace()
        if take("]") { return .array(elements) }
        while true {
            skipSpace()
            elements.append(try value(depth: depth))
            skipSpace()
            if take(",") { continue }
            guard take("]") else { throw fail("\",\" or \"]\"") }
            return .array(elements)
        }
    }

    private mutating func string() throws(JourneyError) -> String {
        i += 1
        var out: [UInt8] = []
        while i < bytes.count, bytes[i] != UInt8(ascii: "\"") {
            let b = bytes[i]
            guard b >= 0x20 else { throw fail("a character of the string (control characters must be escaped)") }
            guard b == UInt8(ascii: "\\") else { out.append(b); i += 1; continue }
            i += 1
            guard i < bytes.count else { break }
            let escaped = bytes[i]
            i += 1
            switch escaped {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(escaped)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"): out.append(contentsOf: String(try unicodeEscape()).utf8)
            default: i -= 1; throw fail("an escape (\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)")
            }
        }
        guard take("\"") else { throw fail("a closing \" for the string") }
        guard let text = String(validating: out, as: UTF8.self) else { throw fail("a string of valid UTF-8 before this") }
        return text
    }

    /// The scalar of `\uXXXX` (the `\u` read), joining a surrogate pair.
    private mutating func unicodeEscape() throws(JourneyError) -> Unicode.Scalar {
        let high = try hex4()
        if (0xD800..<0xDC00).contains(high) {
            guard take("\\"), take("u") else { throw fail("\\u and the low half of a surrogate pair") }
            let low = try hex4()
            guard (0xDC00..<0xE000).contains(low) else { throw fail("the low half of a surrogate pair") }
            return Unicode.Scalar(0x10000 + (high - 0xD800) << 10 + (low - 0xDC00))!
        }
        guard let scalar = Unicode.Scalar(high) else { throw fail("a \\u escape that is not half of a surrogate pair") }
        return scalar
    }

    private mutating func hex4() throws(JourneyError) -> UInt32 {
        var v: UInt32 = 0
        for _ in 0..<4 {
            guard i < bytes.count, let digit = Character(Unicode.Scalar(bytes[i])).hexDigitValue else {
                throw fail("4 hex digits after \\u")
            }
            v = v << 4 | UInt32(digit)
            i += 1
        }
        return v
    }

    private mutating func number() throws(JourneyError) -> String {
        let start = i
        func digits(_ r: inout PlanJSONReader) -> Int {
            let from = r.i
            while r.i < r.bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(r.bytes[r.i]) { r.i += 1 }
            return r.i - from
        }
        _ = take("-")
        if !take("0") { guard digits(&self) > 0 else { throw fail("a digit") } }
        if take(".") { guard digits(&self) > 0 else { throw fail("a digit after \".\"") } }
        if take("e") || take("E") {
            _ = take("+") || take("-")
            guard digits(&self) > 0 else { throw fail("a digit in the exponent") }
        }
        return String(decoding: bytes[start..<i], as: UTF8.self)
    }
}
