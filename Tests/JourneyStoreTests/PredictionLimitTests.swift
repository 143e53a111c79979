import Foundation
import Testing
@testable import JourneyStore

/// The models towards their limits (``FitLimit``): the conditional expectation stays exact there,
/// the fits end on the limit and say which, and the generated stores that failed before fit.
@Suite struct PredictionLimitTests {
    /// Equation 10 as the paper writes it, with the power series of ₂F₁ (the reference the
    /// positive-term evaluation is checked against; it cancels near a = 1, so only away from it).
    static func equation10(_ m: BGNBD, weeks t: Double, x: Int, tx: Double, T: Double) -> Double? {
        let xd = Double(x), c = m.a + m.b + xd - 1, z = t / (m.alpha + T + t)
        guard let f = hypergeometric2F1(m.r + xd, m.b + xd, c, z) else { return nil }
        let bracket = 1 - pow((m.alpha + T) / (m.alpha + T + t), m.r + xd) * f
        return c / (m.a - 1) * bracket * m.probabilityAlive(x: x, recencyWeeks: tx, ageWeeks: T)
    }

    static func logUniform(_ random: inout SeededRandom, _ low: Double, _ high: Double) -> Double {
        exp(Double.random(in: log(low)...log(high), using: &random))
    }

    @Test func theExpectationIsEquation10() {
        var random = SeededRandom(seed: 20)
        var compared = 0
        for _ in 0..<400 {
            let a = Bool.random(using: &random) ? Double.random(in: 0.05...0.9, using: &random) : Double.random(in: 1.1...6, using: &random)
            let m = BGNBD(r: Self.logUniform(&random, 0.05, 8), alpha: Self.logUniform(&random, 0.5, 200), a: a,
                          b: Self.logUniform(&random, 0.3, 40))
            let x = Int.random(in: 0...25, using: &random), T = Double.random(in: 0...150, using: &random)
            let tx = x == 0 ? 0 : Double.random(in: 0...T, using: &random), t = Double.random(in: 0.5...80, using: &random)
            guard let reference = Self.equation10(m, weeks: t, x: x, tx: tx, T: T) else { continue }
            compared += 1
            let value = m.expectedPurchases(inWeeks: t, x: x, recencyWeeks: tx, ageWeeks: T)
            #expect(isClose(value, reference, relative: 1e-9), "\(m), x \(x), t_x \(tx), T \(T), t \(t): \(value ?? .nan) against \(reference)")
        }
        #expect(compared > 350)
    }

