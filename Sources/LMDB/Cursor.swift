import CLMDB

/// A position in a database, lent to a closure by ``Database/withCursor(in:_:)``.
///
/// Keys and values are returned as byte buffers that point into the memory map: valid until the
/// cursor moves or the transaction ends, and never to be written to.
public struct Cursor {
    @usableFromInline let handle: OpaquePointer
    @usableFromInline let bounds: MapBounds
    @usableFromInline init(handle: OpaquePointer, bounds: MapBounds) { self.handle = handle; self.bounds = bounds }

    /// One key/value pair at the cursor.
    public typealias Entry = (key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer)

    @inlinable
    func move(_ op: MDB_cursor_op) throws(LMDBError) -> Entry? {
        var k = MDB_val(), d = MDB_val()
        return try get(op, &k, &d)
    }

    @inlinable
    func move(_ op: MDB_cursor_op, key: UnsafeRawBufferPointer) throws(LMDBError) -> Entry? {
        var k = MDB_val(mv_size: key.count, mv_data: UnsafeMutableRawPointer(mutating: key.baseAddress))
        var d = MDB_val()
        return try get(op, &k, &d)
    }

    /// `mdb_cursor_get`: the entry it lands on, or `nil` for `MDB_NOTFOUND`.
    @inlinable
    func get(_ op: MDB_cursor_op, _ k: inout MDB_val, _ d: inout MDB_val) throws(LMDBError) -> Entry? {
        let rc = mdb_cursor_get(handle, &k, &d, op)
        if rc == MDB_NOTFOUND { return nil }
        try check(rc, "cursor")
        try bounds.check(k.mv_data, k.mv_size)
        try bounds.check(d.mv_data, d.mv_size)
        return (UnsafeRawBufferPointer(start: k.mv_data, count: k.mv_size),
                UnsafeRawBufferPointer(start: d.mv_data, count: d.mv_size))
    }

    /// The first entry, or `nil` for an empty database.
    @inlinable
    public func first() throws(LMDBError) -> Entry? { try move(MDB_FIRST) }
    /// The last entry, or `nil` for an empty database.
    @inlinable
    public func last() throws(LMDBError) -> Entry? { try move(MDB_LAST) }
    /// The next entry (the next value of a duplicate key first), or `nil` at the end.
    @inlinable
    public func next() throws(LMDBError) -> Entry? { try move(MDB_NEXT) }
    /// The previous entry, or `nil` at the start.
    @inlinable
    public func previous() throws(LMDBError) -> Entry? { try move(MDB_PREV) }
    /// The next value of the current key in a duplicate-sorted database, or `nil` after its last.
    @inlinable
    public func nextDuplicate() throws(LMDBError) -> Entry? { try move(MDB_NEXT_DUP) }
    /// The first value of the next key, or `nil` at the end.
    @inlinable
    public func nextKey() throws(LMDBError) -> Entry? { try move(MDB_NEXT_NODUP) }
    /// The number of values of the current key (1 outside duplicate-sorted databases).
    @inlinable
    public func duplicateCount() throws(LMDBError) -> Int {
        var n = 0
        try check(mdb_cursor_count(handle, &n), "cursor count")
        return n
    }

    /// Moves to `key` exactly, or returns `nil` and leaves the position undefined.
    @inlinable
    public func seek<K: ByteEncodable>(exactly key: K) throws -> Entry? {
        try key.withBytes { bytes in try move(MDB_SET_KEY, key: bytes) }
    }

    /// Moves to the first key ≥ `key`, or returns `nil` when there is none.
    @inlinable
    public func seek<K: ByteEncodable>(atLeast key: K) throws -> Entry? {
        try key.withBytes { bytes in try move(MDB_SET_RANGE, key: bytes) }
    }

    /// In a ``DatabaseFlags/duplicateFixed`` database: the next page of packed values of the current
    /// key (call after positioning on the key), or `nil` when there are no more.
    @inlinable
    public func nextMultiple(first: Bool) throws(LMDBError) -> UnsafeRawBufferPointer? {
        var k = MDB_val(), d = MDB_val()
        var rc = mdb_cursor_get(handle, &k, &d, first ? MDB_GET_MULTIPLE : MDB_NEXT_MULTIPLE)
        if rc == MDB_NOTFOUND { return nil }
        try check(rc, "cursor multiple")
        if first && d.mv_data == nil {
            // LMDB 0.9.24 answers MDB_GET_MULTIPLE for a key with a single value with success and
            // no data (that value is not in a sub-database): read it as the current entry.
            rc = mdb_cursor_get(handle, &k, &d, MDB_GET_CURRENT)
            try check(rc, "cursor current")
        }
        try bounds.check(d.mv_data, d.mv_size)
        return UnsafeRawBufferPointer(start: d.mv_data, count: d.mv_size)
    }

