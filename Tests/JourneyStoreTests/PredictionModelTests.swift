import Foundation
import Testing
@testable import JourneyStore

/// The paper's parameters for CDNOW (Fader, Hardie & Lee 2005, table 1).
let cdnowPaper = BGNBD(r: 0.243, alpha: 4.414, a: 0.793, b: 2.426)

@Suite struct BGNBDTests {
    /// The paper's equation 6 written with Γ and B themselves, for one customer.
    static func likelihoodByHand(_ m: BGNBD, x: Double, t: Double, T: Double) -> Double {
        func beta(_ p: Double, _ q: Double) -> Double { tgamma(p) * tgamma(q) / tgamma(p + q) }
        let common = tgamma(m.r + x) * pow(m.alpha, m.r) / tgamma(m.r)
        var l = beta(m.a, m.b + x) / beta(m.a, m.b) * common / pow(m.alpha + T, m.r + x)
        if x > 0 { l += beta(m.a + 1, m.b + x - 1) / beta(m.a, m.b) * common / pow(m.alpha + t, m.r + x) }
        return l
    }

    @Test(arguments: [(2, 30.43, 38.86), (0, 0.0, 38.86), (1, 1.71, 38.86), (7, 35.0, 36.5), (15, 50.0, 52.0)])
    func likelihoodOfOneCustomerIsThePapersEquation(_ x: Int, _ t: Double, _ T: Double) {
        let byHand = log(Self.likelihoodByHand(cdnowPaper, x: Double(x), t: t, T: T))
        #expect(isClose(cdnowPaper.logLikelihood(x: x, recencyWeeks: t, ageWeeks: T), byHand, relative: 1e-12))
    }

    @Test func thePapersWorkedExample() {
        // "a customer with x = 2, t_x = 30.43, T = 38.86 weeks expects 1.226 purchases in the next 39 weeks"
        let expected = cdnowPaper.expectedPurchases(inWeeks: 39, x: 2, recencyWeeks: 30.43, ageWeeks: 38.86)
        #expect(expected.map { ($0 * 1000).rounded() / 1000 } == 1.226)
        // lifetimes 0.11.3 with the same parameters.
        #expect(isClose(expected, 1.226028174767135, relative: 1e-12))
        #expect(isClose(cdnowPaper.probabilityAlive(x: 2, recencyWeeks: 30.43, ageWeeks: 38.86), 0.72657857, relative: 1e-7))
        #expect(isClose(cdnowPaper.expectedPurchases(inWeeks: 90.0 / 7, x: 0, recencyWeeks: 0, ageWeeks: 20),
                        0.11906755433108054, relative: 1e-12))
    }

    @Test func aCustomerWhoNeverCameBackIsAliveUntilTheyBuyAgain() {
        #expect(cdnowPaper.probabilityAlive(x: 0, recencyWeeks: 0, ageWeeks: 30) == 1)
        // The longer since the last purchase, the less likely alive.
        let recent = cdnowPaper.probabilityAlive(x: 3, recencyWeeks: 30, ageWeeks: 31)
        let old = cdnowPaper.probabilityAlive(x: 3, recencyWeeks: 5, ageWeeks: 31)
        #expect(recent > old && old > 0 && recent < 1)
    }

    static let summaries = [
        CustomerSummary(x: 2, recencyDays: 213, ageDays: 272), CustomerSummary(x: 0, recencyDays: 0, ageDays: 272),
        CustomerSummary(x: 0, recencyDays: 0, ageDays: 272), CustomerSummary(x: 1, recencyDays: 12, ageDays: 269),
        CustomerSummary(x: 2, recencyDays: 213, ageDays: 272), CustomerSummary(x: 5, recencyDays: 200, ageDays: 250),
        CustomerSummary(x: 0, recencyDays: 0, ageDays: 3),
    ]

    @Test func theGroupedLikelihoodIsTheSumOverCustomers() {
        let sample = BGNBDSample(Self.summaries)
        #expect(sample.groups == 5)
        #expect(sample.customers == 7)
        let sum = Self.summaries.reduce(0.0) { $0 + cdnowPaper.logLikelihood(x: $1.x, recencyWeeks: $1.recencyWeeks, ageWeeks: $1.ageWeeks) }
        #expect(isClose(sample.logLikelihood(cdnowPaper), sum, relative: 1e-13))
    }

    @Test func theLikelihoodsGradientIsItsSlope() {
        let sample = BGNBDSample(Self.summaries)
        // In the fit's coordinates (ln r, ln(r/α), ln(a/b), ln(a + b)), here and towards the limits.
        for theta in [BGNBDSample.coordinates(r: 0.5, alpha: 3, a: 0.8, b: 2.5), BGNBDSample.coordinates(r: 0.5, alpha: 3, a: 1e-9, b: 1e-3),
                      BGNBDSample.coordinates(r: 0.5, alpha: 3, a: 2e6, b: 8e6)] {
            Self.expectGradientIsSlope(sample, theta)
        }
        let p = BGNBDSample.parameters(BGNBDSample.coordinates(r: 0.5, alpha: 3, a: 0.8, b: 2.5))
        #expect(isClose(p.r, 0.5, relative: 1e-15) && isClose(p.alpha, 3, relative: 1e-15))
        #expect(isClose(p.a, 0.8, relative: 1e-15) && isClose(p.b, 2.5, relative: 1e-15))
    }

    static func expectGradientIsSlope(_ sample: BGNBDSample, _ theta: [Double]) {
        var g: [Double] = [], unused: [Double] = []
        _ = sample.negativeMeanLogLikelihood(theta, unitsPerDay: 1.0 / 7, gradient: &g)
        for k in 0..<4 {
            var up = theta, down = theta
            up[k] += 1e-6
            down[k] -= 1e-6
            let slope = (sample.negativeMeanLogLikelihood(up, unitsPerDay: 1.0 / 7, gradient: &unused)
                - sample.negativeMeanLogLikelihood(down, unitsPerDay: 1.0 / 7, gradient: &unused)) / 2e-6
            #expect(abs(g[k] - slope) < 1e-7, "component \(k): \(g[k]) against \(slope)")
        }
    }
}

