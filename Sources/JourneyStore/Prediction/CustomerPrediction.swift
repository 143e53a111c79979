@_spi(Storage) import JourneyStorage

/// One customer's predicted values as of a clock T, from the policy's fitted models and the
/// customer's purchases up to T (DESIGN.md §1 "Predicted value").
struct CustomerPrediction {
    /// P(alive | x, t_x, T) under BG/NBD.
    var pAlive: Double
    /// E[purchase days in the next `expected_orders_horizon_days`] under BG/NBD.
    var expectedOrders: Double?
    /// E[purchase days in the next `predicted_value_horizon_days`] × Gamma-Gamma's E(M | x, m_x),
    /// undiscounted, rounded to a minor unit.
    var predictedValue: Money?
}

extension Policy {
    /// The prediction for facts `f` as of `t` (epoch ms), amounts in a currency with `exponent`
    /// decimals; `nil` without a fitted model or without a purchase by `t`.
    ///
    /// The summary (x, t_x, T) is taken from the purchases at or before `t`, so a profile as of the
    /// calibration end scores each customer exactly on the history the model was fitted on.
    func prediction(_ f: CustomerFacts, asOf t: Int64, exponent: Int) -> CustomerPrediction? {
        guard let model = predictionModel,
              let s = CustomerSummary(times: f.purchaseTimes, amounts: f.purchaseAmounts, end: t) else { return nil }
        let bgnbd = model.bgnbd
        let orders = bgnbd.expectedPurchases(inDays: expectedOrdersHorizonDays, s)
        var value: Money?
        if let purchases = bgnbd.expectedPurchases(inDays: predictedValueHorizonDays, s) {
            var minorPerMajor = 1.0
            for _ in 0..<exponent { minorPerMajor *= 10 }
            let mean = (s.meanRepeatValue ?? 0) / minorPerMajor
            if let spend = model.gammaGamma.conditionalExpectedSpend(x: s.x, meanSpend: mean) {
                let minor = (purchases * spend * minorPerMajor).rounded()
                // A prediction past any sum of amounts is no prediction (a degenerate fit).
                if minor.isFinite, abs(minor) <= Double(Limits.moneySumMinorUnitsMax) { value = Money(minorUnits: Int128(minor)) }
            }
        }
        return CustomerPrediction(pAlive: bgnbd.probabilityAlive(s), expectedOrders: orders, predictedValue: value)
    }
}
