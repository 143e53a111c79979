@_spi(Storage) import JourneyStorage
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What the store knows about one customer that does not depend on the clock (DESIGN.md §1 "Facts").
///
/// Facts are a fold of the customer's events in (time, event id) order, so any arrival order of the
/// same events gives the same facts, to the byte: ``apply(_:policy:)`` takes events in that order,
/// and the projector re-folds a customer from the per-customer index when an event arrives out of it.
struct CustomerFacts: Equatable {
    var firstSeen: Int64 = 0
    var lastSeen: Int64 = 0
    /// Time of the first signup, if any.
    var signup: Int64?
    /// Every purchase time, in order (orders = count).
    var purchaseTimes: [Int64] = []
    /// Every purchase total in minor units, beside its time (the predicted value's spend per
    /// purchase day needs them; Σ = gross).
    var purchaseAmounts: [Int64] = []
    /// Σ purchase totals and Σ refund totals: 128-bit, as no customer's sum can overflow them
    /// (each amount ≤ 10^15, at most 2^40 events a store).
    var gross: Int128 = 0
    var refunded: Int128 = 0
    /// Purchases that came more than `lapsedAfterDays` after the previous one.
    var reactivations: UInt32 = 0
    var cartAbandons: UInt32 = 0
    var lastCartAbandon: Int64?
    var lastCartValue: Int64 = 0
    var emailOpens: UInt32 = 0
    var lastEmailOpen: Int64?
    /// Contact fields and interests, latest by event time, in their stored form back to back: a
    /// field as varint length + UTF-8 bytes, interests as varint count + such strings. Kept as
    /// bytes (no `String` per field per event: the fold copies them, encoding copies them again);
    /// ``field(_:)`` and ``interests`` make strings for the readers that want them.
    private(set) var text: [UInt8] = []
    /// Where each value lies in `text`: ``AttributeField`` k at k, interests at ``interestsSlot``.
    private(set) var textRanges: [TextRange] = Array(repeating: .absent, count: Self.textSlots)
    /// Name numbers of the products and categories bought and viewed.
    var boughtProductSet = NumberSet()
    var boughtCategorySet = NumberSet()
    var viewedProductSet = NumberSet()
    var viewedCategorySet = NumberSet()
    /// Decayed category affinity, per category.
    var affinity = Affinity()
    /// How many events were folded.
    var eventsFolded: UInt32 = 0
    /// The most events of one customer: the counts are 32-bit (a damaged count at the limit
    /// overflowed on the next event, issue 16).
    static let eventsMax = UInt32.max

    /// Empties the facts, keeping the lists' storage for the next customer (a fold's scratch value).
    mutating func reset() {
        firstSeen = 0
        lastSeen = 0
        signup = nil
        // `removeAll(keepingCapacity:)` is a generic replacement even on an empty array: most of a
        // fold's customers have no purchases, text or affinity.
        if !purchaseTimes.isEmpty { purchaseTimes.removeAll(keepingCapacity: true) }
        if !purchaseAmounts.isEmpty { purchaseAmounts.removeAll(keepingCapacity: true) }
        gross = 0
        refunded = 0
        reactivations = 0
        cartAbandons = 0
        lastCartAbandon = nil
        lastCartValue = 0
        emailOpens = 0
        lastEmailOpen = nil
        if !text.isEmpty { text.removeAll(keepingCapacity: true) }
        for k in textRanges.indices { textRanges[k] = .absent }
        boughtProductSet.removeAll()
        boughtCategorySet.removeAll()
        viewedProductSet.removeAll()
        viewedCategorySet.removeAll()
        affinity.removeAll()
        eventsFolded = 0
    }

    /// Sorts and de-duplicates the four sets (and sorts the affinity entries) in place, so encoding
    /// reads them as they are.
    mutating func normalizeSets() {
        affinity.normalize()
        boughtProductSet.normalize()
        boughtCategorySet.normalize()
        viewedProductSet.normalize()
        viewedCategorySet.normalize()
    }

