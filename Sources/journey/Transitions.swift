import ArgumentParser
import JourneyStore

struct TransitionsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "transitions",
        abstract: "Print journey transitions as JSON lines in seq order.",
        discussion: "With --consumer NAME: those after its checkpoint, which moves past them once they are printed (at least once: a consumer that dies before its checkpoint moves gets them again; seq is the idempotency key).")
    @OptionGroup var options: StoreOptions
    @Option(help: "Print the transitions after this seq (default 0: from the first).")
    var after: UInt64?
    @Option(help: "Print the transitions after this consumer's checkpoint, then move it.")
    var consumer: String?
    @Option(help: "Print at most this many.")
    var limit: Int?
    @Flag(help: "Keep waiting for new ticks' transitions, like tail -f (until interrupted, or --limit is reached).")
    var follow = false
    @Flag(help: "JSON lines (the only output format; accepted for symmetry with the other commands).")
    var json = false

    func validate() throws {
        if after != nil && consumer != nil { throw ValidationError("give --after or --consumer, not both") }
        if let limit, limit < 1 { throw ValidationError("--limit: expected 1 or more") }
    }

    func run() throws {
        try reportingErrors {
            let store = try consumer == nil ? options.openForReading() : options.open()
            var seq = try consumer.map { try store.checkpoint(of: $0) } ?? after ?? 0
            var left = limit ?? .max
            let out = StandardOutput()
            while left > 0 {
                let batch = try store.transitions(after: seq, limit: min(left, 10_000))
                for t in batch { try out.write(t.json) }
                try out.flush()
                if let last = batch.last {
                    seq = last.seq
                    left -= batch.count
                    if let consumer { try store.acknowledge(consumer, through: seq) }
                    continue
                }
                guard follow else { break }
                _ = try store.waitForTransitions(after: seq, seconds: 60)
            }
        }
    }
}
