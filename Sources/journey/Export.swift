import ArgumentParser
import JourneyStore

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Export one audience as csv, jsonl, or Meta / Google customer lists.")
    @OptionGroup var options: StoreOptions
    @Option(name: .customLong("where"), help: #"The audience filter, e.g. 'segment = high_value_at_risk and affinity has "cameras"'."#)
    var filter: String
    @Option(help: "The clock: now, YYYY-MM-DD or RFC 3339 (default: the newest event's time).")
    var asOf: String?
    @Option(help: "csv, jsonl, meta or google.")
    var format: String = "csv"
    @Option(help: "Output file (default: standard output).")
    var out: String?

    func run() throws {
        try reportingErrors {
            guard let format = ExportFormat(rawValue: format) else {
                throw JourneyError(.invalidArgument, "--format: expected one of \(ExportFormat.allCases.map(\.rawValue).joined(separator: ", ")), got \"\(self.format)\"")
            }
            let store = try options.openForReading()
            let filter = try Filter(self.filter, currency: store.currency)
            let t = try parseAsOf(asOf)
            // The filter and store are checked before any output file exists.
            let sink = try out.map { try FileLineSink(path: $0) } ?? FileLineSink(fileDescriptor: 1, name: "standard output")
            let progress = Progress(label: "export", unit: "lines")
            let report = try store.read { try $0.export(where: filter, asOf: t, format: format, to: CountingSink(sink, progress: progress)) }
            progress.done()
            try sink.close()
            if report.skippedWithoutIdentifier > 0 || out != nil {
                Terminal.raw("journey: exported \(report.written) customers\(report.skippedWithoutIdentifier > 0 ? ", skipped \(report.skippedWithoutIdentifier) without a usable email or phone" : "")\n")
            }
        }
    }
}
