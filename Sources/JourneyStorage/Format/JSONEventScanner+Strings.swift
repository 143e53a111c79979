/// JSON strings for ``JSONEventScanner``: finding a string's end, and refusing one that is not text
/// (ill-formed UTF-8, a bad escape, an unpaired surrogate), whether the scanner keeps it, matches it
/// as a key or skips it inside an unknown field: RFC 8259 §8.1 makes all of JSON text UTF-8.
extension JSONEventScanner {
    /// The content of a string in the line and what it holds beyond plain ASCII.
    package struct StringSpan {
        var start: Int
        var end: Int
        var flags: UInt8

        static let escapedFlag: UInt8 = 1
        static let nonASCIIFlag: UInt8 = 2

        var count: Int { end - start }
        var escaped: Bool { flags & Self.escapedFlag != 0 }
        var nonASCII: Bool { flags & Self.nonASCIIFlag != 0 }
    }

    /// The string starting at `i` (a quote), through its closing quote.
    package mutating func stringSpan() throws(FieldError) -> StringSpan {
        i += 1
        let start = i
        var flags: UInt8 = 0
        // Eight bytes at a time to the first that ends the string, escapes, is a control character
        // or, until one is found, has its high bit set (a string of ASCII alone needs no UTF-8 check).
        var highs: UInt64 = 0x8080_8080_8080_8080
        while true {
            while i + 8 <= n {
                let stops = Self.stops(UnsafeRawPointer(p + i).loadUnaligned(as: UInt64.self), highs: highs)
                if stops != 0 { i += stops.trailingZeroBitCount >> 3; break }
                i += 8
            }
            guard i < n else { break }
            let c = p[i]
            if c == Byte.quote { i += 1; return StringSpan(start: start, end: i - 1, flags: flags) }
            if c == Byte.backslash { flags |= StringSpan.escapedFlag; i += 2; continue }
            if c < 0x20 { throw syntax("no control characters inside a string") }
            if c >= 0x80 { flags |= StringSpan.nonASCIIFlag; highs = 0 }
            i += 1
        }
        i = n
        throw syntax("a closing \" for the string")
    }

    /// The high bit of each of the 8 bytes of `w` (little-endian) that is a quote, a backslash, below
    /// 0x20, or has a bit of `highs`, where the lowest one set is exact: bit tricks on the whole
    /// word (a byte equal to zero after an XOR, or below a bound, sets its high bit; the borrow can
    /// flag bytes above a true one, never below).
    @inline(__always)
    package static func stops(_ w: UInt64, highs: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101, allHighs: UInt64 = 0x8080_8080_8080_8080
        let quote = w ^ (ones &* UInt64(Byte.quote)), backslash = w ^ (ones &* UInt64(Byte.backslash))
        let found = ((quote &- ones) & ~quote) | ((backslash &- ones) & ~backslash) | ((w &- ones &* 0x20) & ~w)
        return (found & allHighs) | (w & highs)
    }

    /// Refuses a string that is not text, without decoding it. A `nil` field names the place by its
    /// column (a key, or a string inside an unknown field).
    package func checkText(_ s: StringSpan, _ field: @autoclosure () -> String?) throws(FieldError) {
        if s.nonASCII, let bad = UTF8Validation.firstInvalid(p, from: s.start, to: s.end) {
            throw FieldError(field: field() ?? column(bad), problem: "invalid UTF-8")
        }
        guard s.escaped else { return }
        var none = DiscardingSink()
        do { try Self.unescape(p, from: s.start, to: s.end, into: &none) } catch { throw fieldError(error, field()) }
    }

    /// The string's text copied into the draft's scratch buffer, escapes decoded, after the checks of
    /// ``checkText(_:_:)`` (which a plain ASCII string skips).
    @inline(never)
    package func text(_ s: StringSpan, _ field: @autoclosure () -> String, _ d: inout EventDraft) throws(FieldError) -> ByteSlice {
        let whole = UnsafeRawBufferPointer(start: p + s.start, count: s.count)
        if s.flags == 0 { return d.store(whole) }
        if s.nonASCII, UTF8Validation.firstInvalid(p, from: s.start, to: s.end) != nil {
            throw FieldError(field: field(), problem: "invalid UTF-8")
        }
        if !s.escaped { return d.store(whole) }
        let first = d.scratch.count
        do { try Self.unescape(p, from: s.start, to: s.end, into: &d.scratch) } catch { throw fieldError(error, field()) }
        return ByteSlice(start: Int32(first), count: Int32(d.scratch.count - first))
    }

