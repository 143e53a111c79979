import CLMDB
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What every transaction can do: read. Adopted by ``ReadTransaction`` and ``WriteTransaction``.
///
/// Transactions are lent to closures by ``Environment/read(_:)`` and ``Environment/write(_:)``;
/// they are not `Sendable` and must not escape the closure.
public protocol ReadableTransaction {
    /// The transaction as this module knows it; opaque above it (no C type is public).
    var transaction: TransactionHandle { get }
}

/// LMDB's transaction and the map bounds its reads are checked against; nothing of it is public.
public struct TransactionHandle {
    @usableFromInline let pointer: OpaquePointer
    @usableFromInline let bounds: MapBounds
    init(_ pointer: OpaquePointer, _ bounds: MapBounds) { self.pointer = pointer; self.bounds = bounds }
}

extension ReadableTransaction {
    /// The C handle, for this module's calls into LMDB.
    @inlinable var handle: OpaquePointer { transaction.pointer }
    /// Where the pages this transaction may read lie in the map.
    @inlinable var bounds: MapBounds { transaction.bounds }
}

/// A read-only snapshot of the environment.
public struct ReadTransaction: ReadableTransaction {
    public let transaction: TransactionHandle
    init(handle: OpaquePointer, bounds: MapBounds) { transaction = TransactionHandle(handle, bounds) }
}

/// A write transaction; see ``Environment/write(_:)``.
public struct WriteTransaction: ReadableTransaction {
    public let transaction: TransactionHandle
    init(handle: OpaquePointer, bounds: MapBounds) { transaction = TransactionHandle(handle, bounds) }

    /// This transaction lent as a reader, for code written against ``ReadTransaction``: it sees this
    /// transaction's writes so far, may not outlive it, and is never committed or aborted itself.
    public var reading: ReadTransaction { ReadTransaction(handle: transaction.pointer, bounds: transaction.bounds) }
}

/// The part of the memory map that holds the data file's pages, as of a transaction's start.
///
/// Every key and value LMDB hands out is checked to lie within it (or outside the map altogether:
/// a write transaction's own pages are in memory LMDB allocated). A damaged page can give a node a
/// size that reaches past the file's end, where reading would kill the process with `SIGBUS` or
/// `SIGSEGV`; it is reported as ``LMDBError/corrupted`` instead. Plain values (no reference to
/// count): a cursor copies them on every move.
public struct MapBounds: Sendable {
    @usableFromInline let start: UInt
    /// The end of the pages the newest meta counts that the file held when last measured (pages
    /// past the file's end are counted but were never written, or the file was truncated).
    @usableFromInline let pagesEnd: UInt
    /// The end of the pages the newest meta counts.
    @usableFromInline let countedEnd: UInt
    @usableFromInline let mapEnd: UInt
    /// The data file, measured again before a value past `pagesEnd` is called damaged (another
    /// commit may have written pages past the end measured).
    @usableFromInline let fd: Int32

    init(start: UnsafeRawPointer?, readableBytes: Int, countedBytes: Int, mapBytes: Int, fd: Int32) {
        self.start = UInt(bitPattern: start)
        pagesEnd = self.start + UInt(max(0, readableBytes))
        countedEnd = self.start + UInt(max(0, countedBytes))
        mapEnd = self.start + UInt(max(0, mapBytes))
        self.fd = fd
    }

    /// Checks that `count` bytes at `data` lie within the file's pages (when they are in the map at all).
    @inlinable @inline(__always)
    func check(_ data: UnsafeMutableRawPointer?, _ count: Int) throws(LMDBError) {
        let at = UInt(bitPattern: data)
        guard at >= start && at < mapEnd && start != 0 else { return }
        guard count >= 0, at <= pagesEnd, UInt(count) <= pagesEnd &- at else { return try checkMeasuringFile(at, count) }
    }

    @usableFromInline
    func checkMeasuringFile(_ at: UInt, _ count: Int) throws(LMDBError) {
        var info = stat()
        let fileEnd = start + UInt(fstat(fd, &info) == 0 ? max(0, Int(info.st_size)) : 0)
        let end = min(countedEnd, fileEnd)
        guard count >= 0, at <= end, UInt(count) <= end &- at else {
            throw LMDBError(code: LMDBError.corrupted.code, context: "a key or value reaches past the data file's pages (a damaged page, or a truncated file)")
        }
    }
}

/// Options of a named database, fixed when it is created.
public struct DatabaseFlags: OptionSet, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    /// Create the database when it does not exist (needs a write transaction).
    public static let create = DatabaseFlags(rawValue: UInt32(MDB_CREATE))
    /// Keys may have several sorted values.
    public static let duplicateSort = DatabaseFlags(rawValue: UInt32(MDB_DUPSORT))
    /// With ``duplicateSort``: all values of a key have the same size, stored packed.
    public static let duplicateFixed = DatabaseFlags(rawValue: UInt32(MDB_DUPFIXED))
    /// With ``duplicateSort``: values are native-endian unsigned integers of 4 or 8 bytes, compared as
    /// numbers (a machine comparison instead of `memcmp`); pass them aligned.
    public static let integerDuplicate = DatabaseFlags(rawValue: UInt32(MDB_INTEGERDUP))
}

/// Options of a single put.
public struct PutFlags: OptionSet, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    /// Fail with ``LMDBError/keyExists`` instead of replacing an existing key.
    public static let noOverwrite = PutFlags(rawValue: UInt32(MDB_NOOVERWRITE))
    /// In a duplicate-sorted database: fail with ``LMDBError/keyExists`` if this exact pair exists.
    public static let noDuplicateData = PutFlags(rawValue: UInt32(MDB_NODUPDATA))
    /// The key sorts after every key in the database: append without searching (bulk loads, logs).
    /// A key that does not sort last throws ``LMDBError/keyExists``.
    public static let append = PutFlags(rawValue: UInt32(MDB_APPEND))
    /// In a duplicate-sorted database: the value sorts after the key's other values.
    public static let appendDuplicate = PutFlags(rawValue: UInt32(MDB_APPENDDUP))
}

extension PutFlags {
    /// Whether an existing key is an expected answer (`false` returned) rather than an error: with
    /// `.append` alone, `MDB_KEYEXIST` means the key was out of order, which is thrown.
    @inlinable
    var reportsExisting: Bool { !isDisjoint(with: [.noOverwrite, .noDuplicateData]) }
}

extension ReadableTransaction {
    /// The id of the snapshot: the number of the last committed write transaction it sees. Two read
    /// transactions with the same id see the same data.
    public var snapshotID: Int { Int(mdb_txn_id(handle)) }
}
