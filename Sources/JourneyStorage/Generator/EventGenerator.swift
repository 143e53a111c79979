#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A realistic synthetic data set of shop events as JSONL, the same bytes for the same seed.
///
/// ```swift
/// var generator = try EventGenerator(customers: 10_000, events: 200_000, seed: 7)
/// let summary = try generator.write { chunk in try file.write(chunk) }
/// ```
/// Exactly `events` lines over two years (2024-07-01 … 2026-06-30): customers with Pareto-distributed
/// activity and basket sizes (the top 20 % of buyers bring most revenue), browsers who never buy,
/// subscribers who only open emails, buyers with their own rhythms who lapse for months and come back;
/// browsing sessions of product views in one category that end in a purchase or an abandoned cart;
/// popular and long-tail products (Zipf) in 20 categories; refunds of earlier orders; profile changes.
/// About 2 % of events are delivered late (after later ones) and about 1 % twice.
/// Memory is O(customers + products), whatever the number of events.
public struct EventGenerator {
    /// What was generated.
    public struct Summary: Hashable, Sendable {
        /// Lines written (= events asked for).
        public var lines = 0
        /// Events by type, duplicates not counted.
        public var byType: [EventType: Int] = [:]
        /// Lines that repeat an earlier line exactly (same event id).
        public var duplicates = 0
        /// Events written after events with a later time.
        public var late = 0
    }

    /// The first event time generated.
    public static let start = Timestamp(millisecondsSinceEpoch: 1_719_792_000_000)   // 2024-07-01T00:00:00Z
    /// The last event time generated.
    public static let end = Timestamp(millisecondsSinceEpoch: 1_782_863_999_000)     // 2026-06-30T23:59:59Z
    package static let categories = ["cameras", "lenses", "tripods", "bags", "lighting", "memory", "drones", "audio",
                             "filters", "batteries", "straps", "printers", "binoculars", "microphones", "gimbals",
                             "monitors", "film", "books", "cleaning", "cases"]
    package static let productsPerCategory = 250
    package static let countries = ["US", "US", "US", "GB", "DE", "FR", "ES", "CA", "AU", "NL"]
    package static let cities = ["New York", "Chicago", "Austin", "London", "Berlin", "Paris", "Madrid", "Toronto", "Sydney", "Amsterdam"]
    package static let firstNames = ["Ana", "Ben", "Chloé", "Dev", "Emma", "Farid", "Grace", "Hiro", "Ines", "Jon", "Kai", "Lena"]
    package static let lastNames = ["García", "Smith", "Müller", "Dubois", "Rossi", "Tanaka", "Okafor", "Novak", "Silva", "Lee"]

    package let customers: Int
    package let events: Int
    package var rng: Xoshiro
    private let activity: WeightedTable
    private let categoryTable: WeightedTable
    private let productTable: WeightedTable
    private var kind: [UInt8]          // 0 browser, 1 subscriber, 2 buyer
    private var signedUp: [Bool]
    private var gapDays: [Float]
    private var basket: [Float]
    private var nextDue: [Int64]
    private var dormantUntil: [Int64]
    private var session: [Int8]         // views left in the session, -1 outside one
    private var sessionCategory: [UInt8]
    private var lastOrder: [Int32]      // event number of the last purchase, -1 none
    private var lastTotal: [Int64]
    private var refundDue: [Bool]
    private var out: [UInt8] = []
    private var line: [UInt8] = []
    private var held: [(release: Int, bytes: [UInt8], duplicate: Bool)] = []
    private var fresh = 0

