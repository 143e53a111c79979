import ArgumentParser
import JourneyStore

struct AudienceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audience", abstract: "Saved audiences: named filters whose entries and exits ticks report.",
        subcommands: [Save.self, List.self, Drop.self])

    struct Save: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Save (or replace) an audience; it is followed from the next tick.")
        @OptionGroup var options: StoreOptions
        @Argument(help: "The audience's name: letters, digits, _, - or .")
        var name: String
        @Option(name: .customLong("where"), help: #"The filter, e.g. 'phase = lapsed and days_since_email_open <= 1'."#)
        var filter: String

        func run() throws {
            try reportingErrors {
                try options.open().saveAudience(name, where: filter)
                print("saved audience \(name): followed from the next tick")
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the saved audiences as JSON lines.")
        @OptionGroup var options: StoreOptions

        func run() throws {
            try reportingErrors {
                for a in try options.openForReading().savedAudiences() { print(a.json) }
            }
        }
    }

    struct Drop: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop following an audience from the next tick.")
        @OptionGroup var options: StoreOptions
        @Argument(help: "The audience's name.")
        var name: String

        func run() throws {
            try reportingErrors {
                try options.open().dropAudience(name)
                print("dropped audience \(name)")
            }
        }
    }
}
