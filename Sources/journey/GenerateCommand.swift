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
            let fd: Int32 = try out.map { path in
                let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
                guard fd >= 0 else { throw JourneyError(.io, "cannot write \(path): \(String(cString: strerror(errno)))") }
                return fd
            } ?? 1
            let progress = Progress(label: "generate", unit: "MiB")
            var written = 0
            let summary = try generator.write { chunk in
                var offset = 0
                while offset < chunk.count {
                    let n = write(fd, chunk.baseAddress! + offset, chunk.count - offset)
                    if n < 0 && errno == EINTR { continue }
                    guard n > 0 else { throw JourneyError(.io, "cannot write \(out ?? "standard output"): \(String(cString: strerror(errno)))") }
                    offset += n
                }
                written += chunk.count
                progress.callback?(written >> 20)
            }
            progress.done()
            if fd != 1, close(fd) != 0 { throw JourneyError(.io, "cannot write \(out!)") }
            if out != nil {
                let types = EventType.allCases.map { "\($0.name) \(summary.byType[$0] ?? 0)" }.joined(separator: ", ")
                Terminal.raw("journey: wrote \(summary.lines) lines (\(types); \(summary.duplicates) duplicates, \(summary.late) late)\n")
            }
        }
    }
}
