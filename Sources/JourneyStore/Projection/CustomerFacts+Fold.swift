@_spi(Storage) import JourneyStorage
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The parts of ``Policy`` the fold uses, in the units it uses.
struct FoldPolicy {
    let lapsedAfterMs: Double
    /// The declining rule's values, for the rhythm index (``FactsProjection/rows(_:policy:)``).
    let decliningAfterDays: Double
    let latencyFactor: Double
    let halfLifeMs: Double
    let viewWeight: Double
    let cartLineWeight: Double
    let purchaseLineWeight: Double

    init(_ p: Policy) {
        lapsedAfterMs = p.lapsedAfterDays * 86_400_000
        decliningAfterDays = p.decliningAfterDays
        latencyFactor = p.latencyFactor
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
            lists[ListKind.viewed.rawValue].insert(product, at: t)
            lastView = t
            if category != 0 {
                lists[ListKind.viewedCategory.rawValue].insert(category, at: t)
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
                lists[ListKind.bought.rawValue].insert(product, at: t)
                if category != 0 {
                    lists[ListKind.boughtCategory.rawValue].insert(category, at: t)
                    addAffinity(category, policy.purchaseLineWeight, at: t, policy)
                }
            }
            // Its contact mask has email at bit 0 and phone at bit 1, as ``AttributeField`` numbers them.
            try readText(&r, allowed: Self.contactBits)
        case .refund:
            _ = try r.string()
            refunded += Int128(try r.amount())
        case .emailOpen:
            emailOpens += 1
            lastEmailOpen = t
            let campaign = try r.varint32()
            if campaign != 0 { lists[ListKind.opened.rawValue].insert(campaign, at: t) }
        case .offer, .unsubscribe:
            try applyContactPressure(record.type, &r, at: t)
        }
    }

    /// An offer (its name and time) or an unsubscribe (consent withdrawn; SMS consent is not kept).
    private mutating func applyContactPressure(_ type: EventType, _ r: inout RecordReader, at t: Int64) throws(JourneyError) {
        if type == .offer {
            let offer = try r.varint32()
            _ = try r.string()
            guard offer != 0 else { throw RecordReader.corrupt }
            lists[ListKind.offered.rawValue].insert(offer, at: t)
            lastOffer = t
            return
        }
        switch ConsentChannel(rawValue: try r.u8()) {
        case .email: emailConsent = false
        case .ads: adsConsent = false
        case .sms: break
        case nil: throw RecordReader.corrupt
        }
    }

    /// The bits of a purchase's contact mask: email and phone.
    static let contactBits: UInt64 = 0b11

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


/// The timed lists of ``CustomerFacts``, in their stored order, and the kind of names each holds.
enum ListKind: Int, CaseIterable {
    case bought, boughtCategory, viewed, viewedCategory, opened, offered

    var nameKind: NameKind {
        switch self {
        case .bought, .viewed: .product
        case .boughtCategory, .viewedCategory: .category
        case .opened, .offered: .campaign
        }
    }
}
