import LMDB
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a rebuild did.
public struct RebuildReport: Hashable, Sendable {
    /// Events replayed.
    public var events: Int
    /// Customers whose facts were written.
    public var customers: Int
    /// Customers re-folded from their own history because events arrived out of time order.
    public var refolded: Int
    /// Wall time of the whole rebuild, commit included.
    public var seconds: Double
    /// Where the time went, in seconds.
    public var phases = Phases()

    /// The parts of a rebuild's wall time.
    public struct Phases: Hashable, Sendable {
        /// Copying the log into memory (one cursor pass, split over two threads when it can be).
        public var read = 0.0
        /// Folding every customer and writing facts and indexes.
        public var foldAndWrite = 0.0
        /// LMDB writing the pages and syncing.
        public var commit = 0.0
    }

    /// A report of a rebuild of `events` events and `customers` customers in `seconds`.
    public init(events: Int, customers: Int, refolded: Int, seconds: Double) {
        self.events = events
        self.customers = customers
        self.refolded = refolded
        self.seconds = seconds
    }
    /// Events replayed per second of wall time (0 for an instant rebuild).
    public var eventsPerSecond: Double { seconds > 0 ? Double(events) / seconds : 0 }
}

extension EventLog {
    /// Replays the whole log into fresh projections (facts and indexes) and swaps them in atomically.
    ///
    /// The fold runs in memory over one cursor pass of `events`; the new facts are written in key order
    /// with `MDB_APPEND`. Everything happens in one write transaction: readers keep their snapshot, and
    /// a crash at any moment leaves the old projections as they were.
    /// - Parameters:
    ///   - progress: called now and then with the number of events replayed.
    ///   - then: runs in the same transaction once the projections are written (the layer above
    ///     derives more from them there).
    /// - Complexity: O(E + C log C) for E events and C customers; memory O(C).
    @discardableResult
    package func rebuild(progress: ((Int) -> Void)? = nil, then: ((WriteTransaction) throws -> Void)? = nil) throws -> RebuildReport {
        let start = monotonicSeconds()
        var read = start, written = start
        let (events, customers, refolded) = try withWriter { (w: inout LogWriter) in
            try env.write { txn in
                try w.synchronizePolicy(txn)
                // Nothing in this transaction has touched `events`: a second thread may read half.
                let fold = try LogFold(schema: schema, in: txn, helper: env, progress: progress)
                read = monotonicSeconds()
                let (customers, refolded) = try writeProjections(fold, of: w.projector.projections, in: txn)
                try then?(txn)
                written = monotonicSeconds()
                return (fold.events, customers, refolded)
            }
        }
        let end = monotonicSeconds()
        var report = RebuildReport(events: events, customers: customers, refolded: refolded, seconds: end - start)
        report.phases = RebuildReport.Phases(read: read - start, foldAndWrite: written - read, commit: end - written)
        return report
    }

    /// Replaces each projection's values and indexes with `fold`'s: values are written block by block
    /// with `MDB_APPEND` while the next blocks fold, then the sorted index keys. Returns the number of
    /// customers written (of the first projection) and of customers whose events had to be sorted.
    package func writeProjections(_ fold: LogFold, of projections: [any CustomerProjection],
                                  in txn: WriteTransaction) throws -> (customers: Int, refolded: Int) {
        var result = (customers: 0, refolded: 0)
        for (k, projection) in projections.enumerated() {
            let written = try writeProjection(fold, projection, last: k == projections.count - 1, in: txn)
            if k == 0 { result = written }
        }
        try schema.setMeta(MetaKey.checkpoint, fold.lastSequence, in: txn)
        if fold.newestTime >= 0 {
            try schema.setMeta(MetaKey.newestTime, UInt64(fold.newestTime), in: txn)
        } else {
            _ = try schema.meta.delete(MetaKey.newestTime, in: txn)
        }
        return result
    }

    private func writeProjection(_ fold: LogFold, _ projection: any CustomerProjection, last: Bool,
                                 in txn: WriteTransaction) throws -> (customers: Int, refolded: Int) {
        let databases = try schema.databases(of: projection)
        try databases.values.removeAll(in: txn)
        for db in databases.indexes { try db.removeAll(in: txn) }
        var written = 0
        var rows: [CustomerRows] = []
        // One cursor for every put (`mdb_put` set up a cursor and searched from the root each time).
        let refolded = try databases.values.withCursor(in: txn) { cursor in
            try fold.fold(projection, last: last) { block in
                try block.forEachCustomer { c, bytes in
                    _ = try cursor.put(c, bytes: bytes.bytes, flags: .append)
                    written += 1
                }
                rows.append(contentsOf: block.rows)
            }
        }
        try IndexImage.write(rows, indexes: projection.indexes, databases: databases.indexes, schema: schema, in: txn, helper: env)
        return (written, refolded)
    }
}

/// Seconds on a monotonic clock.
package func monotonicSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

/// Milliseconds since the epoch on the wall clock.
package func wallClockMilliseconds() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_REALTIME, &ts)
    return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
}

/// What a bare scan of the log read.
public struct ScanReport: Hashable, Sendable {
    /// Records read.
    public var records: Int
    /// Bytes of the records read.
    public var bytes: Int
    /// Wall time of the scan.
    public var seconds: Double
    /// Records read per second (0 for an instant scan).
    public var recordsPerSecond: Double { seconds > 0 ? Double(records) / seconds : 0 }
}

extension EventLog {
    /// A bare cursor scan of `events`, nothing decoded: the physical floor any replay is measured against.
    package func scanLog() throws -> ScanReport {
        let start = monotonicSeconds()
        var records = 0, bytes = 0
        try env.read { txn in
            try schema.events.forEach(in: txn) { _, value in
                records += 1
                bytes += value.count
                return true
            }
        }
        return ScanReport(records: records, bytes: bytes, seconds: monotonicSeconds() - start)
    }
}
