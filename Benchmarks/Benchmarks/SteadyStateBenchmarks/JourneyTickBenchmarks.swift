import Benchmark
import Foundation
import JourneyStore

// Issue 18's rows on the 10 M-event store (DESIGN §3): ticks after a batch and a day later, with and
// without saved audiences, appends that tick, and reading the transitions. Each starts from a copy of
// the store after its first tick (BigFixture.ticked), so every tick measured is an incremental one.

/// Opens a copy of the ticked big store; `body` runs the measured part; the copy is removed after.
private func onTickedCopy(_ benchmark: Benchmark, _ body: (JourneyStore) throws -> Void) throws {
    let fixture = BigFixture.shared
    let path = fixture.copy(of: fixture.ticked)
    defer { try? FileManager.default.removeItem(atPath: path) }
    try body(try JourneyStore(at: path))
}

private let day: Int64 = 86_400_000

func journeyBenchmarks(_ steady: Benchmark.Configuration) {
    // DESIGN §3: a tick after a batch of 10,000 events ≤ 100 ms.
    Benchmark("tick_after_a_10k_batch_(10M_store)", configuration: steady) { benchmark in
        try onTickedCopy(benchmark) { store in
            try store.append(BigFixture.shared.laterEvents.prefix(batchEvents))
            benchmark.startMeasurement()
            blackHole(try store.tick())
            benchmark.stopMeasurement()
        }
    }

    // DESIGN §3: a tick that moves the clock by one day ≤ 0.5 s without saved audiences.
    Benchmark("tick_one_day_later_(10M_store)", configuration: steady) { benchmark in
        try onTickedCopy(benchmark) { store in
            let clock = try store.clock!.millisecondsSinceEpoch
            benchmark.startMeasurement()
            blackHole(try store.tick(asOf: Timestamp(millisecondsSinceEpoch: clock + day)))
            benchmark.stopMeasurement()
        }
    }

    // The same with a saved audience on a field the candidates cover, and one on a "days since"
    // (time-dependent: a full pass). Both were evaluated for everyone by a tick before the one measured.
    for (name, filter) in [("segment", "segment = high_value_at_risk"),
                           ("days_since", "phase = lapsed and days_since_purchase <= 91")] {
        Benchmark("tick_one_day_later_with_a_\(name)_audience_(10M_store)", configuration: steady) { benchmark in
            try onTickedCopy(benchmark) { store in
                try store.saveAudience("a", where: filter)
                let clock = try store.clock!.millisecondsSinceEpoch
                _ = try store.tick(asOf: Timestamp(millisecondsSinceEpoch: clock + 1))
                benchmark.startMeasurement()
                blackHole(try store.tick(asOf: Timestamp(millisecondsSinceEpoch: clock + day)))
                benchmark.stopMeasurement()
            }
        }
    }

    // The reference for the audience rows: one export of the days-since audience's members.
    Benchmark("export_csv_of_the_days_since_audience_(10M_store)", configuration: steady) { benchmark in
        let store = try JourneyStore(at: BigFixture.shared.ticked, options: .init(readOnly: true))
        let filter = try Filter("phase = lapsed and days_since_purchase <= 91")
        benchmark.startMeasurement()
        blackHole(try store.read { try $0.export(where: filter, format: .csv, to: DiscardingSink()) })
        benchmark.stopMeasurement()
    }

    // Appending with a tick in each batch's transaction, against the plain append rows.
    Benchmark("append_API_10_batches_of_10k_with_tick_without_fsync_(10M_store)", configuration: steady) { benchmark in
        let fixture = BigFixture.shared
        let path = fixture.copy(of: fixture.ticked)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let store = try JourneyStore(at: path, options: .init(syncDisabled: true))
        benchmark.startMeasurement()
        for k in 0..<batches {
            let start = k * batchEvents
            try store.append(fixture.laterEvents[start..<min(start + batchEvents, fixture.laterEvents.count)], tick: true)
        }
        benchmark.stopMeasurement()
    }

    // DESIGN §3: reading transitions ≥ 5 M/s (those of the first tick: every customer's first states).
    Benchmark("read_every_transition_of_the_first_tick_(10M_store)", configuration: steady) { benchmark in
        let store = try JourneyStore(at: BigFixture.shared.ticked, options: .init(readOnly: true))
        var n = 0
        benchmark.startMeasurement()
        try store.read { snapshot in
            for transition in snapshot.transitions(after: 0) { n &+= Int(transition.seq & 1) }
        }
        benchmark.stopMeasurement()
        blackHole(n)
    }
}

/// A sink that drops every line (the export's own work is measured, not a file's).
final class DiscardingSink: LineSink {
    func write(line: String) throws { blackHole(line.utf8.count) }
}
