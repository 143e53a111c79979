@_spi(Storage) import JourneyStorage
/// A campaign plan: audiences in priority order plus exclusions. Each customer lands in at most one
/// audience — the first whose filter matches — and in none when it matches ``exclude``.
public struct CampaignPlan: Sendable {
    /// One audience of a plan: who, and in which file format.
    public struct Audience: Sendable {
        /// The audience's name, also its file name (letters, digits, `_` and `-`).
        public var name: String
        /// Who is in it (after the exclusions and the audiences before it).
        public var filter: Filter
        /// The file format of its export.
        public var format: ExportFormat
        /// What a `csv` or `jsonl` list is for (`"for": "email"`), which decides the consent needed.
        public var purpose: ExportPurpose? = nil

        /// An audience named `name` (1–100 ASCII letters, digits, `_` or `-`).
        /// - Throws: ``JourneyError`` `.invalidArgument` for a name that cannot be a file name.
        public init(name: String, filter: Filter, format: ExportFormat) throws(JourneyError) {
            guard !name.isEmpty, name.utf8.count <= 100,
                  name.unicodeScalars.allSatisfy({ $0.isASCII && ($0.properties.isAlphabetic || $0.properties.numericType != nil || $0 == "_" || $0 == "-") }) else {
                throw JourneyError(.invalidArgument, "audience name \"\(name)\" must be 1–100 letters, digits, _ or -")
            }
            self.name = name
            self.filter = filter
            self.format = format
        }
    }

    /// Customers matching this are in no audience.
    public var exclude: Filter?
    /// The audiences in priority order.
    public var audiences: [Audience]
    /// The plan's name (`"name"`; `journey plan` defaults to the file's name): the offers that
    /// ``JourneyStore/runPlan(_:asOf:position:sinks:ignoreConsent:record:filesWritten:)`` records have ids made of it.
    public var name: String? = nil
    /// Customers offered anything within this many days (`"cooldown_days"`) are in no audience.
    public var cooldownDays: Double? = nil

    /// A plan of `audiences`, in priority order, leaving out the customers `exclude` matches.
    /// - Throws: ``JourneyError`` `.invalidArgument` without audiences or with a name used twice.
    public init(exclude: Filter?, audiences: [Audience]) throws(JourneyError) {
        guard !audiences.isEmpty else { throw JourneyError(.invalidArgument, "a plan needs at least one audience") }
        var seen = Set<String>()
        for a in audiences where !seen.insert(a.name).inserted {
            throw JourneyError(.invalidArgument, "audience name \"\(a.name)\" is used twice")
        }
        self.exclude = exclude
        self.audiences = audiences
    }
}

extension CampaignPlan {
    /// The largest plan file, in bytes: room for 64 audiences with filters of the longest kind.
    public static let fileBytesMax = 64 * Filter.textBytesMax

    /// Reads a plan file (DESIGN.md §4): a JSON object with an optional filter `exclude` and
    /// `audiences`, an array of objects with `name`, `where` (a filter) and `format` (`csv`, the
    /// default, `jsonl`, `meta` or `google`), in priority order.
    ///
    /// ```swift
    /// let plan = try CampaignPlan(json: Array(#"{"exclude": "cart_abandons >= 10", "audiences": [{"name": "vip", "where": "top_percent <= 5", "format": "meta"}]}"#.utf8))
    /// ```
    /// - Parameters:
    ///   - json: the file's bytes, UTF-8.
    ///   - currency: the store's currency, which scales `spend` and `aov` literals.
    /// - Throws: ``JourneyError`` `.invalidArgument` naming the key and what was expected
    ///   (`audiences[1].format: expected csv, jsonl, meta or google, found the string "xml"`): for
    ///   bytes that are not JSON (with line and column), more than ``fileBytesMax`` bytes or 16
    ///   levels of nested arrays and objects, anything but an object at the top, unknown or
    ///   repeated keys, a missing `audiences` or `name`, a bad filter, format or name, and a name used twice.
    public init(json: [UInt8], currency: Currency = .usd) throws(JourneyError) {
        guard json.count <= Self.fileBytesMax else {
            throw JourneyError(.invalidArgument, "expected a plan of at most \(Self.fileBytesMax) bytes, found \(json.count) bytes")
        }
        let shape = #"{"name": …, "exclude": FILTER, "cooldown_days": N, "audiences": [{"name": …, "where": FILTER, "format": …, "for": …}, …]}"#
        let top = try Self.members(of: try PlanJSON.parse(json), at: nil, keys: ["name", "exclude", "cooldown_days", "audiences"], shape: shape)
        let exclude = try top["exclude"].map { v throws(JourneyError) in try Self.filter(v, at: "exclude", currency) }
        guard let list = top["audiences"] else {
            throw JourneyError(.invalidArgument, "missing \"audiences\": expected \(shape)")
        }
        guard case .array(let elements) = list else {
            throw JourneyError(.invalidArgument, "audiences: expected an array of {\"name\", \"where\", \"format\"} objects, found \(list.kind)")
        }
        var audiences: [Audience] = [], firstUse: [String: Int] = [:]
        for (k, element) in elements.enumerated() {
            let audience = try Self.audience(element, at: "audiences[\(k)]", currency)
            if let first = firstUse[audience.name] {
                throw JourneyError(.invalidArgument, "audiences[\(k)].name: \"\(audience.name)\" is already the name of audiences[\(first)]")
            }
            firstUse[audience.name] = k
            audiences.append(audience)
        }
        try self.init(exclude: exclude, audiences: audiences)
        try readOffers(top)
    }

