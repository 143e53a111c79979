/// A range of bytes in an ``EventDraft``'s scratch buffer.
package struct ByteSlice: Equatable {
    package var start: Int32
    package var count: Int32
}

/// One line item as scanned, before validation.
package struct DraftItem {
    package var product: ByteSlice?
    package var category: ByteSlice?
    package var price: Int64?
    package var quantity: Int64?
}

/// The attribute fields of signup and profile events, in their stored order.
package enum AttributeField: Int, CaseIterable {
    case email, phone, firstName, lastName, gender, birthday, city, region, zip, country

    package var jsonName: String {
        switch self {
        case .email: "email"
        case .phone: "phone"
        case .firstName: "first_name"
        case .lastName: "last_name"
        case .gender: "gender"
        case .birthday: "birthday"
        case .city: "city"
        case .region: "region"
        case .zip: "zip"
        case .country: "country"
        }
    }

    /// The field's path in JSONL, for error messages.
    package var path: String { rawValue < 2 ? jsonName : "attributes." + jsonName }
}

/// An event on its way in, from JSONL or from the Swift API, with strings kept as byte ranges of one
/// reusable buffer, so the ingest hot path allocates nothing per event once warm.
package struct EventDraft {
    package var scratch = ByteBuffer(capacity: 0)
    package var type: EventType?
    package var id: ByteSlice?
    package var customer: ByteSlice?
    package var time: Int64?
    package var order: ByteSlice?
    package var product: ByteSlice?
    package var category: ByteSlice?
    package var campaign: ByteSlice?
    package var currency: ByteSlice?
    package var total: Int64?
    /// `offer`'s name and the channel of an `offer` or `unsubscribe`.
    package var offer: ByteSlice?
    package var channel: ByteSlice?
    /// `attributes.email_consent` and `attributes.ads_consent`.
    package var emailConsent: Bool?
    package var adsConsent: Bool?
    /// An `unsubscribe`'s channel, set by validation.
    package var unsubscribeChannel: ConsentChannel?
    /// Contact fields and attributes, indexed by ``AttributeField``.
    package var fields: [ByteSlice?] = Array(repeating: nil, count: AttributeField.allCases.count)
    package var interests: [ByteSlice] = []
    package var hasInterests = false
    package var items: [DraftItem] = []
    /// `stableHash64` of the id and `tableHash64` of the customer id, set by ``validate(currency:)``:
    /// the writer looks both up by them, and for ingest they are computed on the reading thread.
    package var idHash: UInt64 = 0
    package var customerHash: UInt64 = 0

    /// A draft with room for `scratchBytes` of strings (it grows past them when an event needs it).
    package init(scratchBytes: Int = EventDraft.scratchBytesInitial) {
        scratch = ByteBuffer(capacity: scratchBytes)
        items.reserveCapacity(16)
    }

    /// A JSONL line's strings fit in this many bytes but for rare, long lines.
    package static let scratchBytesInitial = 4096

    /// About the bytes this draft holds for its strings and lists, in use or not (a draft keeps
    /// room for the largest event it has held).
    package var heldBytes: Int {
        scratch.capacity + items.capacity * MemoryLayout<DraftItem>.stride + interests.capacity * MemoryLayout<ByteSlice>.stride
    }

    private init(placeholder: Void) {}

    /// A draft that reserves nothing: what stands in while a draft is moved out of its owner.
    package static let placeholder = EventDraft(placeholder: ())

    package mutating func reset() {
        scratch.removeAll()
        type = nil; id = nil; customer = nil; time = nil
        order = nil; product = nil; category = nil; campaign = nil; currency = nil; total = nil
        offer = nil; channel = nil; emailConsent = nil; adsConsent = nil; unsubscribeChannel = nil
        // One uniqueness check for the whole array (each subscript assignment made a runtime call).
        fields.withUnsafeMutableBufferPointer { $0.update(repeating: nil) }
        // `removeAll(keepingCapacity:)` is a generic range replacement (~55 instructions) even on an
        // empty array, and most events have no items nor interests.
        if !interests.isEmpty { interests.removeAll(keepingCapacity: true) }
        hasInterests = false
        if !items.isEmpty { items.removeAll(keepingCapacity: true) }
    }

    /// Copies `bytes` into the scratch buffer.
    @inline(__always)
    package mutating func store(_ bytes: UnsafeRawBufferPointer) -> ByteSlice {
        let start = scratch.count
        scratch.append(bytes)
        return ByteSlice(start: Int32(start), count: Int32(bytes.count))
    }

    package mutating func store(_ string: String) -> ByteSlice {
        // A native string's bytes in place; a small or bridged one is copied to contiguous form first.
        if let slice = string.utf8.withContiguousStorageIfAvailable({ store(UnsafeRawBufferPointer($0)) }) { return slice }
        var s = string
        return s.withUTF8 { store(UnsafeRawBufferPointer($0)) }
    }

    package func string(_ slice: ByteSlice) -> String {
        scratch.withUnsafeBytes { String(decoding: $0[Int(slice.start)..<Int(slice.start + slice.count)], as: UTF8.self) }
    }

    @inline(__always)
    package func withBytes<R>(_ slice: ByteSlice, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try scratch.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[Int(slice.start)..<Int(slice.start + slice.count)])) }
    }
}

/// A rule an event broke: the field (a JSON path such as `items[0].price`) and what was expected.
package struct FieldError: Error {
    package var field: String
    package var expected: String
    package var found: String?
    /// A rule said without "expected" (`invalid UTF-8`, `duplicate key "id"`): the message's text then.
    package var problem: String?
    /// The line is not valid JSON text (syntax, UTF-8, escapes, number grammar, duplicate keys),
    /// whatever the event's type: never deferred as a field of another type's would be.
    package var breaksJSON = false

    package init(field: String, expected: String, found: String? = nil, breaksJSON: Bool = false) {
        self.field = field
        self.expected = expected
        self.found = found
        self.breaksJSON = breaksJSON
    }

    package init(field: String, problem: String) {
        self.field = field
        self.expected = ""
        self.problem = problem
        self.breaksJSON = true
    }

    package var message: String {
        if let problem { return "\(field): \(problem)" }
        if let found { return "\(field): expected \(expected), found \(found)" }
        return "\(field): expected \(expected)"
    }
}