    /// Sets up the customers (their kinds, rhythms and Pareto weights); no event is made yet.
    ///
    /// ```swift
    /// var generator = try EventGenerator(customers: 2_000, events: 20_000, seed: 42)
    /// ```
    /// - Parameters:
    ///   - customers: How many customer ids (`c0000000` …) may appear, 1 to 100 000 000.
    ///   - events: How many lines ``write(to:)`` emits, duplicates and late ones included.
    ///   - seed: The seed; the same three arguments always give the same bytes.
    /// - Throws: ``JourneyError`` `.invalidArgument` for fewer than 1 customer or a negative count.
    public init(customers: Int, events: Int, seed: UInt64 = 1) throws(JourneyError) {
        guard customers >= 1, customers <= 100_000_000 else { throw .invalidArgument("--customers must be from 1 to 100000000, got \(customers)") }
        guard events >= 0 else { throw .invalidArgument("--events must be ≥ 0, got \(events)") }
        self.customers = customers
        self.events = events
        rng = Xoshiro(seed: seed)
        var weights = [Double](repeating: 0, count: customers)
        kind = [UInt8](repeating: 0, count: customers)
        gapDays = [Float](repeating: 0, count: customers)
        basket = [Float](repeating: 1, count: customers)
        for c in 0..<customers {
            weights[c] = rng.pareto(1.3)
            let r = rng.unit()
            kind[c] = r < 0.25 ? 0 : r < 0.4 ? 1 : 2
            gapDays[c] = Float(7 + 170 * pow(rng.unit(), 2))
            basket[c] = Float(min(rng.pareto(1.5), 20))
        }
        activity = WeightedTable(weights: weights)
        categoryTable = WeightedTable(weights: (1...Self.categories.count).map { 1 / Double($0) })
        productTable = WeightedTable(weights: (1...Self.productsPerCategory).map { 1 / pow(Double($0), 1.1) })
        signedUp = [Bool](repeating: false, count: customers)
        nextDue = [Int64](repeating: 0, count: customers)
        dormantUntil = [Int64](repeating: 0, count: customers)
        session = [Int8](repeating: -1, count: customers)
        sessionCategory = [UInt8](repeating: 0, count: customers)
        lastOrder = [Int32](repeating: -1, count: customers)
        lastTotal = [Int64](repeating: 0, count: customers)
        refundDue = [Bool](repeating: false, count: customers)
        out.reserveCapacity(1 << 20)
    }

    /// Generates every line, handing them to `sink` in chunks of about 1 MiB.
    ///
    /// ```swift
    /// var bytes: [UInt8] = []
    /// let summary = generator.write { bytes.append(contentsOf: $0) }
    /// ```
    /// - Parameter sink: Receives the output in order; the buffer is only valid during the call.
    /// - Returns: Lines written and counts by type, duplicates and late deliveries.
    public mutating func write(to sink: (UnsafeRawBufferPointer) throws -> Void) rethrows -> Summary {
        var summary = Summary()
        let span = Self.end.millisecondsSinceEpoch - Self.start.millisecondsSinceEpoch
        let step = max(Int64(1), span / Int64(max(events, 1)))
        while summary.lines < events {
            if let k = held.firstIndex(where: { $0.release <= summary.lines }) ?? (summary.lines + held.count >= events ? held.indices.first : nil) {
                let item = held.remove(at: k)
                out.append(contentsOf: item.bytes)
                if item.duplicate { summary.duplicates += 1 } else { summary.late += 1 }
                summary.lines += 1
            } else {
                let t = Self.start.millisecondsSinceEpoch + Int64(fresh) * span / Int64(max(events, 1)) + Int64(rng.below(Int(step)))
                let type = makeEvent(at: t)
                summary.byType[type, default: 0] += 1
                fresh += 1
                if summary.lines + held.count + 1 < events, rng.chance(0.01) {
                    held.append((summary.lines + 1 + rng.below(5000), line, true))
                }
                if summary.lines + held.count + 1 < events, rng.chance(0.02) {
                    held.append((summary.lines + 10 + rng.below(2000), line, false))
                } else {
                    out.append(contentsOf: line)
                    summary.lines += 1
                }
            }
            if out.count >= 1 << 20 { try flush(sink) }
        }
        try flush(sink)
        return summary
    }

