import ArgumentParser
import JourneyStore

struct ProfileCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "profile", abstract: "Print customers' profiles as JSON lines, classified as of a clock.")
    @OptionGroup var options: StoreOptions
    @Argument(help: "Customer ids.")
    var customers: [String] = []
    @Flag(help: "Every customer, in the order they were first seen.")
    var all = false
    @OptionGroup var pointInTime: PointInTimeOptions
    @Flag(help: "JSON lines (the only output format; accepted for symmetry with the other commands).")
    var json = false

    func validate() throws {
        if all == !customers.isEmpty { throw ValidationError("give customer ids or --all, not both") }
    }

    func run() throws {
        try reportingErrors {
            let store = try options.openForReading()
            let out = StandardOutput()
            var unknown: [String] = []
            try pointInTime.read(store) { snapshot, t in
                if all {
                    try snapshot.forEachProfile(asOf: t) { try out.write($0.json(currency: store.currency)); return true }
                }
                for id in customers {
                    if let p = try snapshot.profile(of: id, asOf: t) { try out.write(p.json(currency: store.currency)) } else { unknown.append(id) }
                }
            }
            try out.flush()
            if !unknown.isEmpty {
                throw JourneyError(.notFound, "unknown customer\(unknown.count > 1 ? "s" : "") " + unknown.map { "\"\($0)\"" }.joined(separator: ", "))
            }
        }
    }
}