@Suite struct GammaGammaTests {
    static let model = GammaGamma(p: 6.25, q: 3.74, v: 15.44)

    @Test func likelihoodOfOneCustomerIsThePapersEquation() {
        // Fader & Hardie's (2013) density of x occasions with mean m, written with Γ itself:
        // Γ(px + q) / (Γ(px) Γ(q)) · v^q m^(px−1) x^(px) / (v + x m)^(px+q).
        let p = 6.25, q = 3.74, v = 15.44, x = 2.0, m = 22.35
        let byHand = tgamma(p * x + q) / (tgamma(p * x) * tgamma(q)) * pow(v, q) * pow(m, p * x - 1) * pow(x, p * x) / pow(v + x * m, p * x + q)
        #expect(isClose(Self.model.logLikelihood(x: 2, meanSpend: 22.35), log(byHand), relative: 1e-12))
        #expect(isClose(Self.model.logLikelihood(x: 2, meanSpend: 22.35), -3.551316759731691, relative: 1e-12))   // lifetimes
    }

    @Test func expectedSpendLiesBetweenTheCustomersMeanAndThePopulations() {
        let population = Self.model.populationMeanSpend!
        #expect(isClose(population, 15.44 * 6.25 / 2.74, relative: 1e-15))
        #expect(Self.model.conditionalExpectedSpend(x: 0, meanSpend: 0) == population)
        #expect(isClose(Self.model.conditionalExpectedSpend(x: 2, meanSpend: 22.35), 24.663713910761157, relative: 1e-12))
        // A frequent buyer's own mean weighs more.
        let frequent = Self.model.conditionalExpectedSpend(x: 50, meanSpend: 22.35)!
        #expect(abs(frequent - 22.35) < abs(24.66 - 22.35))
        #expect(GammaGamma(p: 6, q: 0.9, v: 15).conditionalExpectedSpend(x: 1, meanSpend: 10) == nil)
    }

    @Test func theSamplesLikelihoodAndGradient() {
        let summaries = [CustomerSummary(x: 2, recencyDays: 9, ageDays: 20, repeatValueSum: 4470),
                         CustomerSummary(x: 1, recencyDays: 9, ageDays: 20, repeatValueSum: 1500),
                         CustomerSummary(x: 2, recencyDays: 9, ageDays: 20, repeatValueSum: 9000),
                         CustomerSummary(x: 0, recencyDays: 0, ageDays: 20),
                         CustomerSummary(x: 4, recencyDays: 19, ageDays: 20, repeatValueSum: 20000)]
        let sample = GammaGammaSample(summaries, exponent: 2)
        #expect(sample.customers == 4)
        let sum = [(2, 22.35), (1, 15.0), (2, 45.0), (4, 50.0)].reduce(0.0) { $0 + Self.model.logLikelihood(x: $1.0, meanSpend: $1.1) }
        #expect(isClose(sample.logLikelihood(Self.model), sum, relative: 1e-12))
        // In the fit's coordinates (ln p, ln q, ln(p v / q)), here, towards one mean spend for all,
        // and towards every purchase at the customer's mean.
        for theta in [GammaGammaSample.coordinates(p: 2, q: 3, v: 0.7), GammaGammaSample.coordinates(p: 2, q: 3e7, v: 7e6),
                      GammaGammaSample.coordinates(p: 2e7, q: 3, v: 7e-8)] {
            var g: [Double] = [], unused: [Double] = []
            _ = sample.negativeMeanLogLikelihood(theta, gradient: &g)
            for k in 0..<3 {
                var up = theta, down = theta
                up[k] += 1e-6
                down[k] -= 1e-6
                let slope = (sample.negativeMeanLogLikelihood(up, gradient: &unused) - sample.negativeMeanLogLikelihood(down, gradient: &unused)) / 2e-6
                #expect(abs(g[k] - slope) < 1e-7, "component \(k): \(g[k]) against \(slope)")
            }
        }
    }
}

