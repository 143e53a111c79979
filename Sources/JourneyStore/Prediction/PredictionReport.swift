/// What ``JourneyStore/predict(calibrationEnd:holdoutEnd:)`` fitted and stored.
public struct PredictionReport: Hashable, Sendable {
    /// The models, as stored in the policy.
    public var model: PredictionModel
    /// Customers with at least one purchase day after their first, by the calibration end.
    public var repeatBuyers: Int
    /// Distinct (x, t_x, T) triples: BG/NBD's likelihood has one term per group.
    public var groups: Int
    /// BFGS iterations of the BG/NBD fit.
    public var bgnbdIterations: Int
    /// BFGS iterations of the Gamma-Gamma fit.
    public var gammaGammaIterations: Int
    /// The limit models the data point to, in words (``FitLimit/description``): where the
    /// likelihood rises, or stays flat, towards the edge of the parameters, the fit ends at the bound
    /// of `BFGS`'s box (ln 10⁸ in scaled units) or short of it, and the predictions are the limit
    /// model's. Typical: "BG/NBD a/(a+b) → 0: nobody drops out", "Gamma-Gamma q, v → ∞ …: every
    /// customer has the same mean spend per purchase".
    public var atBound: [String] = []
    /// What the stored model cannot predict, in words (for instance a Gamma-Gamma q ≤ 1 has no
    /// mean spend, so `predicted_value_365d` is null for everyone).
    public var warnings: [String] = []
    /// The holdout check, when a holdout end was given.
    public var holdout: HoldoutReport?
    /// Wall-clock seconds: the summary pass over the log and both fits.
    public var seconds: Double
}

/// Actual against predicted repeat purchases in a holdout period (calibration end, holdout end],
/// by calibration frequency — the paper's conditional expectations (Fader, Hardie & Lee 2005, fig. 4).
public struct HoldoutReport: Hashable, Sendable {
    /// The end of the holdout period.
    public var end: Timestamp
    /// Its length in weeks (whole days / 7).
    public var weeks: Double
    /// Frequencies 0 … ``frequencyRowsMax`` − 1, then one row for all higher ones.
    public var rows: [HoldoutRow]
    /// All customers.
    public var total: HoldoutRow
    /// Customers whose expectation has no value: their rows' and the total's `predicted` are `nil`.
    public var unpredicted: Int = 0
    /// Rows for x = 0 … 6 and then "7+", as the paper's table.
    public static let frequencyRowsMax = 7
}

/// One row of a ``HoldoutReport``: customers with a calibration frequency, and their purchase
/// days in the holdout against the model's conditional expectation.
public struct HoldoutRow: Hashable, Sendable {
    /// Repeat purchase days in the calibration period (the last row: this many or more).
    public var frequency: Int
    /// Customers with that frequency (the last row: with that frequency or more).
    public var customers: Int
    /// Σ actual repeat purchase days in the holdout.
    public var actual: Double
    /// Σ expected ones, E[Y(t) | x, t_x, T]; `nil` when the expectation of any of the row's
    /// customers has no value (``BGNBD/expectedPurchases(inWeeks:x:recencyWeeks:ageWeeks:)``): a
    /// partial sum would read as a prediction.
    public var predicted: Double?

    /// Actual repeat purchase days per customer.
    public var actualMean: Double { customers > 0 ? actual / Double(customers) : 0 }
    /// Expected repeat purchase days per customer.
    public var predictedMean: Double? { predicted.map { customers > 0 ? $0 / Double(customers) : 0 } }
}
