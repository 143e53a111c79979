/// A reusable byte buffer: an array kept at its full length with the bytes in use counted apart, so
/// that appending is a capacity check and one copy. (`Array.append(contentsOf:)` cost ~100
/// instructions a call whatever the length: a JSONL line stores eight or nine strings in its draft,
/// and a record is written in a dozen pieces.) Holds drafts' strings, records being encoded and the
/// projector's copies of a batch's records.
struct ByteBuffer {
    private var storage: [UInt8]
    /// The bytes in use: `0 ..< count`.
    private(set) var count = 0

    init(capacity: Int) { storage = [UInt8](repeating: 0, count: capacity) }

    /// Makes room for `n` more bytes (at least doubling, so appends stay amortized O(1)).
    @inline(__always)
    mutating func reserve(_ n: Int) {
        if storage.count - count < n { storage.append(contentsOf: repeatElement(0, count: max(n, storage.count))) }
    }

    @inline(__always)
    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        reserve(bytes.count)
        let at = count
        storage.withUnsafeMutableBytes { ($0.baseAddress! + at).copyMemory(from: base, byteCount: bytes.count) }
        count += bytes.count
    }

    @inline(__always)
    mutating func append(_ byte: UInt8) {
        reserve(1)
        storage[count] = byte
        count += 1
    }

    /// Writes up to `bound` bytes at the end through `body`, which returns how many it wrote.
    @inline(__always)
    mutating func write<E: Error>(upTo bound: Int, _ body: (UnsafeMutablePointer<UInt8>) throws(E) -> Int) throws(E) {
        reserve(bound)
        let at = count
        let written = try storage.withUnsafeMutableBufferPointer { (b) throws(E) -> Int in try body(b.baseAddress! + at) }
        precondition(written <= bound, "buffer invariant: a write stays within its bound")
        count += written
    }

    mutating func removeAll() { count = 0 }

    subscript(k: Int) -> UInt8 {
        get { precondition(k < count); return storage[k] }
        set { precondition(k < count); storage[k] = newValue }
    }

    /// Calls `body` with the bytes in use.
    @inline(__always)
    func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        let n = count
        return try storage.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
    }
}
