import JourneyStorage
import Dispatch
import LMDB
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An event-sourced customer-journey store in one LMDB directory: the front door of the library.
///
/// ```swift
/// let store = try JourneyStore(at: "shop.store")                 // opens, or creates with USD
/// let report = try store.append(events)                           // one transaction, idempotent
/// let history = try store.events(of: "c42")                       // in time order
/// let ingest = try store.ingestJSONL(atPath: "events.jsonl")      // all or nothing
/// ```
/// Safe to share between threads: writes are serialized, reads run in parallel on snapshots.
public final class JourneyStore: Sendable {
    /// How to open a store.
    public struct Options: Sendable {
        /// The currency of a new store; for an existing store it must match or be `nil`. Default USD.
        public var currency: Currency?
        /// Create the store when the directory holds none. Otherwise opening a missing store throws.
        public var createIfMissing: Bool
        /// The first size of the memory map; it doubles when full.
        public var mapSizeBytesInitial: Int
        /// Skip `fsync` at commit (benchmarks, bulk loads): a power loss may lose the last commits.
        public var syncDisabled: Bool
        /// Open an existing store for reading only: nothing is created or written (writes throw
        /// ``JourneyError/Code/readOnly``), so a store on a read-only mount or without write
        /// permission can be read. An interrupted ingest is then reported, not rolled back. Where
        /// LMDB's lock file cannot be written, reads take no reader slot: a writer in another
        /// process may then reuse pages a long read still looks at.
        public var readOnly: Bool

        public init(currency: Currency? = nil, createIfMissing: Bool = true,
                    mapSizeBytesInitial: Int = 1 << 30, syncDisabled: Bool = false, readOnly: Bool = false) {
            self.currency = currency
            self.createIfMissing = createIfMissing
            self.mapSizeBytesInitial = mapSizeBytesInitial
            self.syncDisabled = syncDisabled
            self.readOnly = readOnly
        }
    }

    /// The store's directory.
    public let path: String
    /// The currency every amount is in, fixed when the store was created.
    public let currency: Currency
    /// Whether the store was opened read-only (``Options/readOnly``).
    public var isReadOnly: Bool { writer == nil }
    let env: Environment
    let schema: StoreSchema
    /// The write side; `nil` for a store opened read-only.
    let writer: WriterLock?
    /// The population cut-offs of the newest snapshot that computed them.
    let populationCache = Mutex<(Int, Population)?>(nil)
    /// Names by kind and number, and their byte order, as read by snapshots.
    let nameDirectory = NameDirectory()
    /// The last policy text read and its parse.
    let policyCache = Mutex<(String, Policy)?>(nil)

    /// Opens the store at `path`, creating it when the directory holds no `data.mdb` (unless
    /// `options` say otherwise). An existing `data.mdb` is never taken for a new store: an empty
    /// file, a file that is not LMDB's, or an LMDB environment without the store's `meta` is refused.
    /// - Throws: ``JourneyError`` with code `.notFound` (no store and no creation), `.corrupted` (not
    ///   a store, or damaged), `.newerFormat` / `.olderFormat` (another layout version),
    ///   `.invalidArgument` (a currency other than the store's) or `.storage`.
    public init(at path: String, options: Options = Options()) throws {
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
            (schema, currency) = try Self.openSchema(env, path: path, requested: options.currency,
                                                     mayCreate: options.createIfMissing && !options.readOnly)
        } catch let error as LMDBError {
            throw JourneyError(.storage, "cannot open store at \(path): \(error.message)", underlying: error)
        }
        self.path = path
        self.writer = options.readOnly ? nil : try WriterLock(LogWriter(schema: schema, currency: currency), directory: path)
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

