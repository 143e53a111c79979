import CLMDB
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An LMDB environment: one directory holding a memory-mapped data file and its lock file.
///
/// ```swift
/// let env = try Environment(path: "/tmp/db", options: .init(databasesMax: 8))
/// let db: Database<UInt64, String> = try env.openDatabase("events")
/// try env.write { txn in try db.put(1, "hello", in: txn, flags: .append) }
/// let value = try env.read { txn in try db.get(1, in: txn) }
/// ```
/// Transactions are only lent to closures. A read closure sees one consistent snapshot (MVCC) while
/// writers go on; a write closure commits when it returns and aborts when it throws.
///
/// The map grows by itself: when a write fills it (`MDB_MAP_FULL`) the transaction is aborted, the map
/// is doubled (up to ``Options/mapSizeBytesMax``) once no transaction of this process is open, and
/// the write closure runs again from the start. A write closure must therefore only change the
/// database, or undo its other effects when it throws.
///
/// Do not start a write from inside a read closure of the same environment on the same thread: growing
/// the map waits for every open transaction of this process to end.
public final class Environment: @unchecked Sendable {
    // @unchecked: the MDB_env is opened with MDB_NOTLS and is safe to share between threads; map
    // resizing, LMDB's only non-thread-safe call here, runs under `gate` held exclusively.

    /// Limits of an environment.
    public struct Options: Sendable {
        /// The map size an environment starts with; it doubles on `MDB_MAP_FULL`.
        public var mapSizeBytesInitial: Int
        /// The largest the map may grow to; a write that needs more fails with ``LMDBError/mapFull``.
        public var mapSizeBytesMax: Int
        /// How many named databases may be opened.
        public var databasesMax: Int
        /// How many read transactions may be open at once, across processes.
        public var readersMax: Int
        /// Skip `fsync` at commit: faster, but the last commits may be lost (never corrupted) on power loss.
        public var syncDisabled: Bool
        /// Open an existing environment for reading only (`MDB_RDONLY`): nothing is created, and a
        /// write fails with `EACCES`. On a read-only file system, or when the lock file cannot be
        /// opened for writing, reads run without LMDB's reader table (``Environment/readsWithoutLock``).
        public var readOnly: Bool

        public init(
            mapSizeBytesInitial: Int = 1 << 30,
            mapSizeBytesMax: Int = 1 << 40,
            databasesMax: Int = 16,
            readersMax: Int = 126,
            syncDisabled: Bool = false,
            readOnly: Bool = false
        ) {
            self.mapSizeBytesInitial = mapSizeBytesInitial
            self.mapSizeBytesMax = mapSizeBytesMax
            self.databasesMax = databasesMax
            self.readersMax = readersMax
            self.syncDisabled = syncDisabled
            self.readOnly = readOnly
        }
    }

    let handle: OpaquePointer
    /// The directory of the environment.
    public let path: String
    public let options: Options
    private let gate: UnsafeMutablePointer<pthread_rwlock_t>
    /// Where the data file is mapped (0 when unknown); changes only with `gate` held exclusively.
    private var mapStart: UInt = 0
    /// The data file's size as last measured, for ``MapBounds``: measured again when the pages in use
    /// pass it (a commit here or in another process grew the file).
    private let measuredFile = Mutex<(lastPage: Int, bytes: Int)>((-1, 0))
    private let fd: Int32

    /// Whether reads take no slot in LMDB's reader table (a read-only environment whose lock file
    /// could not be opened for writing): a writer in another process may then reuse pages a long
    /// read still looks at, so such a read can see a damaged snapshot.
    public let readsWithoutLock: Bool

