import ArgumentParser
import Foundation
import JourneyStore

struct Plan: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a campaign plan: audiences in priority order, exclusions, one offer per customer.")
    @OptionGroup var options: StoreOptions
    @Argument(help: #"The plan: {"name", "exclude": FILTER, "cooldown_days": N, "audiences": [{"name", "where", "format", "for"}, …]}"#)
    var file: String
    @OptionGroup var pointInTime: PointInTimeOptions
    @Option(help: "Where NAME.<ext> per audience and summary.json are written.")
    var outDir: String
    @Flag(help: "Append an offer event per customer written, once the files are written (ids from the plan's name, audience and customer: a second run records nothing twice).")
    var record = false
    @Flag(help: "Also write customers without the consent their audience needs.")
    var ignoreConsent = false

    func run() throws {
        try reportingErrors {
            let store = try record ? options.open() : options.openForReading()
            guard let data = FileManager.default.contents(atPath: file) else {
                throw JourneyError(.io, "cannot read plan \(file)")
            }
            var plan: CampaignPlan
            do { plan = try CampaignPlan(json: Array(data), currency: store.currency) } catch let error as JourneyError {
                throw JourneyError(error.code, "\(file): \(error.message)")
            }
            if plan.name == nil && record {
                // The file's name without its extension names the plan's offers.
                let base = URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
                do { try plan.name = CampaignPlan.validName(base) } catch {
                    throw JourneyError(.invalidArgument, "\(file): give the plan a \"name\" (letters, digits, _ or -) to record its offers; the file's name \"\(base)\" is not one")
                }
            }
            let t = try pointInTime.clock()
            try? FileManager.default.createDirectory(atPath: outDir, withIntermediateDirectories: true)
            let sinks = try plan.audiences.map { try FileLineSink(path: outDir + "/" + $0.name + "." + $0.format.fileExtension) }
            let report = try store.runPlan(plan, asOf: t, position: pointInTime.position, sinks: sinks, ignoreConsent: ignoreConsent, record: record) {
                for sink in sinks { try sink.close() }
            }
            let summary = try FileLineSink(path: outDir + "/summary.json")
            try summary.write(line: report.json)
            try summary.close()
            print(report.json)
            for a in report.audiences where a.skippedWithoutConsent + a.skippedWithoutIdentifier > 0 {
                Terminal.raw("journey: \(a.name): left out \(a.skippedWithoutConsent) without consent, \(a.skippedWithoutIdentifier) without a usable email or phone\n")
            }
        }
    }
}
