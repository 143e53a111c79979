import LMDB

extension MetaKey {
    /// The customers `forget` erased (``Tombstones``).
    static let tombstones = "tombstones"
}

/// The customers whose personal data was erased (`journey forget`), each with the time it was
/// erased as of: an event of theirs appended later whose time is not after it is stored without
/// contact fields and attributes, so re-ingesting an old file cannot bring the data back, while a
/// customer who comes back (a later signup) is stored as usual.
///
/// Stored in `meta` as one value: a version (UInt64 big-endian, bumped by each change, so writers
/// reload it only then) and per customer, ascending, its number (UInt32) and time (Int64), big-endian.
package struct Tombstones {
    private var version: UInt64 = 0
    private var times: [UInt32: Int64] = [:]

    package init() {}

    package var isEmpty: Bool { times.isEmpty }
    package var count: Int { times.count }

    /// The time `customer` was erased as of, if it was.
    package func erasedAsOf(_ customer: UInt32) -> Int64? { times[customer] }

    /// Whether an event of `customer` at `time` is stored without its personal fields.
    @inline(__always)
    package func erases(_ customer: UInt32, at time: Int64) -> Bool {
        !times.isEmpty && (times[customer].map { time <= $0 } ?? false)
    }

    /// Reads the stored tombstones when they changed since this value was read.
    package mutating func synchronize(schema: StoreSchema, in txn: some ReadableTransaction) throws {
        try schema.meta.withValue(MetaKey.tombstones, in: txn) { bytes in
            guard let bytes else { self = Tombstones(); return }
            let entryBytes = 12
            guard bytes.count >= 8, (bytes.count - 8) % entryBytes == 0 else {
                throw JourneyError(.corrupted, "the tombstones of forgotten customers are malformed; run `journey verify`")
            }
            let stored = UInt64(bigEndian: bytes.loadUnaligned(as: UInt64.self))
            guard stored != version || times.isEmpty else { return }
            var read: [UInt32: Int64] = [:]
            for at in stride(from: 8, to: bytes.count, by: entryBytes) {
                let customer = UInt32(bigEndian: bytes.loadUnaligned(fromByteOffset: at, as: UInt32.self))
                read[customer] = Int64(bigEndian: bytes.loadUnaligned(fromByteOffset: at + 4, as: Int64.self))
            }
            (version, times) = (stored, read)
        }
    }

    /// Adds (or moves) the tombstone of `customer` and stores them all, with a new version.
    package mutating func add(_ customer: UInt32, asOf time: Int64, schema: StoreSchema, in txn: WriteTransaction) throws {
        try synchronize(schema: schema, in: txn)
        times[customer] = max(time, times[customer] ?? time)
        version += 1
        var bytes: [UInt8] = []
        bytes.reserveCapacity(8 + 12 * times.count)
        bytes.appendBigEndian(version)
        for (c, t) in times.sorted(by: { $0.key < $1.key }) {
            bytes.appendBigEndian(c)
            bytes.appendBigEndian(UInt64(bitPattern: t))
        }
        try schema.meta.put(MetaKey.tombstones, bytes, in: txn)
    }
}

extension EventRecord {
    /// The record without contact fields and attributes (a signup's or profile's field mask 0, a
    /// purchase's contact mask 0), or `nil` when it holds none.
    package func withoutPersonalData() throws(JourneyError) -> [UInt8]? {
        var (_, r) = try idAndPayload()
        switch type {
        case .signup, .profile:
            break
        case .purchase:
            _ = try r.string()
            _ = try r.amount()
            let count = try r.varint32()
            guard count <= Limits.itemsMax else { throw RecordReader.corrupt }
            for _ in 0..<count { _ = try r.varint32(); _ = try r.varint32(); _ = try r.amount(); _ = try r.varint() }
        default:
            return nil
        }
        let maskStart = r.offset
        guard try r.varint() != 0 else { return nil }
        return Array(bytes[..<maskStart]) + [0]
    }
}
