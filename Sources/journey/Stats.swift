import ArgumentParser
import JourneyStore

struct StatsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats", abstract: "Counts by phase, segment and tier; revenue share of the top 20 %; repeat gaps.")
    @OptionGroup var options: StoreOptions
    @OptionGroup var pointInTime: PointInTimeOptions
    @Flag(help: "Print one JSON object.")
    var json = false

    func run() throws {
        try reportingErrors {
            let store = try options.openForReading()
            let s = try pointInTime.read(store) { snapshot, t in try snapshot.stats(asOf: t) }
            if let first = s.interruptedIngestFrom {
                Terminal.warning("an ingest was interrupted between its transactions: events from #\(first) on are counted here until the next writer (or `journey recover`) removes them")
            }
            if json { print(s.json(currency: store.currency)); return }
            let exponent = store.currency.exponent
            print("as of \(s.asOf.rfc3339), position \(s.position): \(s.events) events, \(s.customers) customers, \(s.buyers) buyers, revenue \(s.revenue.decimalString(exponent: exponent)) \(store.currency.code)")
            print("phases:   " + Phase.allCases.map { "\($0.name) \(s.phases[$0] ?? 0)" }.joined(separator: ", "))
            print("segments: " + Segment.allCases.map { "\($0.name) \(s.segments[$0] ?? 0)" }.joined(separator: ", "))
            print("tiers:    " + ([nil] + Tier.allCases.map { Optional($0) }).map { "\($0?.name ?? "none") \(s.tiers[$0] ?? 0)" }.joined(separator: ", "))
            if let share = s.top20RevenueShare { print("top 20 % of buyers bring \(String(format3: share * 100)) % of net revenue") }
            if let median = s.medianRepeatGapDays, let p90 = s.defectionDays {
                print("repeat gaps: \(s.repeatGaps), median \(String(format3: median)) days, defection (p90) \(String(format3: p90)) days")
                print("suggested policy: declining_after_days=\(String(format3: median)) lapsed_after_days=\(String(format3: p90)); win-back from day \(Int(p90.rounded(.down)) + 1)")
            }
            if let orders = s.expectedOrders, let value = s.predictedValue, let policy = try? store.policy {
                print("predicted: \(String(format2: orders)) orders in the next \(String(format3: policy.expectedOrdersHorizonDays)) days, \(value.decimalString(exponent: exponent)) \(store.currency.code) in the next \(String(format3: policy.predictedValueHorizonDays)) days")
                if s.unpredicted > 0 { print("  (\(s.unpredicted) buyers without a value: the model has none for them; left out of these sums)") }
            }
        }
    }
}

struct PolicyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policy", abstract: "Show or change the classification policy (rebuilding when facts depend on it).")
    @OptionGroup var options: StoreOptions
    @Argument(help: "key=value settings, such as lapsed_after_days=120 or tier_gold=3000 (amounts in major units).")
    var settings: [String] = []

    func run() throws {
        try reportingErrors {
            if settings.isEmpty { print(try options.openForReading().policy.text, terminator: ""); return }
            let store = try options.open()
            var policy = try store.policy
            for setting in settings {
                let parts = setting.split(separator: "=", maxSplits: 1).map(String.init)
                guard parts.count == 2 else { throw JourneyError(.invalidArgument, "expected key=value, got \"\(setting)\"") }
                try policy.set(parts[0], to: parts[1])
            }
            let rebuilt = try store.setPolicy(policy)
            print(policy.text, terminator: "")
            print(rebuilt ? "projections rebuilt under the new policy" : "policy stored (no stored fact depends on what changed)")
        }
    }
}
