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
extension UInt64: ByteCodable {
    public func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        var big = self.bigEndian
        return try Swift.withUnsafeBytes(of: &big, body)
    }
    public init(lmdbBytes bytes: UnsafeRawBufferPointer) throws(LMDBError) {
        guard bytes.count == 8 else { throw LMDBError(code: LMDBError.corrupted.code, context: "expected 8 bytes for UInt64, found \(bytes.count)") }
        self = UInt64(bigEndian: bytes.loadUnaligned(as: UInt64.self))
    }
}

extension UInt32: ByteCodable {
    public func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        var big = self.bigEndian
        return try Swift.withUnsafeBytes(of: &big, body)
    }
    public init(lmdbBytes bytes: UnsafeRawBufferPointer) throws(LMDBError) {
        guard bytes.count == 4 else { throw LMDBError(code: LMDBError.corrupted.code, context: "expected 4 bytes for UInt32, found \(bytes.count)") }
        self = UInt32(bigEndian: bytes.loadUnaligned(as: UInt32.self))
    }
}

/// Strings are stored as their UTF-8 bytes, without a terminator.
extension String: ByteCodable {
    public func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        var copy = self
        return try copy.withUTF8 { try body(UnsafeRawBufferPointer($0)) }
    }
    public init(lmdbBytes bytes: UnsafeRawBufferPointer) throws(LMDBError) {
        self = String(decoding: bytes, as: UTF8.self)
    }
}

/// Byte arrays are stored as they are.
extension Array: ByteEncodable where Element == UInt8 {
    public func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try self.withUnsafeBytes(body)
    }
}

extension Array: ByteDecodable where Element == UInt8 {
    public init(lmdbBytes bytes: UnsafeRawBufferPointer) throws(LMDBError) {
        self = Array(bytes)
    }
}
