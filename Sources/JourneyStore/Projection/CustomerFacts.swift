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
    var gross: Int64 = 0
    var refunded: Int64 = 0
    /// Purchases that came more than `lapsedAfterDays` after the previous one.
    var reactivations: UInt32 = 0
    var cartAbandons: UInt32 = 0
    var lastCartAbandon: Int64?
    var lastCartValue: Int64 = 0
    var emailOpens: UInt32 = 0
    var lastEmailOpen: Int64?
    /// Contact fields and attributes, latest by event time, indexed by ``AttributeField``.
    var fields: [String?] = Array(repeating: nil, count: AttributeField.allCases.count)
    var interests: [String]?
    /// Sorted, distinct name numbers.
    var boughtProducts: [UInt32] = []
    var boughtCategories: [UInt32] = []
    var viewedProducts: [UInt32] = []
    var viewedCategories: [UInt32] = []
    /// Decayed category affinity: `score(T) = value × 2^(−(T − affinityTime) / halfLife)`.
    var affinityTime: Int64 = 0
    /// (category number, value at `affinityTime`), sorted by category number.
    var affinity: [AffinityEntry] = []
    /// How many events were folded.
    var eventsFolded: UInt32 = 0

    /// Empties the facts, keeping the lists' storage for the next customer (a fold's scratch value).
    mutating func reset() {
        firstSeen = 0
        lastSeen = 0
        signup = nil
        purchaseTimes.removeAll(keepingCapacity: true)
        gross = 0
        refunded = 0
        reactivations = 0
        cartAbandons = 0
        lastCartAbandon = nil
        lastCartValue = 0
        emailOpens = 0
        lastEmailOpen = nil
        for k in fields.indices { fields[k] = nil }
        interests = nil
        boughtProducts.removeAll(keepingCapacity: true)
        boughtCategories.removeAll(keepingCapacity: true)
        viewedProducts.removeAll(keepingCapacity: true)
        viewedCategories.removeAll(keepingCapacity: true)
        affinityTime = 0
        affinity.removeAll(keepingCapacity: true)
        eventsFolded = 0
    }

    var orders: Int { purchaseTimes.count }
    var netSpend: Int64 { gross - refunded }
    var firstPurchase: Int64? { purchaseTimes.first }
    var lastPurchase: Int64? { purchaseTimes.last }

    struct AffinityEntry: Equatable {
        var category: UInt32
        var value: Double
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
    mutating func apply(_ record: EventRecord, policy: FoldPolicy) throws(JourneyError) {
        let t = record.time
        if eventsFolded == 0 { firstSeen = t }
        precondition(t >= lastSeen || eventsFolded == 0, "fold invariant: events of a customer arrive in time order")
        lastSeen = t
        eventsFolded += 1
        var r = try record.idAndPayload().1
        switch record.type {
        case .signup, .profile:
            if record.type == .signup && signup == nil { signup = t }
            let mask = try r.varint()
            for k in fields.indices where mask & (1 << UInt64(k)) != 0 {
                fields[k] = String(decoding: try r.string(), as: UTF8.self)
            }
            if mask & EventRecord.interestsBit != 0 {
                let count = Int(try r.varint32())
                var list: [String] = []
                for _ in 0..<count { list.append(String(decoding: try r.string(), as: UTF8.self)) }
                interests = list
            }
        case .productView:
            let product = try r.varint32(), category = try r.varint32()
            insertSorted(&viewedProducts, product)
            if category != 0 {
                insertSorted(&viewedCategories, category)
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
            gross += total
            try forEachItem(&r) { product, category in
                insertSorted(&boughtProducts, product)
                if category != 0 {
                    insertSorted(&boughtCategories, category)
                    addAffinity(category, policy.purchaseLineWeight, at: t, policy)
                }
            }
            let mask = try r.varint()
            if mask & 1 != 0 { fields[AttributeField.email.rawValue] = String(decoding: try r.string(), as: UTF8.self) }
            if mask & 2 != 0 { fields[AttributeField.phone.rawValue] = String(decoding: try r.string(), as: UTF8.self) }
        case .refund:
            _ = try r.string()
            refunded += try r.amount()
        case .emailOpen:
            emailOpens += 1
            lastEmailOpen = t
        }
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
        guard weight > 0 else { return }
        if t > affinityTime {
            if !affinity.isEmpty {
                let factor = exp2(-Double(t - affinityTime) / policy.halfLifeMs)
                for k in affinity.indices { affinity[k].value *= factor }
            }
            affinityTime = t
        }
        var lo = 0, hi = affinity.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if affinity[mid].category < category { lo = mid + 1 } else { hi = mid }
        }
        if lo < affinity.count, affinity[lo].category == category {
            affinity[lo].value += weight
        } else {
            affinity.insert(AffinityEntry(category: category, value: weight), at: lo)
        }
    }

    /// The affinity score of each category as of `asOf`.
    func affinityScores(asOf: Int64, halfLifeDays: Double) -> [(category: UInt32, score: Double)] {
        let factor = exp2(-Double(asOf - affinityTime) / (halfLifeDays * 86_400_000))
        return affinity.map { ($0.category, $0.value * factor) }
    }
}

@inline(__always)
func insertSorted(_ list: inout [UInt32], _ value: UInt32) {
    if let last = list.last, last < value { list.append(value); return }
    let at = list.withUnsafeBufferPointer { lowerBound($0, value) }
    if at == list.count || list[at] != value { list.insert(value, at: at) }
}

/// The first index of `sorted` whose element is not below `value`: a branch-free binary search
/// (the comparison's outcome is data, not a jump the CPU has to guess; sets of a customer's products
/// are searched on most events of a fold).
@inline(__always)
func lowerBound(_ sorted: UnsafeBufferPointer<UInt32>, _ value: UInt32) -> Int {
    var base = 0, n = sorted.count
    guard n > 0 else { return 0 }
    while n > 1 {
        let half = n / 2
        base = sorted[base + half] < value ? base + half : base
        n -= half
    }
    return sorted[base] < value ? base + 1 : base
}
