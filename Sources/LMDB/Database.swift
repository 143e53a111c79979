import CLMDB

/// A typed handle on a named database of an ``Environment``; small and freely copyable.
///
/// ```swift
/// let names: Database<String, UInt32> = try env.openDatabase("names", flags: .create)
/// try env.write { txn in try names.put("c42", 7, in: txn) }
/// let id = try env.read { txn in try names.get("c42", in: txn) }   // Optional(7)
/// ```
/// Not-found is `nil`, never an error. The `withValue` and cursor calls lend bytes that point into
/// the memory map: they are valid only inside the closure, and must not be written to.
public struct Database<Key: ByteEncodable, Value>: Sendable {
    @usableFromInline let dbi: MDB_dbi
    public let name: String?
    init(dbi: MDB_dbi, name: String?) { self.dbi = dbi; self.name = name }

    /// The same database seen through other key and value types.
    public func retyped<K, V>(as: Database<K, V>.Type = Database<K, V>.self) -> Database<K, V> {
        Database<K, V>(dbi: dbi, name: name)
    }

    /// Zero-copy lookup: calls `body` with the stored bytes, or `nil` when the key is absent.
    @inlinable
    public func withValue<R>(
        _ key: Key, in txn: some ReadableTransaction, _ body: (UnsafeRawBufferPointer?) throws -> R
    ) throws -> R {
        var data = MDB_val()
        let rc = key.withBytes { keyBytes in
            var k = MDB_val(mv_size: keyBytes.count, mv_data: UnsafeMutableRawPointer(mutating: keyBytes.baseAddress))
            return mdb_get(txn.handle, dbi, &k, &data)
        }
        if rc == MDB_NOTFOUND { return try body(nil) }
        try check(rc, "get from \(name ?? "main")")
        try txn.bounds.check(data.mv_data, data.mv_size)
        return try body(UnsafeRawBufferPointer(start: data.mv_data, count: data.mv_size))
    }

    /// Stores `value` under `key`, calling `body` with the space to fill in place (`MDB_RESERVE`).
    /// - Returns: `false` when `flags` forbid the write because the key (or pair) exists.
    @inlinable
    @discardableResult
    public func reserve(
        _ key: Key, count: Int, in txn: WriteTransaction, flags: PutFlags = [],
        _ body: (UnsafeMutableRawBufferPointer) throws -> Void
    ) throws -> Bool {
        var data = MDB_val(mv_size: count, mv_data: nil)
        let rc = key.withBytes { keyBytes in
            var k = MDB_val(mv_size: keyBytes.count, mv_data: UnsafeMutableRawPointer(mutating: keyBytes.baseAddress))
            return mdb_put(txn.handle, dbi, &k, &data, flags.rawValue | UInt32(MDB_RESERVE))
        }
        if rc == MDB_KEYEXIST && flags.reportsExisting { return false }
        try check(rc, "put into \(name ?? "main")")
        try body(UnsafeMutableRawBufferPointer(start: data.mv_data, count: count))
        return true
    }

    /// Stores raw `bytes` under `key`.
    /// - Returns: `false` when `flags` forbid the write because the key (or pair) exists.
    @inlinable
    @discardableResult
    public func putBytes(
        _ key: Key, _ bytes: UnsafeRawBufferPointer, in txn: WriteTransaction, flags: PutFlags = []
    ) throws(LMDBError) -> Bool {
        let rc = key.withBytes { keyBytes in
            var k = MDB_val(mv_size: keyBytes.count, mv_data: UnsafeMutableRawPointer(mutating: keyBytes.baseAddress))
            var d = MDB_val(mv_size: bytes.count, mv_data: UnsafeMutableRawPointer(mutating: bytes.baseAddress))
            return mdb_put(txn.handle, dbi, &k, &d, flags.rawValue)
        }
        if rc == MDB_KEYEXIST && flags.reportsExisting { return false }
        try check(rc, "put into \(name ?? "main")")
        return true
    }

    /// Deletes `key` (every value of it, in a duplicate-sorted database).
    /// - Returns: `false` when the key was absent.
    @inlinable
    @discardableResult
    public func delete(_ key: Key, in txn: WriteTransaction) throws(LMDBError) -> Bool {
        let rc = key.withBytes { keyBytes in
            var k = MDB_val(mv_size: keyBytes.count, mv_data: UnsafeMutableRawPointer(mutating: keyBytes.baseAddress))
            return mdb_del(txn.handle, dbi, &k, nil)
        }
        if rc == MDB_NOTFOUND { return false }
        try check(rc, "delete from \(name ?? "main")")
        return true
    }

