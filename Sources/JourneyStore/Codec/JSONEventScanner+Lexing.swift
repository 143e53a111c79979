#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The lexical layer of ``JSONEventScanner``: objects, strings, numbers, skipping, and the messages
/// that say where the JSON went wrong.
extension JSONEventScanner {
    // MARK: Lexing

    /// Scans the members of an object whose `{` was consumed, through its `}`.
    mutating func scanObject(_ member: (Key, inout JSONEventScanner) throws(FieldError) -> Void) throws(FieldError) {
        skipSpace()
        if i < n, p[i] == Byte.closeBrace { i += 1; return }
        while true {
            skipSpace()
            guard i < n, p[i] == Byte.quote else { throw syntax("a field name in double quotes") }
            let (start, end, escaped) = try stringSpan()
            let key = escaped ? Key.unknown : Key(UnsafeRawBufferPointer(start: p + start, count: end - start))
            skipSpace()
            guard i < n, p[i] == Byte.colon else { throw syntax("\":\" after a field name") }
            i += 1
            skipSpace()
            try member(key, &self)
            skipSpace()
            guard i < n else { throw syntax("\",\" or \"}\"") }
            if p[i] == Byte.comma { i += 1; continue }
            if p[i] == Byte.closeBrace { i += 1; return }
            throw syntax("\",\" or \"}\"")
        }
    }

    /// The content of the string starting at `i` (a quote), and whether it holds escapes.
    mutating func stringSpan() throws(FieldError) -> (Int, Int, Bool) {
        i += 1
        let start = i
        var escaped = false
        // Eight bytes at a time while none of them ends the string, escapes or is a control character.
        while i + 8 <= n, !Self.endsOrEscapes(UnsafeRawPointer(p + i).loadUnaligned(as: UInt64.self)) { i += 8 }
        while i < n {
            let c = p[i]
            if c == Byte.quote { i += 1; return (start, i - 1, escaped) }
            if c == Byte.backslash { escaped = true; i += 2; continue }
            if c < 0x20 { throw syntax("no control characters inside a string") }
            i += 1
        }
        i = n
        throw syntax("a closing \" for the string")
    }

    /// Whether any of the 8 bytes of `w` is a quote, a backslash or below 0x20 (bit tricks on the
    /// whole word: a byte equal to zero after an XOR, or below a bound, sets its high bit).
    @inline(__always)
    static func endsOrEscapes(_ w: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
        let quote = w ^ (ones &* UInt64(Byte.quote)), backslash = w ^ (ones &* UInt64(Byte.backslash))
        let found = ((quote &- ones) & ~quote) | ((backslash &- ones) & ~backslash) | ((w &- ones &* 0x20) & ~w)
        return found & highs != 0
    }

