import LMDB

/// The named databases of a store's LMDB environment.
///
/// | name | key | value |
/// |---|---|---|
/// | `meta` | text key | bytes: format version, currency, name counts, checkpoint |
/// | `events` | sequence number, UInt64 big-endian from 1 | ``EventRecord`` |
/// | `event_ids` | top 8 bits of the id's stable 64-bit hash (256 buckets) + the run's highest sequence (5 bytes) | a sorted run of ``IDEntry`` values: the next 24 hash bits above a 40-bit sequence, native UInt64s (``IDRuns``) |
/// | `names` | name kind byte + name bytes | number, UInt32 big-endian |
/// | `name_list` | name kind byte + number (UInt32 big-endian); customers (kind 3) last, so new ones append | name bytes |
/// | `customer_events` | customer number, UInt32 big-endian, + first sequence of a run (5 bytes) | the run's further sequences as LEB128 differences (``CustomerRuns``) |
/// | `facts` | customer number, UInt32 big-endian | ``CustomerFacts`` |
/// | `by_spend` | net spend descending (16 bytes) + customer id bytes | customer number (buyers only) |
/// | `by_last_purchase` | last purchase time, Int64 big-endian + customer number | empty (buyers only) |
/// | `by_orders` | order count, UInt32 big-endian + customer number | empty (buyers only) |
package final class StoreSchema: Sendable {
    /// The layout version this build reads and writes; a store with another one is refused.
    /// Version 2: bucketed `event_ids`, 5-byte sequences in the indexes, 6-byte record times.
    /// Version 3: `event_ids` entries of 8 bytes compared as integers (256 buckets).
    /// Version 4: `customer_events` in runs of sequences per customer (``CustomerRuns``).
    /// Version 5: `event_ids` in sorted runs per bucket (``IDRuns``).
    /// Version 6: 128-bit spend sums (facts, and 16-byte spends in `by_spend` keys); an affinity time
    /// per category.
    /// Version 7: `by_due` (facts' rhythm index) and the journey's databases (ticks, transitions,
    /// emitted states, saved audiences, consumers).
    /// Version 8: records with consent and the offer and unsubscribe types; facts with a time per
    /// list entry, campaigns opened, offers, last view and consent; policy tiers in major units.
    /// Version 9: every purchase's total in the facts (for the predicted value's spend per purchase day).
    /// Version 10: the journey's `erased` database (``forget`` keeps erased customers' journeys).
    package static let formatVersion: UInt32 = 10
    /// Named databases an environment may hold (LMDB's `maxdbs`): the log's, the projections' and the
    /// journey's, with room to spare.
    package static let databasesMax = 32

    package let meta: Database<String, [UInt8]>
    package let events: Database<UInt64, [UInt8]>
    package let eventIDs: Database<[UInt8], [UInt8]>
    package let names: Database<[UInt8], UInt32>
    package let nameList: Database<[UInt8], [UInt8]>
    package let customerEvents: Database<[UInt8], [UInt8]>
    /// The projections' databases (their values and secondary indexes), by name.
    package let projectionDatabases: [String: Database<[UInt8], [UInt8]>]

    /// Opens every database of the log, and `projectionDatabases` (the names the projections use),
    /// creating the missing ones when `create` is set.
    package init(env: Environment, create: Bool, projectionDatabases names: [String]) throws {
        let c: DatabaseFlags = create ? .create : []
        meta = try env.openDatabase("meta", flags: c)
        events = try env.openDatabase("events", flags: c)
        eventIDs = try env.openDatabase("event_ids", flags: c)
        self.names = try env.openDatabase("names", flags: c)
        nameList = try env.openDatabase("name_list", flags: c)
        customerEvents = try env.openDatabase("customer_events", flags: c)
        var projection: [String: Database<[UInt8], [UInt8]>] = [:]
        for name in names { projection[name] = try env.openDatabase(name, flags: c) }
        projectionDatabases = projection
    }

    /// The projection database `name`, typed.
    package func projectionDatabase<K, V>(_ name: String) -> Database<K, V> {
        guard let db = projectionDatabases[name] else { preconditionFailure("schema invariant: database \(name) was opened with the schema") }
        return db.retyped()
    }
}

/// Keys of the `meta` database.
package enum MetaKey {
    package static let format = "format"
    package static let currency = "currency"
    package static func nameCount(_ kind: NameKind) -> String { "names.\(kind.rawValue)" }
    /// The sequence number of the last event the projections include.
    package static let checkpoint = "checkpoint"
    /// The time of the newest event, the default clock of classification.
    package static let newestTime = "newest_time"
    package static let policy = "policy"
}

extension StoreSchema {
    /// A big-endian integer stored under `key`, or `nil`.
    package func metaInteger<T: FixedWidthInteger>(_ key: String, as: T.Type = T.self, in txn: some ReadableTransaction) throws -> T? {
        try meta.withValue(key, in: txn) { bytes in
            guard let bytes else { return nil }
            let size = MemoryLayout<T>.size
            guard bytes.count == size else { throw JourneyError(.corrupted, "meta \(key): expected \(size) bytes, found \(bytes.count)") }
            return T(bigEndian: bytes.loadUnaligned(as: T.self))
        }
    }

