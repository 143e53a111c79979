import LMDB

/// The write side's name tables, one per ``NameKind``, kept in line with the store.
///
/// A kind's table holds every stored name (it is then *complete*: a name it lacks is new) when the
/// kind has few names or the batch is large against them; otherwise it holds the names this writer
/// has met, and a name it lacks is looked up in `names` before it is called new. (Loading a million
/// customers' names cost 0.3 s and 300 MB at the start of every batch into a 10 M-event store: most
/// of a 10,000-event append.)
package struct NameCache {
    private var tables = Array(repeating: NameTable(), count: NameKind.allCases.count)
    /// Names of each kind stored as of the transaction's start (meta's count).
    private var persisted = Array(repeating: 0, count: NameKind.allCases.count)
    /// The number the next new name of each kind gets.
    private var next = Array(repeating: UInt32(1), count: NameKind.allCases.count)
    /// Whether the table of each kind holds every stored name of it.
    private var complete = Array(repeating: true, count: NameKind.allCases.count)
    private var keyBuffer: [UInt8] = []
    /// Names interned by this transaction, whose `names` entries are written in key order at the end.
    private var pending: [(kind: NameKind, number: UInt32)] = []
    /// The store's roll-back epoch the tables were loaded in (``MetaKey/rollBackEpoch``).
    private var epoch: UInt64 = 0

    /// A kind with at most this many names, or at most twice as many as a batch has events, is
    /// loaded in full (reading a name costs ~1/50 of looking one up).
    package static let loadAllNamesMax = 1 << 16

    package init() {}

    /// Brings the tables in line with what is committed: names added by other processes, names of
    /// an aborted transaction dropped, a table loaded in full or left to fill as names are met (see
    /// the type's description). After a roll-back (a new epoch) the tables start afresh: its freed
    /// numbers may name other names by now, at the same counts. Call at the start of every write
    /// transaction; `expectedEvents` is the batch's size, if known.
    package mutating func synchronize(schema: StoreSchema, in txn: WriteTransaction, expectedEvents: Int = 0) throws {
        let epoch = try schema.metaUInt64(MetaKey.rollBackEpoch, in: txn) ?? 0
        if epoch != self.epoch {
            tables = Array(repeating: NameTable(), count: NameKind.allCases.count)
            complete = Array(repeating: true, count: NameKind.allCases.count)
            self.epoch = epoch
        }
        for kind in NameKind.allCases {
            let k = Int(kind.rawValue)
            let stored = Int(try schema.metaUInt32(MetaKey.nameCount(kind), in: txn) ?? 0)
            if tables[k].largestNumber > UInt32(stored) { tables[k].truncate(toNumbersAtMost: UInt32(stored)) }
            let loadAll = stored <= Self.loadAllNamesMax || stored <= 2 * expectedEvents
            if complete[k] && tables[k].count < stored && !loadAll { complete[k] = false }
            if !complete[k] && loadAll { tables[k] = NameTable() }
            if tables[k].isDense && tables[k].count < stored && (complete[k] || loadAll) {
                try load(kind, from: UInt32(tables[k].count + 1), through: UInt32(stored), schema: schema, in: txn)
                complete[k] = true
            }
            persisted[k] = stored
            next[k] = UInt32(stored) + 1
        }
        pending.removeAll(keepingCapacity: true)
    }

    /// Appends names `first...last` of `kind` from `name_list` to its (dense) table.
    private mutating func load(_ kind: NameKind, from first: UInt32, through last: UInt32, schema: StoreSchema,
                               in txn: WriteTransaction) throws {
        let k = Int(kind.rawValue)
        var number = first
        try schema.nameList.forEach(in: txn, from: StoreSchema.nameListKey(kind, first)) { key, value in
            guard key.count == 5, key[0] == kind.rawValue, number <= last else { return false }
            tables[k].insert(value, hash: tableHash64(value))
            number += 1
            return true
        }
        guard tables[k].count == Int(last) else {
            throw JourneyError(.corrupted, "name list of kind \(kind) holds \(tables[k].count) names, meta says \(last)")
        }
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
        if !complete[k], let stored = try storedNumber(kind, name, schema: schema, in: txn) {
            tables[k].insert(name, hash: hash, number: stored)
            return stored
        }
        let id = next[k]
        next[k] += 1
        tables[k].insert(name, hash: hash, number: id)
        pending.append((kind, id))
        // Customers' keys sort last and their numbers ascend: each new one appends (full pages).
        try schema.nameList.putBytes(StoreSchema.nameListKey(kind, id), name, in: txn, flags: kind == .customer ? .append : [])
        return id
    }

    /// The stored number of `name`, from `names`, or `nil`.
    private mutating func storedNumber(_ kind: NameKind, _ name: UnsafeRawBufferPointer, schema: StoreSchema,
                                       in txn: WriteTransaction) throws -> UInt32? {
        keyBuffer.removeAll(keepingCapacity: true)
        keyBuffer.append(kind.rawValue)
        keyBuffer.append(contentsOf: name)
        guard let n = try schema.names.get(keyBuffer, in: txn) else { return nil }
        guard n >= 1, Int(n) <= persisted[Int(kind.rawValue)] else {
            throw JourneyError(.corrupted, "names holds number \(n) for a name of kind \(kind), which has \(persisted[Int(kind.rawValue)]); run `journey verify`")
        }
        return n
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
            if Int(next[k]) - 1 != persisted[k] {
                try schema.setMeta(MetaKey.nameCount(kind), next[k] - 1, in: txn)
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

    /// Calls `body` with the bytes of name `number` of `kind` (read from `name_list` when this
    /// writer has not met it).
    package func withName<R>(_ kind: NameKind, _ number: UInt32, schema: StoreSchema, in txn: some ReadableTransaction,
                             _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        if tables[Int(kind.rawValue)].holds(number) { return try tables[Int(kind.rawValue)].withName(number, body) }
        return try schema.nameList.withValue(StoreSchema.nameListKey(kind, number), in: txn) { bytes in
            guard let bytes else { throw JourneyError(.corrupted, "name \(number) of kind \(kind) is missing; run `journey verify`") }
            return try body(bytes)
        }
    }

    /// How many names of `kind` there are, with those this transaction added.
    package func count(_ kind: NameKind) -> Int { Int(next[Int(kind.rawValue)]) - 1 }
}
