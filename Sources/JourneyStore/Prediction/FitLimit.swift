/// A limit model that a fit's likelihood rises towards, or is flat towards, at the edge of the
/// parameters: the data are explained as well by a simpler model, so some parameters run off to 0
/// or ∞ (`BFGS.logParameterBound` stops them) and say only that. Predictions stay finite and
/// correct there: they are the limit model's.
public enum FitLimit: Hashable, Sendable {
    /// BG/NBD a/(a + b) → 0: nobody drops out (the NBD model); a + b is then not determined.
    case noDropout
    /// BG/NBD a, b → ∞ with a/(a + b) fixed: every customer drops out with the same probability
    /// after each purchase.
    case sameDropout
    /// BG/NBD a, b → 0 with a/(a + b) fixed: a customer either drops out at the first chance or never.
    case dropoutAllOrNothing
    /// BG/NBD a/(a + b) → 1: everyone drops out after their first repeat purchase.
    case dropoutAtOnce
    /// BG/NBD r, α → ∞ with r/α fixed: every customer buys at the same rate (Poisson purchasing).
    case samePurchaseRate
    /// Gamma-Gamma q, v → ∞ with v/q fixed: every customer has the same mean spend per purchase.
    case sameMeanSpend
    /// Gamma-Gamma p → ∞ with p·v fixed: each customer's purchases are all worth their own mean.
    case sameSpendPerPurchase
    /// A parameter (named) at the edge with no simpler model behind it: the data hardly constrain it.
    case degenerate(String)

    /// What the data point to, in words, naming the parameters.
    public var description: String {
        switch self {
        case .noDropout: "BG/NBD a/(a+b) → 0: nobody drops out (the NBD model; a + b is not determined)"
        case .sameDropout: "BG/NBD a, b → ∞ with a/(a+b) fixed: every customer drops out with the same probability after each purchase"
        case .dropoutAllOrNothing: "BG/NBD a, b → 0 with a/(a+b) fixed: a customer drops out at the first chance or never"
        case .dropoutAtOnce: "BG/NBD a/(a+b) → 1: every customer drops out after the first repeat purchase"
        case .samePurchaseRate: "BG/NBD r, α → ∞ with r/α fixed: every customer buys at the same rate"
        case .sameMeanSpend: "Gamma-Gamma q, v → ∞ with v/q fixed: every customer has the same mean spend per purchase"
        case .sameSpendPerPurchase: "Gamma-Gamma p → ∞ with p·v fixed: each customer's purchases are all worth their own mean"
        case .degenerate(let name): "\(name) at the edge of the fit's range: the data hardly determine it"
        }
    }

    /// A limit holds when its coordinate ended on its face of the box, or when moving it there
    /// changes the mean log-likelihood per customer by at most this: the gradient tolerance makes
    /// the fit stop short of a limit it is flatly approaching (a → 0 typically ends near 10⁻⁷).
    static let meanLogLikelihoodTolerance = 1e-9

    /// The limits among `candidates` (coordinate, side of the box −1 or 1, limit) that hold at
    /// the end of `result`, a minimization of `f` within ±`BFGS.logParameterBound`.
    static func reached(_ candidates: [(Int, Double, FitLimit)], _ result: BFGS.Result, _ f: BFGS.Objective) -> [FitLimit] {
        guard result.value.isFinite else { return [] }
        let bound = BFGS.logParameterBound
        var unused: [Double] = []
        return candidates.compactMap { i, side, limit in
            if result.x[i] * side >= bound { return limit }
            var x = result.x
            x[i] = side * bound
            let value = f(x, &unused)
            return value <= result.value + meanLogLikelihoodTolerance ? limit : nil
        }
    }
}
