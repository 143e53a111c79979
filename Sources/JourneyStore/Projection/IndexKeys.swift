@_spi(Storage) import JourneyStorage

/// Keys of the facts projection's secondary indexes, built so that LMDB's byte order is the order
/// queries need (see ``FactsProjection/indexes``).
enum IndexKeys {
    /// Bytes of the net spend at the start of a `by_spend` key (a 128-bit sum).
    static let spendBytes = 16

    /// Net spend descending: the first key is the top spender; ties follow the customer id's bytes.
    static func spend(_ netSpend: Int128, customerID: some Sequence<UInt8>) -> [UInt8] {
        var key: [UInt8] = []
        key.appendBigEndian(flippedSpend(netSpend))
        key.append(contentsOf: customerID)
        return key
    }

    /// The first 16 bytes of a `by_spend` key, as a number: higher spends are lower numbers.
    @inline(__always)
    static func flippedSpend(_ netSpend: Int128) -> UInt128 { ~(UInt128(bitPattern: netSpend) ^ (1 << 127)) }

    /// The net spend a `by_spend` key holds, or `nil` for a key too short to hold one (a damaged index).
    static func spend(fromKey key: ByteView) -> Int128? {
        guard key.count > spendBytes, let flipped = key.bigEndian(as: UInt128.self) else { return nil }
        return Int128(bitPattern: ~flipped ^ (1 << 127))
    }

    /// Last purchase time ascending, then customer number.
    static func lastPurchase(_ time: Int64, customer: UInt32) -> [UInt8] {
        var key: [UInt8] = []
        key.appendBigEndian(UInt64(bitPattern: time))
        key.appendBigEndian(customer)
        return key
    }

    /// Order count ascending, then customer number.
    static func orders(_ orders: Int, customer: UInt32) -> [UInt8] {
        var key: [UInt8] = []
        key.appendBigEndian(UInt32(clamping: orders))
        key.appendBigEndian(customer)
        return key
    }

    /// The time of a `by_last_purchase` key, or `nil` for a key of the wrong size (a damaged index).
    static func time(fromKey key: ByteView) -> Int64? {
        guard key.count == 12, let t = key.bigEndian(as: UInt64.self) else { return nil }
        return Int64(bitPattern: t)
    }

    /// The order count of a `by_orders` key, or `nil` for a key of the wrong size.
    static func orders(fromKey key: ByteView) -> Int? {
        guard key.count == 8, let n = key.bigEndian(as: UInt32.self) else { return nil }
        return Int(n)
    }

    /// The customer number at the end of a `by_last_purchase` or `by_orders` key, or `nil` for a
    /// key too short to hold one.
    static func customer(fromKey key: ByteView) -> UInt32? {
        guard key.count >= 8 else { return nil }
        return key.bigEndian(at: key.count - 4, as: UInt32.self)
    }
}
