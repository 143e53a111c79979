import Foundation
import Testing
@testable import JourneyStore

/// The fits recover the parameters of data drawn from the models themselves (as lifetimes'
/// `beta_geometric_nbd_model` draws it): the likelihood, its gradient and BFGS together.
@Suite struct PredictionSimulationTests {
    /// Draws from the Gamma and Beta distributions (Marsaglia & Tsang's method for Gamma).
    struct Draws {
        var random: SeededRandom

        mutating func uniform() -> Double { Double(random.next() >> 11) * 0x1p-53 + 0x1p-54 }

        mutating func normal() -> Double { sqrt(-2 * log(uniform())) * cos(2 * .pi * uniform()) }

        /// Gamma(shape, scale 1).
        mutating func gamma(_ shape: Double) -> Double {
            if shape < 1 { return gamma(shape + 1) * pow(uniform(), 1 / shape) }
            let d = shape - 1.0 / 3, c = 1 / sqrt(9 * d)
            while true {
                let z = normal(), v = pow(1 + c * z, 3)
                if v > 0, log(uniform()) < z * z / 2 + d - d * v + d * log(v) { return d * v }
            }
        }

        mutating func beta(_ a: Double, _ b: Double) -> Double {
            let x = gamma(a)
            return x / (x + gamma(b))
        }
    }

    /// `customers` histories of a year (364 days) under BG/NBD with `truth`, repeat days valued
    /// under Gamma-Gamma with `spend` (in cents).
    static func simulate(_ truth: BGNBD, _ spend: GammaGamma, customers: Int, seed: UInt64) -> [CustomerSummary] {
        var draw = Draws(random: SeededRandom(seed: seed))
        let ageDays = 364
        return (0..<customers).map { _ in
            let rate = draw.gamma(truth.r) / truth.alpha, p = draw.beta(truth.a, truth.b)   // per week
            let nu = draw.gamma(spend.q) / spend.v
            var t = 0.0, days: [Int] = [0]
            while true {
                t += -log(draw.uniform()) / rate
                let day = Int(t * 7)
                guard day <= ageDays else { break }
                if day != days.last { days.append(day) }
                if draw.uniform() < p { break }
            }
            var value: Int128 = 0
            for _ in 1..<days.count { value += Int128((draw.gamma(spend.p) / nu * 100).rounded(.up)) }
            return CustomerSummary(x: days.count - 1, recencyDays: days.last!, ageDays: ageDays, repeatValueSum: value)
        }
    }

    @Test(arguments: [UInt64(1), 2])
    func theFitsRecoverTheParametersTheDataWereDrawnWith(seed: UInt64) {
        let truth = BGNBD(r: 0.5, alpha: 5, a: 0.8, b: 2.5)
        let spend = GammaGamma(p: 6, q: 4, v: 15)
        let summaries = Self.simulate(truth, spend, customers: 20_000, seed: seed)
        let bgnbd = BGNBDSample(summaries).fit()
        #expect(bgnbd.converged)
        #expect(isClose(bgnbd.model.r, truth.r, relative: 0.1), "r \(bgnbd.model.r)")
        #expect(isClose(bgnbd.model.alpha, truth.alpha, relative: 0.1), "α \(bgnbd.model.alpha)")
        #expect(isClose(bgnbd.model.a, truth.a, relative: 0.25), "a \(bgnbd.model.a)")
        #expect(isClose(bgnbd.model.b, truth.b, relative: 0.25), "b \(bgnbd.model.b)")
        let gammaGamma = GammaGammaSample(summaries, exponent: 2).fit()
        #expect(gammaGamma.converged)
        #expect(isClose(gammaGamma.model.p, spend.p, relative: 0.15), "p \(gammaGamma.model.p)")
        #expect(isClose(gammaGamma.model.q, spend.q, relative: 0.15), "q \(gammaGamma.model.q)")
        #expect(isClose(gammaGamma.model.v, spend.v, relative: 0.2), "v \(gammaGamma.model.v)")
        // The fitted log-likelihood is at least the truth's: it is the maximum.
        #expect(bgnbd.logLikelihood >= BGNBDSample(summaries).logLikelihood(truth))
    }
}
