// The fuzz targets' checks (issue 16), in one file that two packages compile: this test target
// (FuzzRegressionTests runs the corpora, the crashes found and a seeded random pass through it) and
// tools/fuzzing's `FuzzChecks` library, whose source is a symlink to this file and which its five
// libFuzzer executables call. Keep it free of anything but the standard library and JourneyStore.
@testable import JourneyStore
@testable @_spi(Storage) import JourneyStorage

/// A fuzz target: one decoder or parser fed bytes it must never trust.
///
/// Any error the code under test throws is a fine answer; a trap is a finding (the process dies,
/// libFuzzer keeps the input), and so is a broken property, which ``check(_:)`` returns.
package enum FuzzTarget: String, CaseIterable, Sendable {
    /// JSONL lines through the scanner, validation and the event record codec.
    case jsonl = "FuzzJSONL"
    /// Filter text through the filter parser and evaluation.
    case filter = "FuzzFilter"
    /// Plan files through the plan reader.
    case plan = "FuzzPlan"
    /// Stored event records, as damage may leave them, through decoding and the fold.
    case eventRecord = "FuzzEventRecord"
    /// Stored customer facts, as damage may leave them, through decoding, encoding and the fold.
    case facts = "FuzzFacts"

    /// Runs one input through the target.
    /// - Returns: the property the input broke, or `nil`.
    package func check(_ input: UnsafeRawBufferPointer) -> String? {
        switch self {
        case .jsonl: FuzzChecks.jsonl(input)
        case .filter: FuzzChecks.filter(input)
        case .plan: FuzzChecks.plan(input)
        case .eventRecord: FuzzChecks.eventRecord(input)
        case .facts: FuzzChecks.facts(input)
        }
    }

    package func check(_ input: [UInt8]) -> String? { input.withUnsafeBytes { check($0) } }
}

enum FuzzChecks {
    static let currency = Currency.usd
    static let policy = FoldPolicy(Policy())

    // MARK: JSONL

    /// Each line through the scanner and validation; a valid draft must encode to a record that
    /// decodes to the same event, re-encodes to the same bytes and folds into facts that round-trip.
    static func jsonl(_ input: UnsafeRawBufferPointer) -> String? {
        var scanner = JSONEventScanner(exponent: currency.exponent)
        var draft = EventDraft()
        var start = 0
        while start <= input.count {
            let end = input[start...].firstIndex(of: Byte.lf) ?? input.count
            defer { start = end + 1 }
            do {
                try scanner.scan(UnsafeRawBufferPointer(rebasing: input[start..<end]), into: &draft)
                try draft.validate(currency: currency)
            } catch {
                continue
            }
            if let finding = roundTrip(&draft) { return "line at byte \(start): " + finding }
        }
        return nil
    }

    /// Names numbered from 1 in order of first use, per kind, as the store interns them.
    struct Names {
        var numbers: [NameKind: [[UInt8]: UInt32]] = [:]
        var names: [NameKind: [[UInt8]]] = [:]

        mutating func number(_ kind: NameKind, _ bytes: UnsafeRawBufferPointer) -> UInt32 {
            let key = Array(bytes)
            if let n = numbers[kind, default: [:]][key] { return n }
            names[kind, default: []].append(key)
            let n = UInt32(names[kind]!.count)
            numbers[kind, default: [:]][key] = n
            return n
        }

        func name(_ kind: NameKind, _ n: UInt32) throws(JourneyError) -> String {
            guard n >= 1, let list = names[kind], Int(n) <= list.count else { throw RecordReader.corrupt }
            return String(decoding: list[Int(n) - 1], as: UTF8.self)
        }
    }

    static func encode(_ draft: inout EventDraft, names: inout Names) -> [UInt8] {
        var writer = RecordWriter()
        let customer = draft.withBytes(draft.customer!) { names.number(.customer, $0) }
        let scratch = draft.scratch.unsafeBytes
        withUnsafePointer(to: &draft) { d in
            EventRecord.encode(d, customer: customer, into: &writer) { kind, slice in
                names.number(kind, UnsafeRawBufferPointer(rebasing: scratch[Int(slice.start)..<Int(slice.start + slice.count)]))
            }
        }
        return Array(writer.bytes.unsafeBytes)
    }

