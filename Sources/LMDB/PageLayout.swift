/// The on-disk layout of LMDB 0.9 (`mdb.c`): a 16-byte page header — page number (8), pad (2),
/// flags (2), then lower and upper bounds of the free space (2 + 2) or, for an overflow page, its
/// page count (4) — then 2-byte offsets of the nodes; each node is lo, hi (data size, or a child page
/// number with the flags as its top 16 bits), flags, key size (2 bytes each), the key, the data.
enum PageLayout {
    static let headerBytes = 16
    static let nodeHeaderBytes = 8
    static let branch: UInt16 = 0x01, leaf: UInt16 = 0x02, overflow: UInt16 = 0x04, meta: UInt16 = 0x08
    static let leaf2: UInt16 = 0x20
    static let bigData: UInt16 = 0x01, subData: UInt16 = 0x02, dupData: UInt16 = 0x04
    static let magic: UInt32 = 0xBEEF_C0DE
    /// `MDB_db`: pad (4), flags (2), depth (2), branch, leaf and overflow page counts, entries, root (8 each).
    static let databaseRecordBytes = 48
    /// `MDB_meta` after the page header: magic (4), version (4), address (8), map size (8), the free
    /// list's and the main database's `MDB_db`, last page (8), transaction id (8).
    static let metaLastPage = headerBytes + 24 + 2 * databaseRecordBytes
}

/// One database's record (`MDB_db`) as read from a meta page or a main-database leaf.
struct DatabaseRecord {
    var depth: Int
    var branchPages: UInt64, leafPages: UInt64, overflowPages: UInt64, entries: UInt64
    var root: UInt64
    static let noRoot = UInt64.max  // P_INVALID

    init(_ b: [UInt8], at o: Int) {
        depth = Int(b.u16(o + 6))
        branchPages = b.u64(o + 8)
        leafPages = b.u64(o + 16)
        overflowPages = b.u64(o + 24)
        entries = b.u64(o + 32)
        root = b.u64(o + 40)
    }
}

extension Array where Element == UInt8 {
    func u16(_ at: Int) -> UInt16 { UInt16(self[at]) | UInt16(self[at + 1]) << 8 }
    func u32(_ at: Int) -> UInt32 { UInt32(u16(at)) | UInt32(u16(at + 2)) << 16 }
    func u64(_ at: Int) -> UInt64 { UInt64(u32(at)) | UInt64(u32(at + 4)) << 32 }
}