    @Test func atTheLimitsTheExpectationIsTheLimitModels() {
        let (x, tx, T, t) = (3, 20.0, 40.0, 26.0)
        // Nobody drops out (a → 0): the NBD model's (r + x) t / (α + T), times P(alive).
        let nbd = BGNBD(r: 0.9, alpha: 50, a: 1e-14, b: 1e-6)
        #expect(isClose(nbd.expectedPurchases(inWeeks: t, x: x, recencyWeeks: tx, ageWeeks: T),
                        3.9 * t / 90 * nbd.probabilityAlive(x: x, recencyWeeks: tx, ageWeeks: T), relative: 1e-9))
        // Everyone drops out with probability p after each purchase (a, b → ∞, a/(a + b) = p):
        // E[Y | alive] = (1 − ((α + T) / (α + T + p t))^(r+x)) / p.
        for (a, b) in [(1.5e7, 8.5e7), (125_639.3697, 8_356_449.4239)] {   // the second: seed 7's holdout fit, once "0"
            let same = BGNBD(r: 0.8194, alpha: 50.7189, a: a, b: b), p = a / (a + b)
            let limit = (1 - pow(90.7189 / (90.7189 + p * t), 3.8194)) / p
            let alive = same.expectedPurchasesIfAlive(inWeeks: t, x: x, ageWeeks: T)
            #expect(isClose(alive, limit, relative: 1e-4), "\(alive ?? .nan) against \(limit)")
        }
        // Everyone buys at the rate λ = r/α (r, α → ∞) and nobody drops out: λ t.
        let poisson = BGNBD(r: 1e9, alpha: 2e9, a: 1e-12, b: 1)
        #expect(isClose(poisson.expectedPurchasesIfAlive(inWeeks: t, x: x, ageWeeks: T), 0.5 * t, relative: 1e-7))
        // a = 1, where equation 10 divides by zero, lies between its neighbours.
        let values = [1 - 1e-7, 1, 1 + 1e-7].map { BGNBD(r: 0.5, alpha: 10, a: $0, b: 2).expectedPurchases(inWeeks: t, x: x, recencyWeeks: tx, ageWeeks: T)! }
        #expect(values[0] > values[1] && values[1] > values[2] && isClose(values[0], values[2], relative: 1e-6))
    }

    /// Over the whole box the fits may end in, the expectation has a value, at most what a
    /// customer who never drops out would buy, growing with the horizon.
    @Test func theExpectationIsBoundedEverywhereInTheBox() {
        var random = SeededRandom(seed: 8)
        for _ in 0..<2_000 {
            let r = Self.logUniform(&random, 1e-8, 1e8), a = Self.logUniform(&random, 1e-8, 1e8), b = Self.logUniform(&random, 1e-8, 1e8)
            let x = Int.random(in: 0...200, using: &random), T = Double.random(in: 0...520, using: &random)
            let tx = x == 0 ? 0 : Double.random(in: 0...T, using: &random), t = Double.random(in: 0...520, using: &random)
            // α such that the horizon is at most 1,000 ages and r + x purchase rates: the series' length.
            let alpha = max(Self.logUniform(&random, 1e-8, 1e8), t / 1_000 - T, (r + Double(x)) * t / 1e4 - T, 1e-8)
            let m = BGNBD(r: r, alpha: alpha, a: a, b: b)
            let alive = m.probabilityAlive(x: x, recencyWeeks: tx, ageWeeks: T)
            guard let value = m.expectedPurchases(inWeeks: t, x: x, recencyWeeks: tx, ageWeeks: T),
                  let longer = m.expectedPurchases(inWeeks: 2 * t, x: x, recencyWeeks: tx, ageWeeks: T) else {
                Issue.record("no value: \(m), x \(x), t_x \(tx), T \(T), t \(t)")
                continue
            }
            let immortal = (r + Double(x)) * t / (alpha + T)
            #expect(alive >= 0 && alive <= 1)
            #expect(value >= 0 && value <= immortal * alive * (1 + 1e-12), "\(m), x \(x), T \(T), t \(t): \(value) > \(immortal)")
            #expect(longer >= value * (1 - 1e-10), "rounding aside (~4ε per term summed), a longer horizon expects no fewer")
        }
    }

    /// The two sums the expectation is taken as agree where both apply; the second (E[K] less the
    /// purchases lost to dropping out) ends early when few are lost.
    @Test func bothSumsAgree() {
        var random = SeededRandom(seed: 9)
        var compared = 0
        for _ in 0..<1_000 {
            let m = Self.logUniform(&random, 0.01, 50), s = Self.logUniform(&random, 1e-3, 5)
            let a = Self.logUniform(&random, 1e-14, 3), beta = Self.logUniform(&random, 1e-6, 200)
            guard let lessLost = BGNBD.purchasesLessThoseLost(m: m, s: s, a: a, beta: beta, p0: exp(-m * log1p(s))) else { continue }
            compared += 1
            #expect(isClose(BGNBD.survivingPurchases(m: m, s: s, a: a, beta: beta, logP0: -m * log1p(s)), lessLost, relative: 1e-12),
                    "m \(m), s \(s), a \(a), b + x \(beta)")
        }
        #expect(compared > 300)
    }

    /// Where it cannot be computed, the holdout says so instead of counting 0.
    @Test func theHoldoutNeverCountsAMissingExpectationAsZero() {
        // A degenerate model: rates so high and varied that the series would need ~10¹¹ terms.
        let wild = BGNBD(r: 1e-8, alpha: 1e-8, a: 0.5, b: 1)
        let summaries = [CustomerSummary(x: 0, recencyDays: 0, ageDays: 0), CustomerSummary(x: 2, recencyDays: 10, ageDays: 70)]
        #expect(wild.expectedPurchases(inWeeks: 26, x: 0, recencyWeeks: 0, ageWeeks: 0) == nil)
        let day: Int64 = 86_400_000
        let h = HoldoutReport(wild, summaries, [1, 2], end: 70 * day, holdoutEnd: Timestamp(millisecondsSinceEpoch: 252 * day))
        #expect(h.unpredicted == 1)
        #expect(h.rows[0].predicted == nil && h.rows[0].predictedMean == nil && h.total.predicted == nil)
        #expect(h.rows[2].predicted != nil && h.total.actual == 3)
    }
}