    private static func audience(_ value: PlanJSON, at path: String, _ currency: Currency) throws(JourneyError) -> Audience {
        let fields = try members(of: value, at: path, keys: ["name", "where", "format", "for"], shape: #"{"name": …, "where": FILTER, "format": …, "for": …}"#)
        guard let nameValue = fields["name"] else { throw JourneyError(.invalidArgument, "\(path): missing \"name\"") }
        guard case .string(let name) = nameValue else {
            throw JourneyError(.invalidArgument, "\(path).name: expected a string, found \(nameValue.kind)")
        }
        guard let filterValue = fields["where"] else { throw JourneyError(.invalidArgument, "\(path): missing \"where\"") }
        let filter = try Self.filter(filterValue, at: path + ".where", currency)
        var format = ExportFormat.csv
        if let formatValue = fields["format"] {
            let formats = "csv, jsonl, meta or google"
            guard case .string(let text) = formatValue, let known = ExportFormat(rawValue: text) else {
                throw JourneyError(.invalidArgument, "\(path).format: expected \(formats), found \(formatValue.kind)")
            }
            format = known
        }
        var audience: Audience
        do { audience = try Audience(name: name, filter: filter, format: format) } catch {
            throw JourneyError(.invalidArgument, "\(path).name: \(error.message)")
        }
        audience.purpose = try purpose(fields["for"], at: path + ".for")
        return audience
    }

    /// The members of an object, refusing anything else, keys not in `keys` and keys given twice.
    static func members(of value: PlanJSON, at path: String?, keys: [String], shape: String) throws(JourneyError) -> [String: PlanJSON] {
        let prefix = path.map { $0 + ": " } ?? ""
        guard case .object(let pairs) = value else {
            throw JourneyError(.invalidArgument, "\(prefix)expected an object \(shape), found \(value.kind)")
        }
        var out: [String: PlanJSON] = [:]
        for (key, member) in pairs {
            guard keys.contains(key) else {
                let quoted = keys.map { "\"\($0)\"" }
                let known = quoted.dropLast().joined(separator: ", ") + " or " + quoted.last!
                throw JourneyError(.invalidArgument, "\(prefix)unknown key \(JSONText.quoted(key)); expected \(known)")
            }
            guard out.updateValue(member, forKey: key) == nil else {
                throw JourneyError(.invalidArgument, "\(prefix)key \"\(key)\" appears twice")
            }
        }
        return out
    }

    private static func filter(_ value: PlanJSON, at path: String, _ currency: Currency) throws(JourneyError) -> Filter {
        guard case .string(let text) = value else {
            throw JourneyError(.invalidArgument, "\(path): expected a filter string, found \(value.kind)")
        }
        do { return try Filter(text, currency: currency) } catch {
            throw JourneyError(.invalidArgument, "\(path): \(error.message)")
        }
    }
}

/// What a plan did.
public struct PlanReport: Hashable, Sendable {
    /// What one audience got.
    public struct AudienceCount: Hashable, Sendable {
        /// The audience's name.
        public var name: String
        /// Its file format.
        public var format: ExportFormat
        /// Customers assigned to this audience.
        public var matched = 0
        /// Of those, written to its file.
        public var written = 0
        /// Of those, left out for want of an email or phone the format can use.
        public var skippedWithoutIdentifier = 0
        /// Of those, left out for want of the consent the audience's purpose needs.
        public var skippedWithoutConsent = 0
    }
    /// The clock the plan classified at.
    public var asOf: Timestamp
    /// The log position counted (``Snapshot/position``): with ``asOf``, what reproduces the plan.
    public var position: UInt64
    /// Customers classified.
    public var customers = 0
    /// Customers matching the exclusion.
    public var excluded = 0
    /// Customers in no audience.
    public var unassigned = 0
    /// Customers left out because they were offered something within the plan's ``CampaignPlan/cooldownDays``.
    public var coolingDown = 0
    /// With `record`: offers appended to the log, and those already there from an earlier run.
    public var recorded: Int? = nil
    public var alreadyRecorded: Int? = nil
    /// Per audience, in the plan's order.
    public var audiences: [AudienceCount]