    /// What went wrong in a string's escapes, and where.
    package struct EscapeFault: Error {
        var position: Int
        /// The escape's bytes, to show.
        var count: Int
        /// An unpaired surrogate (`"\ud800"`): a code point that UTF-8 cannot hold.
        var surrogate: Bool
    }

    package func fieldError(_ fault: EscapeFault, _ field: String?) -> FieldError {
        let name = field ?? column(fault.position)
        if fault.surrogate { return FieldError(field: name, problem: "invalid UTF-8") }
        let shown = String(decoding: UnsafeRawBufferPointer(start: p + fault.position, count: fault.count), as: UTF8.self)
        return FieldError(field: name, expected: "a valid JSON escape", found: shown, breaksJSON: true)
    }

    package func column(_ position: Int) -> String { "JSON at column \(position + 1)" }

    /// Decodes the escapes of `p[start..<end]` (a string's content, whose backslashes are each
    /// followed by a byte before `end`, as ``stringSpan()`` leaves them) into `sink`.
    package static func unescape<Sink: ByteSink>(_ p: UnsafePointer<UInt8>, from start: Int, to end: Int, into sink: inout Sink) throws(EscapeFault) {
        var k = start
        while k < end {
            let c = p[k]
            guard c == Byte.backslash else { sink.append(c); k += 1; continue }
            let e = p[k + 1]
            switch e {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): sink.append(e)
            case UInt8(ascii: "b"): sink.append(8)
            case UInt8(ascii: "f"): sink.append(12)
            case UInt8(ascii: "n"): sink.append(10)
            case UInt8(ascii: "r"): sink.append(13)
            case UInt8(ascii: "t"): sink.append(9)
            case UInt8(ascii: "u"):
                guard var scalar = hex4(p, k + 2, end) else { throw EscapeFault(position: k, count: min(6, end - k), surrogate: false) }
                if scalar >= 0xDC00 && scalar < 0xE000 { throw EscapeFault(position: k, count: 6, surrogate: true) }
                if scalar >= 0xD800 && scalar < 0xDC00 {
                    guard k + 12 <= end, p[k + 6] == Byte.backslash, p[k + 7] == UInt8(ascii: "u"),
                          let low = hex4(p, k + 8, end), low >= 0xDC00 && low < 0xE000 else {
                        throw EscapeFault(position: k, count: 6, surrogate: true)
                    }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    k += 6
                }
                appendUTF8(scalar, to: &sink)
                k += 4
            default:
                throw EscapeFault(position: k, count: 2, surrogate: false)
            }
            k += 2
        }
    }

    @inline(__always)
    package static func appendUTF8<Sink: ByteSink>(_ scalar: UInt32, to sink: inout Sink) {
        switch scalar {
        case ..<0x80:
            sink.append(UInt8(scalar))
        case ..<0x800:
            sink.append(UInt8(0xC0 | scalar >> 6)); sink.append(UInt8(0x80 | scalar & 0x3F))
        case ..<0x10000:
            sink.append(UInt8(0xE0 | scalar >> 12)); sink.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            sink.append(UInt8(0x80 | scalar & 0x3F))
        default:
            sink.append(UInt8(0xF0 | scalar >> 18)); sink.append(UInt8(0x80 | scalar >> 12 & 0x3F))
            sink.append(UInt8(0x80 | scalar >> 6 & 0x3F)); sink.append(UInt8(0x80 | scalar & 0x3F))
        }
    }

    package static func hex4(_ p: UnsafePointer<UInt8>, _ at: Int, _ end: Int) -> UInt32? {
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
}

/// Where decoded string bytes go: a draft's scratch buffer, a key's, or nowhere (only checked).
package protocol ByteSink {
    mutating func append(_ byte: UInt8)
}

extension ByteBuffer: ByteSink {}

package struct DiscardingSink: ByteSink {
    @inline(__always) package mutating func append(_ byte: UInt8) {}
}
