import ArgumentParser
import JourneyStore

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Export one audience as csv, jsonl, or Meta / Google customer lists.")
    @OptionGroup var options: StoreOptions
    @Option(name: .customLong("where"), help: #"The audience filter, e.g. 'segment = high_value_at_risk and affinity has "cameras"'."#)
    var filter: String
    @OptionGroup var pointInTime: PointInTimeOptions
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
            // The filter and store are checked before any output file exists.
            let sink = try out.map { try FileLineSink(path: $0) } ?? FileLineSink(fileDescriptor: 1, name: "standard output")
            let progress = Progress(label: "export", unit: "lines")
            let report = try pointInTime.read(store) { snapshot, t in
                try snapshot.export(where: filter, asOf: t, format: format, to: CountingSink(sink, progress: progress))
            }
            progress.done()
            try sink.close()
            if report.skippedWithoutIdentifier > 0 || out != nil {
                let skipped = report.skippedWithoutIdentifier > 0 ? ", skipped \(report.skippedWithoutIdentifier) without a usable email or phone" : ""
                Terminal.raw("journey: exported \(report.written) customers\(skipped) (as of \(report.asOf?.rfc3339 ?? "-"), position \(report.position))\n")
            }
        }
    }
}
