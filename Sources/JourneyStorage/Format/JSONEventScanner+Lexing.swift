#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The lexical layer of ``JSONEventScanner``: objects, strings, numbers, skipping, and the messages
/// that say where the JSON went wrong.
extension JSONEventScanner {
    // MARK: Lexing

    /// Scans the members of an object whose `{` was consumed, through its `}`, refusing a key the
    /// object already has (RFC 8259 leaves the meaning of one open: "last wins" for scalars while a
    /// second `items` added to the first). `path` names the object's members in messages.
    package mutating func scanObject(_ path: ObjectPath, _ member: (Key, inout JSONEventScanner) throws(FieldError) -> Void) throws(FieldError) {
        skipSpace()
        if i < n, p[i] == Byte.closeBrace { i += 1; return }
        // Known names by a bit each; unknown ones by their bytes, on a stack shared by the objects open.
        var known: UInt32 = 0
        let unknownBase = keys.unknownCount
        defer { keys.popUnknown(to: unknownBase) }
        while true {
            skipSpace()
            guard i < n, p[i] == Byte.quote else { throw syntax("a field name in double quotes") }
            let quote = i
            let span = try stringSpan()
            // A plain key is matched in place; one with escapes or other than ASCII is decoded first.
            let key = span.flags == 0 ? Key(UnsafeRawBufferPointer(start: p + span.start, count: span.count))
                                      : try decodedKey(span, path, since: unknownBase)
            if key != .unknown {
                let bit = UInt32(1) &<< key.rawValue
                guard known & bit == 0 else { throw duplicateKey(span, path, at: quote) }
                known |= bit
            } else if span.flags == 0 {
                try noteUnknownKey(span, ObjectKeys.Name(start: span.start, count: span.count), path, since: unknownBase)
            }
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

    /// The key of a name that is not plain ASCII: checked as text (named by its column), its escapes
    /// decoded into the key buffer (so that `"\u0069d"` is the key `id`), and noted when unknown.
    @inline(never)
    package mutating func decodedKey(_ s: StringSpan, _ path: ObjectPath, since first: Int) throws(FieldError) -> Key {
        try checkText(s, nil)
        var name = ObjectKeys.Name(start: s.start, count: s.count)
        if s.escaped {
            let start = keys.decoded.count
            do { try Self.unescape(p, from: s.start, to: s.end, into: &keys.decoded) } catch { throw fieldError(error, nil) }
            name = ObjectKeys.Name(start: ~start, count: keys.decoded.count - start)
        }
        let key = Key(keyBytes(name))
        if key == .unknown { try noteUnknownKey(s, name, path, since: first) }
        return key
    }

    /// Adds the unknown key at `span` (whose bytes `name` locates) to its object's, which start at
    /// `first`, refusing one the object has already, or one too many.
    @inline(never)
    package mutating func noteUnknownKey(_ span: StringSpan, _ name: ObjectKeys.Name, _ path: ObjectPath, since first: Int) throws(FieldError) {
        guard keys.unknownCount - first < Self.unknownFieldsMax else {
            i = span.start - 1
            throw syntax("at most \(Self.unknownFieldsMax) unknown fields in an object")
        }
        if !keys.insertUnknown(name, keyBytes(name), line: p, since: first) { throw duplicateKey(span, path, at: span.start - 1) }
    }

    /// A key's bytes: in the line, or decoded in the key buffer (valid until the next key is decoded).
    package func keyBytes(_ name: ObjectKeys.Name) -> UnsafeRawBufferPointer {
        name.start >= 0 ? UnsafeRawBufferPointer(start: p + name.start, count: name.count) : keys.decodedBytes(name)
    }

    /// The key at `span` (checked as text already) is there twice; `quote` is where it starts.
    package func duplicateKey(_ span: StringSpan, _ path: ObjectPath, at quote: Int) -> FieldError {
        var decoded = ByteBuffer(capacity: span.count)
        try? Self.unescape(p, from: span.start, to: span.end, into: &decoded)
        let text = String(decoding: decoded.unsafeBytes, as: UTF8.self)
        let field = switch path {
        case .event: text
        case .item(let k): "items[\(k)].\(text)"
        case .attributes: "attributes.\(text)"
        case .unknown: column(quote)
        }
        return FieldError(field: field, problem: "duplicate key \(JSONText.quoted(text))")
    }

    package mutating func skipValue(depth: Int) throws(FieldError) {
        guard depth < Self.depthMax else { throw syntax("at most \(Self.depthMax) levels of nesting") }
        guard i < n else { throw syntax("a value") }
        switch p[i] {
        case Byte.quote:
            let span = try stringSpan()
            if span.flags != 0 { try checkText(span, nil) }
        case Byte.openBrace:
            i += 1
            try scanObject(.unknown) { (_, s) throws(FieldError) in try s.skipValue(depth: depth + 1) }
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
            let start = i
            let token = numberSpan()
            guard token.count > 0 else { throw syntax("a JSON value") }
            guard Self.isJSONNumber(token) else {
                i = start
                throw syntax("a JSON number")
            }
        }
    }

    package mutating func literal(_ word: StaticString) throws(FieldError) {
        let count = word.utf8CodeUnitCount
        guard i + count <= n, memcmp(p + i, word.utf8Start, count) == 0 else { throw syntax("a JSON value") }
        i += count
    }

    /// `true`, `false`, or `null` → `nil`.
    package mutating func optionalBool(_ field: @autoclosure () -> String) throws(FieldError) -> Bool? {
        if isNull() { i += 4; return nil }
        if i + 4 <= n, memcmp(p + i, "true", 4) == 0 { i += 4; return true }
        if i + 5 <= n, memcmp(p + i, "false", 5) == 0 { i += 5; return false }
        throw expected(field(), "true or false")
    }

    @inline(__always)
    package func isNull() -> Bool {
        i + 4 <= n && p[i] == UInt8(ascii: "n") && p[i + 1] == UInt8(ascii: "u") && p[i + 2] == UInt8(ascii: "l") && p[i + 3] == UInt8(ascii: "l")
    }

    @inline(__always)
    package mutating func skipSpace() {
        while i < n, p[i] == Byte.space || p[i] == Byte.tab || p[i] == Byte.cr || p[i] == Byte.lf { i += 1 }
    }

    // MARK: Errors

    package func syntax(_ what: String) -> FieldError {
        FieldError(field: column(i), expected: what, found: foundText(), breaksJSON: true)
    }

    package func expected(_ field: String, _ what: String) -> FieldError {
        FieldError(field: field, expected: what, found: foundText())
    }

    /// The value at the cursor, as it would be shown to a person.
    package func foundText() -> String {
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
