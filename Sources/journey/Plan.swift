import ArgumentParser
import Foundation
import JourneyStore

struct Plan: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a campaign plan: audiences in priority order, exclusions, one offer per customer.")
    @OptionGroup var options: StoreOptions
    @Argument(help: #"The plan: {"exclude": FILTER, "audiences": [{"name", "where", "format"}, …]}"#)
    var file: String
    @Option(help: "The clock: now, YYYY-MM-DD or RFC 3339 (default: the newest event's time).")
    var asOf: String?
    @Option(help: "Where NAME.<ext> per audience and summary.json are written.")
    var outDir: String

    func run() throws {
        try reportingErrors {
            let store = try options.openForReading()
            let plan = try readPlan(currency: store.currency)
            let t = try parseAsOf(asOf)
            try? FileManager.default.createDirectory(atPath: outDir, withIntermediateDirectories: true)
            let sinks = try plan.audiences.map { try FileLineSink(path: outDir + "/" + $0.name + "." + $0.format.fileExtension) }
            let report = try store.read { try $0.run(plan, asOf: t, sinks: sinks) }
            for sink in sinks { try sink.close() }
            let summary = try FileLineSink(path: outDir + "/summary.json")
            try summary.write(line: report.json)
            try summary.close()
            print(report.json)
        }
    }

    private func readPlan(currency: Currency) throws -> CampaignPlan {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw JourneyError(.io, "cannot read plan \(file)")
        }
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw JourneyError(.invalidArgument, "\(file): expected a JSON object {\"exclude\": …, \"audiences\": […]}")
        }
        func filter(_ text: Any?, _ what: String) throws -> Filter {
            guard let text = text as? String else { throw JourneyError(.invalidArgument, "\(file): \(what) must be a filter string") }
            do { return try Filter(text, currency: currency) } catch {
                throw JourneyError(.invalidArgument, "\(file): \(what): \(error.message)")
            }
        }
        let exclude = try object["exclude"].map { try filter($0, "exclude") }
        guard let list = object["audiences"] as? [[String: Any]] else {
            throw JourneyError(.invalidArgument, "\(file): \"audiences\" must be an array of {\"name\", \"where\", \"format\"}")
        }
        let audiences = try list.enumerated().map { (k, a) -> CampaignPlan.Audience in
            let formatName = a["format"] as? String ?? "csv"
            guard let format = ExportFormat(rawValue: formatName) else {
                throw JourneyError(.invalidArgument, "\(file): audiences[\(k)].format: expected csv, jsonl, meta or google, got \"\(formatName)\"")
            }
            return try CampaignPlan.Audience(name: a["name"] as? String ?? "", filter: try filter(a["where"], "audiences[\(k)].where"), format: format)
        }
        return try CampaignPlan(exclude: exclude, audiences: audiences)
    }
}
