#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension BGNBD {
    /// E[Y(t) | alive at T, x, T], the bracket of the paper's equation 10 times
    /// (a + b + x − 1) / (a − 1), as a mixture: with K the purchases a customer who never drops out
    /// makes in t weeks — negative binomial, P(K = k) = (m)ₖ / k! zᵏ (1 − z)^m with m = r + x and
    /// z = t / (α + T + t) (the Poisson count of a Gamma(r + x, α + T) rate) — and
    /// Qᵢ = E[(1 − p)ⁱ] = (b + x)ᵢ / (a + b + x)ᵢ the chance of surviving i more purchases under p's
    /// posterior Beta(a, b + x),
    ///
    ///     E = Σₖ P(K = k) Σ_{i<k} Qᵢ = E[K] − Σₖ P(K = k) Σ_{i<k} (1 − Qᵢ),   E[K] = (r + x) t / (α + T).
    ///
    /// Expanded, the Qᵢ are the terms of ₂F₁(r + x, b + x; a + b + x − 1; z). Both sums have
    /// positive terms; the second (the purchases lost to dropping out) is taken when they are few —
    /// the expected share lost, about a / (a + b + x) · (m + 1) t / (α + T) / 2, at most 1/4 — and
    /// stops as soon as what it still misses is below 2⁻⁵³ of the result, which is after a few
    /// terms when hardly anyone drops out (the generator's stores, whose fits end at a → 0);
    /// otherwise, or when it loses more than half, the first. Each stops at a proven bound: past
    /// the mode, P(K = k + j) ≤ P(K = k) ρʲ with ρ the largest ratio to come, and the inner sums
    /// grow at most linearly (quadratically for the second) in j.
    /// - Complexity: O(n) for n ≈ E[K] + 40 / −ln z terms, fewer with little dropout.
    func expectedPurchasesIfAlive(inWeeks t: Double, x: Int, ageWeeks T: Double) -> Double? {
        let m = r + Double(x), beta = b + Double(x), s = t / (alpha + T)
        guard t >= 0, s.isFinite, m > 0, beta > 0, a > 0 else { return nil }
        let logP0 = -m * log1p(s)
        if a / (a + beta) * (m + 1) * s <= 0.5, logP0 > -700,
           let value = Self.purchasesLessThoseLost(m: m, s: s, a: a, beta: beta, p0: exp(logP0)) {
            return value
        }
        return Self.survivingPurchases(m: m, s: s, a: a, beta: beta, logP0: logP0)
    }

    /// Σₖ P(K = k) Σ_{i<k} Qᵢ, accumulated in units of e^logScale (P(K = 0) underflows for large m).
    static func survivingPurchases(m: Double, s: Double, a: Double, beta: Double, logP0: Double) -> Double? {
        let z = s / (1 + s)
        var logScale = logP0, term = 1.0
        var q = 1.0, survived = 0.0, sum = 0.0, ratio = m * z
        for k in 0..<hypergeometricTermsMax {
            let kd = Double(k)
            survived += q                              // Σ_{i≤k} Qᵢ
            q *= (beta + kd) / (a + beta + kd)         // Q_{k+1}
            term *= ratio                              // P(K = k + 1)
            sum += term * survived
            if term > 0x1p500 {
                term *= 0x1p-500
                sum *= 0x1p-500
                logScale += 500 * 0.693_147_180_559_945_3   // ln 2
            }
            ratio = (m + kd + 1) / (kd + 2) * z        // P(K = k + 2) / P(K = k + 1)
            // The rest, ≤ term · (Σ_{i≤k} Qᵢ ρ / (1 − ρ) + Q_{k+1} ρ / (1 − ρ)²), against 2⁻⁵³ of
            // the sum, multiplied out by (1 − ρ)² (no division in the loop's test).
            let rho = max(ratio, z), gap = 1 - rho
            if gap > 0, term * rho * (survived * gap + q) <= 0x1p-53 * sum * gap * gap {
                let value = sum > 0 ? exp(logScale + log(sum)) : 0
                return value.isFinite ? value : nil
            }
        }
        return nil
    }

    /// E[K] − Σₖ P(K = k) Σ_{i<k} (1 − Qᵢ); `nil` when the lost purchases exceed half of E[K]
    /// (the difference would then lose digits) or the terms run out.
    static func purchasesLessThoseLost(m: Double, s: Double, a: Double, beta: Double, p0: Double) -> Double? {
        let z = s / (1 + s), mean = m * s
        var term = p0, q = 1.0, lost = 0.0, lostSum = 0.0, sum = 0.0, ratio = m * z
        for k in 0..<hypergeometricTermsMax {
            let kd = Double(k)
            lostSum += lost                            // Σ_{i≤k} (1 − Qᵢ)
            let share = a / (a + beta + kd), drop = q * share
            lost += drop                               // 1 − Q_{k+1}
            q -= drop                                  // Q_{k+1}
            term *= ratio                              // P(K = k + 1)
            sum += term * lostSum
            guard sum <= mean / 2 else { return nil }
            ratio = (m + kd + 1) / (kd + 2) * z
            // The rest, ≤ term · (Σ ρ / (1 − ρ) + (1 − Q_{k+1}) ρ / (1 − ρ)² + share / 2 · ρ(1 + ρ) / (1 − ρ)³):
            // 1 − Qᵢ grows by at most `share` a term from here. Multiplied out by (1 − ρ)³.
            let rho = max(ratio, z), gap = 1 - rho
            if gap > 0, term * rho * (lostSum * gap * gap + lost * gap + share * 0.5 * (1 + rho))
                <= 0x1p-53 * (mean - sum) * gap * gap * gap {
                return mean - sum
            }
        }
        return nil
    }
}