    package func metaUInt32(_ key: String, in txn: some ReadableTransaction) throws -> UInt32? { try metaInteger(key, in: txn) }
    package func metaUInt64(_ key: String, in txn: some ReadableTransaction) throws -> UInt64? { try metaInteger(key, in: txn) }

    package func setMeta(_ key: String, _ value: some FixedWidthInteger & ByteEncodable, in txn: WriteTransaction) throws {
        try value.withBytes { bytes in _ = try meta.putBytes(key, bytes, in: txn) }
    }

    package func metaString(_ key: String, in txn: some ReadableTransaction) throws -> String? {
        try meta.withValue(key, in: txn) { bytes in bytes.map { String(decoding: $0, as: UTF8.self) } }
    }

    package func setMeta(_ key: String, _ value: String, in txn: WriteTransaction) throws {
        try meta.put(key, Array(value.utf8), in: txn)
    }

    /// The sequence number of the newest event, 0 for an empty log.
    package func lastSequence(in txn: some ReadableTransaction) throws -> UInt64 {
        try events.withCursor(in: txn) { cursor in
            guard let (key, _) = try cursor.last() else { return 0 }
            return try UInt64(lmdbBytes: key)
        }
    }

    /// The key of name `number` of `kind` in `name_list`.
    package static func nameListKey(_ kind: NameKind, _ number: UInt32) -> [UInt8] {
        let n = number.bigEndian
        return [kind.rawValue, UInt8(truncatingIfNeeded: n), UInt8(truncatingIfNeeded: n >> 8),
                UInt8(truncatingIfNeeded: n >> 16), UInt8(truncatingIfNeeded: n >> 24)]
    }

    /// The name with `number`, read from the store.
    package func name(_ kind: NameKind, _ number: UInt32, in txn: some ReadableTransaction) throws -> String {
        try nameList.withValue(Self.nameListKey(kind, number), in: txn) { bytes in
            guard let bytes else { throw JourneyError(.corrupted, "name \(number) of kind \(kind) is missing; run `journey verify`") }
            return String(decoding: bytes, as: UTF8.self)
        }
    }

    /// The number of a name, read from the store, or `nil`.
    package func number(_ kind: NameKind, _ name: String, in txn: some ReadableTransaction) throws -> UInt32? {
        var key: [UInt8] = []
        key.reserveCapacity(1 + name.utf8.count)
        key.append(kind.rawValue)
        key.append(contentsOf: name.utf8)
        return try names.get(key, in: txn)
    }
}

extension StoreSchema {
    /// The id bytes of customer `number`, pointing into the map: valid until `txn` writes or ends.
    package func customerID(_ number: UInt32, in txn: some ReadableTransaction) throws -> UnsafeRawBufferPointer {
        let bytes = try nameList.withValue(Self.nameListKey(.customer, number), in: txn) { $0 }
        guard let bytes else { throw JourneyError(.corrupted, "customer \(number) has no name; run `journey verify`") }
        return bytes
    }
}

extension StoreSchema {
    /// The records of `customer` in log order, from `customer_events`. The records point into the
    /// map: valid until `txn` writes or ends.
    package func records(of customer: UInt32, in txn: some ReadableTransaction) throws -> [(sequence: UInt64, record: EventRecord)] {
        // Labelled as returned: an unlabelled array was converted element by element, with dynamic casts.
        var out: [(sequence: UInt64, record: EventRecord)] = []
        try forEachSequence(of: customer, in: txn) { sequence in
            let stored = try events.withValue(sequence, in: txn) { $0 }
            guard let stored else { throw JourneyError(.corrupted, "customer index names missing event \(sequence); run `journey verify`") }
            out.append((sequence, try EventRecord(stored)))
        }
        return out
    }
}

extension StoreSchema {
    /// Calls `body` with the position in `customers` (ascending customer numbers) and the id bytes
    /// of each, in one cursor walk of `name_list` rather than a lookup each.
    package func forEachCustomerID(_ customers: some Sequence<UInt32>, in txn: some ReadableTransaction,
                           _ body: (Int, UnsafeRawBufferPointer) throws -> Void) throws {
        try nameList.withCursor(in: txn) { cursor in
            var entry = try cursor.seek(atLeast: Self.nameListKey(.customer, 1))
            // The customer number of a `name_list` key, or nil past the customers.
            func customer(_ key: UnsafeRawBufferPointer) -> UInt32? {
                guard key.count == 5, key[0] == NameKind.customer.rawValue else { return nil }
                return UInt32(bigEndian: key.loadUnaligned(fromByteOffset: 1, as: UInt32.self))
            }
            for (k, c) in customers.enumerated() {
                while let (key, _) = entry, let n = customer(key), n < c { entry = try cursor.next() }
                guard let (key, id) = entry, customer(key) == c else {
                    throw JourneyError(.corrupted, "customer \(c) has no name; run `journey verify`")
                }
                try body(k, id)
            }
        }
    }
}