    static func roundTrip(_ draft: inout EventDraft) -> String? {
        var names = Names()
        let bytes = encode(&draft, names: &names)
        return bytes.withUnsafeBytes { raw -> String? in
            let event: Event
            let record: EventRecord
            do {
                record = try EventRecord(raw)
                event = try record.event { kind, n in try names.name(kind, n) }
            } catch {
                return "a valid event's record does not decode: \(error)"
            }
            guard event.id == draft.string(draft.id!), event.customer == draft.string(draft.customer!),
                  event.type == draft.type, event.time.millisecondsSinceEpoch == draft.time else {
                return "decoded event \(event) differs from its draft in id, customer, type or time"
            }
            // The decoded event, appended through the Swift API, must make the same record.
            var again = EventDraft()
            do {
                try withUnsafePointer(to: event) { e in
                    try withUnsafeMutablePointer(to: &again) { d in try EventDraft.loadValidated(e, into: d, currency: currency) }
                }
            } catch {
                return "decoded event \(event) fails validation: \(error)"
            }
            guard encode(&again, names: &names) == bytes else { return "re-encoding decoded event \(event) changes its record" }
            var facts = CustomerFacts()
            do { try facts.apply(record, policy: policy) } catch { return "a valid event's record does not fold: \(error)" }
            return factsRoundTrip(&facts)
        }
    }

    // MARK: Filters

    /// Profiles that filters are evaluated on: a visitor with nothing, a buyer with everything and
    /// one at the extremes.
    static let profiles: [Profile] = {
        let t = Timestamp(millisecondsSinceEpoch: 1_772_323_200_000)
        let visitor = Profile(
            customer: "c0", asOf: t, phase: .visitor, segment: .visitor, tier: nil, topPercent: nil, orders: 0,
            spend: Money(minorUnits: -500), gross: .zero, refunded: Money(minorUnits: 500), aov: nil, firstSeen: t, lastSeen: t,
            signup: nil, firstPurchase: nil, lastPurchase: nil, daysSincePurchase: nil, daysSinceSignup: nil,
            averageGapDays: nil, reactivations: 0, affinity: [], rfm: nil, cartAbandons: 0, lastCartAbandon: nil,
            lastCartValue: nil, emailOpens: 0, lastEmailOpen: nil, daysSinceEmailOpen: nil, email: nil, phone: nil,
            attributes: Attributes(), boughtProducts: [], boughtCategories: [], viewedProducts: [], viewedCategories: [])
        var buyer = visitor
        buyer.customer = "c1"
        buyer.phase = .declining
        buyer.segment = .highValueAtRisk
        buyer.tier = .gold
        buyer.topPercent = 5
        buyer.orders = 7
        buyer.spend = Money(minorUnits: 1_234_567)
        buyer.gross = Money(minorUnits: 1_300_000)
        buyer.aov = Money(minorUnits: 185_714)
        buyer.daysSincePurchase = 45.5
        buyer.daysSinceSignup = 400.25
        buyer.averageGapDays = 20
        buyer.reactivations = 2
        buyer.affinity = ["cameras", "lenses"]
        buyer.rfm = RFM(recency: 2, frequency: 5, monetary: 4)
        buyer.cartAbandons = 3
        buyer.emailOpens = 12
        buyer.daysSinceEmailOpen = 0.5
        buyer.email = "a@b.c"
        buyer.boughtProducts = ["p1", "p2"]
        buyer.boughtCategories = ["cameras"]
        buyer.viewedCategories = ["cameras", "tripods"]
        buyer.attributes = Attributes(gender: "Female", birthday: "1992-02-29", city: "Köln", country: "DE",
                                      interests: ["Cámaras"], emailConsent: true, adsConsent: false)
        buyer.lastCartAbandon = Timestamp(millisecondsSinceEpoch: t.millisecondsSinceEpoch - 86_400_000)
        buyer.lastCartValue = Money(minorUnits: 12_345)
        buyer.lastView = Timestamp(millisecondsSinceEpoch: t.millisecondsSinceEpoch - 3_600_000)
        buyer.lastOffer = Timestamp(millisecondsSinceEpoch: t.millisecondsSinceEpoch - 7 * 86_400_000)
        buyer.viewedProducts = ["p1"]
        buyer.openedCampaigns = ["news-1"]
        buyer.offers = ["vip"]
        let day = { (d: Int64) in Timestamp(millisecondsSinceEpoch: t.millisecondsSinceEpoch - d * 86_400_000) }
        buyer.listTimes = ListTimes()
        buyer.listTimes.bought = [day(30), day(2)]
        buyer.listTimes.boughtCategory = [day(2)]
        buyer.listTimes.viewed = [day(0)]
        buyer.listTimes.viewedCategory = [day(0), day(31)]
        buyer.listTimes.opened = [day(14)]
        buyer.listTimes.offered = [day(7)]
        var extreme = buyer
        extreme.customer = "c2"
        extreme.phase = .lapsed
        extreme.tier = .platinum
        extreme.orders = Int(UInt32.max)
        extreme.spend = Money(minorUnits: Limits.moneySumMinorUnitsMax)
        extreme.daysSincePurchase = -2_932_896
        extreme.daysSinceEmailOpen = 2_932_896
        return [visitor, buyer, extreme]
    }()

