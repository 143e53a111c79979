import CLMDB
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What ``Environment/copyCompacted(to:options:transactionBytes:)`` wrote.
public struct CompactCopyReport: Sendable, Equatable {
    /// Named databases copied.
    public var databases: Int
    /// Key/value pairs copied, duplicates included.
    public var entries: Int
    /// Key/value pairs copied per database name.
    public var entriesByDatabase: [String: Int]
    /// The copy's size: its last page + 1, times the page size (the size of its data file).
    public var bytes: Int
}

extension Environment {
    /// Writes every named database of one snapshot of this environment into a new environment at
    /// `path`, with the same flags, each in key order with `MDB_APPEND` (`MDB_APPENDDUP` for the values
    /// of a key; fixed-size duplicates a whole key at a time with `MDB_MULTIPLE`). Every page of the
    /// copy is full and it has almost no free pages (each commit frees the few pages on the right edge
    /// of the trees it grew), where a B-tree grown by random inserts keeps its pages
    /// about two thirds full and LMDB never gives freed pages back to the file system.
    ///
    /// Writes go in transactions of about `transactionBytes` of keys and values, synced once at the
    /// end. This environment is only read, in one read transaction: writers may go on meanwhile (the
    /// copy is of the snapshot taken at the start), but a writer of this process that needs the map
    /// to grow waits until the copy ends. Only named databases are copied: the main database must
    /// hold nothing else.
    /// - Throws: ``LMDBError`` when `path` holds an environment already, or on any LMDB failure (a
    ///   copy that failed half way must be deleted).
    public func copyCompacted(to path: String, options: Options, transactionBytes: Int = 64 << 20) throws -> CompactCopyReport {
        precondition(transactionBytes > 0, "copyCompacted: transactionBytes must be positive")
        if access(path + "/data.mdb", F_OK) == 0 {
            throw LMDBError(code: EEXIST, context: "\(path) holds an LMDB environment already")
        }
        var copyOptions = options
        copyOptions.syncDisabled = true
        let target = try Environment(path: path, options: copyOptions)
        var report = CompactCopyReport(databases: 0, entries: 0, entriesByDatabase: [:], bytes: 0)
        // Handles first: a read transaction sees only databases opened before it began.
        var names: [String] = []
        let main: Database<[UInt8], [UInt8]> = try openDatabase(nil)
        try read { txn in
            try main.withCursor(in: txn) { cursor in
                var entry = try cursor.first()
                while let (key, _) = entry {
                    names.append(String(decoding: key, as: UTF8.self))
                    entry = try cursor.next()
                }
            }
        }
        let sources: [Database<[UInt8], [UInt8]>] = try names.map { try openDatabase($0) }
        try read { txn in
            for (name, source) in zip(names, sources) {
                var raw: UInt32 = 0
                try check(mdb_dbi_flags(txn.handle, source.dbi, &raw), "flags of \(name)")
                let flags = DatabaseFlags(rawValue: raw)
                let copy: Database<[UInt8], [UInt8]> = try target.openDatabase(name, flags: flags.union(.create))
                var resume: [UInt8]?
                repeat {
                    // A write runs again after the map grows: it starts from `resume`, changed only after it commits.
                    let (next, copied) = try target.write { wtxn in
                        try Self.copyEntries(of: source, from: resume, in: txn, into: copy, in: wtxn, flags: flags,
                                             budget: transactionBytes)
                    }
                    resume = next
                    report.entries += copied
                    report.entriesByDatabase[name, default: 0] += copied
                } while resume != nil
                report.databases += 1
            }
        }
        try target.sync()
        report.bytes = target.usedBytes
        return report
    }

