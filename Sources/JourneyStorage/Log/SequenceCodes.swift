import LMDB

/// A sequence number as the per-event indexes store it: 5 bytes, big-endian, so LMDB's byte order
/// is numeric order. The log itself keys events by the full UInt64 (DESIGN.md §2); the indexes hold
/// one of these per event, so the 3 bytes saved matter. Limit: ``max`` events per store.
package struct StoredSequence: ByteCodable, Equatable {
    package static let size = 5
    /// The largest sequence number a store can hold: 2^40 − 1 (about 1.1 × 10^12 events).
    package static let max: UInt64 = (1 << 40) - 1

    package let value: UInt64

    package init(_ value: UInt64) {
        precondition(value <= Self.max, "sequence \(value) above the store limit \(Self.max)")
        self.value = value
    }

    package func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        var big = (value << 24).bigEndian
        return try Swift.withUnsafeBytes(of: &big) { try body(UnsafeRawBufferPointer(rebasing: $0[0..<Self.size])) }
    }

    package init(lmdbBytes bytes: UnsafeRawBufferPointer) throws(LMDBError) {
        guard bytes.count == Self.size else {
            throw LMDBError(code: LMDBError.corrupted.code, context: "expected \(Self.size) bytes for a sequence, found \(bytes.count)")
        }
        value = Self.read(bytes.baseAddress!)
    }

    /// The sequence packed at `p`.
    @inline(__always)
    package static func read(_ p: UnsafeRawPointer) -> UInt64 {
        UInt64(p.load(as: UInt8.self)) << 32 | UInt64(UInt32(bigEndian: p.loadUnaligned(fromByteOffset: 1, as: UInt32.self)))
    }
}

/// An entry of `event_ids`: the bucket is the top 8 bits of the id's 64-bit hash (256 buckets); the
/// value one native-endian `UInt64`, the next 24 hash bits above the 40-bit sequence, kept in sorted
/// runs (``IDRuns``): 8 bytes an event, with no per-entry header. 32 hash bits are kept: the hash only finds candidates, the stored
/// event's id decides — in a store of N events a new id reads N / 2^32 other events on average
/// (0.002 at 10 M).
package struct IDEntry: Equatable {
    package static let size = 8
    /// The hash bits an entry keeps.
    package static let kept: UInt64 = 0xFFFF_FFFF_0000_0000
    /// The bits of the value that hold hash bits 55…32.
    private static let hashBits: UInt64 = 0xFFFF_FF00_0000_0000

    /// The id's hash, only the ``kept`` bits.
    package let hash: UInt64
    package let sequence: UInt64

    package init(hash: UInt64, sequence: UInt64) {
        precondition(sequence <= StoredSequence.max, "sequence \(sequence) above the store limit \(StoredSequence.max)")
        self.hash = hash & Self.kept
        self.sequence = sequence
    }

    /// The bucket (key) of a hash.
    @inline(__always)
    package static func bucket(_ hash: UInt64) -> UInt8 { UInt8(truncatingIfNeeded: hash >> 56) }

    package var bucket: UInt8 { Self.bucket(hash) }

    /// The stored value, ``size`` bytes in a run: hash bits 55…32, then the sequence. Within a
    /// bucket its numeric order is (kept hash, sequence) order.
    package var value: UInt64 { (hash << 8) & Self.hashBits | sequence }

    /// Decodes a stored value of bucket `bucket`; the inverse of ``value``.
    package init(bucket: UInt8, value v: UInt64) {
        hash = UInt64(bucket) << 56 | (v & Self.hashBits) >> 8
        sequence = v & StoredSequence.max
    }
}

extension Cursor {
    /// The last entry with a key below `bound` (the last of all when `bound` is nil), the cursor on
    /// it, if `belongs` accepts its key; otherwise `nil`, the cursor anywhere. The runs of a
    /// customer or an id bucket end just below the first key of the next one.
    package func lastEntry<K: ByteEncodable>(below bound: K?, where belongs: (UnsafeRawBufferPointer) -> Bool) throws -> Entry? {
        let after = try bound.flatMap { try seek(atLeast: $0) }
        let candidate = after == nil ? try last() : try previous()
        guard let candidate, belongs(candidate.key) else { return nil }
        return candidate
    }
}

/// A database of runs of sequences (``CustomerRuns``, ``IDRuns``): each key is a big-endian prefix
/// (a customer number, an id bucket), then a sequence of the run (``StoredSequence``, 5 bytes).
package protocol RunLayout {
    associatedtype Prefix: FixedWidthInteger & UnsignedInteger
    /// The database's name, for error messages.
    static var database: String { get }
}

/// A key of a ``RunLayout`` database. Keys sort by prefix, then sequence.
package struct RunKey<Layout: RunLayout>: ByteEncodable, Equatable {
    package static var size: Int { Layout.Prefix.bitWidth / 8 + StoredSequence.size }
    package var prefix: Layout.Prefix
    package var sequence: UInt64

    package init(_ prefix: Layout.Prefix, _ sequence: UInt64) {
        precondition(sequence <= StoredSequence.max, "sequence \(sequence) above the store limit \(StoredSequence.max)")
        self.prefix = prefix
        self.sequence = sequence
    }

    package init(bytes: UnsafeRawBufferPointer) throws(JourneyError) {
        guard bytes.count == Self.size else {
            throw JourneyError(.corrupted, "\(Layout.database) holds a key of \(bytes.count) bytes, expected \(Self.size); run `journey verify`")
        }
        prefix = Layout.Prefix(bigEndian: bytes.loadUnaligned(as: Layout.Prefix.self))
        sequence = StoredSequence.read(bytes.baseAddress! + Layout.Prefix.bitWidth / 8)
    }

    package func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        var bytes: (UInt64, UInt64) = (0, 0)
        return try Swift.withUnsafeMutableBytes(of: &bytes) { raw in
            raw.storeBytes(of: prefix.bigEndian, toByteOffset: 0, as: Layout.Prefix.self)
            // The sequence's 5 bytes, big-endian, and 3 zero bytes past the key.
            raw.storeBytes(of: (sequence << 24).bigEndian, toByteOffset: Layout.Prefix.bitWidth / 8, as: UInt64.self)
            return try body(UnsafeRawBufferPointer(rebasing: raw[0..<Self.size]))
        }
    }

    /// The prefix of a stored key, without checking the rest.
    package static func prefix(of bytes: UnsafeRawBufferPointer) -> Layout.Prefix? {
        bytes.count == size ? Layout.Prefix(bigEndian: bytes.loadUnaligned(as: Layout.Prefix.self)) : nil
    }
}
