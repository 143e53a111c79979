import CLMDB

/// An error reported by LMDB, keeping its return code and `mdb_strerror` text.
///
/// Every call into LMDB goes through ``check(_:)``, so this is the only error type the wrapper throws.
/// Compare with the static members to react to a particular condition:
/// ```swift
/// do { try env.write { txn in try db.put(k, v, in: txn, flags: .noOverwrite) } }
/// catch let error as LMDBError where error == .keyExists { … }
/// ```
public struct LMDBError: Error, Hashable, CustomStringConvertible, Sendable {
    /// LMDB's return code (`MDB_*` or an `errno` value).
    public let code: Int32
    /// The text `mdb_strerror` gives for ``code``, with any context added by the wrapper.
    public let message: String

    public init(code: Int32, context: String? = nil) {
        self.code = code
        let text = String(cString: mdb_strerror(code))
        self.message = context.map { "\($0): \(text)" } ?? text
    }

    public var description: String { "LMDB error \(code): \(message)" }

    public static func == (lhs: LMDBError, rhs: LMDBError) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }

    /// The key/data pair already exists (a put with `.noOverwrite` or `.noDuplicateData`).
    public static let keyExists = LMDBError(code: MDB_KEYEXIST)
    /// The key was not found.
    public static let notFound = LMDBError(code: MDB_NOTFOUND)
    /// The environment's map is full; ``Environment/write(_:)`` grows it and retries by itself.
    public static let mapFull = LMDBError(code: MDB_MAP_FULL)
    /// Another process grew the map; ``Environment`` adopts the new size and retries by itself.
    public static let mapResized = LMDBError(code: MDB_MAP_RESIZED)
    /// A page or record failed a consistency check.
    public static let corrupted = LMDBError(code: MDB_CORRUPTED)
    /// Too many named databases are open (raise `Environment.Options.databasesMax`).
    public static let databasesFull = LMDBError(code: MDB_DBS_FULL)
    /// The data file is not an LMDB file (no valid meta page).
    public static let invalid = LMDBError(code: MDB_INVALID)
    /// The environment's lock file or data file was written by an incompatible LMDB version.
    public static let versionMismatch = LMDBError(code: MDB_VERSION_MISMATCH)
    /// A key or value is outside LMDB's limits (a key over 511 bytes, an empty key).
    public static let badValueSize = LMDBError(code: MDB_BAD_VALSIZE)
}

/// Turns an LMDB return code into a thrown ``LMDBError``.
@inline(__always)
@inlinable
func check(_ rc: Int32, _ context: @autoclosure () -> String? = nil) throws(LMDBError) {
    if rc != 0 { throw LMDBError(code: rc, context: context()) }
}
