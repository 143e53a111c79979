@_spi(Storage) import JourneyStorage

/// What a tick last emitted for a customer: the values transitions are reported against
/// (DESIGN §1 "Journey transitions"). A customer never emitted starts from ``initial``: every value
/// `null`, no reactivation, in no audience.
struct JourneyState: Equatable, Sendable {
    var phase: Phase?
    var tier: Tier?
    var topPercent: Int?
    var segment: Segment?
    var reactivations = 0
    /// The saved audiences the customer is in, by number, ascending.
    var audiences: [UInt32] = []

    static let initial = JourneyState()
    static let formatVersion: UInt8 = 1
    /// At most this many saved audiences at once (a state keeps a customer's memberships).
    static let audiencesMax = 1024

    /// Appends the encoded state: u8 version, u8 phase (index + 1, 0: null), u8 tier (raw, 0: null),
    /// u8 top percent (0: null), u8 segment (index + 1, 0: null), varint reactivations, varint
    /// count and the audience numbers as ascending deltas.
    func encode(appendingTo bytes: inout [UInt8]) {
        bytes.appendEncoded(upTo: 5 + 10 + 10 + 5 * audiences.count) { w in
            w.u8(Self.formatVersion)
            w.u8(phase.map { UInt8(Phase.allCases.firstIndex(of: $0)! + 1) } ?? 0)
            w.u8(tier.map { UInt8($0.rawValue) } ?? 0)
            w.u8(topPercent.map { UInt8($0) } ?? 0)
            w.u8(segment.map { UInt8(Segment.allCases.firstIndex(of: $0)! + 1) } ?? 0)
            w.varint(UInt64(reactivations))
            w.varint(UInt64(audiences.count))
            var last: UInt32 = 0
            for a in audiences {
                w.varint(UInt64(a - last))
                last = a
            }
        }
    }

    var encoded: [UInt8] {
        var bytes: [UInt8] = []
        encode(appendingTo: &bytes)
        return bytes
    }

    init() {}

    init(decoding bytes: ByteView) throws(JourneyError) {
        var r = RecordReader(bytes)
        guard try r.u8() == Self.formatVersion else { throw Self.damaged }
        let p = Int(try r.u8()), t = Int(try r.u8()), top = Int(try r.u8()), s = Int(try r.u8())
        guard p <= Phase.allCases.count, t <= Tier.allCases.count, Population.topPercents.contains(top) || top == 0,
              s <= Segment.allCases.count else { throw Self.damaged }
        phase = p == 0 ? nil : Phase.allCases[p - 1]
        tier = t == 0 ? nil : Tier(rawValue: t)
        topPercent = top == 0 ? nil : top
        segment = s == 0 ? nil : Segment.allCases[s - 1]
        let reactivations = try r.varint()
        guard reactivations <= UInt64(UInt32.max) else { throw Self.damaged }
        self.reactivations = Int(reactivations)
        let n = try r.varint()
        guard n <= UInt64(Self.audiencesMax) else { throw Self.damaged }
        var last: UInt32 = 0
        for k in 0..<Int(n) {
            let delta = try r.varint32()
            guard k == 0 || delta > 0, delta <= UInt32.max - last else { throw Self.damaged }
            last += delta
            audiences.append(last)
        }
        guard r.offset == bytes.count else { throw Self.damaged }
    }

    static let damaged = JourneyError(.corrupted, "an emitted journey state is damaged; run `journey verify`, then `journey rebuild`")
}
