@_spi(Storage) import JourneyStorage

/// One change of a customer's journey, found by a tick (DESIGN §1 "Journey transitions"):
/// `{"seq":N,"customer":"c1","kind":K,"from":…,"to":…,"at":"T"}`, with `"audience":"NAME"` for
/// the `audience` kind.
///
/// Seqs start at 1 and have no gaps; within a tick, transitions are ordered by customer id (byte
/// order), then kind in ``Kind`` order, then audience name.
public struct Transition: Hashable, Sendable {
    /// The transition's place in the store's sequence of transitions, from 1.
    public var seq: UInt64
    /// The customer id.
    public var customer: String
    /// What changed.
    public var kind: Kind
    /// The saved audience entered or left (kind `audience` only).
    public var audience: String?
    /// The value before (`nil`: null, the customer had none or was never emitted).
    public var from: Value?
    /// The value after (`nil`: null).
    public var to: Value?
    /// The clock of the tick that found the change.
    public var at: Timestamp

    /// What a transition is about, in the order of transitions within a customer.
    public enum Kind: String, CaseIterable, Sendable {
        /// Lifecycle phase.
        case phase
        /// Spend tier.
        case tier
        /// Top percent of net spenders.
        case topPercent = "top_percent"
        /// Segment.
        case segment
        /// Number of reactivations (counts, never null).
        case reactivations
        /// Membership of a saved audience (booleans, never null).
        case audience
    }

    /// A value a transition reports.
    public enum Value: Hashable, Sendable {
        /// A lifecycle phase.
        case phase(Phase)
        /// A spend tier.
        case tier(Tier)
        /// A top percent: 1, 5, 10 or 20.
        case topPercent(Int)
        /// A segment.
        case segment(Segment)
        /// A count (reactivations).
        case count(Int)
        /// Membership of a saved audience.
        case member(Bool)

        /// The value as JSON.
        var json: String {
            switch self {
            case .phase(let p): "\"\(p.name)\""
            case .tier(let t): "\"\(t.name)\""
            case .topPercent(let p): String(p)
            case .segment(let s): "\"\(s.name)\""
            case .count(let n): String(n)
            case .member(let b): b ? "true" : "false"
            }
        }
    }

    /// The transition as one JSON object.
    public var json: String {
        var w = JSONObjectWriter(capacity: 160)
        w.field("seq", number: seq)
        w.field("customer", string: customer)
        w.field("kind", string: kind.rawValue)
        if let audience { w.field("audience", string: audience) }
        w.field("from", raw: from?.json)
        w.field("to", raw: to?.json)
        w.field("at", string: at.rfc3339)
        return w.finish()
    }
}

/// A transition as stored in `transitions`: u8 kind, varint customer number, the customer id
/// (varint length + bytes, so reading needs no lookup), varint audience number (0: none), the from
/// and to values (varint: 0 null, else the value's code + 1) and varint `at` in epoch milliseconds.
/// Value codes: a phase's or segment's index among its cases, a tier's raw value, a top percent, a
/// count, 0/1 for a membership.
struct StoredTransition: Equatable {
    var customerNumber: UInt32
    var customerID: [UInt8]
    var kind: Transition.Kind
    var audience: UInt32 = 0
    var from: Transition.Value?
    var to: Transition.Value?
    var at: Int64

    func encode(appendingTo bytes: inout [UInt8]) {
        bytes.appendEncoded(upTo: 1 + 5 + 10 + customerID.count + 5 + 10 + 10 + 10) { w in
            w.u8(UInt8(Transition.Kind.allCases.firstIndex(of: kind)!))
            w.varint(UInt64(customerNumber))
            w.varint(UInt64(customerID.count))
            w.bytes(customerID)
            w.varint(UInt64(audience))
            w.varint(Self.code(from))
            w.varint(Self.code(to))
            w.varint(UInt64(at))
        }
    }

    init(customerNumber: UInt32, customerID: [UInt8], kind: Transition.Kind, audience: UInt32 = 0,
         from: Transition.Value?, to: Transition.Value?, at: Int64) {
        self.customerNumber = customerNumber
        self.customerID = customerID
        self.kind = kind
        self.audience = audience
        self.from = from
        self.to = to
        self.at = at
    }

    init(decoding bytes: ByteView) throws(JourneyError) {
        var r = RecordReader(bytes)
        let k = Int(try r.u8())
        guard k < Transition.Kind.allCases.count else { throw Self.damaged }
        kind = Transition.Kind.allCases[k]
        customerNumber = try r.varint32()
        customerID = try r.stringView().array
        audience = try r.varint32()
        guard (kind == .audience) == (audience != 0) else { throw Self.damaged }
        from = try Self.value(kind, try r.varint())
        to = try Self.value(kind, try r.varint())
        let at = try r.varint()
        guard at <= UInt64(Timestamp.max.millisecondsSinceEpoch), r.offset == bytes.count else { throw Self.damaged }
        self.at = Int64(at)
    }

    static func code(_ value: Transition.Value?) -> UInt64 {
        guard let value else { return 0 }
        switch value {
        case .phase(let p): return UInt64(Phase.allCases.firstIndex(of: p)!) + 1
        case .tier(let t): return UInt64(t.rawValue) + 1
        case .topPercent(let p): return UInt64(p) + 1
        case .segment(let s): return UInt64(Segment.allCases.firstIndex(of: s)!) + 1
        case .count(let n): return UInt64(n) + 1
        case .member(let b): return b ? 2 : 1
        }
    }

    static func value(_ kind: Transition.Kind, _ code: UInt64) throws(JourneyError) -> Transition.Value? {
        guard code > 0 else { return nil }
        let c = Int(clamping: code - 1)
        switch kind {
        case .phase where c < Phase.allCases.count: return .phase(Phase.allCases[c])
        case .tier: if let t = Tier(rawValue: c) { return .tier(t) }
        case .topPercent where Population.topPercents.contains(c): return .topPercent(c)
        case .segment where c < Segment.allCases.count: return .segment(Segment.allCases[c])
        case .reactivations where c <= Int(UInt32.max): return .count(c)
        case .audience where c <= 1: return .member(c == 1)
        default: break
        }
        throw damaged
    }

    /// The public form, with its seq and the audience's name.
    func transition(seq: UInt64, audienceName: String?) -> Transition {
        Transition(seq: seq, customer: String(decoding: customerID, as: UTF8.self), kind: kind, audience: audienceName,
                   from: from, to: to, at: Timestamp(millisecondsSinceEpoch: at))
    }

    static let damaged = JourneyError(.corrupted, "a stored transition is damaged; run `journey verify`, then `journey rebuild`")
}
