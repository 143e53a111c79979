import ArgumentParser
import JourneyStore

struct Forget: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Erase customers' personal data (GDPR erasure): contact fields and attributes leave every record of theirs.",
        discussion: """
            Their events stay (same sequence numbers and ids) without email, phone, names, gender, birthday, \
            address, interests and consent; facts are folded again; a tombstone keeps a re-ingested old file \
            from bringing the data back. Not erased: the customer id, the original files and backups, and \
            pages LMDB freed (`journey compact` writes a copy without them).
            """)
    @OptionGroup var options: StoreOptions
    @Argument(help: "Customer ids.")
    var customers: [String]

    func validate() throws {
        if customers.isEmpty { throw ValidationError("give at least one customer id") }
    }

    func run() throws {
        try reportingErrors {
            let report = try options.open().forget(customers)
            print("forgot \(report.customers) customer\(report.customers == 1 ? "" : "s"): rewrote \(report.recordsRewritten) record\(report.recordsRewritten == 1 ? "" : "s") without personal data")
            if !report.unknown.isEmpty {
                throw JourneyError(.notFound, "unknown customer\(report.unknown.count > 1 ? "s" : "") " + report.unknown.map { "\"\($0)\"" }.joined(separator: ", "))
            }
        }
    }
}
