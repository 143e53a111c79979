#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Fader & Hardie's Gamma-Gamma model of spend per purchase occasion ("The Gamma-Gamma model of
/// monetary value", 2013): a customer's occasions are worth Gamma(p, ν) with ν ~ Gamma(q, v) across
/// customers, independent of how often they buy. Amounts in the store's major units.
///
/// ```swift
/// let spend = GammaGamma(p: 6.25, q: 3.74, v: 15.44)
/// spend.conditionalExpectedSpend(x: 2, meanSpend: 22.35)   // between the mean of 22.35 and the population's 35.9
/// ```
public struct GammaGamma: Hashable, Sendable {
    /// Shape of the spend per occasion.
    public var p: Double
    /// Shape of the customers' rate parameters.
    public var q: Double
    /// Scale of the customers' rate parameters, in major units.
    public var v: Double

    /// The three parameters (v in major units).
    public init(p: Double, q: Double, v: Double) {
        self.p = p
        self.q = q
        self.v = v
    }

    /// The mean spend per occasion of the population, v p / (q − 1); `nil` for q ≤ 1 (no mean).
    public var populationMeanSpend: Double? { q > 1 ? v * p / (q - 1) : nil }

    /// E(M | x, m_x) = (1 − w) v p / (q − 1) + w m_x with w = p x / (p x + q − 1): a customer's
    /// expected spend per occasion, between the population's mean and their own mean m_x over x
    /// repeat occasions (lifetimes' `conditional_expected_average_profit`). For x = 0 it is the
    /// population's mean.
    /// - Returns: `nil` for q ≤ 1.
    public func conditionalExpectedSpend(x: Int, meanSpend m: Double) -> Double? {
        guard let mean = populationMeanSpend else { return nil }
        let px = p * Double(x)
        let w = px / (px + q - 1)
        return (1 - w) * mean + w * m
    }

    /// One repeat buyer's log-likelihood, with x repeat occasions of mean m (> 0):
    /// ln Γ(px + q) − ln Γ(px) − ln Γ(q) + q ln v + (px − 1) ln m + px ln x − (px + q) ln(x m + v).
    public func logLikelihood(x: Int, meanSpend m: Double) -> Double {
        let xd = Double(x), px = p * xd
        return logGamma(px + q) - logGamma(px) - logGamma(q) + q * log(v) + (px - 1) * log(m) + px * log(xd)
            - (px + q) * log(xd * m + v)
    }
}

/// The repeat buyers a Gamma-Gamma fit sees (x ≥ 1, mean spend > 0), sorted by x.
struct GammaGammaSample {
    /// Per distinct x: x, its customers, and Σ ln m over them; where its customers start in `xm`.
    private(set) var distinctX: [Int] = []
    private(set) var customersWithX: [Double] = []
    private(set) var logSpendSum: [Double] = []
    private(set) var starts: [Int] = [0]
    /// x · m per customer, in the units the sample was scaled to, and its logarithm.
    private(set) var xm: [Double] = []
    private(set) var logXM: [Double] = []
    /// What one major unit is in the sample's units (1 / mean spend: v then comes out near 1).
    let unitsPerMajor: Double

    var customers: Int { xm.count }

    /// The buyers among `summaries` with x ≥ 1 and a positive mean, amounts scaled by
    /// 10^`exponent` to major units, then to the sample's units.
    init(_ summaries: [CustomerSummary], exponent: Int) {
        var minorPerMajor = 1.0
        for _ in 0..<exponent { minorPerMajor *= 10 }
        let buyers = summaries.filter { $0.x > 0 && $0.repeatValueSum > 0 }.sorted { $0.x < $1.x }
        let means = buyers.map { Double($0.repeatValueSum) / Double($0.x) / minorPerMajor }
        let total = means.reduce(0, +)
        unitsPerMajor = total > 0 ? Double(means.count) / total : 1
        for (s, m) in zip(buyers, means) {
            let scaled = m * unitsPerMajor
            if distinctX.last != s.x {
                if !distinctX.isEmpty { starts.append(xm.count) }
                distinctX.append(s.x)
                customersWithX.append(0)
                logSpendSum.append(0)
            }
            customersWithX[customersWithX.count - 1] += 1
            logSpendSum[logSpendSum.count - 1] += log(scaled)
            xm.append(Double(s.x) * scaled)
            logXM.append(log(xm[xm.count - 1]))
        }
        starts.append(xm.count)
    }
}
