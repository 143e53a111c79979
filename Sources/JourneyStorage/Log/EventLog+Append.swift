import Dispatch
import LMDB

extension EventLog {
    /// Appends `events` in one write transaction. A large batch uses two cores: a loading thread
    /// turns events into validated drafts, a group at a time, while this one appends the groups
    /// loaded before (as ingest does with JSONL lines). This thread appends the first
    /// ``LogWriter/apiHeadEvents`` itself meanwhile, so it does not wait for the loader to start.
    package func append(_ events: some Collection<Event>, beforeCommit: BeforeCommit? = nil) throws -> AppendReport {
        // The loop is not generic: a generic one, unspecialized for a caller in another module, spent
        // a fifth of its time looking up type metadata.
        if let report = try events.withContiguousStorageIfAvailable({ try append(contiguous: $0, beforeCommit: beforeCommit) }) { return report }
        return try Array(events).withUnsafeBufferPointer { try append(contiguous: $0, beforeCommit: beforeCommit) }
    }

    private func append(contiguous events: UnsafeBufferPointer<Event>, beforeCommit: BeforeCommit?) throws -> AppendReport {
        try withWriter { (w: inout LogWriter) in
            try writeAppending(&w) { txn, w in
                var batch = try w.begin(txn, expectedEvents: events.count)
                let head = events.count >= LogWriter.apiPipelinedEventsMin ? LogWriter.apiHeadEvents : events.count
                guard head < events.count else {
                    try appendLoading(events, in: 0..<events.count, to: &batch, writer: &w)
                    let (appended, duplicates) = try w.finish(batch)
                    try beforeCommit?(txn)
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
                try beforeCommit?(txn)
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
    package func events(of customer: String) throws -> [Event] {
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
    /// With a tick (`append(_:tick:)`): the transitions it appended.
    public var transitions: Int?
    /// With a tick: the clock it moved to.
    public var clock: Timestamp?

    package init(appended: Int, duplicates: Int) {
        self.appended = appended
        self.duplicates = duplicates
    }
}
