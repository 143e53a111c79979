import JourneyStorage
import Dispatch
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
    /// Tests only: fail after this many transactions of a chunked ingest, as a crash would.
    var failAfterTransactions: Int?
    /// Tests only: `false` skips reserving map room for the file, so the transaction fills the map
    /// and runs again after it grows.
    var reservesMap = true

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

    public init() {}
}

extension JourneyStore {
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
    public func ingestJSONL(atPath path: String, options: IngestOptions = IngestOptions()) throws -> IngestReport {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw JourneyError(.io, "cannot open \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        return try ingestJSONL(fileDescriptor: fd, name: path, options: options)
    }

    /// Ingests JSONL from an open file descriptor (a file, or a pipe such as standard input, which is
    /// first copied to a temporary file so the transaction can be retried).
    public func ingestJSONL(fileDescriptor fd: Int32, name: String, options: IngestOptions = IngestOptions()) throws -> IngestReport {
        if lseek(fd, 0, SEEK_CUR) < 0 {
            var template = Array("/tmp/journey-ingest-XXXXXX".utf8CString)
            let spool = mkstemp(&template)
            guard spool >= 0 else { throw JourneyError(.io, "cannot create a temporary file to hold \(name)") }
            unlink(template)
            defer { close(spool) }
            try copy(from: fd, to: spool, name: name)
            return try ingestJSONL(fileDescriptor: spool, name: name, options: options)
        }
        var source = FileLineSource(fd: fd, path: name)
        defer { source.deallocate() }
        return try ingest(&source, options: options)
    }

    /// Ingests JSONL held in memory.
    public func ingestJSONL(_ bytes: [UInt8], options: IngestOptions = IngestOptions()) throws -> IngestReport {
        try bytes.withUnsafeBytes { raw in
            var source = MemoryLineSource(raw)
            return try ingest(&source, options: options)
        }
    }

    func ingest(_ source: inout some LineSource, options: IngestOptions) throws -> IngestReport {
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
                    return report
                }
            }
            return try ingestInTransactions(&source, writer: &w, options: options)
        }
    }

    /// A file larger than one transaction: validated in full first (so a bad line commits nothing),
    /// then appended in transactions; the first writes a roll-back marker and the last removes it. A
    /// failure in between — or a crash, found when the store is next opened — rolls the file back.
    private func ingestInTransactions(_ source: inout some LineSource, writer w: inout LogWriter, options: IngestOptions) throws -> IngestReport {
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
                    if done { _ = try schema.meta.delete(MetaKey.openIngest, in: txn) }
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
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
    defer { buffer.deallocate() }
    while true {
        let n = read(input, buffer.baseAddress!, buffer.count)
        if n < 0 && errno == EINTR { continue }
        guard n >= 0 else { throw JourneyError(.io, "cannot read \(name): \(String(cString: strerror(errno)))") }
        if n == 0 { break }
        var written = 0
        while written < n {
            let m = write(output, buffer.baseAddress! + written, n - written)
            guard m > 0 else { throw JourneyError(.io, "cannot spool \(name) to a temporary file: \(String(cString: strerror(errno)))") }
            written += m
        }
    }
    guard lseek(output, 0, SEEK_SET) == 0 else { throw JourneyError(.io, "cannot rewind the spool of \(name)") }
}

/// Lines scanned and validated by a reading thread (or Swift events loaded and validated by a
/// loading thread), for the writer to append.
final class ScannedGroup: @unchecked Sendable {
    // @unchecked: the ring hands a group to one thread at a time (its semaphores order the accesses).
    static let size = 512

    enum Entry {
        case event(draft: Int)
        case invalid(line: Int, reason: String, input: String)
        case failed(JourneyError)
    }

    var drafts: [EventDraft]
    var entries: [Entry] = []
    /// Set on the last group: the line number reached and whether the source is exhausted.
    var end: (lineNumber: Int, finished: Bool)?

    /// A group of `size` drafts, each with room for `scratchBytes` of strings to begin with.
    init(size: Int = ScannedGroup.size, scratchBytes: Int = EventDraft.scratchBytesInitial) {
        drafts = (0..<size).map { _ in EventDraft(scratchBytes: scratchBytes) }
        entries.reserveCapacity(size)
    }
}

/// A ring of ``ScannedGroup``s between the reading thread and the writer.
final class ScanRing: @unchecked Sendable {
    // @unchecked: `stopped` is atomic; each group is touched by one side at a time; `unsignalled`
    // only by the writer.
    private let groups: [ScannedGroup]
    private let free: DispatchSemaphore
    private let ready: DispatchSemaphore
    private let stopped = Atomic<Bool>(false)
    private let currency: Currency

    convenience init(groups count: Int, currency: Currency) {
        self.init(groups: (0..<count).map { _ in ScannedGroup() }, currency: currency)
    }

    /// A ring over `groups` (kept by the caller to be used again: their drafts' buffers are warm).
    init(groups: [ScannedGroup], currency: Currency) {
        self.groups = groups
        free = .raised(to: groups.count)  // may end below the count when the reader stops early
        ready = DispatchSemaphore(value: 0)
        self.currency = currency
    }

    /// The writer's next group (the k-th since the start), once the reader has filled it.
    func filled(_ k: Int) -> ScannedGroup {
        ready.wait()
        return groups[k % groups.count]
    }

    /// The writer is done with the group it was last given. Groups go back to the reader
    /// ``releasedTogether`` at a time: a reader waiting on a full ring was woken (a system call on
    /// each side) once per group, ~4 % of the writer's time.
    func release() {
        unsignalled += 1
        if unsignalled == Self.releasedTogether {
            for _ in 0..<unsignalled { free.signal() }
            unsignalled = 0
        }
    }

