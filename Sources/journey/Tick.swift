import ArgumentParser
import JourneyStore

struct TickCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tick", abstract: "Advance the clock and append the journey transitions since the last tick.")
    @OptionGroup var options: StoreOptions
    @Option(help: "The clock: now, YYYY-MM-DD or RFC 3339 (default: the newest event's time); never before the current clock.")
    var asOf: String?
    @Flag(help: "Print one JSON object.")
    var json = false

    func run() throws {
        try reportingErrors {
            let store = try options.open()
            let report = try store.tick(asOf: try parseAsOf(asOf))
            if json { print(report.json); return }
            print("clock \(report.clock.rfc3339) at position \(report.position): \(report.customersChecked) customers checked, \(report.transitions) transitions")
        }
    }
}
