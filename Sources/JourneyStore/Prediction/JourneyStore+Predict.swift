@_spi(Storage) import JourneyStorage

extension JourneyStore {
    /// Fits BG/NBD and Gamma-Gamma by maximum likelihood on the purchases up to `calibrationEnd`
    /// (default: the newest event's time) and stores them in the policy with that end and the log
    /// position, so that profiles, filters, exports and stats carry `p_alive`,
    /// `expected_orders_90d` and `predicted_value_365d`.
    ///
    /// ```swift
    /// let report = try store.predict(calibrationEnd: try Timestamp(rfc3339: "1997-09-30T00:00:00Z"))
    /// report.model.bgnbd          // r, α (weeks), a, b
    /// ```
    /// - Parameter calibrationEnd: fit on the purchases up to this time (default: the newest event's).
    /// - Parameter holdoutEnd: also compare, per calibration frequency, the repeat purchase days in
    ///   (calibration end, holdout end] with the model's expectation (``HoldoutReport``).
    /// - Throws: ``JourneyError`` `.invalidArgument` when no customer purchased by the calibration
    ///   end, none purchased on a second day (nothing to fit), a fit does not converge or the
    ///   holdout end is not after the calibration end; `.readOnly` for a read-only store.
    /// - Complexity: one pass over the log and O(C) per likelihood evaluation for C customers
    ///   (BG/NBD: per distinct (x, t_x, T)).
    public func predict(calibrationEnd: Timestamp? = nil, holdoutEnd: Timestamp? = nil) throws -> PredictionReport {
        try translatingStorageErrors {
            let start = monotonicSeconds()
            var report = try env.read { txn in
                try fitPrediction(in: txn, calibrationEnd: calibrationEnd, position: nil, holdoutEnd: holdoutEnd)
            }
            try log.withWriter { _ in
                try env.write { txn in
                    // The stored policy as it is now: another writer may have changed other keys.
                    var policy = try storedPolicyWithoutModel(in: txn)
                    policy.predictionModel = report.model
                    try schema.setMeta(MetaKey.policy, policy.text, in: txn)
                }
            }
            report.seconds = monotonicSeconds() - start
            return report
        }
    }

    /// Removes the stored prediction model: profiles no longer carry predictions.
    /// - Returns: whether there was one.
    @discardableResult
    public func removePredictionModel() throws -> Bool {
        try translatingStorageErrors {
            try log.withWriter { _ in
                try env.write { txn in
                    let text = try schema.metaString(MetaKey.policy, in: txn) ?? ""
                    guard text.split(separator: "\n").contains(where: { PredictionModel.isModelKey($0) }) else { return false }
                    var policy = try storedPolicyWithoutModel(in: txn)
                    policy.predictionModel = nil
                    try schema.setMeta(MetaKey.policy, policy.text, in: txn)
                    return true
                }
            }
        }
    }

    /// The stored policy without its model lines: what `predict` replaces them in, even when they
    /// are damaged (then reading the policy fails until a new fit or `--remove` replaces them).
    private func storedPolicyWithoutModel(in txn: some ReadableTransaction) throws -> Policy {
        let text = try schema.metaString(MetaKey.policy, in: txn) ?? ""
        return try Policy(text: text.split(separator: "\n").filter { !PredictionModel.isModelKey($0) }.joined(separator: "\n"),
                          currency: currency)
    }

    /// The fit `predict` makes, on the log as `txn` sees it up to `position` (default: its end).
    func fitPrediction(in txn: some ReadableTransaction, calibrationEnd: Timestamp?, position: UInt64?,
                       holdoutEnd: Timestamp?) throws -> PredictionReport {
        let newest = try schema.metaUInt64(MetaKey.newestTime, in: txn).map { Int64($0) }
        guard let end = calibrationEnd?.millisecondsSinceEpoch ?? newest else {
            throw JourneyError(.invalidArgument, "the store holds no events: there is nothing to fit")
        }
        if let holdoutEnd, holdoutEnd.millisecondsSinceEpoch <= end {
            throw JourneyError(.invalidArgument, "the holdout end \(holdoutEnd.rfc3339) must be after the calibration end \(Timestamp(millisecondsSinceEpoch: end).rfc3339)")
        }
        let purchases = try PurchaseLog(schema: schema, in: txn, sequenceMax: position ?? .max,
                                        timeMax: holdoutEnd?.millisecondsSinceEpoch ?? end)
        var summaries: [CustomerSummary] = [], holdoutDays: [Int] = []
        summaries.reserveCapacity(purchases.customerSlots)
        purchases.forEachCustomer { _, times, amounts in
            guard let s = CustomerSummary(times: times, amounts: amounts, end: end) else { return }
            summaries.append(s)
            if let holdoutEnd {
                holdoutDays.append(CustomerSummary.holdoutDays(times: times, end: end, holdoutEnd: holdoutEnd.millisecondsSinceEpoch))
            }
        }
        try Self.checkSample(summaries, firstPurchase: purchases.firstPurchaseTime, end: end)
        let bgnbd = BGNBDSample(summaries)
        let bgnbdFit = bgnbd.fit()
        let spend = GammaGammaSample(summaries, exponent: currency.exponent)
        let spendFit = spend.fit()
        try Self.checkConverged(bgnbd: bgnbdFit, gammaGamma: spendFit)
        let model = PredictionModel(calibrationEnd: Timestamp(millisecondsSinceEpoch: end), position: purchases.lastSequence,
                                    customers: summaries.count, bgnbd: bgnbdFit, gammaGamma: spendFit)
        let holdout = holdoutEnd.map { HoldoutReport(model.bgnbd, summaries, holdoutDays, end: end, holdoutEnd: $0) }
        return PredictionReport(model: model, repeatBuyers: summaries.count { $0.x > 0 }, groups: bgnbd.groups,
                                bgnbdIterations: bgnbdFit.iterations, gammaGammaIterations: spendFit.iterations,
                                atBound: (bgnbdFit.limits + spendFit.limits).map(\.description),
                                warnings: Self.warnings(model, holdout), holdout: holdout, seconds: 0)
    }

