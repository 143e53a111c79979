/// A reusable buffer for one binary record (an event's or a customer's facts), written through an
/// ``ReservedWriter`` into room reserved for the largest encoding it can have: one capacity check
/// per record rather than one per piece.
@_spi(Storage) public struct RecordWriter {
    /// The record written so far.
    public private(set) var bytes: ByteBuffer

    /// An empty writer with room for `capacity` bytes.
    public init(capacity: Int = 512) { bytes = ByteBuffer(capacity: capacity) }

    /// Empties the buffer for the next record.
    public mutating func reset() { bytes.removeAll() }

    /// Writes up to `bound` bytes at the end through a writer limited to them.
    @inline(__always) public mutating func write<E: Error>(upTo bound: Int, _ body: (inout ReservedWriter) throws(E) -> Void) throws(E) {
        try bytes.write(upTo: bound) { (p) throws(E) -> Int in
            var writer = ReservedWriter(p, end: p + bound)
            try body(&writer)
            return writer.at - p
        }
    }
}

/// Writes bytes into room reserved beforehand (``RecordWriter/write(upTo:_:)``,
/// `[UInt8].appendEncoded(upTo:_:)`), checking the room left before every write: a bound too small is
/// a trap, never a write past the room.
@_spi(Storage) public struct ReservedWriter {
    /// Where the next byte goes.
    public var at: UnsafeMutablePointer<UInt8>
    /// The end of the reserved room.
    public let end: UnsafeMutablePointer<UInt8>

    /// A writer of the room `start ..< end`.
    public init(_ start: UnsafeMutablePointer<UInt8>, end: UnsafeMutablePointer<UInt8>) {
        at = start
        self.end = end
    }

    /// One byte.
    @inlinable @inline(__always) public mutating func u8(_ v: UInt8) {
        precondition(at < end, "encoding invariant: the reserved room holds the value")
        at.pointee = v
        at += 1
    }

    /// The low `size` bytes of `v`, little-endian (8 bytes of room needed).
    @usableFromInline @inline(__always) mutating func littleEndian(_ v: UInt64, size: Int) {
        precondition(end - at >= 8, "encoding invariant: the reserved room holds the value")
        UnsafeMutableRawPointer(at).storeBytes(of: v.littleEndian, as: UInt64.self)
        at += size
    }

    /// Little-endian.
    @inlinable @inline(__always) public mutating func u32(_ v: UInt32) { littleEndian(UInt64(v), size: 4) }

    /// The low 48 bits of `v`, little-endian.
    @inlinable @inline(__always) public mutating func u48(_ v: UInt64) {
        precondition(v >> 48 == 0, "record invariant: a 48-bit field holds \(v)")
        littleEndian(v, size: 6)
    }

    /// Little-endian.
    @inlinable @inline(__always) public mutating func u64(_ v: UInt64) { littleEndian(v, size: 8) }

    /// LEB128: 7 bits a byte, low bits first.
    @inlinable @inline(__always) public mutating func varint(_ v: UInt64) {
        precondition(end - at >= 10, "encoding invariant: the reserved room holds the value")
        leb128(v)
    }

    /// The LEB128 bytes of `v`, room already checked.
    @inlinable @inline(__always) mutating func leb128<T: FixedWidthInteger & UnsignedInteger>(_ v: T) {
        var x = v
        while x >= 0x80 {
            at.pointee = UInt8(truncatingIfNeeded: x) | 0x80
            at += 1
            x >>= 7
        }
        at.pointee = UInt8(truncatingIfNeeded: x)
        at += 1
    }

    /// A non-negative value as LEB128.
    @inlinable @inline(__always) public mutating func varint(_ v: Int64) {
        precondition(v >= 0, "record invariant: varints hold non-negative values")
        varint(UInt64(v))
    }

    /// A non-negative 128-bit sum as LEB128 (the same bytes as ``varint(_:)-(UInt64)`` below 2^64;
    /// up to 19 bytes of room needed).
    @inlinable @inline(__always) public mutating func varint(_ v: Int128) {
        precondition(v >= 0, "record invariant: varints hold non-negative values")
        guard v >> 64 != 0 else { return varint(UInt64(v)) }
        precondition(end - at >= 19, "encoding invariant: the reserved room holds the value")
        leb128(UInt128(v))
    }

    /// The bytes of `b`, as they are.
    @inlinable @inline(__always) public mutating func bytes(_ b: UnsafeRawBufferPointer) {
        precondition(end - at >= b.count, "encoding invariant: the reserved room holds the value")
        if let base = b.baseAddress { UnsafeMutableRawPointer(at).copyMemory(from: base, byteCount: b.count) }
        at += b.count
    }

    /// A length-prefixed byte string.
    @inlinable @inline(__always) public mutating func string(_ b: UnsafeRawBufferPointer) {
        varint(UInt64(b.count))
        bytes(b)
    }

    /// The bytes of `view`.
    @inlinable @inline(__always) public mutating func bytes(_ view: ByteView) { bytes(view.bytes) }

    /// The bytes of `array`.
    @inlinable @inline(__always) public mutating func bytes(_ array: [UInt8]) { array.withUnsafeBytes { bytes($0) } }

    /// The UTF-8 bytes of `text`.
    @inlinable @inline(__always) public mutating func bytes(_ text: String) {
        var text = text
        text.withUTF8 { bytes(UnsafeRawBufferPointer($0)) }
    }
}

