import ArgumentParser
import Foundation
import JourneyStore

struct Plan: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a campaign plan: audiences in priority order, exclusions, one offer per customer.")
    @OptionGroup var options: StoreOptions
    @Argument(help: #"The plan: {"exclude": FILTER, "audiences": [{"name", "where", "format"}, …]}"#)
    var file: String
    @OptionGroup var pointInTime: PointInTimeOptions
    @Option(help: "Where NAME.<ext> per audience and summary.json are written.")
    var outDir: String

    func run() throws {
        try reportingErrors {
            let store = try options.openForReading()
            guard let data = FileManager.default.contents(atPath: file) else {
                throw JourneyError(.io, "cannot read plan \(file)")
            }
            let plan: CampaignPlan
            do { plan = try CampaignPlan(json: Array(data), currency: store.currency) } catch let error as JourneyError {
                throw JourneyError(error.code, "\(file): \(error.message)")
            }
            try? FileManager.default.createDirectory(atPath: outDir, withIntermediateDirectories: true)
            let sinks = try plan.audiences.map { try FileLineSink(path: outDir + "/" + $0.name + "." + $0.format.fileExtension) }
            let report = try pointInTime.read(store) { snapshot, t in try snapshot.run(plan, asOf: t, sinks: sinks) }
            for sink in sinks { try sink.close() }
            let summary = try FileLineSink(path: outDir + "/summary.json")
            try summary.write(line: report.json)
            try summary.close()
            print(report.json)
        }
    }
}