    /// What the fitted model cannot predict.
    private static func warnings(_ model: PredictionModel, _ holdout: HoldoutReport?) -> [String] {
        var out: [String] = []
        if model.gammaGamma.populationMeanSpend == nil {
            out.append("Gamma-Gamma q = \(model.gammaGamma.q) ≤ 1: the customers' mean spend per purchase has no finite mean, so predicted_value_365d is null for every customer")
        }
        if let h = holdout, h.unpredicted > 0 {
            out.append("the model's expectation has no value for \(h.unpredicted) customers (the series did not converge): the holdout's predicted column is null where they count")
        }
        return out
    }

    /// Refuses a sample the models cannot be fitted on, saying why.
    private static func checkSample(_ summaries: [CustomerSummary], firstPurchase: Int64?, end: Int64) throws {
        let endText = Timestamp(millisecondsSinceEpoch: end).rfc3339
        guard !summaries.isEmpty else {
            guard let firstPurchase else { throw JourneyError(.invalidArgument, "the log holds no purchase: there is nothing to fit") }
            throw JourneyError(.invalidArgument, "the calibration end \(endText) is before the first purchase (\(Timestamp(millisecondsSinceEpoch: firstPurchase).rfc3339)): no customer to fit")
        }
        guard summaries.contains(where: { $0.x > 0 && $0.repeatValueSum > 0 }) else {
            throw JourneyError(.invalidArgument, "no customer bought on a second day, for more than 0, by the calibration end \(endText): the models need repeat purchases to be fitted")
        }
        guard summaries.contains(where: { $0.ageDays > 0 }) else {
            throw JourneyError(.invalidArgument, "every customer's first purchase is on the calibration end's day \(endText): the models need time to have passed")
        }
    }

    private static func checkConverged(bgnbd: BGNBDFit, gammaGamma: GammaGammaFit) throws {
        guard bgnbd.converged else {
            throw JourneyError(.invalidArgument, "the BG/NBD fit did not converge in \(bgnbd.iterations) iterations (r \(bgnbd.model.r), α \(bgnbd.model.alpha), a \(bgnbd.model.a), b \(bgnbd.model.b))\(towards(bgnbd.limits)): the purchases may be too few or too regular for the model")
        }
        guard gammaGamma.converged else {
            throw JourneyError(.invalidArgument, "the Gamma-Gamma fit did not converge in \(gammaGamma.iterations) iterations (p \(gammaGamma.model.p), q \(gammaGamma.model.q), v \(gammaGamma.model.v)) on \(gammaGamma.customers) repeat buyers\(towards(gammaGamma.limits)): they may be too few for the model")
        }
    }

    /// ", heading towards …" naming the limits a fit that did not converge was approaching.
    private static func towards(_ limits: [FitLimit]) -> String {
        limits.isEmpty ? "" : ", heading towards the limit " + limits.map(\.description).joined(separator: "; ")
    }
}

extension HoldoutReport {
    /// The holdout table of `summaries` (calibration) and `holdoutDays` (each one's repeat purchase
    /// days in the holdout), with expectations under `model`. A customer whose expectation has no
    /// value makes their row's and the total's prediction `nil` (never 0), counted in ``unpredicted``.
    init(_ model: BGNBD, _ summaries: [CustomerSummary], _ holdoutDays: [Int], end: Int64, holdoutEnd: Timestamp) {
        let days = CustomerSummary.day(holdoutEnd.millisecondsSinceEpoch) - CustomerSummary.day(end)
        let weeks = Double(days) / 7
        var rows = (0...Self.frequencyRowsMax).map { HoldoutRow(frequency: $0, customers: 0, actual: 0, predicted: 0) }
        var unpredicted = 0
        for (s, actual) in zip(summaries, holdoutDays) {
            let k = min(s.x, Self.frequencyRowsMax)
            rows[k].customers += 1
            rows[k].actual += Double(actual)
            let expected = model.expectedPurchases(inWeeks: weeks, x: s.x, recencyWeeks: s.recencyWeeks, ageWeeks: s.ageWeeks)
            if expected == nil { unpredicted += 1 }
            rows[k].predicted = rows[k].predicted.flatMap { sum in expected.map { sum + $0 } }
        }
        let total = rows.reduce(HoldoutRow(frequency: 0, customers: 0, actual: 0, predicted: 0)) { sum, row in
            HoldoutRow(frequency: 0, customers: sum.customers + row.customers, actual: sum.actual + row.actual,
                       predicted: sum.predicted.flatMap { total in row.predicted.map { total + $0 } })
        }
        self.init(end: holdoutEnd, weeks: weeks, rows: rows, total: total, unpredicted: unpredicted)
    }
}