@_spi(Storage) extension Array where Element == UInt8 {
    /// The largest bound written through stack room (Swift puts a temporary allocation up to about
    /// this size on the stack, larger ones on the heap).
    public static var stackEncodingBytesMax: Int { 1024 }

    /// Appends what `body` writes into room for at most `bound` bytes: through temporary room (on
    /// the stack for small bounds), then copied once — no per-byte appends; growing the array by
    /// the bound and trimming it back cost two generic loops over every byte of the bound.
    @inlinable
    public mutating func appendEncoded(upTo bound: Int, _ body: (inout ReservedWriter) -> Void) {
        guard bound <= Self.stackEncodingBytesMax else {
            // A large value: written into the array grown by the bound, then trimmed (a loop per
            // byte, but no temporary this large on the heap).
            let old = count
            append(contentsOf: repeatElement(0, count: bound))
            let used = withUnsafeMutableBufferPointer { buffer in
                var w = ReservedWriter(buffer.baseAddress! + old, end: buffer.baseAddress! + buffer.count)
                body(&w)
                return w.at - (buffer.baseAddress! + old)
            }
            removeLast(bound - used)
            return
        }
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: bound) { room in
            var w = ReservedWriter(room.baseAddress!, end: room.baseAddress! + bound)
            body(&w)
            append(contentsOf: UnsafeBufferPointer(start: room.baseAddress!, count: w.at - room.baseAddress!))
        }
    }
}

/// Reads the pieces of a binary record in place, checking every bound.
@_spi(Storage) public struct RecordReader {
    /// The record's bytes.
    public let base: UnsafeRawBufferPointer
    /// Where the next read starts.
    public var offset: Int

    /// A reader of `base` from `offset`.
    public init(_ base: UnsafeRawBufferPointer, offset: Int = 0) {
        self.base = base
        self.offset = offset
    }

    /// A reader of `view` from `offset`.
    public init(_ view: ByteView, offset: Int = 0) { self.init(view.bytes, offset: offset) }

    /// The bytes read from.
    public var view: ByteView { ByteView(base) }

    /// A length-prefixed byte string, as a view into the record.
    @inlinable @inline(__always) public mutating func stringView() throws(JourneyError) -> ByteView { ByteView(try string()) }

    /// The error of a truncated or malformed record (``JourneyError/Code/corrupted``).
    public static let corrupt = JourneyError(.corrupted, "an event record is truncated or malformed; run `journey verify`")

    /// One byte.
    @inlinable @inline(__always) public mutating func u8() throws(JourneyError) -> UInt8 {
        guard offset < base.count else { throw Self.corrupt }
        defer { offset += 1 }
        return base[offset]
    }

    /// A little-endian UInt32.
    @inlinable @inline(__always) public mutating func u32() throws(JourneyError) -> UInt32 {
        guard offset + 4 <= base.count else { throw Self.corrupt }
        defer { offset += 4 }
        return UInt32(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }

    /// A little-endian Int64.
    @inlinable @inline(__always) public mutating func i64() throws(JourneyError) -> Int64 {
        guard offset + 8 <= base.count else { throw Self.corrupt }
        defer { offset += 8 }
        return Int64(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: Int64.self))
    }

    /// A LEB128 value of at most 64 bits.
    @inlinable @inline(__always) public mutating func varint() throws(JourneyError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard offset < base.count, shift < 64 else { throw Self.corrupt }
            let b = base[offset]
            offset += 1
            result |= UInt64(b & 0x7F) << shift
            if b < 0x80 { return result }
            shift += 7
        }
    }

    /// A LEB128 value of at most 32 bits.
    @inlinable @inline(__always) public mutating func varint32() throws(JourneyError) -> UInt32 {
        let v = try varint()
        guard v <= UInt32.max else { throw Self.corrupt }
        return UInt32(v)
    }

    /// A sum of amounts (a customer's gross or refunded spend): at most `sumMax`, as a sum of a
    /// store's amounts is, so a damaged record cannot hand the classification an absurd value.
    public mutating func amountSum() throws(JourneyError) -> Int128 {
        var result: UInt128 = 0
        var shift: UInt128 = 0
        while true {
            guard offset < base.count, shift < 98 else { throw Self.corrupt }
            let b = base[offset]
            offset += 1
            result |= UInt128(b & 0x7F) << shift
            if b < 0x80 { break }
            shift += 7
        }
        guard result <= UInt128(Limits.moneySumMinorUnitsMax) else { throw Self.corrupt }
        return Int128(result)
    }

    /// One amount in minor units, at most ``Limits/moneyMinorUnitsMax``.
    @inlinable @inline(__always) public mutating func amount() throws(JourneyError) -> Int64 {
        let v = try varint()
        guard v <= UInt64(Limits.moneyMinorUnitsMax) else { throw Self.corrupt }
        return Int64(v)
    }

    /// A length-prefixed byte string, pointing into the record.
    @inlinable @inline(__always) public mutating func string() throws(JourneyError) -> UnsafeRawBufferPointer {
        let count = Int(try varint32())
        guard offset + count <= base.count else { throw Self.corrupt }
        defer { offset += count }
        return UnsafeRawBufferPointer(rebasing: base[offset..<offset + count])
    }
}
