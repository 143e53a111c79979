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
    public func export(where filter: Filter, asOf: Timestamp? = nil, format: ExportFormat, to sink: LineSink) throws -> ExportReport {
        if let header = format.header { try sink.write(line: header) }
        let t = clock(asOf).millisecondsSinceEpoch
        let lists = format.printsLists || filter.root.usesLists
        var report = ExportReport()
        report.asOf = Timestamp(millisecondsSinceEpoch: t)
        report.position = position
        if parallelExports, try access(for: filter, asOf: asOf) == .fullScan,
           try customerCount > 2 * Self.exportBlockCustomers {
            let written = try exportInParallel(filter: filter, asOf: t, format: format, lists: lists, to: sink)
            report.written = written.written
            report.skippedWithoutIdentifier = written.skippedWithoutIdentifier
            return report
        }
        try forEachProfile(where: filter, asOf: asOf, lists: format.printsLists) { p in
            if let line = format.line(p, currency: store.currency) {
                try sink.write(line: line)
                report.written += 1
            } else {
                report.skippedWithoutIdentifier += 1
            }
            return true
        }
        return report
    }
}