    /// The store's databases and currency. Only an environment holding no database at all (a new
    /// `data.mdb`, or one whose creation was interrupted before its first commit) becomes a new store.
    private static func openSchema(_ env: Environment, path: String, requested: Currency?, mayCreate: Bool) throws -> (StoreSchema, Currency) {
        let meta: Database<String, [UInt8]>
        do {
            meta = try env.openDatabase("meta")
        } catch let error as LMDBError where error == .notFound {
            let main: Database<[UInt8], [UInt8]> = try env.openDatabase(nil)
            guard try env.read({ txn in try main.count(in: txn) }) == 0 else {
                throw JourneyError(.corrupted, "store at \(path): data.mdb holds LMDB databases but no `meta`: it is not a journey store (or it is damaged); nothing was written to it")
            }
            guard mayCreate else {
                throw JourneyError(.notFound, "no store at \(path): its data.mdb holds nothing yet; run `journey init` or `journey ingest` first")
            }
            return try createSchema(env, requested: requested)
        }
        guard let format = try env.read({ txn in try meta.get(MetaKey.format, in: txn) }) else {
            throw JourneyError(.corrupted, "store at \(path): `meta` holds no format version: the store is damaged or not a journey store")
        }
        guard format.count == 4 else { throw JourneyError(.corrupted, "store at \(path): unreadable format version") }
        let version = UInt32(bigEndian: format.withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) })
        guard version <= StoreSchema.formatVersion else {
            throw JourneyError(.newerFormat, "store at \(path) has format version \(version); this build of journey reads up to \(StoreSchema.formatVersion): upgrade journey")
        }
        guard version == StoreSchema.formatVersion else {
            throw JourneyError(.olderFormat, "store at \(path) has format version \(version), older than this build's \(StoreSchema.formatVersion), which it cannot read: ingest the original event files into a new store")
        }
        let schema = try StoreSchema(env: env, create: false)
        let code = try env.read { txn in try schema.metaString(MetaKey.currency, in: txn) } ?? "USD"
        let stored = try Currency(code: code)
        if let requested, requested != stored {
            throw JourneyError(.invalidArgument, "store at \(path) keeps money in \(stored.code), not \(requested.code); a store's currency is fixed when it is created")
        }
        return (schema, stored)
    }

    private static func createSchema(_ env: Environment, requested: Currency?) throws -> (StoreSchema, Currency) {
        let schema = try StoreSchema(env: env, create: true)
        let currency = requested ?? .usd
        try env.write { txn in
            try schema.setMeta(MetaKey.format, StoreSchema.formatVersion, in: txn)
            try schema.setMeta(MetaKey.currency, currency.code, in: txn)
            try schema.setMeta(MetaKey.policy, Policy(currency: currency).text, in: txn)
        }
        return (schema, currency)
    }

    /// The number of events in the log.
    public var eventCount: Int {
        get throws { try env.read { txn in try schema.events.count(in: txn) } }
    }

    /// The number of distinct customers the log has seen.
    public var customerCount: Int {
        get throws { Int(try env.read { txn in try schema.metaUInt32(MetaKey.nameCount(.customer), in: txn) } ?? 0) }
    }

    /// Appends events in one write transaction: all of them, or none when one is invalid.
    ///
    /// Events whose id is already in the log (or earlier in `events`) are skipped and counted.
    /// - Throws: ``JourneyError`` `.invalidEvent` naming the event's position and the field.
    /// - Complexity: O(n log N) for n events into a log of N.
    @discardableResult
    public func append(_ events: some Sequence<Event>) throws -> AppendReport {
        // A write may run again after the map grows: a single-pass sequence must not run dry.
        try append(Array(events))
    }

    /// Appends events in one write transaction: all of them, or none when one is invalid (a
    /// collection is read in place: it can be read again if the write has to run again).
    ///
    /// Events whose id is already in the log (or earlier in `events`) are skipped and counted.
    /// - Throws: ``JourneyError`` `.invalidEvent` naming the event's position and the field.
    /// - Complexity: O(n log N) for n events into a log of N.
    @discardableResult
    public func append(_ events: some Collection<Event>) throws -> AppendReport {
        // The loop is not generic: a generic one, unspecialized for a caller in another module, spent
        // a fifth of its time looking up type metadata.
        if let report = try events.withContiguousStorageIfAvailable({ try append(contiguous: $0) }) { return report }
        return try Array(events).withUnsafeBufferPointer { try append(contiguous: $0) }
    }

    /// Appends `events` in one write transaction. A large batch uses two cores: a loading thread
    /// turns events into validated drafts, a group at a time, while this one appends the groups
    /// loaded before (as ingest does with JSONL lines). This thread appends the first
    /// ``LogWriter/apiHeadEvents`` itself meanwhile, so it does not wait for the loader to start.
    private func append(contiguous events: UnsafeBufferPointer<Event>) throws -> AppendReport {
        try withWriter { (w: inout LogWriter) in
            try writeAppending(&w) { txn, w in
                var batch = try w.begin(txn, expectedEvents: events.count)
                let head = events.count >= LogWriter.apiPipelinedEventsMin ? LogWriter.apiHeadEvents : events.count
                guard head < events.count else {
                    try appendLoading(events, in: 0..<events.count, to: &batch, writer: &w)
                    let (appended, duplicates) = try w.finish(batch)
                    return AppendReport(appended: appended, duplicates: duplicates)
                }
                if w.apiGroups.isEmpty {
                    w.apiGroups = (0..<2 * ScanRing.releasedTogether).map { _ in
                        ScannedGroup(size: LogWriter.apiGroupSize, scratchBytes: LogWriter.apiScratchBytes)
                    }
                }
                let ring = ScanRing(groups: w.apiGroups, currency: w.currency)
                let loader = DispatchGroup()
                let shared = UnsafeSendable(events)
                DispatchQueue.global().async(group: loader) { ring.load(shared.value, from: head) }
                // The loader reads `events` until it is done, also when this thread stops early;
                // then its drafts can be trimmed.
                defer {
                    ring.stop()
                    loader.wait()
                    w.trimAPIGroups()
                }
                try appendLoading(events, in: 0..<head, to: &batch, writer: &w)
                _ = try withUnsafeMutablePointer(to: &batch) { batch in
                    try w.appendGroups(of: ring, to: batch) { position, reason, id in
                        throw JourneyError(.invalidEvent, "event \(position) (id \"\(id)\"): \(reason)")
                    }
                }
                let (appended, duplicates) = try w.finish(batch)
                return AppendReport(appended: appended, duplicates: duplicates)
            }
        }
    }

    /// Loads, validates and appends `events[range]` on this thread.
    private func appendLoading(_ events: UnsafeBufferPointer<Event>, in range: Range<Int>, to batch: inout LogWriter.Batch,
                               writer w: inout LogWriter) throws {
        // The writer's drafts, moved out (appending reads them while changing the writer) into a
        // local: ones captured from outside were copied per event.
        var drafts: [EventDraft] = []
        swap(&drafts, &w.drafts)
        defer { swap(&drafts, &w.drafts) }
        if drafts.isEmpty { drafts = (0..<LogWriter.apiGroup).map { _ in EventDraft() } }
        // Read once: `w.currency` passed per event was copied (its code retained and released).
        let currency = w.currency
        try drafts.withUnsafeMutableBufferPointer { drafts in
            // A group at a time: loaded and validated, the table slots its lookups probe loaded
            // together (their cache misses overlap: one at a time, the batch's id table lookups
            // took 13 % of a 200 k append), then appended.
            var start = range.lowerBound
            while start < range.upperBound {
                let n = min(drafts.count, range.upperBound - start)
                for k in 0..<n {
                    do {
                        try EventDraft.loadValidated(events.baseAddress! + start + k, into: drafts.baseAddress! + k, currency: currency)
                    } catch let error as FieldError {
                        throw JourneyError(.invalidEvent, "event \(start + k) (id \"\(events[start + k].id)\"): \(error.message)")
                    }
                }
                for k in 0..<n { w.touch(idHash: drafts[k].idHash, customerHash: drafts[k].customerHash, batch: batch) }
                for k in 0..<n { _ = try w.appendDraft(drafts.baseAddress! + k, &batch) }
                start += n
            }
        }
    }

    /// Every event of `customer` in time order (arrival order among equal times); empty when unknown.
    public func events(of customer: String) throws -> [Event] {
        try env.read { txn in
            guard let number = try schema.number(.customer, customer, in: txn) else { return [] }
            var out: [(Int64, UInt64, Event)] = []
            for (sequence, record) in try schema.records(of: number, in: txn) {
                out.append((record.time, sequence, try record.event { kind, n in try schema.name(kind, n, in: txn) }))
            }
            out.sort { ($0.0, $0.1) < ($1.0, $1.1) }
            return out.map(\.2)
        }
    }
}