    /// Groups handed back to the reader at once; fewer than the ring holds, so the reader always
    /// has a group to fill while the writer appends.
    static let releasedTogether = 4
    /// Written by the writer only.
    private var unsignalled = 0

    /// The writer stops early: the reader stops at its next group.
    func stop() {
        stopped.store(true, ordering: .relaxed)
        for _ in groups { free.signal() }
    }

    /// The loading thread of a Swift API append: loads and validates `events` from position
    /// `first` into groups, until their end or the first invalid one (an entry `.invalid` with the
    /// event's position as its line and its id as its input).
    func load(_ events: UnsafeBufferPointer<Event>, from first: Int) {
        var position = first
        fillGroups { drafts, entries in
            for count in 0..<drafts.count {
                guard position < events.count else { return (position, true) }
                do throws(FieldError) {
                    try EventDraft.loadValidated(events.baseAddress! + position, into: drafts.baseAddress! + count, currency: currency)
                } catch {
                    entries.append(.invalid(line: position, reason: error.message, input: events[position].id))
                    return (position, false)
                }
                entries.append(.event(draft: count))
                position += 1
            }
            return nil
        }
    }

    /// The reading thread: fills groups from `source` until its end or past byte `until`.
    func read<Source: LineSource>(_ source: UnsafeMutablePointer<Source>, firstLine: Int, until: Int,
                                  progress: (@Sendable (Int) -> Void)?) {
        var scanner = JSONEventScanner(exponent: currency.exponent)
        var lineNumber = firstLine
        fillGroups { drafts, entries in
            var count = 0
            do {
                while count < drafts.count {
                    guard source.pointee.offset < until else {
                        return (lineNumber, source.pointee.offset >= source.pointee.byteCount)
                    }
                    let next: UnsafeRawBufferPointer?
                    do {
                        next = try source.pointee.nextLine()
                    } catch let tooLong as LineTooLong {
                        // An invalid line like any other: the writer refuses the file for it, or
                        // records it when skipping invalid lines.
                        lineNumber += 1
                        entries.append(.invalid(line: lineNumber, reason: "longer than \(Limits.lineBytesMax) bytes", input: tooLong.shown))
                        continue
                    }
                    guard let line = next else { return (lineNumber, true) }
                    lineNumber += 1
                    if lineNumber & 0xFFFF == 0 { progress?(lineNumber) }
                    if line.allSatisfy({ $0 == Byte.space || $0 == Byte.tab || $0 == Byte.cr }) { continue }
                    do throws(FieldError) {
                        try scanner.scan(line, into: &drafts[count])
                        try drafts[count].validate(currency: currency)
                        entries.append(.event(draft: count))
                        count += 1
                    } catch {
                        entries.append(.invalid(line: lineNumber, reason: error.message, input: String(decoding: line, as: UTF8.self)))
                    }
                }
            } catch let error as JourneyError {
                entries.append(.failed(error))
                return (lineNumber, false)
            } catch {
                entries.append(.failed(JourneyError(.io, "\(error)")))
                return (lineNumber, false)
            }
            return nil
        }
    }

    /// The producing thread's loop: hands each free group's drafts and (emptied) entries to
    /// `fill`, then the group to the writer, until `fill` returns the end (the line number reached,
    /// whether the source is exhausted) or the writer stops.
    private func fillGroups(_ fill: (UnsafeMutableBufferPointer<EventDraft>, inout [ScannedGroup.Entry]) -> (lineNumber: Int, finished: Bool)?) {
        var k = 0
        while true {
            free.wait()
            if stopped.load(ordering: .relaxed) { return }
            let group = groups[k % groups.count]
            // The group's lists are worked on as locals and its drafts through one pointer: each
            // access to a class's stored array is checked for exclusivity at run time (~5 % of this
            // thread when done three times a line).
            var entries: [ScannedGroup.Entry] = []
            swap(&entries, &group.entries)
            entries.removeAll(keepingCapacity: true)
            let end = group.drafts.withUnsafeMutableBufferPointer { fill($0, &entries) }
            swap(&entries, &group.entries)
            group.end = end
            ready.signal()
            if end != nil { return }  // the group is the writer's now
            k += 1
        }
    }
}

extension LogWriter {
    /// Appends the events of the groups `ring` fills, in order, up to its last group, and returns
    /// what that group says (the line number reached, whether the source is exhausted). Without a
    /// batch, nothing is appended (a validating pass). `refused` gets each invalid entry (its line,
    /// the reason, the input) and may throw to stop.
    mutating func appendGroups(of ring: ScanRing, to batch: UnsafeMutablePointer<Batch>?,
                               refused: (Int, String, String) throws -> Void) throws -> (lineNumber: Int, finished: Bool) {
        var k = 0
        while true {
            let group = ring.filled(k)
            // Read once: each access to the group's (a class's) arrays is checked at run time.
            let drafts = group.drafts, entries = group.entries
            if let batch {
                drafts.withUnsafeBufferPointer { drafts in
                    for case .event(let draft) in entries {
                        touch(idHash: drafts[draft].idHash, customerHash: drafts[draft].customerHash, batch: batch.pointee)
                    }
                }
            }
            for entry in entries {
                switch entry {
                case .event(let draft):
                    guard let batch else { continue }
                    _ = try drafts.withUnsafeBufferPointer { try appendDraft($0.baseAddress! + draft, &batch.pointee) }
                case .invalid(let line, let reason, let input):
                    try refused(line, reason, input)
                case .failed(let error):
                    throw error
                }
            }
            if let end = group.end { return end }
            ring.release()
            k += 1
        }
    }
}
