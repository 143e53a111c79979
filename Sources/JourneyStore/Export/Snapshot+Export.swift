@_spi(Storage) import JourneyStorage
/// What an export wrote.
public struct ExportReport: Hashable, Sendable {
    /// Customers written.
    public var written = 0
    /// Customers that matched but had no usable email or phone for the format.
    public var skippedWithoutIdentifier = 0
    /// The clock the export classified at (`nil` in an empty report).
    public var asOf: Timestamp?
    /// The log position counted (``Snapshot/position``): with ``asOf``, what reproduces the export.
    public var position: UInt64 = 0
    /// Customers that matched but had not the consent the list's purpose needs (``ExportOptions``).
    public var skippedWithoutConsent = 0
    /// An empty report.
    public init() {}
}

extension Snapshot {
    /// Streams the audience `filter` selects to `sink` in `format`, one customer at a time.
    ///
    /// ```swift
    /// let sink = try FileLineSink(path: "winback.csv")
    /// let report = try store.read { try $0.export(where: filter, format: .meta, to: sink) }
    /// try sink.close()
    /// ```
    /// - Complexity: O(C) time for a full scan (less with an index, see ``profiles(where:asOf:)``);
    ///   memory constant in the number of customers but for the candidate numbers of an index range.
    /// - Throws: besides reading errors, ``JourneyError`` `.invalidArgument` for `options` the format
    ///   does not take (columns other than csv's), before anything is written.
    public func export(where filter: Filter, asOf: Timestamp? = nil, format: ExportFormat, options: ExportOptions = ExportOptions(),
                       to sink: LineSink) throws -> ExportReport {
        let writer = try ExportWriter(format: format, options: options)
        if let header = writer.header { try sink.write(line: header) }
        let t = clock(asOf).millisecondsSinceEpoch
        let lists = writer.printsLists || filter.root.usesLists
        if parallelExports, try access(for: filter, asOf: asOf) == .fullScan,
           try customerCount > 2 * Self.exportBlockCustomers {
            var report = try evaluating([filter], namesLists: writer.printsLists) {
                try exportInParallel(filter: filter, asOf: t, writer: writer, lists: lists, to: sink)
            }
            report.asOf = Timestamp(millisecondsSinceEpoch: t)
            report.position = position
            return report
        }
        var report = ExportReport()
        report.asOf = Timestamp(millisecondsSinceEpoch: t)
        report.position = position
        try forEachProfile(where: filter, asOf: asOf, lists: writer.printsLists) { p in
            let outcome = writer.outcome(p, currency: store.currency)
            if case .line(let line) = outcome {
                try sink.write(line: line)
                report.written += 1
            }
            report.count(outcome)
            return true
        }
        return report
    }
}

extension ExportReport {
    mutating func count(_ outcome: ExportOutcome) {
        var skips = ExportSkips()
        skips.count(outcome)
        add(skips)
    }

    mutating func add(_ skips: ExportSkips) {
        skippedWithoutIdentifier += skips.withoutIdentifier
        skippedWithoutConsent += skips.withoutConsent
    }
}