    /// The input as filter text. A filter that parses is evaluated, `not (…)` of it selects exactly
    /// the profiles it does not, its text parses to the same filter, and its index narrowing keeps
    /// every buyer that passes the narrowing conjunct.
    static func filter(_ input: UnsafeRawBufferPointer) -> String? {
        let text = String(decoding: input, as: UTF8.self)
        let filter: Filter
        do { filter = try Filter(text, currency: currency) } catch { return nil }
        _ = filter.root.usesLists
        // Parsing fails only past the length and nesting limits, which the input may be at.
        let negated = try? Filter("not (" + text + ")", currency: currency)
        for p in profiles where negated?.matches(p) == filter.matches(p) {
            return "not (…) and the filter agree on customer \(p.customer)"
        }
        guard let again = try? Filter(filter.text, currency: currency), again == filter else {
            return "the filter's text does not parse to the same filter"
        }
        for case .compare(let field, let op, let v) in filter.root.conjuncts {
            if Snapshot.nonBuyersFailSpend(op, v), let spend = [0, -1, -1e15].first(where: { op.holds($0, v) }) {
                return "spend \(op.rawValue) \(v) narrows the scan to buyers, but a net spend of \(spend) passes it"
            }
            guard field == .daysSincePurchase else { continue }
            for t in [0, 1_772_323_200_000, Timestamp.max.millisecondsSinceEpoch] {
                if let finding = lastPurchaseRangeKeepsPassing(op, v, asOf: t) { return finding }
            }
        }
        return nil
    }

    /// The last-purchase range the index narrowing scans for `days_since_purchase op v` at `t` holds
    /// the last purchases that pass it, near its edge and at the ends of time.
    static func lastPurchaseRangeKeepsPassing(_ op: FilterOperator, _ v: Double, asOf t: Int64) -> String? {
        guard let (oldest, newest) = Snapshot.lastPurchaseRange(op, v, asOf: t) else { return nil }
        let timeMax = Timestamp.max.millisecondsSinceEpoch
        let edge = min(max(Snapshot.clampedInt64((Double(t) - v * 86_400_000).rounded()) ?? 0, 0), timeMax)
        var lasts: [Int64] = [0, 1, t, timeMax]
        for d in Int64(-2)...2 { lasts += [edge + d, t + d] }
        for last in lasts where (0...timeMax).contains(last) && op.holds(Classifier.days(from: last, to: t), v) {
            guard oldest <= last, last <= newest else {
                return "days_since_purchase \(op.rawValue) \(v) at \(t) scans last purchases \(oldest)...\(newest), not \(last), which passes"
            }
        }
        return nil
    }

    // MARK: Plans

    static func plan(_ input: UnsafeRawBufferPointer) -> String? {
        let plan: CampaignPlan
        do { plan = try CampaignPlan(json: Array(input), currency: currency) } catch { return nil }
        for filter in plan.audiences.map(\.filter) + (plan.exclude.map { [$0] } ?? []) {
            for p in profiles { _ = filter.matches(p) }
            guard (try? Filter(filter.text, currency: currency)) == filter else { return "a plan's filter text does not parse to the same filter" }
        }
        return nil
    }

    // MARK: Stored records

    /// Damaged event records: decoding, decoding to an ``Event`` and folding throw or succeed; what
    /// a fold makes of a record it accepts encodes and decodes back to the same facts.
    static func eventRecord(_ input: UnsafeRawBufferPointer) -> String? {
        let record: EventRecord
        do { record = try EventRecord(input) } catch { return nil }
        _ = try? record.idAndPayload()
        _ = try? record.event { _, _ in "name" }
        var facts = CustomerFacts()
        do {
            try facts.apply(record, policy: policy)
            // Twice: the second meets the state the first left (same time, so in order).
            try facts.apply(record, policy: policy)
        } catch {
            return nil
        }
        return factsRoundTrip(&facts)
    }

