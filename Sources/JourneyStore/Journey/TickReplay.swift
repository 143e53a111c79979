@_spi(Storage) import JourneyStorage

/// The recorded ticks replayed in order: each classifies every customer as of its clock and log
/// position, under its policy and saved audiences, against the states the replay emitted so far.
/// Transitions are a function of the log and the ticks, so this is what `rebuild` writes and what
/// `verify` compares with the stored transitions.
///
/// Customers `forget` erased keep their recorded journey up to the erasure (``ErasedJourneys``).
///
/// Each tick reads the facts as of its point in time (``FactsView``: a fold of the log within its
/// bound for an early tick), so a replay costs about one fold of the log per tick.
struct TickReplay {
    let store: JourneyStore
    let txn: ReadTransaction
    /// `txn` is a write transaction's (``Snapshot/writing``).
    let writing: Bool

    /// Calls `body` with each tick's number, record and replayed outcome, in order; returns the
    /// emitted states after the last.
    func run(_ body: (UInt64, TickRecord, TickEngine.Outcome) throws -> Void) throws -> [UInt32: JourneyState] {
        let schema = store.schema
        var emitted: [UInt32: JourneyState] = [:]
        var ticks: [(UInt64, TickRecord)] = []
        try schema.ticks.forEach(in: txn) { key, value in
            ticks.append((try UInt64(lmdbBytes: key), try TickRecord(decoding: ByteView(value))))
            return true
        }
        // A store that never ticked has no journey to replay (and rebuild reads no customer list).
        guard !ticks.isEmpty else { return emitted }
        let audiences = try schema.savedAudiences(in: txn)
        let customers = try schema.customersByID(in: txn)
        let history = try ErasedJourneys(schema: schema, ticks: ticks, in: txn)
        for (number, record) in ticks {
            let policy = try Policy(text: record.policyText, currency: store.currency)
            let snapshot = try Snapshot(store: store, txn: txn, position: record.position, writing: writing, policy: policy)
            let inForce = audiences.filter { $0.isActive(atTick: number) }
            let engine = try TickEngine(snapshot: snapshot, asOf: record.clock, audiences: inForce,
                                        names: Dictionary(uniqueKeysWithValues: audiences.map { ($0.number, $0.name) }))
            var outcome = try engine.run(customers.lazy.filter { !history.leavesOut($0.0, atTick: number) }) { emitted[$0] }
            outcome.transitions = history.merged(outcome.transitions, atTick: number)
            for (c, state) in outcome.emitted { emitted[c] = state }
            for (c, state) in history.states(afterTick: number) { emitted[c] = state }
            try body(number, record, outcome)
        }
        return emitted
    }
}

extension JourneyStore {
    /// Writes the journey again from a replay of the ticks (`rebuild`, in its transaction): the
    /// transitions, the emitted states, the pending customers and the ticks' seq ranges.
    func rebuildJourney(in txn: WriteTransaction) throws {
        let replay = TickReplay(store: self, txn: txn.reading, writing: true)
        var outcomes: [(UInt64, TickRecord, TickEngine.Outcome)] = []
        let emitted = try replay.run { outcomes.append(($0, $1, $2)) }
        try schema.transitions.removeAll(in: txn)
        try schema.emitted.removeAll(in: txn)
        try schema.pending.removeAll(in: txn)
        var seq: UInt64 = 1
        for (number, record, outcome) in outcomes {
            try write(TickEngine.Outcome(transitions: outcome.transitions), firstSeq: seq, in: txn)
            var fixed = record
            fixed.firstSeq = seq
            fixed.transitions = UInt64(outcome.transitions.count)
            fixed.checked = UInt64(outcome.checked)
            if fixed != record { _ = try schema.ticks.put(number, fixed.encoded, in: txn) }
            seq += UInt64(outcome.transitions.count)
        }
        for (c, state) in emitted.sorted(by: { $0.key < $1.key }) { _ = try schema.emitted.put(c, state.encoded, in: txn) }
        guard let clock = outcomes.last?.1.clock else { return }
        try schema.facts.forEachView(in: txn) { key, value in
            if try CustomerFacts.lastSeen(of: value) > clock { _ = try schema.pending.put(try Self.customerNumber(key), [], in: txn) }
            return true
        }
    }

    /// Compares the stored journey with a replay of the ticks; returns the differences (at most `max`).
    func verifyJourney(in txn: ReadTransaction, max: Int) throws -> [String] {
        var problems: [String] = []
        func add(_ text: String) { if problems.count < max { problems.append(text) } }
        var seq: UInt64 = 1
        var bytes: [UInt8] = []
        let emitted = try TickReplay(store: self, txn: txn, writing: false).run { number, record, outcome in
            if record.firstSeq != seq || record.transitions != UInt64(outcome.transitions.count) {
                add("tick \(number): records transitions \(record.firstSeq)…+\(record.transitions), a replay gives \(seq)…+\(outcome.transitions.count)")
            }
            for transition in outcome.transitions {
                bytes.removeAll(keepingCapacity: true)
                transition.encode(appendingTo: &bytes)
                let same = try schema.transitions.withView(seq, in: txn) { $0.map { $0.elementsEqual(bytes) } }
                if same != true { add("transition \(seq) \(same == nil ? "is missing" : "differs from a replay of the ticks")") }
                seq += 1
            }
        }
        let stored = try schema.lastTransitionSeq(in: txn)
        if stored != seq - 1 { add("transitions end at seq \(stored), a replay of the ticks at \(seq - 1)") }
        var emittedCount = 0
        try schema.emitted.forEachView(in: txn) { key, value in
            guard let c = key.bigEndian(as: UInt32.self), key.count == 4 else { throw JourneyState.damaged }
            emittedCount += 1
            if emitted[c] != (try? JourneyState(decoding: value)) { add("customer #\(c): emitted state differs from a replay of the ticks") }
            return true
        }
        if emittedCount != emitted.count { add("emitted holds \(emittedCount) customers, a replay of the ticks \(emitted.count)") }
        return problems
    }
}

extension JourneyStore {
    /// A customer number key (4 bytes, big-endian).
    static func customerNumber(_ key: ByteView) throws(JourneyError) -> UInt32 {
        guard key.count == 4, let c = key.bigEndian(as: UInt32.self) else { throw RecordReader.corrupt }
        return c
    }
}
