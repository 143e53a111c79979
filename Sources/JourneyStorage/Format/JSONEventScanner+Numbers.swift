/// Numbers for ``JSONEventScanner``: every number token follows RFC 8259's grammar, ignored ones
/// included, and the fields that take numbers parse them without floating point.
///
/// Decimal strings for money (`"price":"7.50"`) follow the same grammar as number tokens, less the
/// sign and exponent: `"007.50"` is refused as `007.50` is, so a value does not change meaning
/// with its quotes.
extension JSONEventScanner {
    /// Money as a JSON number or a decimal string, into minor units; `null` → `nil`.
    package mutating func optionalMoney(_ field: @autoclosure () -> String) throws(FieldError) -> Int64? {
        // Only made for an error: building the text per value showed in the ingest profile.
        var what: String { exponent == 0 ? "a whole amount ≥ 0" : "a decimal ≥ 0 with at most \(exponent) decimals" }
        guard i < n else { throw expected(field(), what) }
        let token: UnsafeRawBufferPointer
        if p[i] == Byte.quote {
            let span = try stringSpan()
            if span.flags != 0 { try checkText(span, field()) }
            token = UnsafeRawBufferPointer(start: p + span.start, count: span.count)
        } else if p[i] == Byte.minus || (p[i] &- Byte.zero) < 10 {
            token = numberSpan()
        } else if isNull() {
            i += 4
            return nil
        } else {
            throw expected(field(), what)
        }
        guard let value = Self.parseMoney(token, exponent: exponent) else {
            let shown = String(decoding: token.prefix(40), as: UTF8.self)
            throw FieldError(field: field(), expected: what + " (at most \(Limits.moneyMinorUnitsMax) minor units)",
                             found: p[i - 1] == Byte.quote ? "\"\(shown)\"" : shown)
        }
        return value
    }

    package mutating func optionalQuantity(_ field: @autoclosure () -> String) throws(FieldError) -> Int64? {
        var what: String { "an integer from 1 to \(Limits.quantityMax)" }
        guard i < n else { throw expected(field(), what) }
        if isNull() { i += 4; return nil }
        guard p[i] == Byte.minus || (p[i] &- Byte.zero) < 10 else { throw expected(field(), what) }
        let start = i
        guard let v = Self.wholeNumber(numberSpan(), digitsMax: 7), v >= 1, v <= Int64(Limits.quantityMax) else {
            i = start
            throw expected(field(), what)
        }
        return v
    }

    /// The bytes at `i` that may make a number token (checked by the caller).
    package mutating func numberSpan() -> UnsafeRawBufferPointer {
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

    /// Whether `token` is a JSON number: `-? (0|[1-9][0-9]*) (\.[0-9]+)? ([eE][+-]?[0-9]+)?`.
    package static func isJSONNumber(_ token: UnsafeRawBufferPointer) -> Bool {
        var k = 0
        let count = token.count
        func digits() -> Int {
            let first = k
            while k < count, token[k] &- Byte.zero < 10 { k += 1 }
            return k - first
        }
        if k < count, token[k] == Byte.minus { k += 1 }
        guard k < count else { return false }
        if token[k] == Byte.zero {
            k += 1
        } else if digits() == 0 {
            return false
        }
        if k < count, token[k] == Byte.dot {
            k += 1
            guard digits() > 0 else { return false }
        }
        if k < count, token[k] | 0x20 == UInt8(ascii: "e") {
            k += 1
            if k < count, token[k] == Byte.plus || token[k] == Byte.minus { k += 1 }
            guard digits() > 0 else { return false }
        }
        return k == count
    }

    /// A token of 1 to `digitsMax` decimal digits, without a leading zero unless it is `0`, as a number.
    package static func wholeNumber(_ token: UnsafeRawBufferPointer, digitsMax: Int) -> Int64? {
        guard token.count > 0, token.count <= digitsMax, token.count == 1 || token[0] != Byte.zero else { return nil }
        var v: Int64 = 0
        for c in token {
            let digit = c &- Byte.zero
            guard digit < 10 else { return nil }
            v = v * 10 + Int64(digit)
        }
        return v
    }

    /// Parses a plain decimal (`199`, `0.5`, `199.00`) into minor units; `nil` for anything else
    /// (a leading zero before another digit, a sign, an exponent), more decimals than the currency
    /// has (unless they are zeros), or too large.
    package static func parseMoney(_ text: String, exponent: Int) -> Int64? {
        var text = text
        return text.withUTF8 { parseMoney(UnsafeRawBufferPointer($0), exponent: exponent) }
    }

    package static func parseMoney(_ b: UnsafeRawBufferPointer, exponent: Int) -> Int64? {
        var v: Int64 = 0
        var k = 0
        var wholeDigits = 0
        while k < b.count, b[k] &- Byte.zero < 10 {
            v = v * 10 + Int64(b[k] &- Byte.zero)
            wholeDigits += 1
            k += 1
            if v > Limits.moneyMinorUnitsMax { return nil }
        }
        guard wholeDigits == 1 || (wholeDigits > 1 && b[0] != Byte.zero) else { return nil }
        var decimals = 0
        if k < b.count, b[k] == Byte.dot {
            k += 1
            var fractionDigits = 0
            while k < b.count, b[k] &- Byte.zero < 10 {
                let digit = Int64(b[k] &- Byte.zero)
                if decimals < exponent {
                    v = v * 10 + digit
                    decimals += 1
                } else if digit != 0 {
                    return nil
                }
                fractionDigits += 1
                k += 1
            }
            guard fractionDigits > 0 else { return nil }
        }
        guard k == b.count else { return nil }
        while decimals < exponent { v *= 10; decimals += 1 }
        return v <= Limits.moneyMinorUnitsMax ? v : nil
    }
}
