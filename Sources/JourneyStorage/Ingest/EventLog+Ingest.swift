import Dispatch
import LMDB
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs in an append's last write transaction before it commits (the layer above ticks there:
/// `ingest --tick`).
package typealias BeforeCommit = (WriteTransaction) throws -> Void

extension EventLog {
    /// Ingests a JSONL file: every line or, when a line is invalid, none.
    ///
    /// A file up to ``IngestOptions/transactionBytesMax`` is one write transaction. A larger one is
    /// validated first, then appended in several transactions under a roll-back marker: a failure or
    /// crash part-way rolls the whole file back (readers may see its first part meanwhile).
    ///
    /// ```swift
    /// let report = try store.ingestJSONL(atPath: "events.jsonl")
    /// print(report.appended, report.duplicates)
    /// ```
    /// Blank lines are skipped. Duplicate event ids are skipped and counted.
    /// - Throws: ``JourneyError`` `.invalidEvent` with `line N: field: expected …, found …` (nothing is
    ///   committed), `.io` when the file cannot be read.
    package func ingestJSONL(atPath path: String, options: IngestOptions = IngestOptions(), beforeCommit: BeforeCommit? = nil) throws -> IngestReport {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw JourneyError(.io, "cannot open \(path): \(errnoText())") }
        defer { close(fd) }
        return try ingestJSONL(fileDescriptor: fd, name: path, options: options, beforeCommit: beforeCommit)
    }

    /// Ingests JSONL from an open file descriptor (a file, or a pipe such as standard input, which is
    /// first copied to a temporary file so the transaction can be retried).
    package func ingestJSONL(fileDescriptor fd: Int32, name: String, options: IngestOptions = IngestOptions(), beforeCommit: BeforeCommit? = nil) throws -> IngestReport {
        if lseek(fd, 0, SEEK_CUR) < 0 {
            var template = Array("/tmp/journey-ingest-XXXXXX".utf8CString)
            let spool = mkstemp(&template)
            guard spool >= 0 else { throw JourneyError(.io, "cannot create a temporary file to hold \(name)") }
            unlink(template)
            defer { close(spool) }
            try copy(from: fd, to: spool, name: name)
            return try ingestJSONL(fileDescriptor: spool, name: name, options: options, beforeCommit: beforeCommit)
        }
        var source = FileLineSource(fd: fd, path: name)
        defer { source.deallocate() }
        return try ingest(&source, options: options, beforeCommit: beforeCommit)
    }

    /// Ingests JSONL held in memory.
    package func ingestJSONL(_ bytes: [UInt8], options: IngestOptions = IngestOptions(), beforeCommit: BeforeCommit? = nil) throws -> IngestReport {
        try bytes.withUnsafeBytes { raw in
            var source = MemoryLineSource(raw)
            return try ingest(&source, options: options, beforeCommit: beforeCommit)
        }
    }

    func ingest(_ source: inout some LineSource, options: IngestOptions, beforeCommit: BeforeCommit? = nil) throws -> IngestReport {
        // Room for the file before its transaction: stored events take fewer bytes than their JSONL,
        // and pages the transaction copies on write at most what the store holds.
        if options.reservesMap { try env.reserveMap(atLeast: 2 * env.usedBytes + source.byteCount) }
        return try withWriter { (w: inout LogWriter) in
            if source.byteCount <= options.transactionBytesMax {
                return try writeAppending(&w) { txn, w in
                    try source.rewind()
                    var report = IngestReport()
                    var batch = try w.begin(txn, expectedEvents: source.byteCount / IngestOptions.lineBytesEstimate)
                    var lineNumber = 0
                    _ = try ingestLines(&source, into: &batch, writer: &w, lineNumber: &lineNumber, report: &report,
                                        options: options, until: .max)
                    (report.appended, report.duplicates) = try w.finish(batch)
                    report.events = try schema.events.count(in: txn)
                    try beforeCommit?(txn)
                    return report
                }
            }
            return try ingestInTransactions(&source, writer: &w, options: options, beforeCommit: beforeCommit)
        }
    }

    /// A file larger than one transaction: validated in full first (so a bad line commits nothing),
    /// then appended in transactions; the first writes a roll-back marker and the last removes it. A
    /// failure in between — or a crash, found when the store is next opened — rolls the file back.
    private func ingestInTransactions(_ source: inout some LineSource, writer w: inout LogWriter, options: IngestOptions,
                                      beforeCommit: BeforeCommit?) throws -> IngestReport {
        var report = IngestReport()
        var lineNumber = 0
        try source.rewind()
        _ = try ingestLines(&source, into: nil, writer: &w, lineNumber: &lineNumber, report: &report, options: options, until: .max)
        var offset = 0, transactions = 0
        lineNumber = 0
        do {
            while true {
                let (done, next, nextLine, appended, duplicates) = try writeAppending(&w) { txn, w in
                    try source.seek(to: offset)
                    let bytes = min(options.transactionBytesMax, source.byteCount - offset)
                    var batch = try w.begin(txn, expectedEvents: bytes / IngestOptions.lineBytesEstimate)
                    if transactions == 0 { try writeRollBackMarker(sequence: batch.sequence + 1, names: w.names, in: txn) }
                    var line = lineNumber
                    var ignored = IngestReport()
                    let done = try ingestLines(&source, into: &batch, writer: &w, lineNumber: &line, report: &ignored,
                                               options: options, until: offset + options.transactionBytesMax)
                    let (appended, duplicates) = try w.finish(batch)
                    if done {
                        _ = try schema.meta.delete(MetaKey.openIngest, in: txn)
                        try beforeCommit?(txn)
                    }
                    return (done, source.offset, line, appended, duplicates)
                }
                report.appended += appended
                report.duplicates += duplicates
                offset = next
                lineNumber = nextLine
                transactions += 1
                if done { break }
                if let limit = options.failAfterTransactions, transactions >= limit {
                    throw JourneyError(.io, "ingest stopped after \(transactions) transactions (test hook)")
                }
            }
        } catch {
            try rollBackOpenIngest(writer: &w)
            throw error
        }
        report.events = try eventCount
        return report
    }

    /// Reads lines from the source's position until its end (returns `true`) or past byte `until`.
    /// With a batch, valid lines are appended; without one, lines are only validated. Rejections are
    /// recorded in `report` when `options.skipInvalid`, otherwise the first bad line throws.
    ///
    /// Two cores: a reading thread takes lines, scans and validates them into drafts, in groups of
    /// ``ScannedGroup/size`` lines, while this thread appends the previous groups; errors and
    /// rejections still come by line number, in order.
    private func ingestLines<Source: LineSource>(
        _ source: inout Source, into batch: UnsafeMutablePointer<LogWriter.Batch>?, writer w: inout LogWriter,
        lineNumber: inout Int, report: inout IngestReport, options: IngestOptions, until: Int
    ) throws -> Bool {
        let ring = ScanRing(groups: 2 * ScanRing.releasedTogether, currency: w.currency)
        let reader = DispatchGroup()
        var finished = false
        try withUnsafeMutablePointer(to: &source) { sourcePointer in
            let shared = UnsafeSendable((sourcePointer, lineNumber, options))
            DispatchQueue.global().async(group: reader) {
                let (source, firstLine, options) = shared.value
                ring.read(source, firstLine: firstLine, until: until, progress: options.progress)
            }
            // The reader owns `source` until it is done, also when this thread stops early.
            defer {
                ring.stop()
                reader.wait()
            }
            let end = try w.appendGroups(of: ring, to: batch) { line, reason, input in
                guard options.skipInvalid else { throw JourneyError(.invalidEvent, "line \(line): \(reason)") }
                report.rejected += 1
                report.rejections.append(Rejection(line: line, reason: reason, input: input))
            }
            lineNumber = end.lineNumber
            finished = end.finished
        }
        return finished
    }
}

/// Copies everything `input` yields into `output`, then rewinds `output`.
private func copy(from input: Int32, to output: Int32, name: String) throws {
    var buffer = [UInt8](repeating: 0, count: 1 << 20)
    let spool = FileOutput(descriptor: output, name: "a temporary file holding \(name)")
    while true {
        let n = buffer.withUnsafeMutableBytes { read(input, $0.baseAddress!, $0.count) }
        if n < 0 && errno == EINTR { continue }
        guard n >= 0 else { throw JourneyError(.io, "cannot read \(name): \(errnoText())") }
        if n == 0 { break }
        try spool.write(buffer[0..<n])
    }
    guard lseek(output, 0, SEEK_SET) == 0 else { throw JourneyError(.io, "cannot rewind the spool of \(name)") }
}

