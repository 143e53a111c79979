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
/// popular and long-tail products (Zipf) in 20 categories; refunds of earlier orders; profile changes;
/// offers sent and unsubscribes; signups with gender, birthday and consent. Event ids carry the
/// seed (`e7-1234`), so files of different seeds go into one store side by side.
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
    package static let genders = ["female", "male", "female", "male", "female", "male", "female", "male", "female", "non-binary"]
    package static let offers = ["welcome", "winback", "vip-preview", "birthday", "cart-reminder"]
    package static let offerChannels = ["email", "email", "ads", "sms"]

    package let customers: Int
    package let events: Int
    package let seed: UInt64
    package var rng: Xoshiro
    let activity: WeightedTable
    let categoryTable: WeightedTable
    let productTable: WeightedTable
    var kind: [UInt8]          // 0 browser, 1 subscriber, 2 buyer
    var signedUp: [Bool]
    var gapDays: [Float]
    var basket: [Float]
    var nextDue: [Int64]
    var dormantUntil: [Int64]
    var session: [Int8]         // views left in the session, -1 outside one
    var sessionCategory: [UInt8]
    var lastOrder: [Int32]      // event number of the last purchase, -1 none
    var lastTotal: [Int64]
    var refundDue: [Bool]
    var out: [UInt8] = []
    var line: [UInt8] = []
    var held: [(release: Int, bytes: [UInt8], duplicate: Bool)] = []
    var fresh = 0

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
        self.seed = seed
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

    mutating func flush(_ sink: (UnsafeRawBufferPointer) throws -> Void) rethrows {
        try out.withUnsafeBytes { try sink($0) }
        out.removeAll(keepingCapacity: true)
    }

    /// Builds the next fresh event of a customer drawn by activity into ``line``.
    mutating func makeEvent(at t: Int64) -> EventType {
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
        if signedUp[c], r < 0.215 {
            head("offer", c, t)
            text(#","offer":""#); text(Self.offers[rng.below(Self.offers.count)])
            text(#"","channel":""#); text(Self.offerChannels[rng.below(Self.offerChannels.count)]); text("\"}\n")
            return .offer
        }
        if signedUp[c], r < 0.217 {
            head("unsubscribe", c, t)
            text(#","channel":""#); text(ConsentChannel.allCases[rng.below(3)].name); text("\"}\n")
            return .unsubscribe
        }
        session[c] = Int8(rng.below(5))
        sessionCategory[c] = UInt8(categoryTable.draw(&rng))
        view(c, t)
        return .productView
    }

}