/// The fits on data drawn from the limit models end there, saying so.
@Suite struct PredictionLimitFitTests {
    // Drawn from a limit, a sample's maximum lies on it about half the time (seed 2 of these
    // draws has its maximum at a = 18, b = 100, finite): seed 1's does for both models.
    @Test func everyoneDroppingOutAlikeEndsOnThatLimit() {
        // p ~ Beta(1.5·10⁷, 8.5·10⁷): p = 0.15 for everyone, to 10⁻⁴.
        let summaries = PredictionSimulationTests.simulate(BGNBD(r: 0.5, alpha: 5, a: 1.5e7, b: 8.5e7), GammaGamma(p: 6, q: 4, v: 15),
                                                           customers: 5_000, seed: 1)
        let fit = BGNBDSample(summaries).fit()
        #expect(fit.converged && fit.iterations < 200, "\(fit.iterations) iterations")
        #expect(fit.limits == [.sameDropout], "\(fit.limits)")
        #expect(isClose(fit.model.a / (fit.model.a + fit.model.b), 0.15, relative: 0.15))
        #expect(isClose(fit.model.r, 0.5, relative: 0.15) && isClose(fit.model.alpha, 5, relative: 0.15))
    }

    @Test func oneMeanSpendForAllEndsOnThatLimit() {
        // ν ~ Gamma(10¹⁰, 1.5·10¹¹): every customer's mean spend is p / ν = 90.
        let summaries = PredictionSimulationTests.simulate(BGNBD(r: 2, alpha: 5, a: 0.8, b: 2.5), GammaGamma(p: 6, q: 1e10, v: 1.5e11),
                                                           customers: 5_000, seed: 1)
        let fit = GammaGammaSample(summaries, exponent: 2).fit()
        #expect(fit.converged && fit.iterations < 200, "\(fit.iterations) iterations")
        #expect(fit.limits == [.sameMeanSpend], "\(fit.limits)")
        #expect(isClose(fit.model.populationMeanSpend, 90, relative: 0.05))
        #expect(isClose(fit.model.p, 6, relative: 0.1))
    }

    @Test func everyPurchaseAtTheCustomersMeanEndsOnThatLimit() {
        // p = 10⁹, v = 1.5·10⁻⁸: a customer's purchases all cost p / ν, to the cent (seed 3's
        // sample has its maximum there; rounding to cents gives seeds 1 and 2 a finite p ≈ 250).
        let summaries = PredictionSimulationTests.simulate(BGNBD(r: 2, alpha: 5, a: 0.8, b: 2.5), GammaGamma(p: 1e9, q: 4, v: 1.5e-8),
                                                           customers: 5_000, seed: 3)
        let fit = GammaGammaSample(summaries, exponent: 2).fit()
        #expect(fit.converged && fit.iterations < 200, "\(fit.iterations) iterations")
        #expect(fit.limits == [.sameSpendPerPurchase], "\(fit.limits)")
        #expect(isClose(fit.model.q, 4, relative: 0.1))
        // The expected spend is the customer's own mean.
        #expect(isClose(fit.model.conditionalExpectedSpend(x: 1, meanSpend: 37.5), 37.5, relative: 1e-6))
    }

    @Test func interiorOptimaNameNoLimit() {
        let summaries = PredictionSimulationTests.simulate(BGNBD(r: 0.5, alpha: 5, a: 0.8, b: 2.5), GammaGamma(p: 6, q: 4, v: 15),
                                                           customers: 5_000, seed: 6)
        #expect(BGNBDSample(summaries).fit().limits == [])
        #expect(GammaGammaSample(summaries, exponent: 2).fit().limits == [])
    }
}
