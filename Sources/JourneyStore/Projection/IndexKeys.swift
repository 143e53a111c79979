import JourneyStorage
/// Keys of the secondary indexes, built so that LMDB's byte order is the order queries need.
enum IndexKeys {
    /// Bytes of the net spend at the start of a `by_spend` key (a 128-bit sum).
    static let spendBytes = 16

    /// Net spend descending: the first key is the top spender; ties follow the customer id's bytes.
    static func spend(_ netSpend: Int128, customerID: UnsafeRawBufferPointer, into key: inout [UInt8]) {
        key.removeAll(keepingCapacity: true)
        withUnsafeBytes(of: flippedSpend(netSpend).bigEndian) { key.append(contentsOf: $0) }
        key.append(contentsOf: customerID)
    }

    /// The first 16 bytes of a `by_spend` key, as a number: higher spends are lower numbers.
    @inline(__always)
    static func flippedSpend(_ netSpend: Int128) -> UInt128 { ~(UInt128(bitPattern: netSpend) ^ (1 << 127)) }

    /// The net spend a `by_spend` key holds, or `nil` for a key too short to hold one (a damaged index).
    static func spend(fromKey key: UnsafeRawBufferPointer) -> Int128? {
        guard key.count > spendBytes else { return nil }
        let flipped = UInt128(bigEndian: key.loadUnaligned(as: UInt128.self))
        return Int128(bitPattern: ~flipped ^ (1 << 127))
    }

    /// Last purchase time ascending, then customer number.
    static func lastPurchase(_ time: Int64, customer: UInt32) -> [UInt8] {
        withLastPurchaseKey(time, customer: customer) { Array($0) }
    }

    /// Lends the `by_last_purchase` key of (`time`, `customer`) without allocating.
    @inline(__always)
    static func withLastPurchaseKey<R>(_ time: Int64, customer: UInt32, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        var key = (UInt64(bitPattern: time).bigEndian, customer.bigEndian)
        return try withUnsafeBytes(of: &key) { try body(UnsafeRawBufferPointer(rebasing: $0[0..<12])) }
    }

    /// Order count ascending, then customer number.
    static func orders(_ orders: Int, customer: UInt32) -> [UInt8] {
        withOrdersKey(orders, customer: customer) { Array($0) }
    }

    /// Lends the `by_orders` key of (`orders`, `customer`) without allocating.
    @inline(__always)
    static func withOrdersKey<R>(_ orders: Int, customer: UInt32, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        var key = (UInt32(orders).bigEndian, customer.bigEndian)
        return try withUnsafeBytes(of: &key) { try body($0) }
    }

    /// The time of a `by_last_purchase` key, or `nil` for a key of the wrong size (a damaged index).
    static func time(fromKey key: UnsafeRawBufferPointer) -> Int64? {
        guard key.count == 12 else { return nil }
        return Int64(bitPattern: UInt64(bigEndian: key.loadUnaligned(as: UInt64.self)))
    }

    /// The order count of a `by_orders` key, or `nil` for a key of the wrong size.
    static func orders(fromKey key: UnsafeRawBufferPointer) -> Int? {
        guard key.count == 8 else { return nil }
        return Int(UInt32(bigEndian: key.loadUnaligned(as: UInt32.self)))
    }

    /// The customer number at the end of a `by_last_purchase` or `by_orders` key, or `nil` for a
    /// key too short to hold one.
    static func customer(fromKey key: UnsafeRawBufferPointer) -> UInt32? {
        guard key.count >= 8 else { return nil }
        return UInt32(bigEndian: key.loadUnaligned(fromByteOffset: key.count - 4, as: UInt32.self))
    }
}
