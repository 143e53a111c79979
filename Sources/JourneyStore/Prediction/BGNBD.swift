#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Fader, Hardie & Lee's BG/NBD model of repeat purchasing ("Counting your customers the easy
/// way", Marketing Science 2005): while alive, a customer buys at a Poisson rate λ ~ Gamma(r, α);
/// after each purchase they drop out with probability p ~ Beta(a, b). Times are in weeks, as in the
/// paper; a customer is summarized by x (repeat purchase days), t_x (weeks from the first to the
/// last purchase day) and T (weeks from the first purchase day to the end of observation).
///
/// ```swift
/// let cdnow = BGNBD(r: 0.243, alpha: 4.414, a: 0.793, b: 2.426)
/// cdnow.expectedPurchases(inWeeks: 39, x: 2, recencyWeeks: 30.43, ageWeeks: 38.86)   // 1.226 (the paper's example)
/// ```
public struct BGNBD: Hashable, Sendable {
    /// Shape of the purchase rates' Gamma distribution.
    public var r: Double
    /// Scale of the purchase rates' Gamma distribution, in weeks.
    public var alpha: Double
    /// First shape of the drop-out probabilities' Beta distribution.
    public var a: Double
    /// Second shape of the drop-out probabilities' Beta distribution.
    public var b: Double

    /// The four parameters (α in weeks).
    public init(r: Double, alpha: Double, a: Double, b: Double) {
        self.r = r
        self.alpha = alpha
        self.a = a
        self.b = b
    }

    /// The log-likelihood of one customer's history (the paper's equation 6, as its section 7
    /// computes it): ln Γ(r + x) − ln Γ(r) + r ln α + ln B(a, b + x) − ln B(a, b)
    /// + ln[(α + T)^−(r+x) + δ(x>0) a / (b + x − 1) · (α + t_x)^−(r+x)], its differences taken
    /// without cancellation (as `BGNBDSample` does, see there).
    public func logLikelihood(x: Int, recencyWeeks t: Double, ageWeeks T: Double) -> Double {
        let xd = Double(x)
        let a1 = logGammaDifference(r, xd) - xd * log(alpha)
        let a2 = logGammaDifference(b, xd) - logGammaDifference(a + b, xd)
        let a3 = -(r + xd) * log1p(T / alpha)
        guard x > 0 else { return a1 + a2 + a3 }
        let a4 = log(a) - log(b + xd - 1) - (r + xd) * log1p(t / alpha)
        return a1 + a2 + logAddExp(a3, a4)
    }

    /// P(alive | x, t_x, T) = 1 / (1 + δ(x>0) a / (b + x − 1) · ((α + T) / (α + t_x))^(r+x)); 1 for x = 0.
    public func probabilityAlive(x: Int, recencyWeeks t: Double, ageWeeks T: Double) -> Double {
        guard x > 0 else { return 1 }
        return 1 / (1 + exp(logDeadOdds(x: Double(x), t: t, T: T)))
    }

    /// The expected number of repeat purchases in the next `weeks`, given the history (the paper's
    /// equation 10):
    /// E[Y(t) | x, t_x, T] = (a + b + x − 1) / (a − 1) · [1 − ((α + T) / (α + T + t))^(r+x)
    /// ₂F₁(r + x, b + x; a + b + x − 1; z)] / (1 + δ(x>0) a / (b + x − 1) · ((α + T) / (α + t_x))^(r+x)),
    /// z = t / (α + T + t).
    ///
    /// P(alive) times the expectation of a customer still alive, which is evaluated as the sum of
    /// positive terms the bracket expands to (`expectedPurchasesIfAlive(inWeeks:x:ageWeeks:)`),
    /// not as 1 minus a product: that form has no singularity at a = 1 and no cancellation, so it
    /// stays exact towards the fit's limits (a, b → ∞ put the Euler-transformed ₂F₁ past any
    /// double; a ≈ 1 or a → 0 leave a difference of nearly equal numbers).
    /// - Returns: `nil` only where the series would need more than `hypergeometricTermsMax` terms
    ///   (a horizon thousands of times the customer's age and rate), or the parameters are not positive.
    public func expectedPurchases(inWeeks t: Double, x: Int, recencyWeeks tx: Double, ageWeeks T: Double) -> Double? {
        guard let alive = expectedPurchasesIfAlive(inWeeks: t, x: x, ageWeeks: T) else { return nil }
        let value = alive * probabilityAlive(x: x, recencyWeeks: tx, ageWeeks: T)
        return value.isFinite ? value : nil
    }

    /// ln[a / (b + x − 1) · ((α + T) / (α + t_x))^(r+x)], the log-odds of having dropped out, for x > 0.
    @inline(__always)
    private func logDeadOdds(x: Double, t: Double, T: Double) -> Double {
        (r + x) * log1p((T - t) / (alpha + t)) + log(a / (b + x - 1))
    }
}

extension BGNBD {
    /// The conditional expectation and P(alive) of a customer summary (x, t_x, T in days).
    func probabilityAlive(_ s: CustomerSummary) -> Double {
        probabilityAlive(x: s.x, recencyWeeks: s.recencyWeeks, ageWeeks: s.ageWeeks)
    }

    func expectedPurchases(inDays days: Double, _ s: CustomerSummary) -> Double? {
        expectedPurchases(inWeeks: days / 7, x: s.x, recencyWeeks: s.recencyWeeks, ageWeeks: s.ageWeeks)
    }
}
