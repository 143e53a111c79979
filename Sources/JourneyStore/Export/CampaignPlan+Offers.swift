@_spi(Storage) import JourneyStorage

/// Contact pressure (issue 19): a plan's name, cooldown and consent, and the offers it records.
extension CampaignPlan {
    /// Reads the plan-wide keys `name` and `cooldown_days` of a plan file.
    mutating func readOffers(_ top: [String: PlanJSON]) throws(JourneyError) {
        if let value = top["name"] {
            guard case .string(let text) = value else { throw JourneyError(.invalidArgument, "name: expected a string, found \(value.kind)") }
            do { try Self.checkName(text) } catch { throw JourneyError(.invalidArgument, "name: \(error.message)") }
            name = text
        }
        if let value = top["cooldown_days"] {
            guard case .number(let text) = value, let days = Double(text), days >= 0, days <= Filter.withinDaysMax else {
                throw JourneyError(.invalidArgument, "cooldown_days: expected a number of days from 0 to \(Int(Filter.withinDaysMax)), found \(value.kind)")
            }
            cooldownDays = days
        }
    }

    /// An audience's `for`: `email` or `ads`.
    static func purpose(_ value: PlanJSON?, at path: String) throws(JourneyError) -> ExportPurpose? {
        guard let value else { return nil }
        guard case .string(let text) = value, let purpose = ExportPurpose(rawValue: text) else {
            throw JourneyError(.invalidArgument, "\(path): expected email or ads, found \(value.kind)")
        }
        return purpose
    }

    /// A plan's name is what an audience's is: 1–100 ASCII letters, digits, `_` or `-`.
    static func checkName(_ name: String) throws(JourneyError) {
        do { _ = try Audience(name: name, filter: .all, format: .csv) } catch {
            throw JourneyError(.invalidArgument, "plan name \"\(name)\" must be 1–100 letters, digits, _ or -")
        }
    }

    /// `name` when it can name a plan (1–100 ASCII letters, digits, `_` or `-`).
    /// - Throws: ``JourneyError`` `.invalidArgument` otherwise.
    public static func validName(_ name: String) throws(JourneyError) -> String {
        try checkName(name)
        return name
    }

    /// Every filter of the plan: exclusion first, then the audiences'.
    var filters: [Filter] { (exclude.map { [$0] } ?? []) + audiences.map(\.filter) }

    func writers(ignoreConsent: Bool) throws -> [ExportWriter] {
        try audiences.map { try ExportWriter(format: $0.format, options: ExportOptions(purpose: $0.purpose, ignoreConsent: ignoreConsent)) }
    }

    /// Whether `p` was offered anything in (T − cooldown, T].
    func isCoolingDown(_ p: Profile, asOf t: Int64) -> Bool {
        guard let days = cooldownDays, let last = p.lastOffer?.millisecondsSinceEpoch else { return false }
        return last <= t && Double(last) > Double(t) - days * 86_400_000
    }

    /// The id of the offer this plan records for `customer` in audience `audience`: `PLAN/AUDIENCE/CUSTOMER`,
    /// or, past ``Limits/idBytesMax``, `offer-` and 40 hex digits of its SHA-256. The same plan,
    /// audience and customer always give the same id, so a second run records nothing again.
    static func offerID(plan: String, audience: String, customer: String) -> String {
        let id = plan + "/" + audience + "/" + customer
        guard id.utf8.count > Limits.idBytesMax else { return id }
        return "offer-" + ContactNormalization.sha256Hex(id).prefix(40)
    }
}

extension JourneyStore {
    /// Runs `plan` on one snapshot (``Snapshot/run(_:asOf:sinks:ignoreConsent:written:)``) and, with
    /// `record`, appends an `offer` event for every customer written: the audience's name as the
    /// offer, at the plan's clock, by the audience's channel (`ads` for Meta and Google, else its
    /// `for`), with an id made of the plan's name, the audience and the customer, so a plan run
    /// again records nothing twice. The offers commit in one transaction, after `filesWritten`
    /// (where the caller closes its files: they are complete before anything is recorded).
    ///
    /// ```swift
    /// let report = try store.runPlan(plan, sinks: sinks, record: true) { for s in sinks { try s.close() } }
    /// ```
    /// - Throws: ``JourneyError`` `.invalidArgument` when recording a plan without a name, `.readOnly`
    ///   when recording in a store opened read-only; what reading and writing throw.
    public func runPlan(_ plan: CampaignPlan, asOf: Timestamp? = nil, position: UInt64? = nil, sinks: [LineSink], ignoreConsent: Bool = false,
                        record: Bool = false, filesWritten: () throws -> Void = {}) throws -> PlanReport {
        if record && plan.name == nil { throw JourneyError(.invalidArgument, "a plan needs a \"name\" to record its offers") }
        if record && position != nil {
            throw JourneyError(.invalidArgument, "a plan run at a past log position cannot record offers: what it would send depends on events the store already has")
        }
        if record && isReadOnly { throw JourneyError(.readOnly, "store at \(path) was opened read-only; open it for writing to record offers") }
        var offers: [Event] = []
        let writers = try plan.writers(ignoreConsent: ignoreConsent)
        var report = try read(position: position) { snapshot in
            let t = snapshot.clock(asOf)
            return try snapshot.run(plan, asOf: asOf, sinks: sinks, ignoreConsent: ignoreConsent, written: !record ? nil : { p, k in
                let audience = plan.audiences[k].name
                offers.append(Event(id: CampaignPlan.offerID(plan: plan.name!, audience: audience, customer: p.customer),
                                    customer: p.customer, time: t, payload: .offer(offer: audience, channel: writers[k].channel)))
            })
        }
        try filesWritten()
        if record {
            let appended = try append(offers)
            report.recorded = appended.appended
            report.alreadyRecorded = appended.duplicates
        }
        return report
    }
}