    /// Damaged facts records: decoding throws or gives facts that encode and decode to themselves,
    /// and onto which a purchase, a cart abandon and an email open fold, as a later ingest would.
    static func facts(_ input: UnsafeRawBufferPointer) -> String? {
        if var partial = try? CustomerFacts(decoding: ByteView(input), lists: false) {
            _ = affinityScores(partial, asOf: partial.lastSeen, halfLifeDays: 30)
            if let finding = factsRoundTrip(&partial) { return "decoded without lists: " + finding }
        }
        guard var facts = try? CustomerFacts(decoding: ByteView(input)) else { return nil }
        for field in AttributeField.allCases { _ = facts.field(field) }
        _ = facts.interests
        for list in facts.lists { for e in list.entries { _ = list.lastTime(of: e.number) } }
        _ = affinityScores(facts, asOf: facts.lastSeen, halfLifeDays: 30)
        _ = affinityScores(facts, asOf: 0, halfLifeDays: 1e-9)
        if let finding = factsRoundTrip(&facts) { return finding }
        for var record in laterRecords {
            // At the facts' last time: in order, and a purchase long after the last one reactivates.
            record.withUnsafeMutableBytes { $0.storeBytes(of: UInt32(facts.lastSeen & 0xFFFF_FFFF).littleEndian, toByteOffset: 2, as: UInt32.self) }
            record.withUnsafeMutableBytes { $0.storeBytes(of: UInt16(facts.lastSeen >> 32).littleEndian, toByteOffset: 6, as: UInt16.self) }
            let finding = record.withUnsafeBytes { raw -> String? in
                do { try facts.apply(EventRecord(raw), policy: policy) } catch { return nil }
                return factsRoundTrip(&facts).map { "after a \(EventType(rawValue: raw[1])!.name): " + $0 }
            }
            if let finding { return finding }
        }
        return nil
    }

    /// A purchase of two lines in categories 1 and 2 with an email, a cart abandon, an email open,
    /// an offer, an unsubscribe and a profile with consent, as stored (their times are patched).
    static let laterRecords: [[UInt8]] = [
        #"{"type":"purchase","id":"e1","customer":"c1","time":0,"order":"o1","email":"a@b.c","items":[{"product":"p1","category":"k1","price":"5.00"},{"product":"p2","category":"k7","price":"1.50","quantity":3}]}"#,
        #"{"type":"cart_abandon","id":"e2","customer":"c1","time":0,"items":[{"product":"p1","category":"k1","price":"5.00"}]}"#,
        #"{"type":"email_open","id":"e3","customer":"c1","time":0,"campaign":"spring"}"#,
        #"{"type":"offer","id":"e4","customer":"c1","time":0,"offer":"spring","channel":"email"}"#,
        #"{"type":"unsubscribe","id":"e5","customer":"c1","time":0,"channel":"ads"}"#,
        #"{"type":"profile","id":"e6","customer":"c1","time":0,"attributes":{"email_consent":true,"city":"Köln","interests":["a"]}}"#,
    ].map { line in
        var scanner = JSONEventScanner(exponent: currency.exponent)
        var draft = EventDraft()
        var names = Names()
        Array(line.utf8).withUnsafeBytes { try! scanner.scan($0, into: &draft) }
        try! draft.validate(currency: currency)
        return encode(&draft, names: &names)
    }

    /// The affinity scores at `t` (``Classifier/affinityScores(_:asOf:)`` without a population).
    static func affinityScores(_ f: CustomerFacts, asOf t: Int64, halfLifeDays: Double) -> [(category: UInt32, score: Double)] {
        var policy = Policy()
        policy.affinityHalfLifeDays = halfLifeDays
        return Classifier(policy: policy, population: Population()).affinityScores(f, asOf: t)
    }

    /// Facts encode and decode back to themselves (with and without their lists).
    static func factsRoundTrip(_ facts: inout CustomerFacts) -> String? {
        facts.normalizeSets()
        var bytes: [UInt8] = []
        facts.encode(appendingTo: &bytes)
        return bytes.withUnsafeBytes { raw -> String? in
            do {
                let decoded = try CustomerFacts(decoding: ByteView(raw))
                guard decoded == facts else { return "facts change through encode and decode" }
                _ = try CustomerFacts(decoding: ByteView(raw), lists: false)
            } catch {
                return "encoded facts do not decode: \(error)"
            }
            return nil
        }
    }
}