    /// Sorted, distinct name numbers.
    var boughtProducts: [UInt32] { boughtProductSet.sorted }
    var boughtCategories: [UInt32] { boughtCategorySet.sorted }
    var viewedProducts: [UInt32] { viewedProductSet.sorted }
    var viewedCategories: [UInt32] { viewedCategorySet.sorted }

    var orders: Int { purchaseTimes.count }
    var netSpend: Int128 { gross - refunded }
    var firstPurchase: Int64? { purchaseTimes.first }
    var lastPurchase: Int64? { purchaseTimes.last }

    /// A value's bytes in ``text``; `start < 0` when absent.
    struct TextRange {
        var start: Int32
        var end: Int32
        static let absent = TextRange(start: -1, end: -1)
    }

    static let interestsSlot = AttributeField.allCases.count
    static let textSlots = interestsSlot + 1
    /// ``text`` is compacted (overwritten values dropped) when it grows past this and is more than
    /// half garbage; live text is at most ~57 KB (``Limits``: ten fields and 100 interests).
    static let textCompactBytes = 4096

    /// Equal when they encode the same: every fact is in the encoding, and it is canonical.
    static func == (a: CustomerFacts, b: CustomerFacts) -> Bool {
        var x: [UInt8] = [], y: [UInt8] = []
        a.encode(appendingTo: &x)
        b.encode(appendingTo: &y)
        return x == y
    }

    private var liveTextBytes: Int {
        textRanges.reduce(0) { $0 + ($1.start < 0 ? 0 : Int($1.end - $1.start)) }
    }

    private mutating func compactText() {
        var kept: [UInt8] = []
        kept.reserveCapacity(liveTextBytes)
        for k in textRanges.indices where textRanges[k].start >= 0 {
            let r = textRanges[k], start = kept.count
            kept.append(contentsOf: text[Int(r.start)..<Int(r.end)])
            textRanges[k] = TextRange(start: Int32(start), end: Int32(kept.count))
        }
        text = kept
    }

    /// Calls `body` with the stored form of text value `slot`, or does nothing when it is absent.
    func withStoredText<R>(_ slot: Int, _ body: (ByteView) -> R) -> R? {
        let r = textRanges[slot]
        guard r.start >= 0 else { return nil }
        return text.withByteView { body($0[Int(r.start)..<Int(r.end)]) }
    }

    /// The latest value of a contact field or attribute.
    func field(_ f: AttributeField) -> String? {
        withStoredText(f.rawValue) { stored in
            var r = RecordReader(stored)
            guard let s = try? r.string() else { preconditionFailure("facts invariant: stored text is well formed") }
            return String(decoding: s, as: UTF8.self)
        }
    }

    /// The latest list of interests, if any event gave one.
    var interests: [String]? {
        withStoredText(Self.interestsSlot) { stored in
            var r = RecordReader(stored)
            guard let n = try? r.varint32() else { preconditionFailure("facts invariant: stored text is well formed") }
            return (0..<n).map { _ in
                guard let s = try? r.string() else { preconditionFailure("facts invariant: stored text is well formed") }
                return String(decoding: s, as: UTF8.self)
            }
        }
    }
}

/// The parts of ``Policy`` the fold uses, in the units it uses.
struct FoldPolicy {
    let lapsedAfterMs: Double
    let halfLifeMs: Double
    let viewWeight: Double
    let cartLineWeight: Double
    let purchaseLineWeight: Double

    init(_ p: Policy) {
        lapsedAfterMs = p.lapsedAfterDays * 86_400_000
        halfLifeMs = p.affinityHalfLifeDays * 86_400_000
        viewWeight = p.viewWeight
        cartLineWeight = p.cartLineWeight
        purchaseLineWeight = p.purchaseLineWeight
    }
}

