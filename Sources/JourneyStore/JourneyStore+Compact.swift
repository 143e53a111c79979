@_spi(Storage) import JourneyStorage
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What ``JourneyStore/compact(to:)`` wrote, and the store it read.
public struct CompactReport: Hashable, Sendable {
    /// Events in the copy.
    public var events: Int
    /// The store's data file, in bytes.
    public var storeFileBytes: Int
    /// Bytes of the store's pages that hold data (the rest are free pages LMDB reuses for later writes).
    public var storeBytesInUse: Int
    /// The copy's data file, in bytes: every page in use and full.
    public var copyBytes: Int
    /// Wall time, sync included.
    public var seconds: Double
}

/// How a store's data file is used (`mdb_stat -ef`).
public struct StorePageUsage: Sendable, Equatable {
    /// The size of one page, in bytes.
    public var pageSizeBytes: Int
    /// Pages up to the last one written: the data file's size in pages.
    public var pages: Int
    /// Pages on LMDB's free list, which later writes reuse.
    public var freePages: Int
    /// Bytes of the pages that hold data: (pages − free pages) × page size.
    public var bytesInUse: Int { (pages - freePages) * pageSizeBytes }
}

extension JourneyStore {
    /// Writes a compacted copy of the store into a new directory `path`; the store itself is not
    /// changed. Each database is copied in key order with `MDB_APPEND`, so every page of the copy is
    /// full and the copy has almost no free pages: a store grown by many appends keeps most B-tree pages two
    /// thirds full (new ids, customers and facts land on random pages, which split), and its file
    /// never shrinks (LMDB reuses freed pages but does not give them back).
    ///
    /// The copy is of one snapshot; writers may go on meanwhile (their later events are not in it),
    /// but a writer of this process that needs the map to grow waits until the copy ends.
    /// To use it, stop the processes that use the store and swap the directories.
    /// - Throws: ``JourneyError`` `.invalidArgument` when `path` holds a store already, `.storage` on LMDB failures.
    public func compact(to path: String) throws -> CompactReport {
        let start = monotonicSeconds()
        if access(path + "/data.mdb", F_OK) == 0 {
            throw JourneyError(.invalidArgument, "compact: \(path) holds a store already; give a new directory")
        }
        let usage = try env.read { txn in try env.pageUsage(in: txn) }
        do {
            let copy = try env.copyCompacted(to: path, options: .init(
                mapSizeBytesInitial: max(1 << 30, usage.bytesInUse + usage.bytesInUse / 8),
                databasesMax: StoreSchema.databasesMax))
            return CompactReport(events: copy.entriesByDatabase["events"] ?? 0, storeFileBytes: usage.pages * usage.pageSizeBytes,
                                 storeBytesInUse: usage.bytesInUse, copyBytes: copy.bytes,
                                 seconds: monotonicSeconds() - start)
        } catch let error as LMDBError {
            throw JourneyError(.storage, "compact to \(path): \(error.message)", underlying: error)
        }
    }

    /// How the store's data file is used: its pages, and how many are free.
    public func pageUsage() throws -> StorePageUsage {
        try translatingStorageErrors {
            let usage = try env.read { txn in try env.pageUsage(in: txn) }
            return StorePageUsage(pageSizeBytes: usage.pageSizeBytes, pages: usage.pages, freePages: usage.freePages)
        }
    }
}
