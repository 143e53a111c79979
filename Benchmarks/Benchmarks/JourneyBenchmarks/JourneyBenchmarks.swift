import Benchmark
import Foundation
import JourneyStore
import LMDB

// Data sizes: JOURNEY_BENCH_EVENTS (default 1,000,000) events for JOURNEY_BENCH_CUSTOMERS (default
// 100,000) customers, generated with seed 7 — the figures in the README use the defaults.
let eventCount = Int(ProcessInfo.processInfo.environment["JOURNEY_BENCH_EVENTS"] ?? "") ?? 1_000_000
let customerCount = Int(ProcessInfo.processInfo.environment["JOURNEY_BENCH_CUSTOMERS"] ?? "") ?? 100_000

/// The generated JSONL and a store holding it, made once for every benchmark of a run.
final class Fixture: @unchecked Sendable {
    // @unchecked: built once in setup before any benchmark runs, then only read.
    static let shared = Fixture()
    let jsonl: [UInt8]
    let directory: String
    let store: JourneyStore
    let customers: [String]
    /// 200,000 events (or all, if fewer) as Swift values, for the API append benchmark.
    let appendEvents: [Event]
    /// The same events with new ids, ten years later: new events of the store's customers.
    let laterEvents: [Event]
    /// The 200 customers with the fewest events from 100 up.
    let busy: [String]
    /// 90 days before the newest event: the past time of the export row.
    let pastTime: Timestamp

    private init() {
        var generator = try! EventGenerator(customers: customerCount, events: eventCount, seed: 7)
        var bytes: [UInt8] = []
        _ = generator.write { bytes.append(contentsOf: $0) }
        jsonl = bytes
        directory = NSTemporaryDirectory() + "journey-bench-" + UUID().uuidString
        try! FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        store = try! JourneyStore(at: directory + "/fixture", options: .init(syncDisabled: true))
        _ = try! store.ingestJSONL(jsonl)
        var ids: [String] = []
        try! store.read { snapshot in
            for p in snapshot.profiles() { ids.append(p.customer) }
        }
        customers = ids
        // Event counts only (holding every history as Swift values raised the peak memory of every row).
        let past = Timestamp(millisecondsSinceEpoch: try! store.read { $0.clock(nil) }.millisecondsSinceEpoch - 90 * 86_400_000)
        var counts: [(id: String, events: Int, later: Int)] = []
        for id in ids {
            let history = try! store.events(of: id)
            counts.append((id, history.count, history.count { $0.time > past }))
        }
        // The 200 customers with the fewest events from 100 up (DESIGN §3 asks it of a customer of 100).
        counts.sort { $0.events < $1.events }
        let chosen = Array(counts.drop { $0.events < 100 }.prefix(200))
        busy = chosen.map(\.id)
        pastTime = past
        print("profile as of a past time: \(chosen.count) customers of \(chosen[0].events)–\(chosen.last!.events) events, \(chosen.map(\.later).min()!)–\(chosen.map(\.later).max()!) of them after it")
        var events: [Event] = []
        for id in ids where events.count < 200_000 { events += try! store.events(of: id) }
        appendEvents = Array(events.prefix(200_000))
        laterEvents = appendEvents.map { e in
            var later = e
            later.id += "-later"
            later.time = Timestamp(millisecondsSinceEpoch: e.time.millisecondsSinceEpoch + 3_652 * 86_400_000)
            return later
        }
    }

    /// A copy of the fixture store, to append to.
    func fixtureCopy() -> (JourneyStore, String) {
        let path = directory + "/copy-" + UUID().uuidString
        try! FileManager.default.copyItem(atPath: directory + "/fixture", toPath: path)
        return (try! JourneyStore(at: path, options: .init(syncDisabled: true)), path)
    }

    func freshStore() -> (JourneyStore, String) {
        let path = directory + "/run-" + UUID().uuidString
        return (try! JourneyStore(at: path, options: .init(syncDisabled: true)), path)
    }
}

