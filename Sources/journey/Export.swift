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
    @Option(help: "Output file, - for standard output (the default).")
    var out: String?
    @Option(help: "CSV columns, comma-separated profile fields (default: customer,email,phone,first_name,last_name,phase,segment,tier,top_percent,orders,spend,aov,last_purchase,days_since_purchase,affinity).")
    var columns: String?
    @Option(name: .customLong("for"), help: "What a csv or jsonl list is for: email (leaves out customers without email consent) or ads. meta and google are for ads.")
    var purpose: String?
    @Flag(help: "Also write customers without the consent the list needs.")
    var ignoreConsent = false

    func run() throws {
        try reportingErrors {
            guard let format = ExportFormat(rawValue: format) else {
                throw JourneyError(.invalidArgument, "--format: expected one of \(ExportFormat.allCases.map(\.rawValue).joined(separator: ", ")), got \"\(self.format)\"")
            }
            let purpose = try self.purpose.map { text throws -> ExportPurpose in
                guard let p = ExportPurpose(rawValue: text) else { throw JourneyError(.invalidArgument, "--for: expected email or ads, got \"\(text)\"") }
                return p
            }
            let exportOptions = ExportOptions(columns: try columns.map(ExportColumn.list), purpose: purpose, ignoreConsent: ignoreConsent)
            let store = try options.openForReading()
            let filter = try Filter(self.filter, currency: store.currency)
            if exportOptions.columns != nil && format != .csv { throw JourneyError(.invalidArgument, "--columns: only csv exports take columns, not \(format.rawValue)") }
            // The filter and store are checked before any output file exists.
            let toFile = out != nil && out != "-"
            let sink = try toFile ? FileLineSink(path: out!) : FileLineSink(fileDescriptor: 1, name: "standard output")
            let progress = Progress(label: "export", unit: "lines")
            let report = try pointInTime.read(store) { snapshot, t in
                try snapshot.export(where: filter, asOf: t, format: format, options: exportOptions, to: CountingSink(sink, progress: progress))
            }
            progress.done()
            try sink.close()
            var skipped: [String] = []
            if report.skippedWithoutIdentifier > 0 { skipped.append("\(report.skippedWithoutIdentifier) without a usable email or phone") }
            if report.skippedWithoutConsent > 0 {
                let consent = format == .meta || format == .google || purpose == .ads ? "ads" : "email"
                skipped.append("\(report.skippedWithoutConsent) without \(consent) consent")
            }
            // Always, to standard error (standard output may be the export): the point in time that
            // reproduces it (`--as-of T --position N`).
            let left = skipped.isEmpty ? "" : ", left out " + skipped.joined(separator: " and ")
            Terminal.raw("journey: exported \(report.written) customers\(left) (as of \(report.asOf?.rfc3339 ?? "-"), position \(report.position))\n")
        }
    }
}
