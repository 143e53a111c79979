import ArgumentParser
import JourneyStore

struct Events: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print a customer's events as JSONL, in time order.")
    @OptionGroup var options: StoreOptions
    @Argument(help: "Customer id.")
    var customer: String

    func run() throws {
        try reportingErrors {
            let store = try options.openForReading()
            let events = try store.events(of: customer)
            guard !events.isEmpty else { throw JourneyError(.notFound, "no events for customer \"\(customer)\"") }
            for event in events { print(event.jsonLine(currency: store.currency)) }
        }
    }
}