@Suite struct CustomerSummaryTests {
    static let day: Int64 = 86_400_000

    @Test func purchasesOnOneDayAreOneOccasion() {
        // Day 0 twice (10.00 + 5.00), day 3 twice (20.00 + 4.00), day 10 (7.00); the end on day 40.
        let times: [Int64] = [0, 3_600_000, 3 * Self.day + 5, 3 * Self.day + 6, 10 * Self.day + 1]
        let amounts: [Int64] = [1000, 500, 2000, 400, 700]
        let s = CustomerSummary(times: times, amounts: amounts, end: 40 * Self.day + 12)!
        #expect(s == CustomerSummary(x: 2, recencyDays: 10, ageDays: 40, repeatValueSum: 3100))
        #expect(s.meanRepeatValue == 1550)
        #expect(s.recencyWeeks == 10.0 / 7 && s.ageWeeks == 40.0 / 7)
        // As of day 5, only the first two days count.
        #expect(CustomerSummary(times: times, amounts: amounts, end: 5 * Self.day) == CustomerSummary(x: 1, recencyDays: 3, ageDays: 5, repeatValueSum: 2400))
        #expect(CustomerSummary(times: times, amounts: amounts, end: -1) == nil)
        // The holdout after day 3 at noon: day 10 counts; a later purchase on day 3 would not.
        #expect(CustomerSummary.holdoutDays(times: times, end: 3 * Self.day + Self.day / 2, holdoutEnd: 20 * Self.day) == 1)
        #expect(CustomerSummary.holdoutDays(times: times + [3 * Self.day + 80_000_000], end: 3 * Self.day + 7, holdoutEnd: 5 * Self.day) == 0)
    }
}

@Suite struct PredictedValueTests {
    /// The paper's example customer with CDNOW's parameters, its repeat days worth 22.35 on average.
    static func example(horizonDays: Double, discountMonthly: Double) throws -> Money? {
        var policy = Policy()
        try policy.set("predicted_value_horizon_days", to: String(horizonDays))
        try policy.set("predicted_value_discount_monthly", to: String(discountMonthly))
        policy.predictionModel = PredictionModel(
            calibrationEnd: Timestamp(millisecondsSinceEpoch: 0), position: 0, customers: 1,
            bgnbd: BGNBDFit(model: cdnowPaper, logLikelihood: 0, iterations: 0, converged: true),
            gammaGamma: GammaGammaFit(model: GammaGamma(p: 6.25, q: 3.74, v: 15.44), logLikelihood: 0, customers: 1, iterations: 0, converged: true))
        var facts = CustomerFacts()
        let day: Int64 = 86_400_000
        facts.purchaseTimes = [0, 17 * day, 213 * day]
        facts.purchaseAmounts = [2933, 2973, 1497]
        return policy.prediction(facts, asOf: 272 * day, exponent: 2)?.predictedValue
    }

    @Test func theValueIsExpectedPurchasesTimesExpectedSpend() throws {
        // lifetimes' customer_lifetime_value(time=12 months of 30 days, freq="D") with the same parameters.
        #expect(try Self.example(horizonDays: 360, discountMonthly: 0) == Money(minorUnits: 3810))
        #expect(try Self.example(horizonDays: 360, discountMonthly: 0.01) == Money(minorUnits: 3588))
        // Undiscounted: E[Y(365 days)] × E(M | x = 2, m = 22.35).
        let purchases = cdnowPaper.expectedPurchases(inWeeks: 365.0 / 7, x: 2, recencyWeeks: 213.0 / 7, ageWeeks: 272.0 / 7)!
        let spend = GammaGamma(p: 6.25, q: 3.74, v: 15.44).conditionalExpectedSpend(x: 2, meanSpend: 22.35)!
        #expect(try Self.example(horizonDays: 365, discountMonthly: 0) == Money(minorUnits: Int128((purchases * spend * 100).rounded())))
        var policy = Policy()
        #expect(throws: JourneyError.self) { try policy.set("predicted_value_discount_monthly", to: "-0.1") }
    }
}