    /// Generates every line into the file at `path` (created or truncated), or to standard output
    /// for `nil`; `progress` is told the MiB written so far.
    public mutating func write(toPath path: String?, progress: ((Int) -> Void)? = nil) throws -> Summary {
        let output = try path.map { try FileOutput(creating: $0) } ?? FileOutput(descriptor: 1, name: "standard output")
        var written = 0
        let summary = try write { chunk in
            try output.write(chunk)
            written += chunk.count
            progress?(written >> 20)
        }
        try output.close()
        return summary
    }

    private mutating func flush(_ sink: (UnsafeRawBufferPointer) throws -> Void) rethrows {
        try out.withUnsafeBytes { try sink($0) }
        out.removeAll(keepingCapacity: true)
    }

    /// Builds the next fresh event of a customer drawn by activity into ``line``.
    private mutating func makeEvent(at t: Int64) -> EventType {
        let c = activity.draw(&rng)
        line.removeAll(keepingCapacity: true)
        if refundDue[c] {
            refundDue[c] = false
            let total = lastTotal[c]
            let amount = rng.chance(0.5) || total < 2 ? total : 1 + Int64(rng.below(Int(total - 1)))
            head("refund", c, t)
            text(#","order":"o"#); number(Int64(lastOrder[c])); text(#"","total":""#); money(amount); text("\"}\n")
            return .refund
        }
        if !signedUp[c], kind[c] != 0, rng.chance(0.3) {
            signedUp[c] = true
            signup(c, t, type: "signup")
            return .signup
        }
        if session[c] > 0 {
            session[c] -= 1
            view(c, t)
            return .productView
        }
        if session[c] == 0 {
            session[c] = -1
            if kind[c] == 2, t >= nextDue[c], t >= dormantUntil[c] {
                purchase(c, t)
                return .purchase
            }
            if rng.chance(0.6) {
                cart(c, t)
                return .cartAbandon
            }
        }
        let r = rng.unit()
        if signedUp[c], r < 0.18 {
            head("email_open", c, t)
            text(#","campaign":"news-"#); number(Int64(t / 86_400_000 / 7)); text("\"}\n")
            return .emailOpen
        }
        if signedUp[c], r < 0.19 {
            signup(c, t, type: "profile")
            return .profile
        }
        session[c] = Int8(rng.below(5))
        sessionCategory[c] = UInt8(categoryTable.draw(&rng))
        view(c, t)
        return .productView
    }

    private mutating func view(_ c: Int, _ t: Int64) {
        let category = Int(sessionCategory[c])
        let product = productTable.draw(&rng)
        head("product_view", c, t)
        text(#","product":"p"#); number(Int64(category * Self.productsPerCategory + product))
        text(#"","category":""#); text(Self.categories[category]); text("\"}\n")
    }

    private mutating func items(_ c: Int) -> Int64 {
        let count = 1 + min(Int(basket[c] * Float(rng.unit())), 4)
        var total: Int64 = 0
        text(#","items":["#)
        for k in 0..<count {
            let category = k == 0 ? Int(sessionCategory[c]) : categoryTable.draw(&rng)
            let product = productTable.draw(&rng)
            let id = category * Self.productsPerCategory + product
            let price = Self.price(product: id, category: category)
            let quantity = rng.chance(0.9) ? 1 : 2 + rng.below(3)
            total += price * Int64(quantity)
            if k > 0 { text(",") }
            text(#"{"product":"p"#); number(Int64(id)); text(#"","category":""#); text(Self.categories[category])
            text(#"","price":""#); money(price); text("\"")
            if quantity > 1 { text(#","quantity":"#); number(Int64(quantity)) }
            text("}")
        }
        text("]")
        return total
    }

    private mutating func purchase(_ c: Int, _ t: Int64) {
        head("purchase", c, t)
        text(#","order":"o"#); number(Int64(fresh)); text("\"")
        let total = items(c)
        if rng.chance(0.3) { text(#","currency":"USD""#) }
        if rng.chance(0.2) { text(#","email":"customer"#); number(Int64(c)); text(#"@example.com""#) }
        text("}\n")
        lastOrder[c] = Int32(truncatingIfNeeded: fresh)
        lastTotal[c] = total
        refundDue[c] = total > 0 && rng.chance(0.03)
        let gap = Double(gapDays[c]) * (0.5 + rng.unit())
        nextDue[c] = t + Int64(gap * 86_400_000)
        if rng.chance(0.12) { dormantUntil[c] = t + Int64((95 + 200 * rng.unit()) * 86_400_000) }
    }

    private mutating func cart(_ c: Int, _ t: Int64) {
        head("cart_abandon", c, t)
        let total = items(c)
        if rng.chance(0.2) { text(#","total":""#); money(total); text("\"") }
        text("}\n")
    }

    private mutating func signup(_ c: Int, _ t: Int64, type: StaticString) {
        head(type, c, t)
        text(#","email":"customer"#); number(Int64(c)); text(#"@example.com""#)
        if rng.chance(0.4) { text(#","phone":"+1 555 "#); number(Int64(1_000_000 + c % 9_000_000)); text("\"") }
        text(#","attributes":{"first_name":""#); text(Self.firstNames[c % Self.firstNames.count])
        text(#"","last_name":""#); text(Self.lastNames[(c / 7) % Self.lastNames.count])
        text(#"","country":""#); text(Self.countries[c % Self.countries.count])
        text(#"","city":""#); text(Self.cities[c % Self.cities.count])
        text(#"","zip":""#); number(Int64(10_000 + c % 89_999))
        text(#"","birthday":""#); number(Int64(1950 + c % 55)); text("-0"); number(Int64(1 + c % 9)); text("-1"); number(Int64(c % 9))
        text(#"","interests":[""#); text(Self.categories[c % Self.categories.count]); text("\"]}}\n")
    }

    private mutating func head(_ type: StaticString, _ c: Int, _ t: Int64) {
        text(#"{"id":"e"#); number(Int64(fresh)); text(#"","type":""#); text(type)
        text(#"","customer":"c"#); padded(c, 7); text(#"","time":"#)
        if fresh % 10 == 3 { number(t) } else { text("\""); rfc3339(t); text("\"") }
    }

    // MARK: Bytes

    @inline(__always) private mutating func text(_ s: StaticString) {
        line.append(contentsOf: UnsafeBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount))
    }

    @inline(__always) private mutating func text(_ s: String) { line.append(contentsOf: s.utf8) }

    private mutating func number(_ v: Int64) {
        if v >= 10 { number(v / 10) }
        line.append(UInt8(48 + v % 10))
    }

    private mutating func padded(_ v: Int, _ width: Int) {
        var digits = 1, x = v
        while x >= 10 { x /= 10; digits += 1 }
        for _ in digits..<max(width, digits) { line.append(48) }
        number(Int64(v))
    }

    private mutating func money(_ cents: Int64) {
        number(cents / 100)
        line.append(46)
        line.append(UInt8(48 + cents / 10 % 10))
        line.append(UInt8(48 + cents % 10))
    }

    private mutating func rfc3339(_ ms: Int64) {
        let days = ms / 86_400_000, rest = ms % 86_400_000
        let (y, m, d) = Timestamp.civil(fromDays: days)
        padded(Int(y), 4); line.append(45); padded(Int(m), 2); line.append(45); padded(Int(d), 2); line.append(84)
        padded(Int(rest / 3_600_000), 2); line.append(58); padded(Int(rest / 60_000 % 60), 2); line.append(58)
        padded(Int(rest / 1000 % 60), 2); line.append(90)
    }

    /// A product's price in cents: fixed per product, in its category's price band.
    package static func price(product: Int, category: Int) -> Int64 {
        var h = UInt64(product) &* 0x9E37_79B9_7F4A_7C15
        h ^= h >> 29
        let base = [89_900, 45_000, 12_000, 6_000, 8_000, 2_500, 70_000, 15_000, 3_000, 2_000,
                    1_500, 20_000, 18_000, 11_000, 25_000, 30_000, 1_200, 2_900, 900, 3_500][category]
        return Int64(Double(base) * (0.5 + Double(h % 1000) / 666)) / 10 * 10 + 9
    }
}
