import Dispatch
import LMDB
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How to ingest JSONL.
public struct IngestOptions: Sendable {
    /// Commit the valid lines and report the invalid ones instead of refusing the whole file.
    public var skipInvalid: Bool
    /// The most JSONL bytes one write transaction takes. A larger file is first read through once to
    /// validate every line, then appended in transactions of this size, with a roll-back marker so
    /// the file still commits all or nothing (see ``JourneyStore/ingestJSONL(atPath:options:)``).
    /// One transaction is the fastest way in and the only one readers never see half of, but it
    /// holds about 220 bytes of memory per event until it commits (LMDB's dirty pages, the batch's
    /// tables, the folded facts): the 10 M-line generated file (1.5 GB) takes 10–11 s and 2.0 GiB as
    /// one transaction, 30 s and 0.9 GiB as six of 256 MiB.
    public var transactionBytesMax: Int
    /// Called now and then with the number of lines read so far (for a progress display).
    public var progress: (@Sendable (Int) -> Void)?
    /// Tick to the newest event's time in the append's last transaction (`journey ingest --tick`):
    /// the events and their transitions commit together. See ``IngestReport/transitions``.
    public var tick = false
    /// Tests only: fail after this many transactions of a chunked ingest, as a crash would.
    package var failAfterTransactions: Int?
    /// Tests only: `false` skips reserving map room for the file, so the transaction fills the map
    /// and runs again after it grows.
    package var reservesMap = true

    /// About the length of a generated JSONL line (148 bytes on average): from a file's size, how
    /// many events to size a batch's tables for (an estimate only; they grow past it). At 256, the
    /// 10 M-line file's table of batch ids was made for 5.8 M events, then doubled and rehashed at
    /// 8.4 M: a second of zeroed pages and moved entries on the writer.
    static let lineBytesEstimate = 150

    /// Options; the defaults refuse a file with a bad line and take up to 2 GiB of JSONL (about
    /// 13 M generated lines) per transaction.
    public init(skipInvalid: Bool = false, transactionBytesMax: Int = 2 << 30) {
        precondition(transactionBytesMax >= Limits.lineBytesMax, "ingest: a transaction must hold at least one line")
        self.skipInvalid = skipInvalid
        self.transactionBytesMax = transactionBytesMax
    }
}

/// A line refused by ingest with ``IngestOptions/skipInvalid``.
public struct Rejection: Hashable, Sendable {
    /// The line number, from 1.
    public var line: Int
    /// What was wrong: the field and what was expected.
    public var reason: String
    /// The line as it was (invalid UTF-8 replaced); of a line longer than ``Limits/lineBytesMax``,
    /// its first KiB and `…`.
    public var input: String
}

/// What an ingest did.
public struct IngestReport: Hashable, Sendable {
    /// Events added to the log.
    public var appended = 0
    /// Lines skipped because their event id was already in the log.
    public var duplicates = 0
    /// Lines refused (only with ``IngestOptions/skipInvalid``).
    public var rejected = 0
    /// Events in the store after the ingest.
    public var events = 0
    /// Every refused line, in order (only with ``IngestOptions/skipInvalid``).
    public var rejections: [Rejection] = []
    /// With ``IngestOptions/tick``: the transitions the tick appended.
    public var transitions: Int?
    /// With ``IngestOptions/tick``: the clock the tick moved to.
    public var clock: Timestamp?

    /// An empty report.
    public init() {}
}