extension CustomerFacts {
    /// Folds one event into the facts. Events must come in (time, id) order.
    /// - Throws: ``JourneyError`` for a damaged record, and past ``eventsMax`` events.
    mutating func apply(_ record: EventRecord, policy: FoldPolicy) throws(JourneyError) {
        // Before any change: facts that count the most events stay as they are.
        guard eventsFolded < Self.eventsMax else {
            throw JourneyError(.invalidArgument, "a customer would have more than \(Self.eventsMax) events, the most its facts can count (if it has fewer, its facts are damaged: run `journey verify`)")
        }
        let t = record.time
        if eventsFolded == 0 { firstSeen = t }
        precondition(t >= lastSeen || eventsFolded == 0, "fold invariant: events of a customer arrive in time order")
        lastSeen = t
        eventsFolded += 1
        var r = try record.idAndPayload().1
        switch record.type {
        case .signup, .profile:
            if record.type == .signup && signup == nil { signup = t }
            try readText(&r)
        case .productView:
            let product = try r.varint32(), category = try r.varint32()
            viewedProductSet.insert(product)
            if category != 0 {
                viewedCategorySet.insert(category)
                addAffinity(category, policy.viewWeight, at: t, policy)
            }
        case .cartAbandon:
            let total = try r.amount()
            cartAbandons += 1
            lastCartAbandon = t
            lastCartValue = total
            try forEachItem(&r) { _, category in
                if category != 0 { addAffinity(category, policy.cartLineWeight, at: t, policy) }
            }
        case .purchase:
            _ = try r.string()
            let total = try r.amount()
            if let last = purchaseTimes.last, Double(t - last) > policy.lapsedAfterMs { reactivations += 1 }
            purchaseTimes.append(t)
            purchaseAmounts.append(total)
            gross += Int128(total)
            try forEachItem(&r) { product, category in
                boughtProductSet.insert(product)
                if category != 0 {
                    boughtCategorySet.insert(category)
                    addAffinity(category, policy.purchaseLineWeight, at: t, policy)
                }
            }
            // Its contact mask has email at bit 0 and phone at bit 1, as ``AttributeField`` numbers them.
            try readText(&r)
        case .refund:
            _ = try r.string()
            refunded += Int128(try r.amount())
        case .emailOpen:
            emailOpens += 1
            lastEmailOpen = t
        }
    }

    /// Reads a field mask (bit k: ``AttributeField`` k, ``EventRecord/interestsBit``: interests)
    /// and the values it announces into ``text``: the layout of signup and profile records, of a
    /// purchase's contact fields, and of stored facts. The values lie back to back, so they are
    /// checked in one pass and copied with one append (one at a time, ``text`` grew, and
    /// reallocated, several times per decoded customer).
    mutating func readText(_ r: inout RecordReader) throws(JourneyError) {
        let mask = try r.varint()
        guard mask != 0 else { return }
        if text.count >= Self.textCompactBytes && text.count > 2 * liveTextBytes { compactText() }
        // Each value's range is noted as it is read (relative to where the span will land in
        // `text`), then the span is appended once. A corrupt record throws half way through, and
        // the facts are dropped with it (every caller's fold or decode fails).
        let start = r.offset, base = text.count
        func note(_ slot: Int, from: Int) {
            textRanges[slot] = TextRange(start: Int32(base + from - start), end: Int32(base + r.offset - start))
        }
        for k in 0..<Self.interestsSlot where mask & (1 << UInt64(k)) != 0 {
            let from = r.offset
            _ = try r.string()
            note(k, from: from)
        }
        if mask & EventRecord.interestsBit != 0 {
            let from = r.offset
            let count = try r.varint32()
            guard count <= Limits.interestsMax else { throw RecordReader.corrupt }
            for _ in 0..<count { _ = try r.string() }
            note(Self.interestsSlot, from: from)
        }
        text.append(r.view[start..<r.offset])
    }

    private func forEachItem(_ r: inout RecordReader, _ body: (UInt32, UInt32) -> Void) throws(JourneyError) {
        let count = Int(try r.varint32())
        for _ in 0..<count {
            let product = try r.varint32(), category = try r.varint32()
            _ = try r.amount()
            _ = try r.varint()
            body(product, category)
        }
    }

    private mutating func addAffinity(_ category: UInt32, _ weight: Double, at t: Int64, _ policy: FoldPolicy) {
        affinity.add(category, weight, at: t, halfLifeMs: policy.halfLifeMs)
    }

}