    /// Opens the environment in directory `path`, creating the directory and files when missing
    /// (unless ``Options/readOnly``). The data file is checked to hold every page its newest meta
    /// page counts (a truncated file would make reading those pages kill the process with `SIGBUS`).
    /// - Throws: ``LMDBError`` when the directory cannot be created, LMDB refuses the files
    ///   (`MDB_INVALID`: not an LMDB file) or the file is shorter than its pages (`MDB_CORRUPTED`).
    public init(path: String, options: Options = Options()) throws(LMDBError) {
        precondition(options.mapSizeBytesInitial > 0 && options.mapSizeBytesInitial <= options.mapSizeBytesMax,
                     "map size: initial must be positive and at most the maximum")
        if !options.readOnly && mkdir(path, 0o755) != 0 && errno != EEXIST {
            throw LMDBError(code: errno, context: "cannot create directory \(path)")
        }
        var (env, rc) = try Self.open(path, options, noLock: false)
        var noLock = false
        if options.readOnly && (rc == EACCES || rc == EROFS || rc == EPERM) {
            // The lock file cannot be written: read without LMDB's reader table.
            (env, rc) = try Self.open(path, options, noLock: true)
            noLock = true
        }
        do {
            try check(rc, "cannot open LMDB environment at \(path)")
            try Self.checkFileHoldsItsPages(env, path: path)
            // LMDB opens an existing file with a map just large enough for its pages, so the first
            // write that needs a new page would fill it, and a large write would run again after
            // the map grows: the map starts at twice what the pages occupy (address space only), at
            // least the initial size.
            let want = min(Self.roundedUp(max(options.mapSizeBytesInitial, 2 * Self.usedBytes(env))), options.mapSizeBytesMax)
            if !options.readOnly && Self.mapSizeBytes(env) < want {
                try check(mdb_env_set_mapsize(env, want), "cannot map \(want) bytes of \(path)")
            }
        } catch {
            mdb_env_close(env)
            throw error
        }
        self.handle = env
        self.path = path
        self.options = options
        self.readsWithoutLock = noLock
        var fd: Int32 = -1
        mdb_env_get_fd(env, &fd)
        self.fd = fd
        self.gate = .allocate(capacity: 1)
        pthread_rwlock_init(gate, nil)
        mapStart = Self.mappedAddress(env)
    }

    /// `bytes` rounded up to a multiple of the OS page size, as LMDB wants a map size.
    private static func roundedUp(_ bytes: Int) -> Int {
        let page = max(Int(sysconf(Int32(_SC_PAGESIZE))), 1)
        return (bytes + page - 1) / page * page
    }

    /// Grows the map to at least `bytes` (up to ``Options/mapSizeBytesMax``) before a large write,
    /// which would otherwise fill the map part way and run again from the start once it grew. The
    /// map grows at least twofold, so writes rarely need to. Best effort: when this process has
    /// transactions open (on any thread), the map is left as it is and the write grows it when it
    /// fills it, rather than waiting for them (or, on a reading thread, for itself).
    public func reserveMap(atLeast bytes: Int) throws(LMDBError) {
        let current = mapSizeBytes
        guard bytes > current else { return }
        let target = min(Self.roundedUp(max(bytes, 2 * current)), options.mapSizeBytesMax)
        guard target > current, pthread_rwlock_trywrlock(gate) == 0 else { return }
        defer { pthread_rwlock_unlock(gate) }
        guard target > mapSizeBytes else { return }
        try check(mdb_env_set_mapsize(handle, target), "cannot grow map to \(target) bytes")
        mapStart = Self.mappedAddress(handle)
    }

    deinit {
        mdb_env_close(handle)
        pthread_rwlock_destroy(gate)
        gate.deallocate()
    }

    /// The current size of the memory map in bytes.
    public var mapSizeBytes: Int { Self.mapSizeBytes(handle) }

    /// Bytes the environment's pages occupy (last used page + 1, times the page size).
    public var usedBytes: Int { Self.usedBytes(handle) }

    private static func mapSizeBytes(_ env: OpaquePointer) -> Int {
        var info = MDB_envinfo()
        mdb_env_info(env, &info)
        return info.me_mapsize
    }

    static func usedBytes(_ env: OpaquePointer) -> Int {
        var info = MDB_envinfo()
        mdb_env_info(env, &info)
        var stat = MDB_stat()
        mdb_env_stat(env, &stat)
        return (info.me_last_pgno + 1) * Int(stat.ms_psize)
    }

    /// The map's address and the pages of the newest commit (call with `gate` held: the map does
    /// not move meanwhile).
    private func currentBounds() -> MapBounds {
        var info = MDB_envinfo()
        mdb_env_info(handle, &info)
        var dbStat = MDB_stat()
        mdb_env_stat(handle, &dbStat)
        let used = (info.me_last_pgno + 1) * Int(dbStat.ms_psize)
        let file = measuredFile.withLock { measured -> Int in
            if measured.bytes < used && measured.lastPage != info.me_last_pgno {
                var st = stat()
                measured = (info.me_last_pgno, fstat(fd, &st) == 0 ? Int(st.st_size) : 0)
            }
            return measured.bytes
        }
        return MapBounds(start: UnsafeRawPointer(bitPattern: mapStart), readableBytes: min(used, file), countedBytes: used,
                         mapBytes: info.me_mapsize, fd: fd)
    }

