@_spi(Storage) import JourneyStorage

/// One tick as `ticks` keeps it: what makes its transitions reproducible — the clock T and the log
/// position it classified at, the policy and the saved audiences in force — and what it wrote (its
/// transitions' seqs) and saw (the top-percent cut-offs, from which the next tick finds the
/// customers that moved between them).
struct TickRecord: Equatable {
    /// The clock T, epoch milliseconds.
    var clock: Int64
    /// The log's last sequence when the tick ran: events after it had not arrived.
    var position: UInt64
    /// The seq of the tick's first transition (or of the next one, when it found none).
    var firstSeq: UInt64
    var transitions: UInt64
    /// Customers classified.
    var checked: UInt64
    var policyText: String
    /// The saved audiences in force, by number, ascending.
    var audiences: [UInt32]
    /// The `by_spend` keys of the top 1, 5, 10 and 20 % cut-offs as of the tick (none without buyers).
    var topCutoffs: [[UInt8]]

    static let formatVersion: UInt8 = 1

    /// u8 version, varint clock, position, first seq, transitions, checked; the policy text, the
    /// audience count and numbers, the cut-off count and keys (each varint length + bytes).
    var encoded: [UInt8] {
        var bytes: [UInt8] = []
        let bound = 1 + 6 * 10 + 10 + policyText.utf8.count + 10 + 5 * audiences.count + 10
            + topCutoffs.reduce(0) { $0 + 10 + $1.count }
        bytes.appendEncoded(upTo: bound) { w in
            w.u8(Self.formatVersion)
            for v in [UInt64(clock), position, firstSeq, transitions, checked] { w.varint(v) }
            w.varint(UInt64(policyText.utf8.count))
            w.bytes(policyText)
            w.varint(UInt64(audiences.count))
            for a in audiences { w.varint(UInt64(a)) }
            w.varint(UInt64(topCutoffs.count))
            for key in topCutoffs {
                w.varint(UInt64(key.count))
                w.bytes(key)
            }
        }
        return bytes
    }

    init(clock: Int64, position: UInt64, firstSeq: UInt64, transitions: UInt64, checked: UInt64, policyText: String,
         audiences: [UInt32], topCutoffs: [[UInt8]]) {
        self.clock = clock
        self.position = position
        self.firstSeq = firstSeq
        self.transitions = transitions
        self.checked = checked
        self.policyText = policyText
        self.audiences = audiences
        self.topCutoffs = topCutoffs
    }

    init(decoding bytes: ByteView) throws(JourneyError) {
        var r = RecordReader(bytes)
        guard try r.u8() == Self.formatVersion else { throw Self.damaged }
        let clock = try r.varint()
        guard clock <= UInt64(Timestamp.max.millisecondsSinceEpoch) else { throw Self.damaged }
        self.clock = Int64(clock)
        position = try r.varint()
        firstSeq = try r.varint()
        transitions = try r.varint()
        checked = try r.varint()
        policyText = String(decoding: try r.stringView().array, as: UTF8.self)
        let n = try r.varint()
        guard n <= UInt64(JourneyState.audiencesMax) else { throw Self.damaged }
        audiences = try (0..<Int(n)).map { _ throws(JourneyError) in try r.varint32() }
        let k = try r.varint()
        guard k <= UInt64(Population.topPercents.count) else { throw Self.damaged }
        topCutoffs = try (0..<Int(k)).map { _ throws(JourneyError) in try r.stringView().array }
        guard r.offset == bytes.count else { throw Self.damaged }
    }

    static let damaged = JourneyError(.corrupted, "a tick record is damaged; restore a copy of the store")
}
