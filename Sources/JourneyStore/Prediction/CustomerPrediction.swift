@_spi(Storage) import JourneyStorage

/// What a profile's predictions are computed from (DESIGN.md §1 "Predicted value"): the
/// customer's summary as of the profile's clock and the policy's fitted models. The values are
/// computed when read, so exports and filters that never read them pay nothing for them.
struct CustomerPrediction: Hashable, Sendable {
    let summary: CustomerSummary
    let model: PredictionModel
    let ordersHorizonDays: Double
    let valueHorizonDays: Double
    let discountMonthly: Double
    /// Minor units per major unit of the store's currency.
    let minorPerMajor: Double

    /// P(alive | x, t_x, T) under BG/NBD.
    var pAlive: Double { model.bgnbd.probabilityAlive(summary) }

    /// E[purchase days in the next `expected_orders_horizon_days`] under BG/NBD.
    var expectedOrders: Double? { model.bgnbd.expectedPurchases(inDays: ordersHorizonDays, summary) }

    /// E[purchase days in the next `predicted_value_horizon_days`] × Gamma-Gamma's E(M | x, m_x),
    /// rounded to a minor unit; discounted by month when the policy says so.
    var predictedValue: Money? {
        guard let purchases = discountedPurchases,
              let spend = model.gammaGamma.conditionalExpectedSpend(x: summary.x, meanSpend: (summary.meanRepeatValue ?? 0) / minorPerMajor)
        else { return nil }
        let minor = (purchases * spend * minorPerMajor).rounded()
        // A prediction past any sum of amounts is no prediction (a degenerate fit).
        guard minor.isFinite, abs(minor) <= Self.moneySumMinorUnitsMax else { return nil }
        return Money(minorUnits: abs(minor) < 0x1p62 ? Int128(Int64(minor)) : Int128(minor))
    }

    /// ``Limits/moneySumMinorUnitsMax`` (10¹⁵ · 2⁴⁰, exact as a Double), converted once: the
    /// generic Int128 ↔ Double conversions, per customer, cost an export more than the prediction.
    private static let moneySumMinorUnitsMax = Double(Limits.moneySumMinorUnitsMax)

    /// The purchase days expected over the value's horizon; with a monthly discount rate d, those
    /// of each 30-day month i (the last one shorter) divided by (1 + d)^i, as lifetimes'
    /// `customer_lifetime_value` discounts (to the cent for a horizon of 360 days).
    private var discountedPurchases: Double? {
        guard discountMonthly > 0 else { return model.bgnbd.expectedPurchases(inDays: valueHorizonDays, summary) }
        var total = 0.0, previous = 0.0, month = 0.0, factor = 1.0
        while month * Self.daysPerMonth < valueHorizonDays {
            month += 1
            factor *= 1 + discountMonthly
            guard let cumulative = model.bgnbd.expectedPurchases(inDays: min(month * Self.daysPerMonth, valueHorizonDays), summary) else { return nil }
            total += (cumulative - previous) / factor
            previous = cumulative
        }
        return total
    }

    /// The length of a discounting month, in days (lifetimes' for daily data).
    static let daysPerMonth = 30.0
}

extension Policy {
    /// What the predictions of facts `f` as of `t` (epoch ms) are computed from, amounts in a
    /// currency with `exponent` decimals; `nil` without a fitted model or a purchase by `t`.
    ///
    /// The summary (x, t_x, T) is taken from the purchases at or before `t`, so a profile as of the
    /// calibration end scores each customer exactly on the history the model was fitted on.
    func prediction(_ f: CustomerFacts, asOf t: Int64, exponent: Int) -> CustomerPrediction? {
        guard let model = predictionModel,
              let s = CustomerSummary(times: f.purchaseTimes, amounts: f.purchaseAmounts, end: t) else { return nil }
        var minorPerMajor = 1.0
        for _ in 0..<exponent { minorPerMajor *= 10 }
        return CustomerPrediction(summary: s, model: model, ordersHorizonDays: expectedOrdersHorizonDays,
                                  valueHorizonDays: predictedValueHorizonDays, discountMonthly: predictedValueDiscountMonthly,
                                  minorPerMajor: minorPerMajor)
    }
}