    /// Runs `body` in a read-only transaction: one consistent snapshot for the whole call.
    ///
    /// The transaction and every byte buffer it lends are valid only inside `body`.
    @discardableResult
    public func read<R>(_ body: (ReadTransaction) throws -> R) throws -> R {
        while true {
            pthread_rwlock_rdlock(gate)
            var txn: OpaquePointer?
            let rc = mdb_txn_begin(handle, nil, UInt32(MDB_RDONLY), &txn)
            if rc == MDB_MAP_RESIZED {
                pthread_rwlock_unlock(gate)
                try adoptResizedMap()
                continue
            }
            defer { pthread_rwlock_unlock(gate) }
            try check(rc, "cannot begin read transaction")
            defer { mdb_txn_abort(txn) }
            return try body(ReadTransaction(handle: txn!, bounds: currentBounds()))
        }
    }

    /// Runs `body` in a write transaction that commits when `body` returns and aborts when it throws.
    ///
    /// Writers are serialized by LMDB, across threads and processes. When the map fills up, the
    /// transaction is aborted, the map grows and `body` runs again from the start.
    /// - Throws: what `body` throws, or ``LMDBError`` (``LMDBError/mapFull`` past ``Options/mapSizeBytesMax``).
    @discardableResult
    public func write<R>(_ body: (WriteTransaction) throws -> R) throws -> R {
        while true {
            pthread_rwlock_rdlock(gate)
            var txn: OpaquePointer?
            var rc = mdb_txn_begin(handle, nil, 0, &txn)
            if rc == MDB_MAP_RESIZED {
                pthread_rwlock_unlock(gate)
                try adoptResizedMap()
                continue
            }
            guard rc == 0, let txn else {
                pthread_rwlock_unlock(gate)
                throw LMDBError(code: rc, context: "cannot begin write transaction")
            }
            let result: R
            do {
                result = try body(WriteTransaction(handle: txn, bounds: currentBounds()))
            } catch let error as LMDBError where error == .mapFull {
                mdb_txn_abort(txn)
                pthread_rwlock_unlock(gate)
                try growMap()
                continue
            } catch {
                mdb_txn_abort(txn)
                pthread_rwlock_unlock(gate)
                throw error
            }
            rc = mdb_txn_commit(txn)
            pthread_rwlock_unlock(gate)
            if rc == MDB_MAP_FULL {
                try growMap()
                continue
            }
            if (rc == EIO || rc == ENOSPC) && diskIsFull {
                // LMDB reports a short write as EIO; a full disk is the usual cause, and what to fix.
                throw LMDBError(code: ENOSPC, context: "cannot commit: the disk holding \(path) is full")
            }
            try check(rc, "cannot commit")
            return result
        }
    }

    /// Whether the file system of the environment has (almost) no room left for this process: less
    /// than ``diskFullBytes`` (the blocks reserved for root count when running as root).
    public var diskIsFull: Bool {
        var info = statvfs()
        guard statvfs(path, &info) == 0 else { return false }
        let blocks = geteuid() == 0 ? UInt64(info.f_bfree) : UInt64(info.f_bavail)
        return blocks * UInt64(info.f_frsize) < UInt64(Self.diskFullBytes)
    }

    /// Free bytes below which a failed write is put down to a full disk.
    public static let diskFullBytes = 16 << 20

    /// Flushes the data file to disk (useful with ``Options/syncDisabled``).
    public func sync() throws(LMDBError) {
        try check(mdb_env_sync(handle, 1), "cannot sync")
    }

    private func growMap() throws(LMDBError) {
        pthread_rwlock_wrlock(gate)
        defer { pthread_rwlock_unlock(gate) }
        let current = mapSizeBytes
        guard current < options.mapSizeBytesMax else {
            throw LMDBError(code: MDB_MAP_FULL, context: "map is at its maximum of \(options.mapSizeBytesMax) bytes")
        }
        let next = min(current * 2, options.mapSizeBytesMax)
        try check(mdb_env_set_mapsize(handle, next), "cannot grow map to \(next) bytes")
        mapStart = Self.mappedAddress(handle)
    }

    private func adoptResizedMap() throws(LMDBError) {
        pthread_rwlock_wrlock(gate)
        defer { pthread_rwlock_unlock(gate) }
        try check(mdb_env_set_mapsize(handle, 0), "cannot adopt the map size set by another process")
        mapStart = Self.mappedAddress(handle)
    }
}
