@_spi(Storage) import JourneyStorage

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
    ///   committed), `.io` when the file cannot be read, `.diskFull`.
    public func ingestJSONL(atPath path: String, options: IngestOptions = IngestOptions()) throws -> IngestReport {
        try ticking(options) { try log.ingestJSONL(atPath: path, options: options, beforeCommit: $0) }
    }

    /// Ingests JSONL from an open file descriptor (a file, or a pipe such as standard input, which is
    /// first copied to a temporary file so the transaction can be retried).
    public func ingestJSONL(fileDescriptor fd: Int32, name: String, options: IngestOptions = IngestOptions()) throws -> IngestReport {
        try ticking(options) { try log.ingestJSONL(fileDescriptor: fd, name: name, options: options, beforeCommit: $0) }
    }

    /// Ingests JSONL held in memory.
    public func ingestJSONL(_ bytes: [UInt8], options: IngestOptions = IngestOptions()) throws -> IngestReport {
        try ticking(options) { try log.ingestJSONL(bytes, options: options, beforeCommit: $0) }
    }

    /// Runs an ingest, ticking in its last transaction when `options` ask for it.
    private func ticking(_ options: IngestOptions, _ ingest: (BeforeCommit?) throws -> IngestReport) throws -> IngestReport {
        try translatingStorageErrors {
            var ticked: TickReport?
            var report = try ingest(options.tick ? { txn in ticked = try self.tick(in: txn, asOf: nil) } : nil)
            report.transitions = ticked?.transitions
            report.clock = ticked?.clock
            return report
        }
    }
}
