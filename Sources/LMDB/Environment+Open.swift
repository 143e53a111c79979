import CLMDB
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Opening an environment: LMDB's handle, where it mapped the file, and a first check that the
/// file holds the pages its meta page points to.
extension Environment {
    /// The address at which LMDB mapped the data file, read from `/proc/self/maps` (LMDB does not
    /// tell it: `me_mapaddr` is only set for fixed maps). 0 where there is no such file: the bounds
    /// checks of ``MapBounds`` then pass everything.
    static func mappedAddress(_ env: OpaquePointer) -> UInt {
        var fd: Int32 = -1
        var info = stat()
        guard mdb_env_get_fd(env, &fd) == 0, fstat(fd, &info) == 0, let maps = fopen("/proc/self/maps", "r") else { return 0 }
        defer { fclose(maps) }
        var line = [CChar](repeating: 0, count: 4096)
        while fgets(&line, Int32(line.count), maps) != nil {
            // "start-end perms offset dev inode path"
            let fields = String(cString: line).split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 6, fields[2] == "00000000", UInt64(fields[4]) == UInt64(info.st_ino),
                  let range = fields.first?.split(separator: "-").first, let start = UInt(range, radix: 16) else { continue }
            return start
        }
        return 0
    }

    /// A new environment handle and `mdb_env_open`'s result; the handle is closed and replaced when
    /// opening failed (LMDB's rule), so the caller may try again or close it.
    static func open(_ path: String, _ options: Options, noLock: Bool) throws(LMDBError) -> (OpaquePointer, Int32) {
        var created: OpaquePointer?
        try check(mdb_env_create(&created))
        guard let env = created else { throw LMDBError(code: ENOMEM, context: "mdb_env_create") }
        do {
            try check(mdb_env_set_maxdbs(env, MDB_dbi(options.databasesMax)))
            try check(mdb_env_set_maxreaders(env, UInt32(options.readersMax)))
            try check(mdb_env_set_mapsize(env, options.mapSizeBytesInitial))
        } catch {
            mdb_env_close(env)
            throw error
        }
        var flags = UInt32(MDB_NOTLS)
        if options.syncDisabled { flags |= UInt32(MDB_NOSYNC) }
        if options.readOnly { flags |= UInt32(MDB_RDONLY) }
        if noLock { flags |= UInt32(MDB_NOLOCK) }
        let rc = mdb_env_open(env, path, flags, 0o644)
        guard rc != 0 else { return (env, 0) }
        mdb_env_close(env)
        var fresh: OpaquePointer?
        try check(mdb_env_create(&fresh))
        guard let fresh else { throw LMDBError(code: ENOMEM, context: "mdb_env_create") }
        return (fresh, rc)
    }

    /// LMDB reads page n at byte n × page size of the map; past the end of the file that access
    /// kills the process with `SIGBUS`. The file may end before the last page the meta counts (pages
    /// a transaction allocated and freed again are never written), but the roots of the main
    /// database and of the free list are always in it: a file truncated below them is refused
    /// here. (Truncation elsewhere is found by ``checkPages(in:problemsMax:)``; a value past the
    /// file's end by ``MapBounds``.)
    static func checkFileHoldsItsPages(_ env: OpaquePointer, path: String) throws(LMDBError) {
        var fd: Int32 = -1
        try check(mdb_env_get_fd(env, &fd), "data file of \(path)")
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw LMDBError(code: errno, context: "cannot stat the data file of \(path)") }
        var stat = MDB_stat()
        try check(mdb_env_stat(env, &stat), "stat of \(path)")
        let page = Int(stat.ms_psize)
        // The newer of the two meta pages (LMDB's choice): the roots at the end of its two `MDB_db`s.
        var newest: (txn: UInt64, roots: [UInt64]) = (0, [])
        for m in 0..<2 {
            var meta = [UInt8](repeating: 0, count: 160)
            let got = meta.withUnsafeMutableBytes { pread(fd, $0.baseAddress, 160, off_t(m * page)) }
            guard got == 160 else { continue }
            func u64(_ at: Int) -> UInt64 { meta.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: at, as: UInt64.self) } }
            if u64(144) >= newest.txn { newest = (u64(144), [u64(40 + 40), u64(40 + 48 + 40)]) }
        }
        let filePages = UInt64(info.st_size) / UInt64(max(page, 1))
        for root in newest.roots where root != UInt64.max && root >= filePages {
            throw LMDBError(code: MDB_CORRUPTED, context: "the data file of \(path) holds \(info.st_size) bytes, but its tree starts at page \(root) beyond them: it was truncated")
        }
    }
}
