import Benchmark
import Foundation
import JourneyStore

// The steady state of a big store (issue 17, DESIGN §3): a shop appends small batches to a store of
// 10 M events all day. JOURNEY_BENCH_BIG_EVENTS / JOURNEY_BENCH_BIG_CUSTOMERS size it (defaults
// 10,000,000 and 1,000,000, as `journey generate --customers 1000000 --events 10250000 --seed 7`
// with the first 10 M lines ingested); the next lines are the new events appended.
let bigEvents = Int(ProcessInfo.processInfo.environment["JOURNEY_BENCH_BIG_EVENTS"] ?? "") ?? 10_000_000
let bigCustomers = Int(ProcessInfo.processInfo.environment["JOURNEY_BENCH_BIG_CUSTOMERS"] ?? "") ?? 1_000_000
let batchEvents = 10_000, batches = 10

/// The big store and what is appended to it, made once, outside every measurement.
final class BigFixture: @unchecked Sendable {
    // @unchecked: built once in setup before any benchmark runs, then only read.
    static let shared = BigFixture()
    let directory: String
    /// The store every benchmark starts from (copied before each iteration that writes).
    let original: String
    /// `batches` × `batchEvents` later events of the generated population, as JSONL lines and as Swift values.
    let laterLines: [[UInt8]]
    let laterEvents: [Event]
    /// A copy of `original` after a first tick at its newest time (a full pass; issue 18's rows start here).
    let ticked: String
    /// What that first tick did.
    let firstTick: TickReport

    private init() {
        directory = NSTemporaryDirectory() + "journey-steady-" + UUID().uuidString
        try! FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let original = directory + "/big"
        self.original = original
        let extra = batches * batchEvents
        var generator = try! EventGenerator(customers: bigCustomers, events: bigEvents + 25 * extra / 10, seed: 7)
        var lines: [[UInt8]] = []
        var head: [UInt8] = [], pending: [UInt8] = []
        var count = 0
        _ = generator.write { chunk in
            for byte in chunk {
                pending.append(byte)
                guard byte == 10 else { continue }
                if count < bigEvents { head.append(contentsOf: pending) } else if lines.count < extra { lines.append(pending) }
                count += 1
                pending.removeAll(keepingCapacity: true)
            }
            if head.count > 1 << 28 { try! Self.ingest(&head, into: original) }
        }
        try! Self.ingest(&head, into: original)
        laterLines = lines
        // The same lines as Swift values: read back from a scratch store of their own.
        let scratch = try! JourneyStore(at: directory + "/scratch", options: .init(syncDisabled: true))
        _ = try! scratch.ingestJSONL(lines.flatMap { $0 })
        var events: [Event] = []
        var seen = Set<String>()
        for line in lines {
            let customer = String(decoding: line, as: UTF8.self).split(separator: "\"customer\":\"")[1].split(separator: "\"")[0]
            if seen.insert(String(customer)).inserted { events += try! scratch.events(of: String(customer)) }
        }
        laterEvents = Array(events.prefix(extra))
        ticked = directory + "/ticked"
        try! FileManager.default.copyItem(atPath: original, toPath: ticked)
        firstTick = try! JourneyStore(at: ticked, options: .init(syncDisabled: true)).tick()
        print("first tick of the 10M store: \(firstTick.json)")
    }

    private static func ingest(_ bytes: inout [UInt8], into path: String) throws {
        let store = try JourneyStore(at: path, options: .init(syncDisabled: true))
        _ = try store.ingestJSONL(bytes)
        bytes.removeAll(keepingCapacity: true)
    }

    /// A copy of the big store, and its path. The copy is synced to disk before it is returned:
    /// otherwise the first commit's fsync would write the whole copied file (~1 GB) and be measured.
    func copy(of source: String? = nil) -> String {
        let path = directory + "/copy-" + UUID().uuidString
        try! FileManager.default.copyItem(atPath: source ?? original, toPath: path)
        let handle = FileHandle(forUpdatingAtPath: path + "/data.mdb")!
        try! handle.synchronize()
        try! handle.close()
        return path
    }
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.setup = { _ = BigFixture.shared }
    // The fixture (gigabytes) goes when the target's benchmarks are done.
    Benchmark.teardown = { try? FileManager.default.removeItem(atPath: BigFixture.shared.directory) }
    let tolerances: [BenchmarkMetric: BenchmarkThresholds] = [
        .wallClock: .init(relative: [.p90: 25]), .throughput: .init(relative: [.p90: 25]),
    ]
    let steady = Benchmark.Configuration(
        metrics: [.wallClock, .throughput, .peakMemoryResident], timeUnits: .milliseconds, warmupIterations: 0,
        maxDuration: .seconds(120), maxIterations: 5, thresholds: tolerances)

    // A new process's first write: open the store, ingest an empty file (DESIGN §3: ≤ 50 ms).
    Benchmark("open_and_ingest_an_empty_file_(10M_store)", configuration: steady) { benchmark in
        let fixture = BigFixture.shared
        benchmark.startMeasurement()
        let store = try JourneyStore(at: fixture.original)
        blackHole(try store.ingestJSONL([]))
        benchmark.stopMeasurement()
    }

    /// Appends the later events in `batches` batches of `batchEvents` to a copy of the big store,
    /// measured; `sync` off skips fsync at each commit (as the 1 M benchmarks do).
    func appendInBatches(_ benchmark: Benchmark, sync: Bool) throws {
        let fixture = BigFixture.shared
        let path = fixture.copy()
        let store = try JourneyStore(at: path, options: .init(syncDisabled: !sync))
        benchmark.startMeasurement()
        for k in 0..<batches {
            let start = k * batchEvents
            try store.append(fixture.laterEvents[start..<min(start + batchEvents, fixture.laterEvents.count)])
        }
        benchmark.stopMeasurement()
        try? FileManager.default.removeItem(atPath: path)
    }

    // A service appending new events of known customers through the API (DESIGN §3: ≥ 200 k events/s).
    Benchmark("append_API_10_batches_of_10k_(10M_store)", configuration: steady) { benchmark in
        try appendInBatches(benchmark, sync: true)
    }

    Benchmark("append_API_10_batches_of_10k_without_fsync_(10M_store)", configuration: steady) { benchmark in
        try appendInBatches(benchmark, sync: false)
    }

    // The same through JSONL, a 10,000-line file as `journey ingest` takes it (the store just opened).
    Benchmark("ingest_a_10k-line_file_(10M_store)", configuration: steady) { benchmark in
        let fixture = BigFixture.shared
        let path = fixture.copy()
        let bytes = fixture.laterLines.prefix(batchEvents).flatMap { $0 }
        benchmark.startMeasurement()
        let store = try JourneyStore(at: path)
        blackHole(try store.ingestJSONL(bytes))
        benchmark.stopMeasurement()
        try? FileManager.default.removeItem(atPath: path)
    }

    journeyBenchmarks(steady)
}
