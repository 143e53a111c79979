import ArgumentParser
import JourneyStore

struct Recover: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Roll back an ingest that was interrupted between its transactions (any writer does so first).",
        discussion: """
            A file larger than --transaction-mib goes in as several write transactions under a roll-back \
            marker. If the process dies between them, readers (profile, stats, export, plan) see the events \
            of the transactions that committed, and verify and stats report them, until the next writer — \
            this command, an ingest, a rebuild or a policy change — removes them.
            """)
    @OptionGroup var options: StoreOptions

    func run() throws {
        try reportingErrors {
            let removed = try options.open().recover()
            print(removed == 0 ? "nothing to recover: no ingest was interrupted"
                               : "rolled back an interrupted ingest: removed \(removed) events")
        }
    }
}
