import ArgumentParser
import JourneyStore

struct Rebuild: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Replay the log into fresh projections, swapped in atomically.")
    @OptionGroup var options: StoreOptions
    @Flag(help: "Print the result as one JSON object.")
    var json = false

    func run() throws {
        try reportingErrors {
            let store = try options.open()
            let progress = Progress(label: "rebuild", unit: "events")
            let r = try store.rebuild(progress: progress.callback)
            progress.done()
            if json {
                print(JSONLine.object([("events", String(r.events)), ("customers", String(r.customers)),
                                       ("seconds", String(Double(Int(r.seconds * 1000)) / 1000)),
                                       ("events_per_second", String(Int(r.eventsPerSecond))), ("refolded_customers", String(r.refolded)),
                                       ("read_seconds", String(Double(Int(r.phases.read * 1000)) / 1000)),
                                       ("fold_write_seconds", String(Double(Int(r.phases.foldAndWrite * 1000)) / 1000)),
                                       ("commit_seconds", String(Double(Int(r.phases.commit * 1000)) / 1000))]))
            } else {
                print("rebuilt \(r.customers) customers from \(r.events) events in \(String(format3: r.seconds)) s (\(Int(r.eventsPerSecond)) events/s)")
            }
        }
    }
}

struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Check that log, indexes and facts agree with a fresh fold.")
    @OptionGroup var options: StoreOptions

    func run() throws {
        try reportingErrors {
            let store = try options.openForReading()
            let report = try store.verify()
            if report.isConsistent {
                print("ok: \(report.events) events, \(report.customers) customers; log, indexes and facts agree")
            } else {
                for p in report.problems { print(p) }
                let count = "\(report.problems.count)\(report.problems.count == VerifyReport.problemsMax ? "+" : "") problem(s) found"
                throw JourneyError(.corrupted, report.onlyProjectionsDiffer
                    ? count + "; `journey rebuild` replaces the projections from the log"
                    : count + " in the log, its indexes or the data file, which `journey rebuild` cannot repair: restore a copy of the store, or ingest the original event files into a new store")
            }
        }
    }
}

extension String {
    init(format3 value: Double) { self = String(Double((value * 1000).rounded()) / 1000) }
}

struct Scan: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Time a bare cursor scan of the log (nothing decoded): the floor for rebuild.")
    @OptionGroup var options: StoreOptions

    func run() throws {
        try reportingErrors {
            let r = try options.openForReading().scanLog()
            print(JSONLine.object([("records", String(r.records)), ("bytes", String(r.bytes)),
                                   ("seconds", String(format3: r.seconds)), ("records_per_second", String(Int(r.recordsPerSecond)))]))
        }
    }
}
