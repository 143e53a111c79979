import LMDB
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The storage layer's front: one LMDB environment holding the event log, its indexes and the
/// projections' databases, and the write side behind its locks. `JourneyStore` owns one.
package final class EventLog: Sendable {
    /// How to open a log.
    package struct Options: Sendable {
        package var currency: Currency?
        package var createIfMissing: Bool
        package var mapSizeBytesInitial: Int
        package var syncDisabled: Bool
        package var readOnly: Bool

        package init(currency: Currency?, createIfMissing: Bool, mapSizeBytesInitial: Int, syncDisabled: Bool, readOnly: Bool) {
            self.currency = currency
            self.createIfMissing = createIfMissing
            self.mapSizeBytesInitial = mapSizeBytesInitial
            self.syncDisabled = syncDisabled
            self.readOnly = readOnly
        }
    }

    /// What the layer above tells the log about its projections.
    package struct Projections: Sendable {
        /// The names of every projection's databases (values and indexes).
        package var databases: [String]
        /// The policy text a new store starts with.
        package var initialPolicyText: @Sendable (Currency) -> String
        /// The projections a stored policy text calls for, in the order they are folded.
        package var make: @Sendable (String, Currency) throws -> [any CustomerProjection]

        package init(databases: [String], initialPolicyText: @escaping @Sendable (Currency) -> String,
                     make: @escaping @Sendable (String, Currency) throws -> [any CustomerProjection]) {
            self.databases = databases
            self.initialPolicyText = initialPolicyText
            self.make = make
        }
    }

    package let path: String
    package let currency: Currency
    package let env: Environment
    package let schema: StoreSchema
    package let projections: Projections
    /// The write side; `nil` for a log opened read-only.
    package let writer: WriterLock?

    /// Opens the log at `path`, creating it when the directory holds no `data.mdb` (unless
    /// `options` say otherwise). An existing `data.mdb` is never taken for a new store: an empty
    /// file, a file that is not LMDB's, or an LMDB environment without the store's `meta` is refused.
    package init(at path: String, options: Options, projections: Projections) throws {
        var info = stat()
        let exists = stat(path + "/data.mdb", &info) == 0
        if !exists && (!options.createIfMissing || options.readOnly) {
            throw JourneyError(.notFound, "no store at \(path): run `journey init` or `journey ingest` first, or pass --store")
        }
        if exists && info.st_size == 0 {
            throw JourneyError(.corrupted, "store at \(path): data.mdb is empty (0 bytes), so it is not a store; move it away (a store is created only in a directory without data.mdb)")
        }
        env = try Self.openEnvironment(path, options)
        do {
            (schema, currency) = try StoreOpening(env: env, path: path, projections: projections)
                .open(requested: options.currency, mayCreate: options.createIfMissing && !options.readOnly)
        } catch let error as LMDBError {
            throw JourneyError(.storage, "cannot open store at \(path): \(error.message)", underlying: error)
        }
        self.path = path
        self.projections = projections
        self.writer = options.readOnly ? nil : try WriterLock(
            LogWriter(schema: schema, currency: currency, defaultPolicyText: projections.initialPolicyText(currency),
                      makeProjections: projections.make),
            directory: path)
    }

    private static func openEnvironment(_ path: String, _ options: Options) throws(JourneyError) -> Environment {
        do {
            return try Environment(path: path, options: .init(
                mapSizeBytesInitial: options.mapSizeBytesInitial, databasesMax: StoreSchema.databasesMax,
                syncDisabled: options.syncDisabled, readOnly: options.readOnly))
        } catch {
            if error == .invalid || error == .versionMismatch || error == .corrupted {
                throw JourneyError(.corrupted, "store at \(path): data.mdb is not an LMDB data file this build can read (\(error.message)); it is not a store, or it is damaged", underlying: error)
            }
            throw JourneyError(.storage, "cannot open store at \(path): \(error.message)", underlying: error)
        }
    }

    /// Runs `body` as the store's only writer; first rolls back an ingest that a crash interrupted.
    package func withWriter<R>(_ body: (inout LogWriter) throws -> R) throws -> R {
        guard let writer else {
            throw JourneyError(.readOnly, "store at \(path) was opened read-only; open it for writing to change it")
        }
        do {
            return try writer.withLock { (w: inout LogWriter) in
                if try hasOpenIngest { _ = try rollBackOpenIngest(writer: &w) }
                return try body(&w)
            }
        } catch let error as LMDBError where error.code == ENOSPC {
            throw JourneyError(.diskFull, "the disk is full (ENOSPC): the store at \(path) could not write this transaction's pages, so it was not committed; free some space and try again", underlying: error)
        }
    }

    /// Runs `body` in a write transaction that appends through `w`, and tells `w` once it has
    /// committed (its id filter then counts the transaction's events as stored, rather than reading
    /// them back from the log).
    package func writeAppending<R>(_ w: inout LogWriter, _ body: (WriteTransaction, inout LogWriter) throws -> R) throws -> R {
        let result = try env.write { txn in try body(txn, &w) }
        w.committed()
        return result
    }

    /// The number of events in the log.
    package var eventCount: Int {
        get throws { try env.read { txn in try schema.events.count(in: txn) } }
    }
}

/// The write side's state behind two locks: a mutex for the threads of this process and an
/// exclusive `flock` on `writer.lock` in the store for other processes. LMDB serializes single write
/// transactions by itself; the file lock also keeps other writers out between the transactions of
/// a large ingest, so that its roll-back marker covers only its own events.
package final class WriterLock: @unchecked Sendable {
    // @unchecked: `state` is only touched inside `lock`.
    private let lock = Mutex(())
    private var state: LogWriter
    private let fd: Int32

    init(_ state: LogWriter, directory: String) throws {
        self.state = state
        fd = open(directory + "/writer.lock", O_RDWR | O_CREAT, 0o644)
        guard fd >= 0 else { throw JourneyError(.io, "cannot open \(directory)/writer.lock: \(errnoText())") }
    }

    deinit { close(fd) }

    package func withLock<R>(_ body: (inout LogWriter) throws -> R) throws -> R {
        try lock.withLock { _ in
            while flock(fd, LOCK_EX) != 0 {
                guard errno == EINTR else { throw JourneyError(.io, "cannot lock the store for writing: \(errnoText())") }
            }
            defer { flock(fd, LOCK_UN) }
            return try body(&state)
        }
    }
}