    /// In a ``DatabaseFlags/duplicateFixed`` database: calls `body` with each page of packed values
    /// of the current key (call after positioning on the key); the cursor ends on the key's last value.
    @inlinable
    public func forEachPackedPage(_ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        var page = try nextMultiple(first: true)
        while let values = page {
            try body(values)
            page = try nextMultiple(first: false)
        }
    }

    /// Writes `value` under `key` at the cursor (`.append` makes bulk loads of sorted keys fast).
    /// - Returns: `false` when `flags` forbid the write because the key (or pair) exists.
    @inlinable
    @discardableResult
    public func put(key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer, flags: PutFlags = []) throws(LMDBError) -> Bool {
        var k = MDB_val(mv_size: key.count, mv_data: UnsafeMutableRawPointer(mutating: key.baseAddress))
        var d = MDB_val(mv_size: value.count, mv_data: UnsafeMutableRawPointer(mutating: value.baseAddress))
        let rc = mdb_cursor_put(handle, &k, &d, flags.rawValue)
        if rc == MDB_KEYEXIST && flags.reportsExisting { return false }
        try check(rc, "cursor put")
        return true
    }

    /// In a ``DatabaseFlags/duplicateFixed`` database: writes `values`, packed values of
    /// `valueSize` bytes each, under `key` in one call (`MDB_MULTIPLE`). The key is searched once,
    /// not once per value. With `.appendDuplicate` every value must sort after the key's stored ones
    /// and after the previous value.
    ///
    /// LMDB writes the values one by one: when one is refused (out of order with
    /// `.appendDuplicate`: ``LMDBError/keyExists``), the ones before it stay written and the error
    /// says how many. Abort the transaction then, as ``Environment/write(_:)`` does when its body throws.
    @inlinable
    public func putMultiple(key: UnsafeRawBufferPointer, values: UnsafeRawBufferPointer, valueSize: Int,
                            flags: PutFlags = []) throws(LMDBError) {
        precondition(valueSize > 0 && values.count % valueSize == 0, "putMultiple: \(values.count) bytes are not whole values of \(valueSize)")
        let count = values.count / valueSize
        guard count > 0 else { return }
        var k = MDB_val(mv_size: key.count, mv_data: UnsafeMutableRawPointer(mutating: key.baseAddress))
        var d = (MDB_val(mv_size: valueSize, mv_data: UnsafeMutableRawPointer(mutating: values.baseAddress)),
                 MDB_val(mv_size: count, mv_data: nil))
        let rc = withUnsafeMutablePointer(to: &d) { pair in
            pair.withMemoryRebound(to: MDB_val.self, capacity: 2) {
                mdb_cursor_put(handle, &k, $0, flags.rawValue | UInt32(MDB_MULTIPLE))
            }
        }
        try check(rc, "cursor put multiple (\(d.1.mv_size) of \(count) values written)")
        guard d.1.mv_size == count else {
            throw LMDBError(code: LMDBError.corrupted.code, context: "cursor put multiple wrote \(d.1.mv_size) of \(count) values")
        }
    }

    /// Writes `bytes` under `key`, encoded as ``ByteEncodable`` (as ``Database/putBytes(_:_:in:flags:)`` does).
    /// - Returns: `false` when `flags` forbid the write because the key (or pair) exists.
    @inlinable
    @discardableResult
    public func put<K: ByteEncodable>(_ key: K, bytes: UnsafeRawBufferPointer, flags: PutFlags = []) throws -> Bool {
        try key.withBytes { try put(key: $0, value: bytes, flags: flags) }
    }

    /// Writes the bytes of `value` under `key` (``put(_:bytes:flags:)`` for an array).
    @inlinable
    @discardableResult
    public func put<K: ByteEncodable>(_ key: K, array value: [UInt8], flags: PutFlags = []) throws -> Bool {
        try value.withUnsafeBytes { try put(key, bytes: $0, flags: flags) }
    }

