import Foundation
import Testing
@testable import JourneyStore
@_spi(Storage) import JourneyStorage

/// Random filters over every field and operator, on a random store with buyers, non-buyers and
/// refund-only customers: an index-narrowed answer equals a full scan, and `X`, `X or X`, `not not X`
/// and the complement `not X` agree with each other.
@Suite struct FilterPropertyTests {
    /// 200 random customers plus a few of the kinds the boundaries are about.
    static func store() throws -> TemporaryStore {
        var random = RandomEvents(seed: 16, customers: 200)
        var events = random.events(900)
        let day: Int64 = 86_400_000, t0: Int64 = 1_750_000_000_000
        func event(_ customer: String, _ ms: Int64, _ payload: Event.Payload) {
            events.append(Event(id: "z\(events.count)", customer: customer, time: Timestamp(millisecondsSinceEpoch: ms), payload: payload))
        }
        let free = [LineItem(product: "p1", category: "cat1", price: .zero, quantity: 1)]
        let ten = [LineItem(product: "p2", category: "cat2", price: Money(minorUnits: 1000), quantity: 1)]
        event("free-buyer", t0, .purchase(order: "f1", items: free, contact: Contact()))
        event("refund-only", t0 + day, .refund(order: "x", total: Money(minorUnits: 500)))
        event("net-zero", t0 - 30 * day, .purchase(order: "n1", items: ten, contact: Contact()))
        event("net-zero", t0 - 29 * day, .refund(order: "n1", total: Money(minorUnits: 1000)))
        event("net-negative", t0 - 2 * day, .purchase(order: "g1", items: ten, contact: Contact()))
        event("net-negative", t0 - day, .refund(order: "g1", total: Money(minorUnits: 2500)))
        event("visitor", t0, .productView(product: "p3", category: "cat3"))
        let t = try TemporaryStore()
        try t.store.append(events)
        return t
    }

    @Test(arguments: [(1.1574074074074074e-08, "0.000000011574074074074074"), (-2.5e20, "-250000000000000000000"),
                      (12.5, "12.5"), (-0.0, "-0.0"), (3e-05, "0.00003"), (1.0, "1.0")])
    func literalsArePlainDecimals(value: Double, text: String) {
        #expect(RandomFilters.plain(value) == text)
        #expect(Double(text) == value)
    }

    @Test(arguments: [nil, Timestamp(millisecondsSinceEpoch: 1_750_000_000_000)])
    func indexNarrowingComplementAndRepetitionAgreeWithAFullScan(asOf: Timestamp?) throws {
        let t = try Self.store()
        try t.store.read { snapshot in
            var profiles: [Profile] = []
            try snapshot.forEachProfile(asOf: asOf) { profiles.append($0); return true }
            let everyone = Set(profiles.map(\.customer))
            #expect(profiles.contains { $0.orders == 0 && $0.spend.minorUnits < 0 }, "a refund-only customer")
            #expect(profiles.filter { $0.orders == 0 }.count > 20, "many non-buyers")
            var generator = RandomFilters(profiles: profiles, seed: asOf == nil ? 1 : 2)
            var narrowed = 0
            for _ in 0..<150 {
                let x = generator.filter()
                let filter = try Filter(x)
                let answer = try Self.audience(filter, snapshot, asOf)
                let brute = Set(profiles.filter(filter.matches).map(\.customer))
                #expect(answer == brute, "index and full scan differ for \(x): only indexed \(answer.subtracting(brute)), only scanned \(brute.subtracting(answer))")
                #expect(try Self.audience(Filter("(\(x)) or (\(x))"), snapshot, asOf) == answer, "X or X differs for \(x)")
                #expect(try Self.audience(Filter("not not (\(x))"), snapshot, asOf) == answer, "not not X differs for \(x)")
                let complement = try Self.audience(Filter("not (\(x))"), snapshot, asOf)
                #expect(complement.isDisjoint(with: answer) && complement.union(answer) == everyone,
                        "X and not X do not split the customers for \(x)")
                if try snapshot.access(for: filter, asOf: asOf) != .fullScan { narrowed += 1 }
            }
            if try snapshot.pastView(asOf: asOf?.millisecondsSinceEpoch) == nil {
                #expect(narrowed > 20, "the index ranges were exercised")
            } else {
                #expect(narrowed == 0, "as of a past clock every customer is tested: the indexes hold the newest facts")
            }
        }
    }

    static func audience(_ filter: Filter, _ snapshot: Snapshot, _ asOf: Timestamp?) throws -> Set<String> {
        var out = Set<String>()
        try snapshot.forEachProfile(where: filter, asOf: asOf) { out.insert($0.customer); return true }
        return out
    }
}

/// Filter text over every field and operator, with literals at and around the boundaries: 0,
/// negatives, the profiles' real values and their neighbours, huge numbers.
struct RandomFilters {
    var random: SeededRandom
    let numbers: [FilterField: [String]]
    let lists: [FilterField: [String]]
    let texts: [FilterField: [String]]
    /// Per list field, `within` windows at and around the distances of real entries' times from T.
    let windows: [FilterField: [String]]
    static let indexed: [FilterField] = [.topPercent, .spend, .daysSincePurchase, .orders]
    static let operators = ["=", "!=", "<", "<=", ">", ">="]

