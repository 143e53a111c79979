@_spi(Storage) import JourneyStorage
import Synchronization

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

        /// Options; the defaults open a store or create a USD one, with a 1 GiB map, synced at every
        /// commit, for reading and writing.
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
    public var path: String { log.path }
    /// The currency every amount is in, fixed when the store was created.
    public var currency: Currency { log.currency }
    /// Whether the store was opened read-only (``Options/readOnly``).
    public var isReadOnly: Bool { log.writer == nil }
    /// The storage layer: the log, its indexes and the projections' databases.
    let log: EventLog
    var schema: StoreSchema { log.schema }
    var env: Environment { log.env }
    /// The population cut-offs of the newest snapshot that computed them.
    let populationCache = Mutex<(Int, Population)?>(nil)
    /// The last point-in-time view built, for the snapshot it was built in (an export's two threads share it).
    let viewCache = Mutex<(ViewKey, FactsView)?>(nil)
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
    public convenience init(at path: String, options: Options = Options()) throws {
        try self.init(at: path, options: options, projections: Self.registration)
    }

    /// The store's databases above the log: the facts projection's and the journey's.
    static let registration: EventLog.Projections = {
        var registration = FactsProjection.registration
        registration.databases += JourneySchema.databases
        return registration
    }()

    /// Opens a store whose projections are `projections` (facts first: queries read it). For tests
    /// of a projection before it joins ``FactsProjection/registration``.
    init(at path: String, options: Options, projections: EventLog.Projections) throws {
        log = try EventLog(at: path, options: .init(
            currency: options.currency, createIfMissing: options.createIfMissing, mapSizeBytesInitial: options.mapSizeBytesInitial,
            syncDisabled: options.syncDisabled, readOnly: options.readOnly), projections: projections)
    }

    /// The number of events in the log.
    public var eventCount: Int {
        get throws { try translatingStorageErrors { try log.eventCount } }
    }

    /// The number of distinct customers the log has seen.
    public var customerCount: Int {
        get throws { try translatingStorageErrors { Int(try log.env.read { txn in try schema.metaUInt32(MetaKey.nameCount(.customer), in: txn) } ?? 0) } }
    }

    /// Appends events in one write transaction: all of them, or none when one is invalid.
    ///
    /// Events whose id is already in the log (or earlier in `events`) are skipped and counted.
    /// - Throws: ``JourneyError`` `.invalidEvent` naming the event's position and the field.
    /// - Parameter events: the events, in any order.
    /// - Parameter tick: tick to the newest event's time (or the clock, if later) in the same
    ///   transaction (``tick(asOf:)``).
    /// - Complexity: O(n log N) for n events into a log of N.
    @discardableResult
    public func append(_ events: some Sequence<Event>, tick: Bool = false) throws -> AppendReport {
        try append(Array(events), tick: tick)
    }

    /// Appends events in one write transaction: all of them, or none when one is invalid (a
    /// collection is read in place: it can be read again if the write has to run again).
    ///
    /// Events whose id is already in the log (or earlier in `events`) are skipped and counted.
    /// A batch of 1,024 events or more uses two cores: a loading thread validates events while
    /// this one appends those validated before.
    /// - Throws: ``JourneyError`` `.invalidEvent` naming the event's position and the field.
    /// - Parameter events: the events, in any order.
    /// - Parameter tick: tick to the newest event's time (or the clock, if later) in the same
    ///   transaction (``tick(asOf:)``): the events and their transitions commit together.
    /// - Complexity: O(n log N) for n events into a log of N.
    @discardableResult
    public func append(_ events: some Collection<Event>, tick: Bool = false) throws -> AppendReport {
        try translatingStorageErrors {
            var ticked: TickReport?
            var report = try log.append(events, beforeCommit: tick ? { txn in ticked = try self.tick(in: txn, asOf: nil) } : nil)
            report.transitions = ticked?.transitions
            report.clock = ticked?.clock
            return report
        }
    }

    /// Every event of `customer` in time order (arrival order among equal times); empty when unknown.
    public func events(of customer: String) throws -> [Event] {
        try translatingStorageErrors {
            try log.events(of: customer)
        }
    }

    /// Rolls back an ingest that was interrupted between its transactions (a crash, a kill), if any:
    /// what any writer does first. Until then, readers see the events of the file's committed
    /// transactions; `verify` and `stats` report them.
    ///
    /// ```swift
    /// let removed = try store.recover()   // 0 when nothing was interrupted
    /// ```
    /// - Returns: the number of events removed.
    /// - Throws: ``JourneyError`` `.readOnly` for a store opened read-only.
    @discardableResult
    public func recover() throws -> Int {
        try translatingStorageErrors {
            try log.recover()
        }
    }

    /// Replays the whole log into fresh projections (facts and indexes) and swaps them in atomically.
    ///
    /// The fold runs in memory over one cursor pass of `events`; the new facts are written in key order
    /// with `MDB_APPEND`. Everything happens in one write transaction: readers keep their snapshot, and
    /// a crash at any moment leaves the old projections as they were.
    /// - Parameter progress: called now and then with the number of events replayed.
    /// - Complexity: O(E + C log C) for E events and C customers; memory O(C).
    @discardableResult
    public func rebuild(progress: ((Int) -> Void)? = nil) throws -> RebuildReport {
        try translatingStorageErrors {
            try log.rebuild(progress: progress, then: { txn in try self.rebuildJourney(in: txn) })
        }
    }

    /// Checks that the log, its indexes and the stored projections agree with a fresh fold of the
    /// log, and the transitions with a replay of the recorded ticks, on one snapshot. Changes nothing, and never trusts what it reads: the data file is
    /// checked page by page first, and damage is reported (`events #123: record truncated or
    /// malformed`), not thrown.
    /// - Complexity: O(E + C log C), like a rebuild without the writes.
    public func verify(progress: ((Int) -> Void)? = nil) throws -> VerifyReport {
        try translatingStorageErrors {
            let text = try log.env.read { txn in try schema.metaString(MetaKey.policy, in: txn) } ?? ""
            var report = try log.verify(projections: log.projections.make(text, currency), progress: progress,
                                        then: { txn, max in try self.verifyJourney(in: txn, max: max) })
            try verifyPrediction(&report)
            return report
        }
    }

    /// A bare cursor scan of `events`, nothing decoded: the physical floor any replay is measured against.
    public func scanLog() throws -> ScanReport {
        try translatingStorageErrors {
            try log.scanLog()
        }
    }
}
