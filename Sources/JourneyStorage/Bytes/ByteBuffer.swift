// @unchecked Sendable: `base` addresses the storage of this value's own array (as sendable as the
// array); a buffer sent to another thread goes with its array.

/// A reusable byte buffer: an array kept at its full length with the bytes in use counted apart, so
/// that appending is a capacity check and one copy. (`Array.append(contentsOf:)` cost ~100
/// instructions a call whatever the length, and a JSONL line stores eight or nine strings in its
/// draft.) Holds drafts' strings, records being encoded and the projector's copies of a batch's
/// records.
///
/// Reading goes through the address of the array's bytes, kept up to date by every change: an
/// array's `withUnsafeBytes`, reached through a pointer to a draft or the writer, retained and
/// released its storage each time (atomic operations; a few per event). A copy of a buffer keeps its
/// own array, so copies stay independent as arrays are. This relies on a native array's storage
/// staying at its address while the array is not changed, as Swift's arrays do (a `ManagedBuffer`
/// would make it a guarantee).
@_spi(Storage) public struct ByteBuffer: @unchecked Sendable {
    private var storage: [UInt8]
    /// The address of `storage`'s bytes (nil only for an empty array without storage).
    private var base: UnsafeMutablePointer<UInt8>?
    /// The bytes in use: `0 ..< count`.
    public private(set) var count = 0
    /// The bytes held, in use or not.
    public var capacity: Int { storage.count }

    /// An empty buffer with room for `capacity` bytes.
    public init(capacity: Int) {
        storage = [UInt8](repeating: 0, count: capacity)
        base = storage.withUnsafeMutableBufferPointer { $0.baseAddress }
    }

    /// Makes room for `n` more bytes (at least doubling, so appends stay amortized O(1)).
    @inline(__always) public mutating func reserve(_ n: Int) {
        if storage.count - count < n {
            storage.append(contentsOf: repeatElement(0, count: max(n, storage.count)))
            base = storage.withUnsafeMutableBufferPointer { $0.baseAddress }
        }
    }

    /// Appends `bytes`.
    @inline(__always) public mutating func append(_ bytes: UnsafeRawBufferPointer) {
        guard let source = bytes.baseAddress, bytes.count > 0 else { return }
        reserve(bytes.count)
        let at = count
        changeStorage { UnsafeMutableRawPointer($0 + at).copyMemory(from: source, byteCount: bytes.count) }
        count += bytes.count
    }

    /// Appends one byte.
    @inline(__always) public mutating func append(_ byte: UInt8) {
        reserve(1)
        let at = count
        changeStorage { $0[at] = byte }
        count += 1
    }

    /// Writes up to `bound` bytes at the end through `body`, which returns how many it wrote.
    @inline(__always) public mutating func write<E: Error>(upTo bound: Int, _ body: (UnsafeMutablePointer<UInt8>) throws(E) -> Int) throws(E) {
        reserve(bound)
        let at = count
        let written = try changeStorage { (p) throws(E) -> Int in try body(p + at) }
        precondition(written <= bound, "buffer invariant: a write stays within its bound")
        count += written
    }

    /// Calls `body` with the address of the array's bytes, made this value's own first (a copy of the
    /// buffer may share them), and keeps that address for reading, also when `body` throws. Every
    /// write goes through here; call after ``reserve(_:)`` has made the room.
    @inline(__always)
    private mutating func changeStorage<R, E: Error>(_ body: (UnsafeMutablePointer<UInt8>) throws(E) -> R) throws(E) -> R {
        var address: UnsafeMutablePointer<UInt8>?
        defer { base = address }
        return try storage.withUnsafeMutableBufferPointer { (b) throws(E) -> R in
            address = b.baseAddress
            return try body(b.baseAddress!)
        }
    }

    /// Empties the buffer, keeping its room.
    public mutating func removeAll() { count = 0 }

    /// The byte at `k`, within `0 ..< count`.
    public subscript(k: Int) -> UInt8 {
        get {
            precondition(k >= 0 && k < count, "buffer invariant: index \(k) within 0..<\(count)")
            return base![k]
        }
        set {
            precondition(k >= 0 && k < count, "buffer invariant: index \(k) within 0..<\(count)")
            changeStorage { $0[k] = newValue }
        }
    }

    /// The bytes in use, valid while this buffer is not changed. Read through a pointer to a draft or
    /// the writer, this reads two fields, where a method called there (`withUnsafeBytes`) copied the
    /// buffer, retaining its array, for as long as its closure ran.
    @inline(__always) public var unsafeBytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }

    /// Calls `body` with the bytes in use, which stay valid while this buffer is not changed (`body`
    /// must not change it).
    @inline(__always) public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(unsafeBytes)
    }
}