    /// Deletes the entry at the cursor.
    @inlinable
    public func deleteCurrent() throws(LMDBError) {
        try check(mdb_cursor_del(handle, 0), "cursor delete")
    }
}

@available(*, unavailable, message: "cursors must stay in the closure that lent them")
extension Cursor: Sendable {}

extension Database {
    /// Lends a cursor over this database to `body`; it is closed when `body` returns.
    ///
    /// ```swift
    /// try db.withCursor(in: txn) { cursor in
    ///     var entry = try cursor.first()
    ///     while let (key, value) = entry { …; entry = try cursor.next() }
    /// }
    /// ```
    @inlinable
    public func withCursor<R>(in txn: some ReadableTransaction, _ body: (Cursor) throws -> R) throws -> R {
        var cursor: OpaquePointer?
        try check(mdb_cursor_open(txn.handle, dbi, &cursor), "open cursor on \(name ?? "main")")
        defer { mdb_cursor_close(cursor) }
        return try body(Cursor(handle: cursor!, bounds: txn.bounds))
    }

    /// Calls `body` with every entry from the first key ≥ `start` (or the first) in key order,
    /// until `body` returns `false`. The fastest full scan: nothing is copied or decoded.
    /// - Complexity: O(n) in the entries visited.
    @inlinable
    public func forEach(
        in txn: some ReadableTransaction, from start: Key? = nil,
        _ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> Bool
    ) throws {
        try withCursor(in: txn) { cursor in
            var entry = try start.map { s in try cursor.seek(atLeast: s) } ?? cursor.first()
            while let (key, value) = entry {
                guard try body(key, value) else { return }
                entry = try cursor.next()
            }
        }
    }
}

/// A cursor that stays open across calls, for hot paths that would otherwise open one per lookup
/// (`mdb_cursor_open` allocates). It belongs to a write transaction and must be dropped before the
/// transaction ends: keep it in a value that lives inside the ``Environment/write(_:)`` closure.
public struct OwnedCursor: ~Copyable {
    public let cursor: Cursor

    init(handle: OpaquePointer, bounds: MapBounds) { cursor = Cursor(handle: handle, bounds: bounds) }

    deinit { mdb_cursor_close(cursor.handle) }
}

extension Database {
    /// Opens a cursor that stays open until the returned value is dropped (before `txn` ends).
    public func makeCursor(in txn: WriteTransaction) throws(LMDBError) -> OwnedCursor {
        var cursor: OpaquePointer?
        try check(mdb_cursor_open(txn.handle, dbi, &cursor), "open cursor on \(name ?? "main")")
        return OwnedCursor(handle: cursor!, bounds: txn.bounds)
    }
}

/// Puts keys that arrive in ascending byte order through `cursor`: once a key sorts after the last
/// key stored before the first put, it and every later one go in with `MDB_APPEND` (no search, and
/// full pages instead of half-split ones); the earlier ones are ordinary puts.
public struct AscendingPutter {
    public let cursor: Cursor
    /// The largest key stored before the first put; `nil` once the keys have passed it.
    private var storedLast: [UInt8]?

    /// Reads the database's last key through `cursor`.
    public init(_ cursor: Cursor) throws {
        self.cursor = cursor
        storedLast = try cursor.last().map { Array($0.key) }
        appending = storedLast == nil
    }

    private var appending: Bool

    /// Puts `key` (not below the previous one) with `value`.
    /// - Returns: `false` when `flags` forbid the write because the key exists.
    @discardableResult
    public mutating func put(key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer, flags: PutFlags = []) throws(LMDBError) -> Bool {
        if !appending, let last = storedLast, last.lexicographicallyPrecedes(key) {
            appending = true
            storedLast = nil
        }
        return try cursor.put(key: key, value: value, flags: appending ? flags.union(.append) : flags)
    }

    /// Puts `bytes` under `key` (not below the previous one), encoded as ``ByteEncodable``.
    @discardableResult
    public mutating func put<K: ByteEncodable>(_ key: K, bytes: UnsafeRawBufferPointer, flags: PutFlags = []) throws -> Bool {
        try key.withBytes { try put(key: $0, value: bytes, flags: flags) }
    }
}
