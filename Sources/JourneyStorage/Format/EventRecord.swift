/// The kinds of names interned to dense numbers (from 1; 0 means "none").
///
/// Customers come last so that their `name_list` keys (kind byte first) append at the end of the tree.
@_spi(Storage) public enum NameKind: UInt8, CaseIterable {
    /// Product ids.
    case product = 0
    /// Category names.
    case category
    /// Campaign names.
    case campaign
    /// Customer ids.
    case customer
}

/// The compact binary form of an event in the `events` database, decoded in place from the map.
///
/// Layout, version 3 (integers little-endian, `varint` = LEB128):
/// ```
/// 0      u8      record format version (3)
/// 1      u8      event type (EventType.rawValue)
/// 2      u48     time, epoch milliseconds (0 ... 253402300799999 fits in 48 bits)
/// 8      u32     customer number (interned)
/// 12     varint  id length, then the id's bytes
///        payload by type:
///   signup, profile  varint field mask (bit k: AttributeField k; bit 10: interests; bits 11–14:
///                    ConsentBits), each present field as varint length + bytes, then interests as
///                    varint count + strings
///   product_view     varint product number, varint category number (0: none)
///   cart_abandon     varint total, varint item count, items
///   purchase         string order, varint total, varint item count, items, varint mask (1 email,
///                    2 phone) + strings
///   refund           string order, varint total
///   email_open       varint campaign number (0: none)
///   offer            varint offer number (a campaign name), string channel (empty: none)
///   unsubscribe      u8 channel (ConsentChannel)
///   item             varint product, varint category (0: none), varint price, varint quantity
/// ```
/// Money is in minor units of the store's currency. Version 2 had neither consent nor the offer
/// and unsubscribe types.
@_spi(Storage) public struct EventRecord {
    /// The record format this build writes, and the newest it reads.
    public static let formatVersion: UInt8 = 3
    /// Bytes before the id: version, type, time and customer number.
    public static let headerBytes = 12
    /// Where the customer number (UInt32 little-endian) starts.
    public static let customerOffset = 8
    /// The bit of a field mask that announces interests.
    public static let interestsBit = UInt64(1) << 10

    /// The record's bytes (in the map, or in a fold's copy).
    public let bytes: UnsafeRawBufferPointer

    /// Wraps stored bytes, refusing a record written by a newer format.
    public init(_ bytes: UnsafeRawBufferPointer) throws(JourneyError) {
        guard bytes.count >= Self.headerBytes + 1 else { throw RecordReader.corrupt }
        guard bytes[0] <= Self.formatVersion else {
            throw JourneyError(.newerFormat, "an event record has format version \(bytes[0]); this build reads up to \(Self.formatVersion): upgrade journey")
        }
        guard bytes[0] == Self.formatVersion, EventType(rawValue: bytes[1]) != nil else { throw RecordReader.corrupt }
        self.bytes = bytes
        // 48 bits hold times past the format's last one, which no valid event has: facts folded from
        // such a record could not be read back (issue 16, fuzzing).
        guard time <= Timestamp.max.millisecondsSinceEpoch else { throw RecordReader.corrupt }
    }

