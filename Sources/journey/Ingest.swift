import ArgumentParser
import JourneyStore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

struct Ingest: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Append JSONL events; a bad line refuses its whole file unless --skip-invalid.")
    @OptionGroup var options: StoreOptions
    @Argument(help: "JSONL files, or - for standard input.")
    var files: [String]
    @Flag(help: "Commit the valid lines and skip the invalid ones.")
    var skipInvalid = false
    @Option(help: "With --skip-invalid: write each rejected line here as JSON (line, reason, input).")
    var rejects: String?
    @Flag(help: "Print the counts as one JSON object.")
    var json = false
    @Flag(help: "Tick to the newest event's time in the same transaction as the append (see `journey tick`).")
    var tick = false
    @Option(help: ArgumentHelp("Most MiB of JSONL in one write transaction (a larger file is validated first, then appended in transactions of this size and rolled back as a whole on failure). One transaction holds ~220 bytes of memory per event. Until such a file completes, readers see its committed transactions; after a crash they see them until the next writer (or `journey recover`) rolls them back.",
                               valueName: "MiB"))
    var transactionMib = IngestOptions().transactionBytesMax >> 20

    func validate() throws {
        if rejects != nil && !skipInvalid { throw ValidationError("--rejects needs --skip-invalid") }
        if transactionMib < 1 || transactionMib > 1 << 20 { throw ValidationError("--transaction-mib: expected 1 to 1048576") }
        if files.isEmpty { throw ValidationError("give at least one FILE, or - for standard input") }
    }

    func run() throws {
        try reportingErrors {
            let store = try options.open(createIfMissing: true)
            var total = IngestReport()
            let rejectsFile = try rejects.map { try FileLineSink(path: $0) }
            for file in files {
                let report: IngestReport
                var options = IngestOptions(skipInvalid: skipInvalid, transactionBytesMax: transactionMib << 20)
                let progress = Progress(label: "ingest \(file)", unit: "lines")
                options.progress = progress.callback
                options.tick = tick
                do {
                    defer { progress.done() }
                    report = file == "-"
                        ? try store.ingestJSONL(fileDescriptor: 0, name: "standard input", options: options)
                        : try store.ingestJSONL(atPath: file, options: options)
                } catch let error as JourneyError {
                    let committed = total.appended > 0 ? " (earlier files stay committed: \(total.appended) events)" : ""
                    throw JourneyError(error.code, "\(file == "-" ? "stdin" : file): \(error.message); nothing from this file was committed\(committed)")
                }
                total.appended += report.appended
                total.duplicates += report.duplicates
                total.rejected += report.rejected
                total.events = report.events
                if let transitions = report.transitions { total.transitions = (total.transitions ?? 0) + transitions }
                total.clock = report.clock ?? total.clock
                for r in report.rejections {
                    try rejectsFile?.write(line: JSONLine.object([("file", JSONLine.string(file)), ("line", String(r.line)),
                                                           ("reason", JSONLine.string(r.reason)), ("input", JSONLine.string(r.input))]))
                }
            }
            try rejectsFile?.close()
            let ticked = total.transitions.map { [("transitions", String($0)), ("clock", JSONLine.string(total.clock?.rfc3339 ?? ""))] } ?? []
            if json {
                print(JSONLine.object([("appended", String(total.appended)), ("duplicates", String(total.duplicates)),
                                       ("rejected", String(total.rejected)), ("events", String(total.events))] + ticked))
            } else {
                print("appended \(total.appended), duplicates \(total.duplicates), rejected \(total.rejected); \(total.events) events in the store")
                if let transitions = total.transitions { print("ticked to \(total.clock?.rfc3339 ?? "-"): \(transitions) transitions") }
            }
        }
    }
}