    init(profiles: [Profile], seed: UInt64) {
        random = SeededRandom(seed: seed)
        let always = ["0", "-0", "1", "-1", "0.5", "-0.5", "3", "20", "1000000000000000000", "-1000000000000000000", "123456789012"]
        var numbers: [FilterField: [String]] = [:], lists: [FilterField: [String]] = [:]
        var texts: [FilterField: [String]] = [:], windows: [FilterField: [String]] = [:]
        for field in FilterField.allCases {
            switch field.kind {
            case .number:
                let real = profiles.compactMap { field.number(of: $0) }.shuffled(using: &random).prefix(12)
                numbers[field] = always + real.flatMap { [$0, $0.nextUp, $0.nextDown].map(Self.plain) }
            case .money:
                let real = profiles.compactMap { field == .spend ? $0.spend : field == .aov ? $0.aov : $0.lastCartValue }
                    .shuffled(using: &random).prefix(12)
                numbers[field] = always + real.flatMap { m in
                    [m.minorUnits, m.minorUnits + 1, m.minorUnits - 1].map { Money(minorUnits: $0).decimalString(exponent: 2) }
                } + ["0.001", "-0.004"]
            case .list:
                lists[field] = Array(Set(profiles.flatMap { field.list(of: $0) }).sorted().prefix(10)) + ["none-such"]
                var days = ["0", "1", "30", "365", "100000"]
                for p in profiles.shuffled(using: &random).prefix(40) {
                    for name in field.list(of: p).prefix(2) {
                        guard let last = p.lastTime(of: name, in: field) else { continue }
                        let d = Double(p.asOf.millisecondsSinceEpoch - last.millisecondsSinceEpoch) / 86_400_000
                        days += [d, d.nextUp, d.nextDown].filter { $0 >= 0 }.map(Self.plain)
                    }
                }
                windows[field] = days
            case .text:
                let real = Set(profiles.compactMap { field.text(of: $0) }).sorted().prefix(10)
                texts[field] = Array(real) + real.map { $0.uppercased() } + ["none-such", ""]
            case .date:
                texts[field] = Array(Set(profiles.compactMap { $0.attributes.birthday })).sorted() + ["1900-01-01", "2000-02-29"]
            default: break
            }
        }
        self.numbers = numbers
        self.lists = lists
        self.texts = texts
        self.windows = windows
    }

    /// `v` in plain decimal (no exponent), digit for digit Swift's shortest form, which round-trips.
    static func plain(_ v: Double) -> String {
        let shortest = v.description
        guard let e = shortest.firstIndex(of: "e") else { return shortest }
        let negative = shortest.hasPrefix("-")
        let mantissa = shortest[shortest.index(shortest.startIndex, offsetBy: negative ? 1 : 0)..<e]
        let exponent = Int(shortest[shortest.index(after: e)...])!
        var digits = mantissa.replacingOccurrences(of: ".", with: "")
        var point = (mantissa.firstIndex(of: ".").map { mantissa.distance(from: mantissa.startIndex, to: $0) } ?? mantissa.count) + exponent
        if point <= 0 { digits = String(repeating: "0", count: 1 - point) + digits; point = 1 }
        if point >= digits.count { digits += String(repeating: "0", count: point - digits.count); point = digits.count }
        let whole = digits.prefix(point), fraction = digits.dropFirst(point)
        return (negative ? "-" : "") + whole + (fraction.isEmpty ? "" : "." + fraction)
    }

    /// `s` as a filter's string literal.
    static func quoted(_ s: String) -> String {
        "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    mutating func pick<T>(_ values: [T]) -> T { values.randomElement(using: &random)! }
    mutating func chance(_ p: Double) -> Bool { Double.random(in: 0..<1, using: &random) < p }

    /// A filter, often an indexed comparison and-ed with more, so that index ranges are exercised.
    mutating func filter() -> String {
        chance(0.5) ? comparison(pick(Self.indexed)) + " and " + tree(depth: 2) : tree(depth: 3)
    }

    mutating func tree(depth: Int) -> String {
        guard depth > 0, chance(0.6) else { return comparison(pick(FilterField.allCases)) }
        switch Int.random(in: 0..<4, using: &random) {
        case 0: return tree(depth: depth - 1) + " and " + tree(depth: depth - 1)
        case 1: return tree(depth: depth - 1) + " or " + tree(depth: depth - 1)
        case 2: return "not " + tree(depth: depth - 1)
        default: return "(" + tree(depth: depth - 1) + ")"
        }
    }

    mutating func comparison(_ field: FilterField) -> String {
        let name = field.rawValue
        switch field.kind {
        case .enumeration(let values):
            return chance(0.3) ? "\(name) in (\(pick(values)), \(pick(values)))" : "\(name) \(pick(["=", "!="])) \(pick(values))"
        case .ordered(let values):
            return chance(0.2) ? "\(name) in (\(pick(values)), \(pick(values)))" : "\(name) \(pick(Self.operators)) \(pick(values))"
        case .number, .money:
            let pool = numbers[field]!
            return chance(0.15) ? "\(name) in (\(pick(pool)), \(pick(pool)))" : "\(name) \(pick(Self.operators)) \(pick(pool))"
        case .list:
            let value = pick(lists[field]!)
            let test = chance(0.3) ? "\(name) ~= \(Self.quoted(chance(0.5) ? value.uppercased() : value))" : "\(name) has \(Self.quoted(value))"
            guard field.timedList != nil, chance(0.5) else { return test }
            return test + " within \(pick(windows[field]!)) days"
        case .boolean:
            return pick([name, "\(name) = true", "\(name) = false", "\(name) != true"])
        case .text:
            let pool = texts[field]!.map(Self.quoted)
            return chance(0.2) ? "\(name) in (\(pick(pool)), \(pick(pool)))" : "\(name) \(pick(["=", "!=", "~="])) \(pick(pool))"
        case .date:
            return "\(name) \(pick(Self.operators)) \"\(pick(texts[field]!))\""
        }
    }
}