    /// Removes every entry, keeping the database.
    @inlinable
    public func removeAll(in txn: WriteTransaction) throws(LMDBError) {
        try check(mdb_drop(txn.handle, dbi, 0), "empty \(name ?? "main")")
    }

    /// Statistics of the database as seen by `txn`.
    public func statistics(in txn: some ReadableTransaction) throws(LMDBError) -> DatabaseStatistics {
        var stat = MDB_stat()
        try check(mdb_stat(txn.handle, dbi, &stat), "stat \(name ?? "main")")
        return DatabaseStatistics(
            pageSizeBytes: Int(stat.ms_psize), depth: Int(stat.ms_depth),
            branchPages: stat.ms_branch_pages, leafPages: stat.ms_leaf_pages,
            overflowPages: stat.ms_overflow_pages, entries: stat.ms_entries)
    }

    /// The number of entries (key/value pairs, duplicates included).
    @inlinable
    public func count(in txn: some ReadableTransaction) throws(LMDBError) -> Int {
        try statistics(in: txn).entries
    }
}

extension Database where Value: ByteEncodable {
    /// Stores `value` under `key`.
    /// - Returns: `false` when `flags` forbid the write because the key (or pair) exists.
    @inlinable
    @discardableResult
    public func put(_ key: Key, _ value: Value, in txn: WriteTransaction, flags: PutFlags = []) throws -> Bool {
        try value.withBytes { bytes in try putBytes(key, bytes, in: txn, flags: flags) }
    }

    /// Deletes one `key`/`value` pair of a duplicate-sorted database.
    /// - Returns: `false` when the pair was absent.
    @inlinable
    @discardableResult
    public func delete(_ key: Key, _ value: Value, in txn: WriteTransaction) throws(LMDBError) -> Bool {
        let rc = key.withBytes { keyBytes in
            value.withBytes { valueBytes in
                var k = MDB_val(mv_size: keyBytes.count, mv_data: UnsafeMutableRawPointer(mutating: keyBytes.baseAddress))
                var d = MDB_val(mv_size: valueBytes.count, mv_data: UnsafeMutableRawPointer(mutating: valueBytes.baseAddress))
                return mdb_del(txn.handle, dbi, &k, &d)
            }
        }
        if rc == MDB_NOTFOUND { return false }
        try check(rc, "delete from \(name ?? "main")")
        return true
    }
}

extension Database where Value: ByteDecodable {
    /// The value stored under `key`, or `nil`.
    @inlinable
    public func get(_ key: Key, in txn: some ReadableTransaction) throws -> Value? {
        try withValue(key, in: txn) { bytes in try bytes.map { (b) throws(LMDBError) in try Value(lmdbBytes: b) } }
    }
}

/// What `mdb_stat` reports for one database.
public struct DatabaseStatistics: Sendable, Equatable {
    public var pageSizeBytes: Int
    public var depth: Int
    public var branchPages: Int
    public var leafPages: Int
    public var overflowPages: Int
    public var entries: Int
    /// Bytes of all pages of the database.
    public var totalBytes: Int { (branchPages + leafPages + overflowPages) * pageSizeBytes }
}

extension Environment {
    /// Opens (or with `.create`, creates) the named database `name`, or the unnamed main one for `nil`.
    ///
    /// Open each database once, before threads share it: LMDB's handles are process-wide.
    /// - Throws: ``LMDBError/notFound`` when it does not exist and `.create` is not given.
    public func openDatabase<Key, Value>(
        _ name: String?, flags: DatabaseFlags = [], as: Database<Key, Value>.Type = Database<Key, Value>.self
    ) throws -> Database<Key, Value> {
        let body = { (txn: OpaquePointer) throws(LMDBError) -> Database<Key, Value> in
            var dbi = MDB_dbi()
            try check(mdb_dbi_open(txn, name, flags.rawValue, &dbi), "open database \(name ?? "main")")
            return Database(dbi: dbi, name: name)
        }
        if flags.contains(.create) {
            return try write { txn in try body(txn.handle) }
        }
        // A handle opened in a read-only transaction survives only if that transaction commits.
        var txn: OpaquePointer?
        try check(mdb_txn_begin(handle, nil, UInt32(MDB_RDONLY), &txn), "cannot begin read transaction")
        do {
            let db = try body(txn!)
            try check(mdb_txn_commit(txn), "open database \(name ?? "main")")
            return db
        } catch {
            mdb_txn_abort(txn)
            throw error
        }
    }
}
