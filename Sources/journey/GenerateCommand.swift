import ArgumentParser
import JourneyStore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate", abstract: "Write a realistic synthetic JSONL data set; the same seed gives the same bytes.")
    @Option(help: "How many customers.")
    var customers: Int
    @Option(help: "How many events (lines).")
    var events: Int
    @Option(help: "Seed of the random numbers.")
    var seed: UInt64 = 1
    @Option(help: "Output file (default: standard output).")
    var out: String?

    func run() throws {
        try reportingErrors {
            var generator = try EventGenerator(customers: customers, events: events, seed: seed)
            let progress = Progress(label: "generate", unit: "MiB")
            let summary = try generator.write(toPath: out, progress: progress.callback)
            progress.done()
            if out != nil {
                let types = EventType.allCases.map { "\($0.name) \(summary.byType[$0] ?? 0)" }.joined(separator: ", ")
                Terminal.raw("journey: wrote \(summary.lines) lines (\(types); \(summary.duplicates) duplicates, \(summary.late) late)\n")
            }
        }
    }
}
