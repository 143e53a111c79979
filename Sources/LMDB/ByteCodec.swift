/// A value that can lend its bytes to LMDB without copying them more than needed.
public protocol ByteEncodable {
    /// Calls `body` with the value's byte representation, valid only during the call.
    func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R
}

/// A value that can be built from bytes read out of LMDB's memory map.
public protocol ByteDecodable {
    /// Decodes a value; `bytes` point into the map and are valid only during the call.
    /// - Throws: ``LMDBError/corrupted`` when the bytes cannot be this type.
    init(lmdbBytes bytes: UnsafeRawBufferPointer) throws(LMDBError)
}

public typealias ByteCodable = ByteEncodable & ByteDecodable

/// Unsigned integers are stored big-endian, so LMDB's byte order is their numeric order
/// (`mdb_dump` shows sequence 1 as `0000000000000001`).
public protocol BigEndianKey: FixedWidthInteger, ByteCodable {}

extension BigEndianKey {
    @inlinable
    public func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        var big = self.bigEndian
        return try Swift.withUnsafeBytes(of: &big, body)
    }

    @inlinable
    public init(lmdbBytes bytes: UnsafeRawBufferPointer) throws(LMDBError) {
        let size = MemoryLayout<Self>.size
        guard bytes.count == size else {
            throw LMDBError(code: LMDBError.corrupted.code, context: "expected \(size) bytes for \(Self.self), found \(bytes.count)")
        }
        self.init(bigEndian: bytes.loadUnaligned(as: Self.self))
    }
}

extension UInt64: BigEndianKey {}
extension UInt8: BigEndianKey {}
extension UInt32: BigEndianKey {}

/// Strings are stored as their UTF-8 bytes, without a terminator.
extension String: ByteCodable {
    @inlinable
    public func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        var copy = self
        return try copy.withUTF8 { try body(UnsafeRawBufferPointer($0)) }
    }
    @inlinable
    public init(lmdbBytes bytes: UnsafeRawBufferPointer) throws(LMDBError) {
        self = String(decoding: bytes, as: UTF8.self)
    }
}

/// Byte arrays are stored as they are.
extension Array: ByteEncodable where Element == UInt8 {
    @inlinable
    public func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try self.withUnsafeBytes(body)
    }
}

extension Array: ByteDecodable where Element == UInt8 {
    @inlinable
    public init(lmdbBytes bytes: UnsafeRawBufferPointer) throws(LMDBError) {
        self = Array(bytes)
    }
}