/// What an append did.
public struct AppendReport: Hashable, Sendable {
    /// Events added to the log.
    public var appended: Int
    /// Events skipped because their id was already in the log.
    public var duplicates: Int
}

/// The write side's state behind two locks: a mutex for the threads of this process and an
/// exclusive `flock` on `writer.lock` in the store for other processes. LMDB serializes single write
/// transactions by itself; the file lock also keeps other writers out between the transactions of
/// a large ingest, so that its roll-back marker covers only its own events.
final class WriterLock: @unchecked Sendable {
    // @unchecked: `state` is only touched inside `lock`.
    private let lock = Mutex(())
    private var state: LogWriter
    private let fd: Int32

    init(_ state: LogWriter, directory: String) throws {
        self.state = state
        fd = open(directory + "/writer.lock", O_RDWR | O_CREAT, 0o644)
        guard fd >= 0 else { throw JourneyError(.io, "cannot open \(directory)/writer.lock: \(String(cString: strerror(errno)))") }
    }

    deinit { close(fd) }

    func withLock<R>(_ body: (inout LogWriter) throws -> R) throws -> R {
        try lock.withLock { _ in
            while flock(fd, LOCK_EX) != 0 {
                guard errno == EINTR else { throw JourneyError(.io, "cannot lock the store for writing: \(String(cString: strerror(errno)))") }
            }
            defer { flock(fd, LOCK_UN) }
            return try body(&state)
        }
    }
}

extension JourneyStore {
    /// Runs `body` in a write transaction that appends through `w`, and tells `w` once it has
    /// committed (its id filter then counts the transaction's events as stored, rather than reading
    /// them back from the log).
    func writeAppending<R>(_ w: inout LogWriter, _ body: (WriteTransaction, inout LogWriter) throws -> R) throws -> R {
        let result = try env.write { txn in try body(txn, &w) }
        w.committed()
        return result
    }

    /// Runs `body` as the store's only writer; first rolls back an ingest that a crash interrupted.
    func withWriter<R>(_ body: (inout LogWriter) throws -> R) throws -> R {
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
}
