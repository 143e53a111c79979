/// Keys of the secondary indexes, built so that LMDB's byte order is the order queries need.
enum IndexKeys {
    /// Net spend descending: the first key is the top spender; ties follow the customer id's bytes.
    static func spend(_ netSpend: Int64, customerID: UnsafeRawBufferPointer, into key: inout [UInt8]) {
        key.removeAll(keepingCapacity: true)
        withUnsafeBytes(of: flippedSpend(netSpend).bigEndian) { key.append(contentsOf: $0) }
        key.append(contentsOf: customerID)
    }

    /// The first 8 bytes of a `by_spend` key, as a number: higher spends are lower numbers.
    @inline(__always)
    static func flippedSpend(_ netSpend: Int64) -> UInt64 { ~(UInt64(bitPattern: netSpend) ^ (1 << 63)) }

    /// The net spend a `by_spend` key holds.
    static func spend(fromKey key: UnsafeRawBufferPointer) -> Int64 {
        let flipped = UInt64(bigEndian: key.loadUnaligned(as: UInt64.self))
        return Int64(bitPattern: ~flipped ^ (1 << 63))
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

    static func time(fromKey key: UnsafeRawBufferPointer) -> Int64 {
        Int64(UInt64(bigEndian: key.loadUnaligned(as: UInt64.self)))
    }

    static func orders(fromKey key: UnsafeRawBufferPointer) -> Int {
        Int(UInt32(bigEndian: key.loadUnaligned(as: UInt32.self)))
    }

    /// The customer number at the end of a `by_last_purchase` or `by_orders` key.
    static func customer(fromKey key: UnsafeRawBufferPointer) -> UInt32 {
        UInt32(bigEndian: key.loadUnaligned(fromByteOffset: key.count - 4, as: UInt32.self))
    }
}
