import ArgumentParser
import JourneyStore

struct Init: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Create a store (the first ingest creates one with defaults).")
    @OptionGroup var options: StoreOptions
    @Option(help: "ISO 4217 currency all money is kept in, fixed for the store's life.")
    var currency: String = "USD"

    func run() throws {
        try reportingErrors {
            let store = try options.open(createIfMissing: true, currency: try Currency(code: currency))
            print("store at \(store.path) keeps money in \(store.currency.code) (\(try store.eventCount) events)")
        }
    }
}
