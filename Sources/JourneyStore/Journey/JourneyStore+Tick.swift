@_spi(Storage) import JourneyStorage

/// What a tick did (`journey tick --json`).
public struct TickReport: Hashable, Sendable {
    /// The clock the tick moved to.
    public var clock: Timestamp
    /// The log position it classified at (the log's last sequence).
    public var position: UInt64
    /// Customers classified.
    public var customersChecked: Int
    /// Transitions appended.
    public var transitions: Int
    /// The seq of the first one (or of the next transition, when there were none).
    public var firstSeq: UInt64
    /// Whether every customer was classified (the first tick, a policy or audience change, or an
    /// audience whose filter reads a field the candidates do not cover).
    public var classifiedEveryone: Bool
    /// Wall time of the tick.
    public var seconds: Double

    /// `{"clock":…,"position":…,"customers_checked":…,"transitions":…,"first_seq":…,"classified_everyone":…,"seconds":…}`.
    public var json: String {
        var w = JSONObjectWriter()
        w.field("clock", string: clock.rfc3339)
        w.field("position", number: position)
        w.field("customers_checked", number: customersChecked)
        w.field("transitions", number: transitions)
        w.field("first_seq", number: firstSeq)
        w.field("classified_everyone", raw: classifiedEveryone ? "true" : "false")
        w.field("seconds", raw: String(seconds))
        return w.finish()
    }
}

extension JourneyStore {
    /// Advances the clock to `asOf` (default: the newest event's time) and appends the transitions
    /// of every customer whose state as of then differs from the one last emitted, in one write
    /// transaction (DESIGN §1 "Journey transitions").
    ///
    /// ```swift
    /// let report = try store.tick()               // to the newest event's time
    /// for t in try store.transitions(after: 0) { print(t.json) }
    /// ```
    /// - Throws: ``JourneyError`` `.invalidArgument` when `asOf` is before the clock ("the clock
    ///   cannot go back"); nothing changes then.
    /// - Complexity: O(P + K log K): one pass over the P buyers' `by_spend` entries (the top-percent
    ///   cut-offs) and the K candidate customers (those with new events, those whose phase time
    ///   alone moves, those between the old and new top-percent cut-offs); a clock before the newest
    ///   event also reads every customer's stored facts once (a point-in-time view). O(C) when every
    ///   customer must be classified.
    @discardableResult
    public func tick(asOf: Timestamp? = nil) throws -> TickReport {
        try translatingStorageErrors {
            try log.withWriter { _ in try env.write { txn in try tick(in: txn, asOf: asOf) } }
        }
    }

    /// The clock: the time of the last tick, `nil` before the first.
    public var clock: Timestamp? {
        get throws {
            try translatingStorageErrors {
                try env.read { txn in try schema.lastTick(in: txn).map { Timestamp(millisecondsSinceEpoch: $0.tick.clock) } }
            }
        }
    }

    /// A tick inside `txn` (which may have appended events first: `ingest --tick`).
    func tick(in txn: WriteTransaction, asOf: Timestamp?) throws -> TickReport {
        let start = monotonicSeconds()
        let snapshot = try Snapshot(store: self, txn: txn.reading, writing: true)
        let last = try schema.lastTick(in: txn)
        var t = snapshot.clock(asOf).millisecondsSinceEpoch
        // An append's tick (no T given) goes to the newest event, or stays at a later clock: the
        // events it appends late are then counted as of the clock, as the next tick would.
        if asOf == nil, let last { t = max(t, last.tick.clock) }
        if let last, t < last.tick.clock {
            throw JourneyError(.invalidArgument, "the clock cannot go back: it is at \(Timestamp(millisecondsSinceEpoch: last.tick.clock).rfc3339); tick to that time or later")
        }
        let number = (last?.number ?? 0) + 1
        let saved = try schema.savedAudiences(in: txn)
        let audiences = saved.filter { $0.isActive(atTick: number) }
        let engine = try TickEngine(snapshot: snapshot, asOf: t, audiences: audiences,
                                    names: Dictionary(uniqueKeysWithValues: saved.map { ($0.number, $0.name) }))
        let audienceNumbers = audiences.map(\.number).sorted()
        var everyone = last.map { $0.tick.policyText != snapshot.policy.text || $0.tick.audiences != audienceNumbers } ?? true
        var candidates: [UInt32] = []
        if !everyone, let last {
            // Audiences on fields that move with the clock or the population add their members
            // now (the filter's index range) and before; without an index range, everyone.
            if let members = try TickCandidates.audienceCustomers(engine.audiences, snapshot: snapshot, asOf: t, names: engine.names) {
                candidates = try TickCandidates(snapshot: snapshot, last: last.tick, asOf: t, adding: members).numbers
            } else {
                everyone = true
            }
        }
        let customers = try everyone ? schema.customersByID(in: txn) : schema.customersByID(candidates, in: txn)
        let outcome = try engine.run(customers) { c in
            try schema.emitted.withView(c, in: txn) { try $0.map { try JourneyState(decoding: $0) } }
        }
        let first = try schema.lastTransitionSeq(in: txn) + 1
        try write(outcome, firstSeq: first, in: txn)
        try schema.pending.removeAll(in: txn)
        for c in try snapshot.pastView(asOf: t)?.changedCustomers ?? [] { _ = try schema.pending.put(c, [], in: txn) }
        let cutoffs = try (snapshot.pastView(asOf: t)?.population ?? snapshot.population).topCutoffs
        let record = TickRecord(clock: t, position: snapshot.lastSequence, firstSeq: first, transitions: UInt64(outcome.transitions.count),
                                checked: UInt64(outcome.checked), policyText: snapshot.policy.text, audiences: audienceNumbers,
                                topCutoffs: cutoffs)
        _ = try schema.ticks.put(number, record.encoded, in: txn, flags: .append)
        return TickReport(clock: Timestamp(millisecondsSinceEpoch: t), position: snapshot.lastSequence, customersChecked: outcome.checked,
                          transitions: outcome.transitions.count, firstSeq: first, classifiedEveryone: everyone,
                          seconds: monotonicSeconds() - start)
    }

    /// Appends a tick's transitions from seq `first` on and stores its new emitted states.
    func write(_ outcome: TickEngine.Outcome, firstSeq first: UInt64, in txn: WriteTransaction) throws {
        var seq = first
        var bytes: [UInt8] = []
        try schema.transitions.withCursor(in: txn) { cursor in
            for transition in outcome.transitions {
                bytes.removeAll(keepingCapacity: true)
                transition.encode(appendingTo: &bytes)
                _ = try cursor.put(seq, array: bytes, flags: .append)
                seq += 1
            }
        }
        for (c, state) in outcome.emitted.sorted(by: { $0.0 < $1.0 }) {
            _ = try schema.emitted.put(c, state.encoded, in: txn)
        }
    }
}
