import LMDB

/// The write side's name tables, one per ``NameKind``, kept in line with the store.
package struct NameCache {
    private var tables = Array(repeating: NameTable(), count: NameKind.allCases.count)
    private var persisted = Array(repeating: 0, count: NameKind.allCases.count)
    private var keyBuffer: [UInt8] = []
    /// Names interned by this transaction, whose `names` entries are written in key order at the end.
    private var pending: [(kind: NameKind, number: UInt32)] = []
    /// The store's roll-back epoch the tables were loaded in (``MetaKey/rollBackEpoch``).
    private var epoch: UInt64 = 0

    package init() {}

    /// Brings the tables in line with what is committed: loads names added by other processes and
    /// drops names of an aborted transaction. After a roll-back (a new epoch) the tables are loaded
    /// again: its freed numbers may name other names by now, at the same counts. Call at the start of
    /// every write transaction.
    package mutating func synchronize(schema: StoreSchema, in txn: WriteTransaction) throws {
        let epoch = try schema.metaUInt64(MetaKey.rollBackEpoch, in: txn) ?? 0
        if epoch != self.epoch {
            tables = Array(repeating: NameTable(), count: NameKind.allCases.count)
            self.epoch = epoch
        }
        for kind in NameKind.allCases {
            let k = Int(kind.rawValue)
            let stored = Int(try schema.metaUInt32(MetaKey.nameCount(kind), in: txn) ?? 0)
            if tables[k].count > stored { tables[k].truncate(to: stored) }
            if tables[k].count < stored {
                var next = UInt32(tables[k].count + 1)
                try schema.nameList.forEach(in: txn, from: StoreSchema.nameListKey(kind, next)) { key, value in
                    guard key.count == 5, key[0] == kind.rawValue, next <= UInt32(stored) else { return false }
                    tables[k].insert(value, hash: tableHash64(value))
                    next += 1
                    return true
                }
                guard tables[k].count == stored else {
                    throw JourneyError(.corrupted, "name list of kind \(kind) holds \(tables[k].count) names, meta says \(stored)")
                }
            }
            persisted[k] = stored
        }
        pending.removeAll(keepingCapacity: true)
    }

    /// Loads what looking up the name with `hash` will read first (see ``NameTable/touch(hash:)``).
    @inline(__always)
    package func touch(_ kind: NameKind, hash: UInt64) -> UInt64 { tables[Int(kind.rawValue)].touch(hash: hash) }

    /// The number of `name`, interning it (in memory and in the store) when new.
    @inline(__always)
    package mutating func number(_ kind: NameKind, _ name: UnsafeRawBufferPointer, schema: StoreSchema, in txn: WriteTransaction) throws -> UInt32 {
        try number(kind, name, hash: tableHash64(name), schema: schema, in: txn)
    }

    /// The number of `name`, whose ``tableHash64(_:)`` is `hash`, interning it when new.
    @inline(__always)
    package mutating func number(_ kind: NameKind, _ name: UnsafeRawBufferPointer, hash: UInt64, schema: StoreSchema,
                         in txn: WriteTransaction) throws -> UInt32 {
        let k = Int(kind.rawValue)
        if let id = tables[k].find(name, hash: hash) { return id }
        let id = tables[k].insert(name, hash: hash)
        pending.append((kind, id))
        // Customers' keys sort last and their numbers ascend: each new one appends (full pages).
        try schema.nameList.putBytes(StoreSchema.nameListKey(kind, id), name, in: txn, flags: kind == .customer ? .append : [])
        return id
    }

    /// Writes the `names` entries of the names interned since ``synchronize(schema:in:)`` in key
    /// order (appending above the last stored key: a new store's pages come out full) and records the
    /// new name counts in `meta`; call before the transaction commits.
    package mutating func persistCounts(schema: StoreSchema, in txn: WriteTransaction) throws {
        if !pending.isEmpty {
            let tables = self.tables
            func precedes(_ a: (kind: NameKind, number: UInt32), _ b: (kind: NameKind, number: UInt32)) -> Bool {
                if a.kind != b.kind { return a.kind.rawValue < b.kind.rawValue }
                return tables[Int(a.kind.rawValue)].withName(a.number) { x in
                    tables[Int(b.kind.rawValue)].withName(b.number) { y in x.lexicographicallyPrecedes(y) }
                }
            }
            // Byte order of (kind, name): radix sorted on the kind and the name's first 7 bytes, and
            // only names sharing those compared in full (a comparison sort of ~100 k names took ~4 %
            // of an ingest).
            sortByKeyThenComparing(&pending, key: { p in
                tables[Int(p.kind.rawValue)].withName(p.number) { Self.sortKey(p.kind, $0) }
            }, by: precedes)
            try schema.names.withCursor(in: txn) { cursor in
                var putter = try AscendingPutter(cursor)
                for (kind, number) in pending {
                    keyBuffer.removeAll(keepingCapacity: true)
                    keyBuffer.append(kind.rawValue)
                    tables[Int(kind.rawValue)].withName(number) { keyBuffer.append(contentsOf: $0) }
                    var value = number.bigEndian
                    let stored = try keyBuffer.withUnsafeBytes { key in
                        try withUnsafeBytes(of: &value) { try putter.put(key: key, value: $0, flags: .noOverwrite) }
                    }
                    guard stored else {
                        throw JourneyError(.corrupted, "name of kind \(kind) is stored but missing from the name list; run `journey verify`")
                    }
                }
            }
            pending.removeAll(keepingCapacity: true)
        }
        for kind in NameKind.allCases {
            let k = Int(kind.rawValue)
            if tables[k].count != persisted[k] {
                try schema.setMeta(MetaKey.nameCount(kind), UInt32(tables[k].count), in: txn)
            }
        }
    }

    /// A key ordering `names` entries as their keys (the kind's byte, then the name) do, except
    /// that names sharing their first 7 bytes get equal keys: the kind in the top byte, then those
    /// bytes, zero-padded.
    package static func sortKey(_ kind: NameKind, _ name: UnsafeRawBufferPointer) -> UInt64 {
        var key = UInt64(kind.rawValue) << 56
        for i in 0..<min(7, name.count) { key |= UInt64(name[i]) << UInt64(48 - 8 * i) }
        return key
    }

    /// Calls `body` with the bytes of name `number` of `kind`.
    package func withName<R>(_ kind: NameKind, _ number: UInt32, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try tables[Int(kind.rawValue)].withName(number, body)
    }

    /// How many names of `kind` are known.
    package func count(_ kind: NameKind) -> Int { tables[Int(kind.rawValue)].count }
}