    /// Decodes the escapes of a string's content into the scratch buffer.
    func unescape(from start: Int, to end: Int, _ field: @autoclosure () -> String, _ d: inout EventDraft) throws(FieldError) -> ByteSlice {
        let first = d.scratch.count
        var k = start
        while k < end {
            let c = p[k]
            guard c == Byte.backslash else { d.scratch.append(c); k += 1; continue }
            let e = p[k + 1]
            k += 2
            switch e {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): d.scratch.append(e)
            case UInt8(ascii: "b"): d.scratch.append(8)
            case UInt8(ascii: "f"): d.scratch.append(12)
            case UInt8(ascii: "n"): d.scratch.append(10)
            case UInt8(ascii: "r"): d.scratch.append(13)
            case UInt8(ascii: "t"): d.scratch.append(9)
            case UInt8(ascii: "u"):
                guard var scalar = hex4(k, end) else { throw FieldError(field: field(), expected: "\\u followed by four hex digits") }
                k += 4
                if scalar >= 0xD800 && scalar < 0xDC00, k + 6 <= end, p[k] == Byte.backslash, p[k + 1] == UInt8(ascii: "u"),
                   let low = hex4(k + 2, end), low >= 0xDC00 && low < 0xE000 {
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    k += 6
                }
                let u = Unicode.Scalar(scalar) ?? "\u{FFFD}"
                var utf8 = String(u)
                utf8.withUTF8 { d.scratch.append(UnsafeRawBufferPointer($0)) }
            default:
                throw FieldError(field: field(), expected: "a valid JSON escape", found: "\\" + String(UnicodeScalar(e)))
            }
        }
        return ByteSlice(start: Int32(first), count: Int32(d.scratch.count - first))
    }

    func hex4(_ at: Int, _ end: Int) -> UInt32? {
        guard at + 4 <= end else { return nil }
        var v: UInt32 = 0
        for k in at..<at + 4 {
            let c = p[k]
            let digit: UInt8
            switch c {
            case 48...57: digit = c - 48
            case 65...70: digit = c - 55
            case 97...102: digit = c - 87
            default: return nil
            }
            v = v << 4 | UInt32(digit)
        }
        return v
    }

    /// The bytes of the number token at `i`.
    mutating func numberSpan() -> UnsafeRawBufferPointer {
        let start = i
        while i < n {
            let c = p[i]
            if (c &- Byte.zero) < 10 || c == Byte.minus || c == Byte.plus || c == Byte.dot || c == UInt8(ascii: "e") || c == UInt8(ascii: "E") {
                i += 1
            } else {
                break
            }
        }
        return UnsafeRawBufferPointer(start: p + start, count: i - start)
    }

    mutating func skipValue(depth: Int) throws(FieldError) {
        guard depth < Self.depthMax else { throw syntax("at most \(Self.depthMax) levels of nesting") }
        guard i < n else { throw syntax("a value") }
        switch p[i] {
        case Byte.quote: _ = try stringSpan()
        case Byte.openBrace:
            i += 1
            try scanObject { (_, s) throws(FieldError) in try s.skipValue(depth: depth + 1) }
        case Byte.openBracket:
            i += 1
            skipSpace()
            if i < n, p[i] == Byte.closeBracket { i += 1; return }
            while true {
                skipSpace()
                try skipValue(depth: depth + 1)
                skipSpace()
                guard i < n else { throw syntax("\",\" or \"]\"") }
                if p[i] == Byte.comma { i += 1; continue }
                if p[i] == Byte.closeBracket { i += 1; return }
                throw syntax("\",\" or \"]\"")
            }
        case UInt8(ascii: "t"): try literal("true")
        case UInt8(ascii: "f"): try literal("false")
        case UInt8(ascii: "n"): try literal("null")
        default:
            guard numberSpan().count > 0 else { throw syntax("a JSON value") }
        }
    }

    mutating func literal(_ word: StaticString) throws(FieldError) {
        let count = word.utf8CodeUnitCount
        guard i + count <= n, memcmp(p + i, word.utf8Start, count) == 0 else { throw syntax("a JSON value") }
        i += count
    }

    @inline(__always)
    func isNull() -> Bool {
        i + 4 <= n && p[i] == UInt8(ascii: "n") && p[i + 1] == UInt8(ascii: "u") && p[i + 2] == UInt8(ascii: "l") && p[i + 3] == UInt8(ascii: "l")
    }

    @inline(__always)
    mutating func skipSpace() {
        while i < n, p[i] == Byte.space || p[i] == Byte.tab || p[i] == Byte.cr || p[i] == Byte.lf { i += 1 }
    }

    // MARK: Errors

    func syntax(_ what: String) -> FieldError {
        FieldError(field: "JSON at column \(i + 1)", expected: what, found: foundText())
    }

    func expected(_ field: String, _ what: String) -> FieldError {
        FieldError(field: field, expected: what, found: foundText())
    }

    /// The value at the cursor, as it would be shown to a person.
    func foundText() -> String {
        guard i < n else { return "end of line" }
        switch p[i] {
        case Byte.openBrace: return "an object"
        case Byte.openBracket: return "an array"
        default:
            var end = i + 1
            if p[i] == Byte.quote {
                while end < n, p[end] != Byte.quote { end += p[end] == Byte.backslash ? 2 : 1 }
                end = min(end + 1, n)
            } else {
                while end < n, p[end] != Byte.comma, p[end] != Byte.closeBrace, p[end] != Byte.closeBracket { end += 1 }
            }
            let text = String(decoding: UnsafeRawBufferPointer(start: p + i, count: min(end - i, 60)), as: UTF8.self)
            return end - i > 60 ? text + "…" : text
        }
    }
}
