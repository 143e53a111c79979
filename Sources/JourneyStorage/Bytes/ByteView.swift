/// Bytes lent by the storage layer — a value in LMDB's map, a record copied into a fold's block —
/// read with every access checked against their count.
///
/// A view is valid only while what lent it is (inside the closure, before the transaction writes or
/// ends): it must not be kept. Code above the storage layer reads stored bytes only through views
/// and ``RecordReader``s, never through pointers.
@_spi(Storage) public struct ByteView {
    @usableFromInline let bytes: UnsafeRawBufferPointer

    /// A view of `bytes`, valid as long as they are.
    @inlinable
    public init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    /// The number of bytes.
    @inlinable
    public var count: Int { bytes.count }
    /// Whether there are no bytes.
    @inlinable
    public var isEmpty: Bool { bytes.isEmpty }

    /// The byte at `k` (traps outside `0..<count`, like an array).
    @inlinable
    public subscript(k: Int) -> UInt8 { bytes[k] }

    /// The bytes `range` (traps outside `0...count`).
    @inlinable
    public subscript(range: Range<Int>) -> ByteView {
        precondition(range.lowerBound >= 0 && range.upperBound <= bytes.count, "byte view: \(range) outside 0..<\(bytes.count)")
        return ByteView(UnsafeRawBufferPointer(rebasing: bytes[range]))
    }

    /// The first byte, if any.
    @inlinable
    public var first: UInt8? { bytes.first }

    /// A big-endian integer at `offset`, or `nil` when the view is too short.
    @inlinable
    public func bigEndian<T: FixedWidthInteger>(at offset: Int = 0, as: T.Type = T.self) -> T? {
        guard offset >= 0, offset + MemoryLayout<T>.size <= bytes.count else { return nil }
        return T(bigEndian: bytes.loadUnaligned(fromByteOffset: offset, as: T.self))
    }

    /// A little-endian integer at `offset`, or `nil` when the view is too short.
    @inlinable
    public func littleEndian<T: FixedWidthInteger>(at offset: Int = 0, as: T.Type = T.self) -> T? {
        guard offset >= 0, offset + MemoryLayout<T>.size <= bytes.count else { return nil }
        return T(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: T.self))
    }

    /// A copy of the bytes.
    public var array: [UInt8] { Array(bytes) }

    /// The bytes as UTF-8 text (ill-formed sequences replaced).
    public var string: String { String(decoding: bytes, as: UTF8.self) }

    /// Whether the bytes are `other`'s.
    public func elementsEqual(_ other: some Sequence<UInt8>) -> Bool { bytes.elementsEqual(other) }
    /// Whether the bytes are `other`'s.
    public func elementsEqual(_ other: ByteView) -> Bool { bytes.elementsEqual(other.bytes) }

    /// Whether these bytes sort before `other` in LMDB's (byte) order.
    public func precedes(_ other: ByteView) -> Bool { bytes.lexicographicallyPrecedes(other.bytes) }
    /// Whether these bytes sort before `other` in LMDB's (byte) order.
    public func precedes(_ other: [UInt8]) -> Bool { bytes.lexicographicallyPrecedes(other) }
    /// Whether `other` sorts before these bytes.
    public func follows(_ other: [UInt8]) -> Bool { other.lexicographicallyPrecedes(bytes) }
}

@_spi(Storage) extension Array where Element == UInt8 {
    /// Appends `value` big-endian (its full width).
    public mutating func appendBigEndian<T: FixedWidthInteger>(_ value: T) {
        var big = value.bigEndian
        Swift.withUnsafeBytes(of: &big) { append(contentsOf: $0) }
    }

    /// Appends the low `count` bytes of `value` big-endian.
    public mutating func appendBigEndian(_ value: UInt128, bytes count: Int) {
        for k in stride(from: count - 1, through: 0, by: -1) { append(UInt8(truncatingIfNeeded: value >> (8 * k))) }
    }

    /// Appends the bytes of `view`.
    public mutating func append(_ view: ByteView) { append(contentsOf: view.bytes) }

    /// Calls `body` with a view of the array's bytes.
    public func withByteView<R>(_ body: (ByteView) throws -> R) rethrows -> R {
        try withUnsafeBytes { try body(ByteView($0)) }
    }
}

@_spi(Storage) extension String {
    /// Calls `body` with a view of the string's UTF-8 bytes.
    public func withByteView<R>(_ body: (ByteView) throws -> R) rethrows -> R {
        var copy = self
        return try copy.withUTF8 { try body(ByteView(UnsafeRawBufferPointer($0))) }
    }
}