    /// Copies entries of `source` after key `resume` (from the first without one) until about `budget`
    /// bytes are written; returns the last key copied when it stopped early (nil at the end) and the
    /// number of pairs copied.
    private static func copyEntries(
        of source: Database<[UInt8], [UInt8]>, from resume: [UInt8]?, in txn: ReadTransaction,
        into copy: Database<[UInt8], [UInt8]>, in wtxn: WriteTransaction, flags: DatabaseFlags, budget: Int
    ) throws -> (resume: [UInt8]?, copied: Int) {
        let duplicates = flags.contains(.duplicateSort), fixed = flags.contains(.duplicateFixed)
        var packed: [UInt8] = []
        var bytes = 0, copied = 0
        return try source.withCursor(in: txn) { from in
            try copy.withCursor(in: wtxn) { to in
                var entry: Cursor.Entry?
                if let resume {
                    entry = try resume.withUnsafeBytes { try from.move(MDB_SET_RANGE, key: $0) }
                    if let (key, _) = entry, key.elementsEqual(resume) {
                        entry = duplicates ? try from.nextKey() : try from.next()
                    }
                } else {
                    entry = try from.first()
                }
                while let (key, value) = entry {
                    if duplicates && fixed {
                        packed.removeAll(keepingCapacity: true)
                        try from.forEachPackedPage { packed.append(contentsOf: $0) }
                        try packed.withUnsafeBytes { values in
                            try to.putMultiple(key: key, values: values, valueSize: value.count, flags: [.append, .appendDuplicate])
                        }
                        copied += packed.count / value.count
                        bytes += key.count + packed.count
                    } else if duplicates {
                        try to.put(key: key, value: value, flags: .append)
                        copied += 1
                        bytes += key.count + value.count
                        while let (_, more) = try from.nextDuplicate() {
                            try to.put(key: key, value: more, flags: .appendDuplicate)
                            copied += 1
                            bytes += more.count
                        }
                    } else {
                        try to.put(key: key, value: value, flags: .append)
                        copied += 1
                        bytes += key.count + value.count
                    }
                    if bytes >= budget { return (Array(key), copied) }
                    entry = duplicates ? try from.nextKey() : try from.next()
                }
                return (nil, copied)
            }
        }
    }
}

/// How an environment's data file is used, as `mdb_stat -ef` reports it.
public struct PageUsage: Sendable, Equatable {
    public var pageSizeBytes: Int
    /// Pages up to the last one written: the data file's size in pages.
    public var pages: Int
    /// Pages on LMDB's free list, which later writes reuse.
    public var freePages: Int
    /// Bytes of the pages that hold data: (pages − free pages) × page size.
    public var bytesInUse: Int { (pages - freePages) * pageSizeBytes }
}

extension Environment {
    /// The data file's pages and how many of them are free. The free list is read in `txn`'s snapshot
    /// (LMDB lets only a read transaction open it), the file's last page from the newest commit: under
    /// concurrent writes the two may be a commit apart.
    public func pageUsage(in txn: ReadTransaction) throws(LMDBError) -> PageUsage {
        var info = MDB_envinfo()
        try check(mdb_env_info(handle, &info), "environment info")
        var stat = MDB_stat()
        try check(mdb_env_stat(handle, &stat), "environment stat")
        // The free list is database 0: keys are transaction ids, values lists of page numbers whose
        // first word is their count.
        var free = 0
        var cursor: OpaquePointer?
        try check(mdb_cursor_open(txn.handle, 0, &cursor), "open cursor on the free list")
        defer { mdb_cursor_close(cursor) }
        var k = MDB_val(), d = MDB_val()
        var rc = mdb_cursor_get(cursor, &k, &d, MDB_FIRST)
        while rc == 0 {
            try txn.bounds.check(d.mv_data, d.mv_size)
            guard d.mv_size >= MemoryLayout<Int>.size else { throw LMDBError(code: LMDBError.corrupted.code, context: "a free-list record is too short") }
            free += UnsafeRawPointer(d.mv_data!).loadUnaligned(as: Int.self)
            rc = mdb_cursor_get(cursor, &k, &d, MDB_NEXT)
        }
        if rc != MDB_NOTFOUND { try check(rc, "read the free list") }
        return PageUsage(pageSizeBytes: Int(stat.ms_psize), pages: info.me_last_pgno + 1, freePages: free)
    }
}
