#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A hand-written byte-level scanner from one JSONL line to an ``EventDraft``.
///
/// It reads the line once, left to right, copying only string contents into the draft's scratch
/// buffer; keys are matched by length and bytes, unknown fields are skipped without decoding, and money
/// is parsed straight into integer minor units. `JSONDecoder` manages ~80 k events/s here; this is the
/// part of ingest that has to run at millions per second.
struct JSONEventScanner {
    /// Decimals of the store's currency.
    let exponent: Int
    /// Nesting allowed inside skipped unknown values.
    static let depthMax = 64

    var p: UnsafePointer<UInt8> = UnsafePointer(bitPattern: 1)!
    var n = 0
    var i = 0

    init(exponent: Int) { self.exponent = exponent }

    /// Scans `line` into `draft` (which it resets first).
    /// - Throws: ``FieldError`` naming the field and what was expected.
    mutating func scan(_ line: UnsafeRawBufferPointer, into draft: inout EventDraft) throws(FieldError) {
        draft.reset()
        guard let base = line.baseAddress, line.count > 0 else { throw syntax("a JSON object") }
        p = base.assumingMemoryBound(to: UInt8.self)
        n = line.count
        i = 0
        skipSpace()
        guard i < n, p[i] == Byte.openBrace else { throw syntax("a JSON object starting with {") }
        i += 1
        try scanObject { (key, scanner) throws(FieldError) in try scanner.topLevelField(key, &draft) }
        skipSpace()
        guard i == n else { throw syntax("end of line after the object") }
    }

    // MARK: Fields

    mutating func topLevelField(_ key: Key, _ d: inout EventDraft) throws(FieldError) {
        switch key {
        case .id: d.id = try optionalString("id", &d)
        case .customer: d.customer = try optionalString("customer", &d)
        case .type: try scanType(&d)
        case .time: try scanTime(&d)
        case .order: d.order = try optionalString("order", &d)
        case .product: d.product = try optionalString("product", &d)
        case .category: d.category = try optionalString("category", &d)
        case .campaign: d.campaign = try optionalString("campaign", &d)
        case .currency: d.currency = try optionalString("currency", &d)
        case .email: d.fields[AttributeField.email.rawValue] = try optionalString("email", &d)
        case .phone: d.fields[AttributeField.phone.rawValue] = try optionalString("phone", &d)
        case .total: d.total = try optionalMoney("total")
        case .items: try scanItems(&d)
        case .attributes: try scanAttributes(&d)
        default: try skipValue(depth: 0)
        }
    }

    mutating func scanType(_ d: inout EventDraft) throws(FieldError) {
        guard i < n, p[i] == Byte.quote else { throw expected("type", "one of \(EventScanText.typeNames)") }
        let (start, end, escaped) = try stringSpan()
        let span = UnsafeRawBufferPointer(start: p + start, count: end - start)
        if !escaped, let type = EventScanText.type(named: span) {
            d.type = type
            return
        }
        throw FieldError(field: "type", expected: "one of \(EventScanText.typeNames)",
                         found: "\"" + String(decoding: span.prefix(60), as: UTF8.self) + "\"")
    }

    mutating func scanTime(_ d: inout EventDraft) throws(FieldError) {
        let what = "an RFC 3339 time with offset (2026-03-01T10:00:00Z) or integer epoch milliseconds"
        guard i < n else { throw expected("time", what) }
        if p[i] == Byte.quote {
            let (start, end, escaped) = try stringSpan()
            let span = UnsafeRawBufferPointer(start: p + start, count: end - start)
            guard !escaped, let t = Timestamp.parse(rfc3339: span) else {
                throw FieldError(field: "time", expected: what, found: "\"" + String(decoding: span.prefix(60), as: UTF8.self) + "\"")
            }
            d.time = t.millisecondsSinceEpoch
        } else if p[i] == Byte.minus || (p[i] &- Byte.zero) < 10 {
            let start = i
            guard let v = Self.wholeNumber(numberSpan(), digitsMax: 15), v <= Timestamp.max.millisecondsSinceEpoch else {
                i = start
                throw expected("time", what + " between 0 and \(Timestamp.max.millisecondsSinceEpoch)")
            }
            d.time = v
        } else if isNull() {
            i += 4
        } else {
            throw expected("time", what)
        }
    }

    mutating func scanItems(_ d: inout EventDraft) throws(FieldError) {
        if isNull() { i += 4; return }
        guard i < n, p[i] == Byte.openBracket else { throw expected("items", "an array of line items") }
        i += 1
        skipSpace()
        if i < n, p[i] == Byte.closeBracket { i += 1; return }
        while true {
            let index = d.items.count
            guard index < Limits.itemsMax else { throw expected("items", "at most \(Limits.itemsMax) line items") }
            skipSpace()
            guard i < n, p[i] == Byte.openBrace else { throw expected("items[\(index)]", "an object") }
            i += 1
            var item = DraftItem()
            try scanObject { (key, s) throws(FieldError) in
                switch key {
                case .product: item.product = try s.optionalString("items[\(index)].product", &d)
                case .category: item.category = try s.optionalString("items[\(index)].category", &d)
                case .price: item.price = try s.optionalMoney("items[\(index)].price")
                case .quantity: item.quantity = try s.optionalQuantity("items[\(index)].quantity")
                default: try s.skipValue(depth: 1)
                }
            }
            d.items.append(item)
            skipSpace()
            guard i < n else { throw syntax("\",\" or \"]\" in items") }
            if p[i] == Byte.comma { i += 1; continue }
            if p[i] == Byte.closeBracket { i += 1; return }
            throw syntax("\",\" or \"]\" in items")
        }
    }

