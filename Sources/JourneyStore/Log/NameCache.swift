import LMDB

/// The write side's name tables, one per ``NameKind``, kept in line with the store.
struct NameCache {
    private var tables = Array(repeating: NameTable(), count: NameKind.allCases.count)
    private var persisted = Array(repeating: 0, count: NameKind.allCases.count)
    private var keyBuffer: [UInt8] = []

    /// Brings the tables in line with what is committed: loads names added by other processes and
    /// drops names of an aborted transaction. Call at the start of every write transaction.
    mutating func synchronize(schema: StoreSchema, in txn: WriteTransaction) throws {
        for kind in NameKind.allCases {
            let k = Int(kind.rawValue)
            let stored = Int(try schema.metaUInt32(MetaKey.nameCount(kind), in: txn) ?? 0)
            if tables[k].count > stored { tables[k].truncate(to: stored) }
            if tables[k].count < stored {
                var next = UInt32(tables[k].count + 1)
                try schema.nameList.forEach(in: txn, from: StoreSchema.nameListKey(kind, next)) { key, value in
                    guard key.count == 5, key[0] == kind.rawValue, next <= UInt32(stored) else { return false }
                    tables[k].insert(value, hash: stableHash64(value))
                    next += 1
                    return true
                }
                guard tables[k].count == stored else {
                    throw JourneyError(.corrupted, "name list of kind \(kind) holds \(tables[k].count) names, meta says \(stored)")
                }
            }
            persisted[k] = stored
        }
    }

    /// The number of `name`, interning it (in memory and in the store) when new.
    @inline(__always)
    mutating func number(_ kind: NameKind, _ name: UnsafeRawBufferPointer, schema: StoreSchema, in txn: WriteTransaction) throws -> UInt32 {
        let k = Int(kind.rawValue)
        let hash = stableHash64(name)
        if let id = tables[k].find(name, hash: hash) { return id }
        let id = tables[k].insert(name, hash: hash)
        keyBuffer.removeAll(keepingCapacity: true)
        keyBuffer.append(kind.rawValue)
        keyBuffer.append(contentsOf: name)
        guard try schema.names.put(keyBuffer, id, in: txn, flags: .noOverwrite) else {
            throw JourneyError(.corrupted, "name of kind \(kind) is stored but missing from the name list; run `journey verify`")
        }
        try schema.nameList.putBytes(StoreSchema.nameListKey(kind, id), name, in: txn)
        return id
    }

    /// Records the new name counts in `meta`; call before the transaction commits.
    mutating func persistCounts(schema: StoreSchema, in txn: WriteTransaction) throws {
        for kind in NameKind.allCases {
            let k = Int(kind.rawValue)
            if tables[k].count != persisted[k] {
                try schema.setMeta(MetaKey.nameCount(kind), UInt32(tables[k].count), in: txn)
            }
        }
    }

    /// Calls `body` with the bytes of name `number` of `kind`.
    func withName<R>(_ kind: NameKind, _ number: UInt32, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try tables[Int(kind.rawValue)].withName(number, body)
    }

    /// How many names of `kind` are known.
    func count(_ kind: NameKind) -> Int { tables[Int(kind.rawValue)].count }
}
