import LMDB

/// A sequence number as the per-event indexes store it: 5 bytes, big-endian, so LMDB's byte order
/// is numeric order. The log itself keys events by the full UInt64 (DESIGN.md §2); the indexes hold
/// one of these per event, so the 3 bytes saved matter. Limit: ``max`` events per store.
struct StoredSequence: ByteCodable, Equatable {
    static let size = 5
    /// The largest sequence number a store can hold: 2^40 − 1 (about 1.1 × 10^12 events).
    static let max: UInt64 = (1 << 40) - 1

    let value: UInt64

    init(_ value: UInt64) {
        precondition(value <= Self.max, "sequence \(value) above the store limit \(Self.max)")
        self.value = value
    }

    func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        var big = (value << 24).bigEndian
        return try Swift.withUnsafeBytes(of: &big) { try body(UnsafeRawBufferPointer(rebasing: $0[0..<Self.size])) }
    }

    init(lmdbBytes bytes: UnsafeRawBufferPointer) throws(LMDBError) {
        guard bytes.count == Self.size else {
            throw LMDBError(code: LMDBError.corrupted.code, context: "expected \(Self.size) bytes for a sequence, found \(bytes.count)")
        }
        value = Self.read(bytes.baseAddress!)
    }

    /// The sequence packed at `p`.
    @inline(__always)
    static func read(_ p: UnsafeRawPointer) -> UInt64 {
        UInt64(p.load(as: UInt8.self)) << 32 | UInt64(UInt32(bigEndian: p.loadUnaligned(fromByteOffset: 1, as: UInt32.self)))
    }
}

/// An entry of `event_ids`. The key is the top 4 bits of the id's 64-bit hash (16 buckets), the
/// value the next 56 bits and the sequence, 12 bytes packed in LMDB's fixed-size duplicate pages with
/// no per-entry header (~12 bytes an event instead of ~26 for one B-tree node per event). The lowest
/// 4 bits of the hash are not kept: the hash only finds candidates, the stored event's id decides.
struct IDEntry: ByteEncodable, Equatable {
    static let size = 12
    /// The hash bits an entry keeps.
    static let kept: UInt64 = ~0xF

    /// The id's hash with the low 4 bits cleared.
    let hash: UInt64
    let sequence: UInt64

    init(hash: UInt64, sequence: UInt64) {
        precondition(sequence <= StoredSequence.max, "sequence \(sequence) above the store limit \(StoredSequence.max)")
        self.hash = hash & Self.kept
        self.sequence = sequence
    }

    /// The bucket (key) of a hash.
    @inline(__always)
    static func bucket(_ hash: UInt64) -> UInt8 { UInt8(truncatingIfNeeded: hash >> 60) }

    var bucket: UInt8 { Self.bucket(hash) }

    func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        // Bytes: hash bits 59…4 (7 bytes), sequence bits 39…32, sequence bits 31…0.
        var packed = ((hash << 4).bigEndian, UInt32(truncatingIfNeeded: sequence).bigEndian)
        return try Swift.withUnsafeMutableBytes(of: &packed) { raw in
            raw[7] = UInt8(truncatingIfNeeded: sequence >> 32)
            return try body(UnsafeRawBufferPointer(rebasing: raw[0..<Self.size]))
        }
    }

    /// Decodes a stored value; `bucket` is its key.
    init(bucket: UInt8, bytes: UnsafeRawBufferPointer) throws(LMDBError) {
        guard bytes.count == Self.size, bucket < 16 else {
            throw LMDBError(code: LMDBError.corrupted.code, context: "expected \(Self.size) bytes for an event id entry, found \(bytes.count)")
        }
        let high = UInt64(bigEndian: bytes.loadUnaligned(as: UInt64.self)) & ~0xFF
        hash = UInt64(bucket) << 60 | high >> 4
        sequence = StoredSequence.read(bytes.baseAddress! + 7)
    }
}
