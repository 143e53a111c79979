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
///
/// The whole line must be JSON text (UTF-8, RFC 8259 numbers, no duplicate keys), but of the
/// fields only those of the event's type (``EventFields``) are checked: the others are skipped like
/// unknown ones.
package struct JSONEventScanner {
    /// Decimals of the store's currency.
    package let exponent: Int
    /// Nesting allowed inside skipped unknown values.
    package static let depthMax = 64
    /// Fields of one object with names the scanner does not know (known ones are each there at most
    /// once): bounds the comparisons of an object's unknown keys with each other.
    package static let unknownFieldsMax = 1_000

    package var p: UnsafePointer<UInt8> = UnsafePointer(bitPattern: 1)!
    package var n = 0
    package var i = 0
    package var keys = ObjectKeys()
    /// Errors of fields scanned before the line's type, which count only if the type has the field.
    package var deferred: [(Key, FieldError)] = []

    package init(exponent: Int) { self.exponent = exponent }

    /// Scans `line` into `draft` (which it resets first).
    /// - Throws: ``FieldError`` naming the field and what was expected.
    package mutating func scan(_ line: UnsafeRawBufferPointer, into draft: inout EventDraft) throws(FieldError) {
        draft.reset()
        keys.reset()
        if !deferred.isEmpty { deferred.removeAll(keepingCapacity: true) }
        guard let base = line.baseAddress, line.count > 0 else { throw syntax("a JSON object") }
        p = base.assumingMemoryBound(to: UInt8.self)
        n = line.count
        i = 0
        skipSpace()
        guard i < n, p[i] == Byte.openBrace else { throw syntax("a JSON object starting with {") }
        i += 1
        try scanObject(.event) { (key, scanner) throws(FieldError) in try scanner.topLevelField(key, &draft) }
        skipSpace()
        guard i == n else { throw syntax("end of line after the object") }
    }

    // MARK: Fields

    package mutating func topLevelField(_ key: Key, _ d: inout EventDraft) throws(FieldError) {
        switch key {
        case .id: d.id = try optionalString("id", &d)
        case .customer: d.customer = try optionalString("customer", &d)
        case .type: try scanType(&d)
        case .time: try scanTime(&d)
        default:
            if let type = d.type {
                guard EventFields.of(type).contains(key) else { return try skipValue(depth: 0) }
                try typeField(key, &d)
            } else {
                try fieldBeforeType(key, &d)
            }
        }
    }

    /// A field some types have, before the line's type is known: its error is kept for when the
    /// type is, unless the value is not JSON at all (then the line is refused whatever the type).
    package mutating func fieldBeforeType(_ key: Key, _ d: inout EventDraft) throws(FieldError) {
        let start = i
        do {
            try typeField(key, &d)
        } catch {
            if error.breaksJSON { throw error }
            i = start
            try skipValue(depth: 0)
            deferred.append((key, error))
        }
    }

    /// A field of some types (any other key is skipped).
    @inline(__always)
    package mutating func typeField(_ key: Key, _ d: inout EventDraft) throws(FieldError) {
        switch key {
        case .order: d.order = try optionalString("order", &d)
        case .product: d.product = try optionalString("product", &d, bytesMax: Self.validatedLater)
        case .category: d.category = try optionalString("category", &d, bytesMax: Self.validatedLater)
        case .campaign: d.campaign = try optionalString("campaign", &d, bytesMax: Self.validatedLater)
        case .currency: d.currency = try optionalString("currency", &d)
        case .email: d.fields[AttributeField.email.rawValue] = try optionalString("email", &d)
        case .phone: d.fields[AttributeField.phone.rawValue] = try optionalString("phone", &d)
        case .total: d.total = try optionalMoney("total")
        case .items: try scanItems(&d)
        case .attributes: try scanAttributes(&d)
        case .offer: d.offer = try optionalString("offer", &d, bytesMax: Self.validatedLater)
        case .channel: d.channel = try optionalString("channel", &d)
        default: try skipValue(depth: 0)
        }
    }

    /// The length bound of names the store interns here: none, as validation checks them against
    /// the key limit (``Limits/nameBytesMax``), for JSONL and Swift events alike.
    package static let validatedLater = Int.max

    package mutating func scanType(_ d: inout EventDraft) throws(FieldError) {
        guard i < n, p[i] == Byte.quote else { throw expected("type", "one of \(EventScanText.typeNames)") }
        let s = try stringSpan()
        if s.flags != 0 { try checkText(s, "type") }
        let span = UnsafeRawBufferPointer(start: p + s.start, count: s.count)
        guard !s.escaped, let type = EventScanText.type(named: span) else {
            throw FieldError(field: "type", expected: "one of \(EventScanText.typeNames)",
                             found: "\"" + String(decoding: span.prefix(60), as: UTF8.self) + "\"")
        }
        d.type = type
        let fields = EventFields.of(type)
        for (key, error) in deferred where fields.contains(key) { throw error }
    }

    package mutating func scanTime(_ d: inout EventDraft) throws(FieldError) {
        let what = "an RFC 3339 time with offset (2026-03-01T10:00:00Z) or integer epoch milliseconds"
        guard i < n else { throw expected("time", what) }
        if p[i] == Byte.quote {
            let s = try stringSpan()
            if s.flags != 0 { try checkText(s, "time") }
            let span = UnsafeRawBufferPointer(start: p + s.start, count: s.count)
            guard !s.escaped, let t = Timestamp.parse(rfc3339: span) else {
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

    package mutating func scanItems(_ d: inout EventDraft) throws(FieldError) {
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
            try scanObject(.item(index)) { (key, s) throws(FieldError) in
                switch key {
                case .product: item.product = try s.optionalString("items[\(index)].product", &d, bytesMax: Self.validatedLater)
                case .category: item.category = try s.optionalString("items[\(index)].category", &d, bytesMax: Self.validatedLater)
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

    package mutating func scanAttributes(_ d: inout EventDraft) throws(FieldError) {
        if isNull() { i += 4; return }
        guard i < n, p[i] == Byte.openBrace else { throw expected("attributes", "an object") }
        i += 1
        try scanObject(.attributes) { (key, s) throws(FieldError) in
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
            case .emailConsent: d.emailConsent = try s.optionalBool("attributes.email_consent"); return
            case .adsConsent: d.adsConsent = try s.optionalBool("attributes.ads_consent"); return
            default: try s.skipValue(depth: 1); return
            }
            d.fields[field.rawValue] = try s.optionalString(field.path, &d)
        }
    }

    package mutating func scanInterests(_ d: inout EventDraft) throws(FieldError) {
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
    package mutating func optionalString(_ field: @autoclosure () -> String, _ d: inout EventDraft,
                                 bytesMax: Int = Limits.fieldBytesMax) throws(FieldError) -> ByteSlice? {
        guard i < n else { throw expected(field(), "a string") }
        if p[i] == Byte.quote { return try string(field(), &d, bytesMax: bytesMax) }
        if isNull() { i += 4; return nil }
        throw expected(field(), "a string")
    }

    package mutating func string(_ field: @autoclosure () -> String, _ d: inout EventDraft, bytesMax: Int = Limits.fieldBytesMax) throws(FieldError) -> ByteSlice {
        let s = try stringSpan()
        guard s.count <= bytesMax else {
            throw FieldError(field: field(), expected: "a string of at most \(bytesMax) bytes", found: "\(s.count) bytes")
        }
        if s.flags == 0 { return d.store(UnsafeRawBufferPointer(start: p + s.start, count: s.count)) }
        return try text(s, field(), &d)
    }
}

/// ASCII bytes the scanner looks for.
package enum Byte {
    package static let quote = UInt8(ascii: "\"")
    package static let backslash = UInt8(ascii: "\\")
    package static let openBrace = UInt8(ascii: "{")
    package static let closeBrace = UInt8(ascii: "}")
    package static let openBracket = UInt8(ascii: "[")
    package static let closeBracket = UInt8(ascii: "]")
    package static let colon = UInt8(ascii: ":")
    package static let comma = UInt8(ascii: ",")
    package static let minus = UInt8(ascii: "-")
    package static let plus = UInt8(ascii: "+")
    package static let dot = UInt8(ascii: ".")
    package static let zero = UInt8(ascii: "0")
    package static let space = UInt8(ascii: " ")
    package static let tab = UInt8(ascii: "\t")
    package static let cr = UInt8(ascii: "\r")
    package static let lf = UInt8(ascii: "\n")
}
