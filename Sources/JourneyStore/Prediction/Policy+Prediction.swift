@_spi(Storage) import JourneyStorage

extension Policy {
    /// The prediction's keys a person may set (the `model_…` lines are written by `journey predict`).
    static let predictionKeys = ["expected_orders_horizon_days", "predicted_value_horizon_days", "predicted_value_discount_monthly"]

    /// The prediction's lines of ``text``: the horizons, then the fitted model if any.
    var predictionText: String {
        var out = "expected_orders_horizon_days=\(Self.format(expectedOrdersHorizonDays))\n"
            + "predicted_value_horizon_days=\(Self.format(predictedValueHorizonDays))\n"
            + "predicted_value_discount_monthly=\(Self.format(predictedValueDiscountMonthly))\n"
        for (key, value) in predictionModel?.lines ?? [] { out += "\(key)=\(value)\n" }
        return out
    }

    /// Sets a prediction key; `false` when `key` is not one.
    /// - Throws: ``JourneyError/Code/invalidArgument`` for a model line (fitted, not set), a
    ///   horizon that is not a number of days in (0, ``horizonDaysMax``] or a discount rate
    ///   outside [0, 1].
    mutating func setPrediction(_ key: String, to value: String) throws(JourneyError) -> Bool {
        if PredictionModel.isModelKey(key) {
            throw JourneyError(.invalidArgument, "\(key) is fitted by `journey predict`, not set by hand")
        }
        guard Self.predictionKeys.contains(key) else { return false }
        if key == "predicted_value_discount_monthly" {
            guard let rate = Double(value), rate >= 0, rate <= 1 else {
                throw JourneyError(.invalidArgument, "\(key) must be a rate per month from 0 to 1 (0.01 for 1 %), got \"\(value)\"")
            }
            predictedValueDiscountMonthly = rate
            return true
        }
        guard let days = Double(value), days > 0, days <= Self.horizonDaysMax else {
            throw JourneyError(.invalidArgument, "\(key) must be a number of days > 0 and ≤ \(Int(Self.horizonDaysMax)), got \"\(value)\"")
        }
        if key == Self.predictionKeys[0] { expectedOrdersHorizonDays = days } else { predictedValueHorizonDays = days }
        return true
    }

    /// The longest horizon a prediction looks ahead, in days (a hundred years).
    static let horizonDaysMax = 36_525.0

    private static func format(_ v: Double) -> String {
        v == v.rounded() ? String(Int64(v)) : String(v)
    }
}