    /// Wraps bytes already checked by ``init(_:)`` (a fold's own copies of records it read).
    @inlinable @inline(__always) public init(checked bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    /// The event's type.
    public var type: EventType { EventType(rawValue: bytes[1])! }
    /// The event's time, epoch milliseconds.
    public var time: Int64 { Int64(UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: 2, as: UInt64.self)) & 0xFFFF_FFFF_FFFF) }
    /// The customer's interned number.
    public var customer: UInt32 { UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: Self.customerOffset, as: UInt32.self)) }

    /// The event id's bytes, and a reader positioned at the payload.
    @inlinable @inline(__always) public func idAndPayload() throws(JourneyError) -> (UnsafeRawBufferPointer, RecordReader) {
        var reader = RecordReader(bytes, offset: Self.headerBytes)
        let id = try reader.string()
        return (id, reader)
    }

    // MARK: Encoding

    /// Encodes the validated draft at `draft`. `number` interns a name of a kind and returns its
    /// number. Without `personal`, contact fields and attributes are left out (a forgotten
    /// customer's: ``Tombstones``). (The draft is read through a pointer, its fields one by one:
    /// passed as a value, or with a method called on it, it was copied per event.)
    package static func encode(
        _ draft: UnsafePointer<EventDraft>, customer: UInt32, personal: Bool = true, into w: inout RecordWriter,
        number: (NameKind, ByteSlice) throws -> UInt32
    ) rethrows {
        w.reset()
        // Written through one pointer into room for the largest record the draft can make: each
        // string at most once (the strings are slices of the scratch buffer that do not overlap),
        // 10 bytes a varint.
        let varints = 16 + AttributeField.allCases.count + draft.pointee.interests.count + 4 * draft.pointee.items.count
        let bound = headerBytes + draft.pointee.scratch.count + 10 * varints
        let scratch = draft.pointee.scratch.unsafeBytes
        try w.write(upTo: bound) { w in
            try encode(draft, customer: customer, personal: personal, scratch: scratch, into: &w, number: number)
        }
    }

    // size: one case per event type, each a few lines of the layout above.
    private static func encode(
        _ draft: UnsafePointer<EventDraft>, customer: UInt32, personal: Bool, scratch: UnsafeRawBufferPointer,
        into w: inout ReservedWriter, number: (NameKind, ByteSlice) throws -> UInt32
    ) rethrows {
        func string(_ s: ByteSlice) {
            w.string(UnsafeRawBufferPointer(rebasing: scratch[Int(s.start)..<Int(s.start + s.count)]))
        }
        let type = draft.pointee.type!
        w.u8(formatVersion)
        w.u8(type.rawValue)
        w.u48(UInt64(draft.pointee.time!))
        w.u32(customer)
        string(draft.pointee.id!)
        switch type {
        case .signup, .profile:
            guard personal else { w.varint(UInt64(0)); break }
            var mask: UInt64 = 0
            for (k, field) in draft.pointee.fields.enumerated() where field != nil { mask |= 1 << UInt64(k) }
            if draft.pointee.hasInterests { mask |= interestsBit }
            mask |= ConsentBits.mask(email: draft.pointee.emailConsent, ads: draft.pointee.adsConsent)
            w.varint(mask)
            for field in draft.pointee.fields { if let field { string(field) } }
            if draft.pointee.hasInterests {
                w.varint(UInt64(draft.pointee.interests.count))
                for s in draft.pointee.interests { string(s) }
            }
        case .productView:
            w.varint(UInt64(try number(.product, draft.pointee.product!)))
            w.varint(UInt64(try draft.pointee.category.map { try number(.category, $0) } ?? 0))
        case .cartAbandon:
            w.varint(draft.pointee.total!)
            try encodeItems(draft, into: &w, number: number)
        case .purchase:
            string(draft.pointee.order!)
            w.varint(draft.pointee.total!)
            try encodeItems(draft, into: &w, number: number)
            let email = personal ? draft.pointee.fields[AttributeField.email.rawValue] : nil
            let phone = personal ? draft.pointee.fields[AttributeField.phone.rawValue] : nil
            w.varint(UInt64((email != nil ? 1 : 0) | (phone != nil ? 2 : 0)))
            if let email { string(email) }
            if let phone { string(phone) }
        case .refund:
            string(draft.pointee.order!)
            w.varint(draft.pointee.total!)
        case .emailOpen:
            w.varint(UInt64(try draft.pointee.campaign.map { try number(.campaign, $0) } ?? 0))
        case .offer:
            w.varint(UInt64(try number(.campaign, draft.pointee.offer!)))
            if let channel = draft.pointee.channel { string(channel) } else { w.varint(UInt64(0)) }
        case .unsubscribe:
            w.u8(draft.pointee.unsubscribeChannel!.rawValue)
        }
    }

    private static func encodeItems(
        _ draft: UnsafePointer<EventDraft>, into w: inout ReservedWriter, number: (NameKind, ByteSlice) throws -> UInt32
    ) rethrows {
        w.varint(UInt64(draft.pointee.items.count))
        for item in draft.pointee.items {
            w.varint(UInt64(try number(.product, item.product!)))
            w.varint(UInt64(try item.category.map { try number(.category, $0) } ?? 0))
            w.varint(item.price!)
            w.varint(item.quantity!)
        }
    }
}

/// Consent in a field mask (of signup and profile records, and of stored facts): bits 11 and 12
/// say email consent is given and its value, bits 13 and 14 the same for ads.
@_spi(Storage) public enum ConsentBits {
    /// Every consent bit.
    public static let all: UInt64 = 0b1111 << 11
    /// The bits of `email` and `ads` (`nil`: not given).
    public static func mask(email: Bool?, ads: Bool?) -> UInt64 {
        var mask: UInt64 = 0
        if let email { mask |= 1 << 11 | (email ? 1 << 12 : 0) }
        if let ads { mask |= 1 << 13 | (ads ? 1 << 14 : 0) }
        return mask
    }
    /// The email consent `mask` gives, if any.
    public static func email(_ mask: UInt64) -> Bool? { mask & 1 << 11 != 0 ? mask & 1 << 12 != 0 : nil }
    /// The ads consent `mask` gives, if any.
    public static func ads(_ mask: UInt64) -> Bool? { mask & 1 << 13 != 0 ? mask & 1 << 14 != 0 : nil }
    /// Every bit a field mask may have: the ten fields, interests and consent.
    public static let maskBits: UInt64 = (1 << 15) - 1
}
