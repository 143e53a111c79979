#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The field names the scanner knows, matched by length and bytes without making a `String`.
enum Key: UInt8 {
    case unknown
    case id, type, customer, time, order, product, category, campaign, currency, email, phone, total, items
    case attributes, price, quantity
    case firstName, lastName, gender, birthday, city, region, zip, country, interests

    private static let byLength: [[(StaticString, Key)]] = {
        let all: [(StaticString, Key)] = [
            ("id", .id), ("type", .type), ("customer", .customer), ("time", .time), ("order", .order),
            ("product", .product), ("category", .category), ("campaign", .campaign), ("currency", .currency),
            ("email", .email), ("phone", .phone), ("total", .total), ("items", .items), ("attributes", .attributes),
            ("price", .price), ("quantity", .quantity), ("first_name", .firstName), ("last_name", .lastName),
            ("gender", .gender), ("birthday", .birthday), ("city", .city), ("region", .region), ("zip", .zip),
            ("country", .country), ("interests", .interests),
        ]
        var table = Array(repeating: [(StaticString, Key)](), count: 12)
        for entry in all { table[entry.0.utf8CodeUnitCount].append(entry) }
        return table
    }()

    @inline(__always)
    init(_ bytes: UnsafeRawBufferPointer) {
        self = .unknown
        guard bytes.count < Key.byLength.count, let base = bytes.baseAddress else { return }
        for (name, key) in Key.byLength[bytes.count] where memcmp(base, name.utf8Start, bytes.count) == 0 {
            self = key
            return
        }
    }
}

/// Event type names as the scanner matches them.
enum EventScanText {
    static let typeNames = EventType.allCases.map(\.name).joined(separator: ", ")

    private static let names: [([UInt8], EventType)] = EventType.allCases.map { (Array($0.name.utf8), $0) }

    static func type(named bytes: UnsafeRawBufferPointer) -> EventType? {
        for (name, type) in names where name.count == bytes.count {
            if name.withUnsafeBytes({ memcmp($0.baseAddress!, bytes.baseAddress!, bytes.count) }) == 0 { return type }
        }
        return nil
    }
}