// Names have no spaces: `swift package benchmark thresholds update` writes a name's file with spaces
// as underscores, but `thresholds check` (1.38.1) looks the file up by the name as it is.
let benchmarks: @Sendable () -> Void = {
    // The data set is made before any measurement.
    Benchmark.setup = { _ = Fixture.shared }
    // Each run's fixture goes when its benchmarks are done (left behind, they filled the disk).
    Benchmark.teardown = { try? FileManager.default.removeItem(atPath: Fixture.shared.directory) }
    // Tolerances of `swift package benchmark thresholds check` against the committed p90 values in
    // Thresholds/ (the default is none at all): times and throughput vary by ±30 % on this shared
    // machine, malloc counts by a few per mille, peak memory by the allocator's mood.
    let tolerances: [BenchmarkMetric: BenchmarkThresholds] = [
        .wallClock: .init(relative: [.p90: 25]), .throughput: .init(relative: [.p90: 25]),
        .mallocCountTotal: .init(relative: [.p90: 2]), .peakMemoryResident: .init(relative: [.p90: 10]),
    ]
    let large = Benchmark.Configuration(
        metrics: [.wallClock, .throughput, .mallocCountTotal, .peakMemoryResident],
        timeUnits: .milliseconds, warmupIterations: 0, maxDuration: .seconds(60), maxIterations: 3,
        thresholds: tolerances)

    Benchmark("ingest_JSONL_(events)", configuration: large) { benchmark in
        let fixture = Fixture.shared
        let (store, path) = fixture.freshStore()
        benchmark.startMeasurement()
        let report = try store.ingestJSONL(fixture.jsonl)
        benchmark.stopMeasurement()
        precondition(report.rejected == 0)
        try? FileManager.default.removeItem(atPath: path)
    }

    /// Appends `events` to `store` in batches of 10 k, measured; then removes the store at `path`.
    func appendInBatches(_ events: [Event], to store: JourneyStore, at path: String, _ benchmark: Benchmark) throws {
        benchmark.startMeasurement()
        for start in stride(from: 0, to: events.count, by: 10_000) {
            try store.append(events[start..<min(start + 10_000, events.count)])
        }
        benchmark.stopMeasurement()
        try? FileManager.default.removeItem(atPath: path)
    }

    Benchmark("append_API,_200k_events_in_batches_of_10k", configuration: large) { benchmark in
        let (store, path) = Fixture.shared.freshStore()
        try appendInBatches(Fixture.shared.appendEvents, to: store, at: path, benchmark)
    }

    // The usual case of a service that embeds the store: new events of known customers, appended
    // in batches to a store that already holds a million.
    Benchmark("append_API,_200k_later_events_into_the_1M_store_in_batches_of_10k", configuration: large) { benchmark in
        let (store, path) = Fixture.shared.fixtureCopy()
        try appendInBatches(Fixture.shared.laterEvents, to: store, at: path, benchmark)
    }

    Benchmark("rebuild_(events)", configuration: large) { benchmark in
        let report = try Fixture.shared.store.rebuild()
        blackHole(report)
    }

    Benchmark("bare_cursor_scan_of_events_(records)", configuration: large) { benchmark in
        let fixture = Fixture.shared
        let env = try Environment(path: fixture.directory + "/fixture", options: .init(databasesMax: 16))
        let events: Database<UInt64, [UInt8]> = try env.openDatabase("events")
        var bytes = 0
        benchmark.startMeasurement()
        try env.read { txn in
            try events.forEach(in: txn) { _, value in bytes &+= value.count; return true }
        }
        benchmark.stopMeasurement()
        blackHole(bytes)
    }

    Benchmark("full-population_scan_with_classification_(customers)", configuration: large) { benchmark in
        var n = 0
        try Fixture.shared.store.read { snapshot in
            for p in snapshot.profiles() { n += p.orders }
        }
        blackHole(n)
    }

    Benchmark("export_csv_of_every_customer_(customers)", configuration: large) { benchmark in
        let sink = MemoryLineSink()
        let report = try Fixture.shared.store.read { try $0.export(where: .all, format: .csv, to: sink) }
        blackHole(report)
    }

    // DESIGN §3: an export as of a past time ≤ 2× the same export as of the newest time.
    Benchmark("export_csv_of_every_customer_90_days_ago_(customers)", configuration: large) { benchmark in
        let sink = MemoryLineSink()
        let fixture = Fixture.shared
        let report = try fixture.store.read { try $0.export(where: .all, asOf: fixture.pastTime, format: .csv, to: sink) }
        blackHole(report)
    }

    // DESIGN §3: a profile as of a past time, p99 ≤ 50 µs for a customer of 100 events. A new
    // snapshot each time, like profile_lookup; one past time for all (its population's cut-offs,
    // built by the first lookup at that time, are kept by the store: the next row measures that).
    Benchmark("profile_as_of_a_past_time_(customers_of_100+_events)",
              configuration: .init(metrics: [.wallClock, .mallocCountTotal], timeUnits: .microseconds,
                                   warmupIterations: 100, maxDuration: .seconds(10), maxIterations: 100_000,
                                   thresholds: tolerances.merging([.mallocCountTotal: .init(relative: [.p90: 10])]) { $1 })) { benchmark in
        let fixture = Fixture.shared
        let id = fixture.busy[Int.random(in: 0..<fixture.busy.count)]
        benchmark.startMeasurement()
        blackHole(try fixture.store.read { try $0.profile(of: id, asOf: fixture.pastTime) })
        benchmark.stopMeasurement()
    }

    // The first profile at a new past time: it builds the view of the population then (refolds
    // the customers with later events, and the cut-offs), as an export at that time does.
    Benchmark("profile_at_a_new_past_time_(first_lookup)", configuration: large) { benchmark in
        let fixture = Fixture.shared
        let t = Timestamp(millisecondsSinceEpoch: fixture.pastTime.millisecondsSinceEpoch - Int64.random(in: 1...86_400_000))
        let id = fixture.busy[Int.random(in: 0..<fixture.busy.count)]
        benchmark.startMeasurement()
        blackHole(try fixture.store.read { try $0.profile(of: id, asOf: t) })
        benchmark.stopMeasurement()
    }

    // One lookup per iteration, each in its own snapshot, so the percentiles are per lookup.
    Benchmark("profile_lookup",
              configuration: .init(metrics: [.wallClock, .mallocCountTotal], timeUnits: .microseconds,
                                   warmupIterations: 100, maxDuration: .seconds(10), maxIterations: 100_000,
                                   // A lookup's allocations depend on the customer drawn: its p90 varies by a few.
                                   thresholds: tolerances.merging([.mallocCountTotal: .init(relative: [.p90: 10])]) { $1 })) { benchmark in
        let fixture = Fixture.shared
        let id = fixture.customers[Int.random(in: 0..<fixture.customers.count)]
        benchmark.startMeasurement()
        blackHole(try fixture.store.read { try $0.profile(of: id) })
        benchmark.stopMeasurement()
    }
}
