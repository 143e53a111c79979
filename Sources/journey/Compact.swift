import ArgumentParser
import JourneyStore

struct Compact: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a compacted copy of the store (every page full, almost no free pages) to a new directory.",
        discussion: "The store is only read. To use the copy, stop the processes that use the store and swap the directories.")
    @OptionGroup var options: StoreOptions
    @Option(name: .long, help: "The new directory for the copy (must not hold a store).")
    var out: String
    @Flag(help: "Print the result as one JSON object.")
    var json = false

    func run() throws {
        try reportingErrors {
            let r = try options.openForReading().compact(to: out)
            let perEvent = { (bytes: Int) in r.events > 0 ? String(format3: Double(bytes) / Double(r.events)) : "null" }
            if json {
                print(JSONLine.object([("events", String(r.events)), ("store_file_bytes", String(r.storeFileBytes)),
                                       ("store_bytes_in_use", String(r.storeBytesInUse)), ("copy_bytes", String(r.copyBytes)),
                                       ("copy_bytes_per_event", perEvent(r.copyBytes)), ("seconds", String(format3: r.seconds))]))
            } else {
                print("compacted \(r.events) events into \(out): \(r.copyBytes) bytes (\(perEvent(r.copyBytes)) an event); "
                      + "the store's file is \(r.storeFileBytes) bytes, \(r.storeBytesInUse) of them in use; \(String(format3: r.seconds)) s")
            }
        }
    }
}
