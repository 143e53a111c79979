import ArgumentParser
import JourneyStore

@main
struct Journey: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "journey",
        abstract: "An event-sourced customer-journey store for retention marketing.",
        subcommands: [Init.self, Ingest.self, Events.self, ProfileCommand.self, Rebuild.self, Verify.self, StatsCommand.self, PolicyCommand.self, Export.self, Plan.self, Forget.self, GenerateCommand.self, Scan.self, Compact.self, Recover.self, TickCommand.self, TransitionsCommand.self, AudienceCommand.self, Predict.self]
    )

    /// Accepts `journey --store PATH COMMAND …` as DESIGN.md writes it: the global option is moved
    /// behind the subcommand's name, where each subcommand declares it.
    static func main() {
        // `CommandLine.arguments` puts U+FFFD for bytes that are not UTF-8, so `profile $'c\xff'`
        // named the customer "c\u{FFFD}": such an argument is refused instead.
        for k in 1..<Int(CommandLine.argc) where String(validatingCString: CommandLine.unsafeArgv[k]!) == nil {
            Terminal.error("argument \(k) is not valid UTF-8")
            Self.exit(withError: ExitCode(64))
        }
        var arguments = Array(CommandLine.arguments.dropFirst())
        var global: [String] = []
        while let first = arguments.first, first.hasPrefix("--store") {
            global.append(arguments.removeFirst())
            if first == "--store", !arguments.isEmpty { global.append(arguments.removeFirst()) }
        }
        if !global.isEmpty, !arguments.isEmpty {
            // Behind the subcommand's name: `audience save` names two levels.
            let nested = arguments.first == "audience" && arguments.count > 1 && !arguments[1].hasPrefix("-")
            arguments.insert(contentsOf: global, at: nested ? 2 : 1)
        } else {
            arguments += global
        }
        Journey.main(arguments)
    }
}

/// The option every subcommand takes, before or after its name.
struct StoreOptions: ParsableArguments {
    @Option(name: .long, help: "The store's directory.")
    var store: String = "./journey.store"

    /// Opens the store for writing (creating it only when asked).
    func open(createIfMissing: Bool = false, currency: Currency? = nil) throws -> JourneyStore {
        try JourneyStore(at: store, options: .init(currency: currency, createIfMissing: createIfMissing))
    }

    /// Opens the store for reading only: commands that only read work on a read-only mount or
    /// without write permission, and never create or change anything.
    func openForReading() throws -> JourneyStore {
        try JourneyStore(at: store, options: .init(createIfMissing: false, readOnly: true))
    }
}

/// Runs a command body, turning library errors into one line on stderr and a non-zero exit.
func reportingErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as JourneyError {
        Terminal.error(error.message)
        throw ExitCode(error.code == .invalidEvent ? 65 : 1)
    }
}