    mutating func scanAttributes(_ d: inout EventDraft) throws(FieldError) {
        if isNull() { i += 4; return }
        guard i < n, p[i] == Byte.openBrace else { throw expected("attributes", "an object") }
        i += 1
        try scanObject { (key, s) throws(FieldError) in
            let field: AttributeField
            switch key {
            case .firstName: field = .firstName
            case .lastName: field = .lastName
            case .gender: field = .gender
            case .birthday: field = .birthday
            case .city: field = .city
            case .region: field = .region
            case .zip: field = .zip
            case .country: field = .country
            case .interests: try s.scanInterests(&d); return
            default: try s.skipValue(depth: 1); return
            }
            d.fields[field.rawValue] = try s.optionalString(field.path, &d)
        }
    }

    mutating func scanInterests(_ d: inout EventDraft) throws(FieldError) {
        if isNull() { i += 4; return }
        guard i < n, p[i] == Byte.openBracket else { throw expected("attributes.interests", "an array of strings") }
        i += 1
        d.hasInterests = true
        skipSpace()
        if i < n, p[i] == Byte.closeBracket { i += 1; return }
        while true {
            skipSpace()
            guard d.interests.count < Limits.interestsMax else {
                throw expected("attributes.interests", "at most \(Limits.interestsMax) entries")
            }
            let index = d.interests.count
            guard i < n, p[i] == Byte.quote else { throw expected("attributes.interests[\(index)]", "a string") }
            d.interests.append(try string("attributes.interests[\(index)]", &d))
            skipSpace()
            guard i < n else { throw syntax("\",\" or \"]\" in interests") }
            if p[i] == Byte.comma { i += 1; continue }
            if p[i] == Byte.closeBracket { i += 1; return }
            throw syntax("\",\" or \"]\" in interests")
        }
    }

    // MARK: Values

    /// A string value (or `null` → `nil`), copied into the draft.
    mutating func optionalString(_ field: @autoclosure () -> String, _ d: inout EventDraft) throws(FieldError) -> ByteSlice? {
        guard i < n else { throw expected(field(), "a string") }
        if p[i] == Byte.quote { return try string(field(), &d) }
        if isNull() { i += 4; return nil }
        throw expected(field(), "a string")
    }

    mutating func string(_ field: @autoclosure () -> String, _ d: inout EventDraft) throws(FieldError) -> ByteSlice {
        let (start, end, escaped) = try stringSpan()
        guard end - start <= Limits.fieldBytesMax else {
            throw FieldError(field: field(), expected: "a string of at most \(Limits.fieldBytesMax) bytes", found: "\(end - start) bytes")
        }
        if !escaped { return d.store(UnsafeRawBufferPointer(start: p + start, count: end - start)) }
        return try unescape(from: start, to: end, field(), &d)
    }

    /// Money as a JSON number or a decimal string, into minor units; `null` → `nil`.
    mutating func optionalMoney(_ field: @autoclosure () -> String) throws(FieldError) -> Int64? {
        // Only made for an error: building the text per value showed in the ingest profile.
        var what: String { exponent == 0 ? "a whole amount ≥ 0" : "a decimal ≥ 0 with at most \(exponent) decimals" }
        guard i < n else { throw expected(field(), what) }
        let token: UnsafeRawBufferPointer
        if p[i] == Byte.quote {
            let (start, end, _) = try stringSpan()
            token = UnsafeRawBufferPointer(start: p + start, count: end - start)
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

    mutating func optionalQuantity(_ field: @autoclosure () -> String) throws(FieldError) -> Int64? {
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

    /// A token of 1 to `digitsMax` decimal digits and nothing else, as a number.
    static func wholeNumber(_ token: UnsafeRawBufferPointer, digitsMax: Int) -> Int64? {
        guard token.count > 0, token.count <= digitsMax else { return nil }
        var v: Int64 = 0
        for c in token {
            let digit = c &- Byte.zero
            guard digit < 10 else { return nil }
            v = v * 10 + Int64(digit)
        }
        return v
    }

    /// Parses a plain decimal (`199`, `199.5`, `199.00`) into minor units; `nil` for anything else,
    /// a negative amount, more decimals than the currency has (unless they are zeros), or too large.
    static func parseMoney(_ b: UnsafeRawBufferPointer, exponent: Int) -> Int64? {
        var v: Int64 = 0
        var k = 0
        var wholeDigits = 0
        while k < b.count, b[k] &- Byte.zero < 10 {
            v = v * 10 + Int64(b[k] &- Byte.zero)
            wholeDigits += 1
            k += 1
            if v > Limits.moneyMinorUnitsMax { return nil }
        }
        guard wholeDigits > 0 else { return nil }
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

/// ASCII bytes the scanner looks for.
enum Byte {
    static let quote = UInt8(ascii: "\"")
    static let backslash = UInt8(ascii: "\\")
    static let openBrace = UInt8(ascii: "{")
    static let closeBrace = UInt8(ascii: "}")
    static let openBracket = UInt8(ascii: "[")
    static let closeBracket = UInt8(ascii: "]")
    static let colon = UInt8(ascii: ":")
    static let comma = UInt8(ascii: ",")
    static let minus = UInt8(ascii: "-")
    static let plus = UInt8(ascii: "+")
    static let dot = UInt8(ascii: ".")
    static let zero = UInt8(ascii: "0")
    static let space = UInt8(ascii: " ")
    static let tab = UInt8(ascii: "\t")
    static let cr = UInt8(ascii: "\r")
    static let lf = UInt8(ascii: "\n")
}
