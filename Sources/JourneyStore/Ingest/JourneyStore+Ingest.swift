#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How to ingest JSONL.
public struct IngestOptions: Sendable {
    /// Commit the valid lines and report the invalid ones instead of refusing the whole file.
    public var skipInvalid: Bool
    public init(skipInvalid: Bool = false) { self.skipInvalid = skipInvalid }
}

/// A line refused by ingest with ``IngestOptions/skipInvalid``.
public struct Rejection: Hashable, Sendable {
    /// The line number, from 1.
    public var line: Int
    /// What was wrong: the field and what was expected.
    public var reason: String
    /// The line as it was (invalid UTF-8 replaced).
    public var input: String
}

/// What an ingest did.
public struct IngestReport: Hashable, Sendable {
    public var appended = 0
    public var duplicates = 0
    public var rejected = 0
    /// Events in the store after the ingest.
    public var events = 0
    /// Every refused line, in order (only with ``IngestOptions/skipInvalid``).
    public var rejections: [Rejection] = []

    public init() {}
}

extension JourneyStore {
    /// Ingests a JSONL file in one write transaction: every line or, when a line is invalid, none.
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
            unlink(String(cString: template))
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
        try writer.withLock { (w: inout LogWriter) in
            try env.write { txn in
                try source.rewind()
                var report = IngestReport()
                var batch = try w.begin(txn)
                var lineNumber = 0
                while true {
                    let next: UnsafeRawBufferPointer?
                    do {
                        next = try source.nextLine()
                    } catch is LineTooLong {
                        throw JourneyError(.invalidEvent, "line \(lineNumber + 1): longer than \(Limits.lineBytesMax) bytes")
                    }
                    guard let line = next else { break }
                    lineNumber += 1
                    if line.allSatisfy({ $0 == Byte.space || $0 == Byte.tab || $0 == Byte.cr }) { continue }
                    do {
                        try w.scanner.scan(line, into: &w.draft)
                        try w.draft.validate(currency: w.currency)
                    } catch let error as FieldError {
                        guard options.skipInvalid else {
                            throw JourneyError(.invalidEvent, "line \(lineNumber): \(error.message)")
                        }
                        report.rejected += 1
                        report.rejections.append(Rejection(line: lineNumber, reason: error.message,
                                                           input: String(decoding: line, as: UTF8.self)))
                        continue
                    }
                    try w.appendDraft(&batch)
                }
                (report.appended, report.duplicates) = try w.finish(batch)
                report.events = try schema.events.count(in: txn)
                return report
            }
        }
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
