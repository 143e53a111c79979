@_spi(Storage) import JourneyStorage

/// The journeys of customers `forget` erased, up to the erasure: history the log can no longer
/// derive. A tick before the erasure classified them with personal fields the log no longer holds
/// (a saved audience of `city = "Paris"`), so a replay of that tick would find other transitions.
///
/// `forget` records, per customer, the last tick before it (E) and the state emitted then, and marks
/// them pending so that the next tick checks them. A replay of the ticks (``TickReplay``: `rebuild`,
/// `verify`) leaves them out of ticks 1…E, puts their stored transitions of those ticks back in
/// place (in customer order), and continues from the recorded state after tick E: the transitions
/// stay byte for byte, and everything after the erasure is derived from the log as usual.
///
/// Stored in `erased`: customer number → u8 version, varint E, the ``JourneyState`` (empty: none).
struct ErasedJourneys {
    /// Per erased customer: the last tick before the erasure and the state emitted then.
    private(set) var erased: [UInt32: (tick: UInt64, state: JourneyState?)] = [:]
    /// Per tick number: the stored transitions of customers erased after it, in seq order.
    private var kept: [UInt64: [StoredTransition]] = [:]

    static let formatVersion: UInt8 = 1
    static let damaged = JourneyError(.corrupted, "the journey of an erased customer is damaged; run `journey verify`")

    /// Records the erasure of `customers` in `forget`'s transaction.
    static func record(_ customers: [UInt32], schema: StoreSchema, in txn: WriteTransaction) throws {
        guard let last = try schema.lastTick(in: txn.reading)?.number else { return }
        for c in customers {
            var bytes: [UInt8] = []
            bytes.appendEncoded(upTo: 11) { w in w.u8(formatVersion); w.varint(last) }
            try schema.emitted.withValue(c, in: txn.reading) { if let state = $0 { bytes.append(contentsOf: state) } }
            _ = try schema.erased.put(c, bytes, in: txn)
            _ = try schema.pending.put(c, [], in: txn)
        }
    }

    /// Reads the erasures and the stored transitions they keep.
    init(schema: StoreSchema, ticks: [(UInt64, TickRecord)], in txn: some ReadableTransaction) throws {
        try schema.erased.forEachView(in: txn) { key, value in
            do {
                let c = try JourneyStore.customerNumber(key)
                var r = RecordReader(value)
                guard try r.u8() == Self.formatVersion else { throw Self.damaged }
                let tick = try r.varint()
                let state = r.offset == value.count ? nil : try JourneyState(decoding: value[r.offset..<value.count])
                erased[c] = (tick, state)
            } catch {
                throw Self.damaged   // named as what it is, not as a malformed event record
            }
            return true
        }
        guard !erased.isEmpty else { return }
        for (number, record) in ticks where record.transitions > 0 {
            let end = record.firstSeq + record.transitions
            try schema.transitions.forEachView(in: txn, from: record.firstSeq) { key, value in
                guard let seq = key.bigEndian(as: UInt64.self), key.count == 8 else { throw StoredTransition.damaged }
                guard seq < end else { return false }
                let t = try StoredTransition(decoding: value)
                if let e = erased[t.customerNumber], number <= e.tick { kept[number, default: []].append(t) }
                return true
            }
        }
    }

    /// Whether tick `number`'s replay leaves customer `c` out.
    func leavesOut(_ c: UInt32, atTick number: UInt64) -> Bool {
        erased[c].map { number <= $0.tick } ?? false
    }

    /// The replay's transitions of tick `number` with the kept ones put back in customer order.
    func merged(_ replayed: [StoredTransition], atTick number: UInt64) -> [StoredTransition] {
        guard let kept = kept[number], !kept.isEmpty else { return replayed }
        var out: [StoredTransition] = []
        out.reserveCapacity(replayed.count + kept.count)
        var i = 0
        for t in replayed {
            while i < kept.count, kept[i].customerID.lexicographicallyPrecedes(t.customerID) { out.append(kept[i]); i += 1 }
            out.append(t)
        }
        out += kept[i...]
        return out
    }

    /// The states recorded for customers whose erasure followed tick `number`.
    func states(afterTick number: UInt64) -> [(UInt32, JourneyState?)] {
        erased.filter { $0.value.tick == number }.map { ($0.key, $0.value.state) }
    }
}