    /// The summary as one JSON object.
    public var json: String {
        let list = audiences.map { a in
            var w = JSONObjectWriter()
            w.field("name", string: a.name)
            w.field("format", string: a.format.rawValue)
            w.field("file", string: a.name + "." + a.format.fileExtension)
            w.field("matched", number: a.matched)
            w.field("written", number: a.written)
            w.field("skipped_without_identifier", number: a.skippedWithoutIdentifier)
            w.field("skipped_without_consent", number: a.skippedWithoutConsent)
            return w.finish()
        }
        var w = JSONObjectWriter()
        w.field("as_of", string: asOf.rfc3339)
        w.field("position", number: position)
        w.field("customers", number: customers)
        w.field("excluded", number: excluded)
        w.field("unassigned", number: unassigned)
        w.field("cooling_down", number: coolingDown)
        w.field("recorded", raw: recorded.map(String.init))
        w.field("already_recorded", raw: alreadyRecorded.map(String.init))
        w.field("audiences", array: list)
        return w.finish()
    }
}

extension Snapshot {
    /// Runs `plan` over this one snapshot: every customer is classified once, excluded or given to the
    /// first matching audience, and written to that audience's sink.
    /// - Parameters:
    ///   - plan: the audiences and the exclusion.
    ///   - asOf: the clock of the classification; default the newest event's time.
    ///   - sinks: one sink per audience, in the plan's order (each gets its format's header first).
    /// - Returns: the counts per audience, for the plan's summary.
    /// - Parameter ignoreConsent: write customers without the consent an audience needs.
    /// - Parameter written: called with each customer written and the audience's index, in order.
    public func run(_ plan: CampaignPlan, asOf: Timestamp? = nil, sinks: [LineSink], ignoreConsent: Bool = false,
                    written: ((Profile, Int) throws -> Void)? = nil) throws -> PlanReport {
        precondition(sinks.count == plan.audiences.count, "plan: one sink per audience")
        var report = PlanReport(asOf: clock(asOf), position: position, audiences: plan.audiences.map { PlanReport.AudienceCount(name: $0.name, format: $0.format) })
        let writers = try plan.writers(ignoreConsent: ignoreConsent)
        for (k, w) in writers.enumerated() { if let header = w.header { try sinks[k].write(line: header) } }
        let printsLists = writers.contains { $0.printsLists }
        let lists = printsLists || plan.filters.contains { $0.root.usesLists }
        let t = report.asOf.millisecondsSinceEpoch
        try evaluating(plan.filters, namesLists: printsLists) {
            try forEachProfile(where: .all, asOf: asOf, lists: lists) { p in
                report.customers += 1
                if let exclude = plan.exclude, exclude.matches(p) { report.excluded += 1; return true }
                if plan.isCoolingDown(p, asOf: t) { report.coolingDown += 1; return true }
                guard let k = plan.audiences.firstIndex(where: { $0.filter.matches(p) }) else { report.unassigned += 1; return true }
                report.audiences[k].matched += 1
                switch writers[k].outcome(p, currency: store.currency) {
                case .line(let line):
                    try sinks[k].write(line: line)
                    report.audiences[k].written += 1
                    try written?(p, k)
                case .withoutIdentifier: report.audiences[k].skippedWithoutIdentifier += 1
                case .withoutConsent: report.audiences[k].skippedWithoutConsent += 1
                }
                return true
            }
        }
        return report
    }
}
