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
    /// Times of the newest product view and the newest offer.
    var lastView: Int64?
    var lastOffer: Int64?
    /// Consent to email and to ads, latest by event time (signup and profile attributes, unsubscribes).
    var emailConsent: Bool?
    var adsConsent: Bool?
    /// Contact fields and interests, latest by event time, in their stored form back to back: a
    /// field as varint length + UTF-8 bytes, interests as varint count + such strings. Kept as
    /// bytes (no `String` per field per event: the fold copies them, encoding copies them again);
    /// ``field(_:)`` and ``interests`` make strings for the readers that want them.
    private(set) var text: [UInt8] = []
    /// Where each value lies in `text`: ``AttributeField`` k at k, interests at ``interestsSlot``.
    private(set) var textRanges: [TextRange] = Array(repeating: .absent, count: Self.textSlots)
    /// Name numbers of the products and categories bought and viewed, of the campaigns opened and
    /// the offers received, each with the time of its newest event (``ListKind`` orders them).
    var lists = [TimedNumberSet](repeating: TimedNumberSet(), count: ListKind.allCases.count)
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
        lastView = nil
        lastOffer = nil
        emailConsent = nil
        adsConsent = nil
        if !text.isEmpty { text.removeAll(keepingCapacity: true) }
        for k in textRanges.indices { textRanges[k] = .absent }
        for k in lists.indices { lists[k].removeAll() }
        affinity.removeAll()
        eventsFolded = 0
    }

    /// Sorts and de-duplicates the lists (and sorts the affinity entries) in place, so encoding
    /// reads them as they are.
    mutating func normalizeSets() {
        affinity.normalize()
        for k in lists.indices { lists[k].normalize() }
    }

    /// Sorted, distinct name numbers.
    var boughtProducts: [UInt32] { lists[ListKind.bought.rawValue].numbers }
    var boughtCategories: [UInt32] { lists[ListKind.boughtCategory.rawValue].numbers }
    var viewedProducts: [UInt32] { lists[ListKind.viewed.rawValue].numbers }
    var viewedCategories: [UInt32] { lists[ListKind.viewedCategory.rawValue].numbers }

    /// The list of `kind`.
    subscript(kind: ListKind) -> TimedNumberSet {
        get { lists[kind.rawValue] }
        set { lists[kind.rawValue] = newValue }
    }

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

    /// Reads a field mask (bit k: ``AttributeField`` k, ``EventRecord/interestsBit``: interests,
    /// ``ConsentBits``: consent) and the values it announces into ``text`` and the consents: the
    /// layout of signup and profile records, of a purchase's contact fields (`allowed`: only email
    /// and phone), and of stored facts. The values lie back to back, so they are
    /// checked in one pass and copied with one append (one at a time, ``text`` grew, and
    /// reallocated, several times per decoded customer).
    mutating func readText(_ r: inout RecordReader, allowed: UInt64 = ConsentBits.maskBits) throws(JourneyError) {
        let mask = try r.varint()
        guard mask != 0 else { return }
        guard mask & ~allowed == 0 else { throw RecordReader.corrupt }
        if let email = ConsentBits.email(mask) { emailConsent = email }
        if let ads = ConsentBits.ads(mask) { adsConsent = ads }
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
}
