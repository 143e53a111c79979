/// The field names the scanner knows, matched by length and bytes without making a `String`.
package enum Key: UInt8 {
    case unknown
    case id, type, customer, time, order, product, category, campaign, currency, email, phone, total, items
    case attributes, price, quantity
    case firstName, lastName, gender, birthday, city, region, zip, country, interests
    case offer, channel, emailConsent, adsConsent

    /// Matches the name by its length and as two little-endian words, its first 8 bytes and the rest
    /// (names are at most 16 bytes), against the known names: no call or loop over candidates per key, where a
    /// `memcmp` per candidate of the same length was ~8 % of the reading thread's time.
    @inline(__always)
    package init(_ bytes: UnsafeRawBufferPointer) {
        let n = bytes.count
        guard n >= 2, n <= 16, let base = bytes.baseAddress else { self = .unknown; return }
        var head: UInt64 = 0, tail: UInt64 = 0
        for k in 0..<min(n, 8) { head |= UInt64(base.load(fromByteOffset: k, as: UInt8.self)) << UInt64(8 * k) }
        for k in 8..<max(8, n) { tail |= UInt64(base.load(fromByteOffset: k, as: UInt8.self)) << UInt64(8 * (k - 8)) }
        switch (n, head, tail) {
        case (2, 0x0000000000006469, 0x0000): self = .id  // "id"
        case (4, 0x0000000065707974, 0x0000): self = .type  // "type"
        case (8, 0x72656D6F74737563, 0x0000): self = .customer  // "customer"
        case (4, 0x00000000656D6974, 0x0000): self = .time  // "time"
        case (5, 0x000000726564726F, 0x0000): self = .order  // "order"
        case (7, 0x00746375646F7270, 0x0000): self = .product  // "product"
        case (8, 0x79726F6765746163, 0x0000): self = .category  // "category"
        case (8, 0x6E676961706D6163, 0x0000): self = .campaign  // "campaign"
        case (8, 0x79636E6572727563, 0x0000): self = .currency  // "currency"
        case (5, 0x0000006C69616D65, 0x0000): self = .email  // "email"
        case (5, 0x000000656E6F6870, 0x0000): self = .phone  // "phone"
        case (5, 0x0000006C61746F74, 0x0000): self = .total  // "total"
        case (5, 0x000000736D657469, 0x0000): self = .items  // "items"
        case (10, 0x7475626972747461, 0x7365): self = .attributes  // "attributes"
        case (5, 0x0000006563697270, 0x0000): self = .price  // "price"
        case (8, 0x797469746E617571, 0x0000): self = .quantity  // "quantity"
        case (10, 0x616E5F7473726966, 0x656D): self = .firstName  // "first_name"
        case (9, 0x6D616E5F7473616C, 0x0065): self = .lastName  // "last_name"
        case (6, 0x00007265646E6567, 0x0000): self = .gender  // "gender"
        case (8, 0x7961646874726962, 0x0000): self = .birthday  // "birthday"
        case (4, 0x0000000079746963, 0x0000): self = .city  // "city"
        case (6, 0x00006E6F69676572, 0x0000): self = .region  // "region"
        case (3, 0x000000000070697A, 0x0000): self = .zip  // "zip"
        case (7, 0x007972746E756F63, 0x0000): self = .country  // "country"
        case (9, 0x7473657265746E69, 0x0073): self = .interests  // "interests"
        case (5, 0x000000726566666F, 0x0000): self = .offer  // "offer"
        case (7, 0x006C656E6E616863, 0x0000): self = .channel  // "channel"
        case (13, 0x6F635F6C69616D65, 0x000000746E65736E): self = .emailConsent  // "email_consent"
        case (11, 0x736E6F635F736461, 0x0000000000746E65): self = .adsConsent  // "ads_consent"
        default: self = .unknown
        }
    }
}

/// Which object a key belongs to, to name a duplicate key by its JSON path (`items[0].price`); keys
/// inside unknown fields are named by their column.
package enum ObjectPath {
    case event, item(Int), attributes, unknown
}

/// Event type names as the scanner matches them.
package enum EventScanText {
    package static let typeNames = EventType.allCases.map(\.name).joined(separator: ", ")

    /// The type named by `bytes`, matched like a field name (``Key/init(_:)``): by its length and
    /// two little-endian words.
    package static func type(named bytes: UnsafeRawBufferPointer) -> EventType? {
        let n = bytes.count
        guard n >= 5, n <= 12, let base = bytes.baseAddress else { return nil }
        var head: UInt64 = 0, tail: UInt64 = 0
        for k in 0..<min(n, 8) { head |= UInt64(base.load(fromByteOffset: k, as: UInt8.self)) << UInt64(8 * k) }
        for k in 8..<max(8, n) { tail |= UInt64(base.load(fromByteOffset: k, as: UInt8.self)) << UInt64(8 * (k - 8)) }
        return switch (n, head, tail) {
        case (6, 0x000070756E676973, 0x00000000): .signup  // "signup"
        case (7, 0x00656C69666F7270, 0x00000000): .profile  // "profile"
        case (12, 0x5F746375646F7270, 0x77656976): .productView  // "product_view"
        case (12, 0x6162615F74726163, 0x6E6F646E): .cartAbandon  // "cart_abandon"
        case (8, 0x6573616863727570, 0x00000000): .purchase  // "purchase"
        case (6, 0x0000646E75666572, 0x00000000): .refund  // "refund"
        case (10, 0x706F5F6C69616D65, 0x00006E65): .emailOpen  // "email_open"
        case (5, 0x000000726566666F, 0x00000000): .offer  // "offer"
        case (11, 0x7263736275736E75, 0x00656269): .unsubscribe  // "unsubscribe"
        default: nil
        }
    }
}
