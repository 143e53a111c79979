#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A fitted Gamma-Gamma model, with how the fit went.
struct GammaGammaFit {
    var model: GammaGamma
    /// The sample's log-likelihood at the fitted parameters, amounts in major units.
    var logLikelihood: Double
    var customers: Int
    var iterations: Int
    var converged: Bool
    /// The parameters that ended at the fit's bound (``BFGS/logParameterBound``), by name.
    var atBound: [String] = []
}

extension GammaGammaSample {
    /// The mean negative log-likelihood at θ = ln(p, q, v) (v in the sample's units, times
    /// `unitsPerMajor` / `self.unitsPerMajor` when evaluated in other units), and its gradient in θ.
    /// Per distinct x the ln Γ and digamma terms; per customer one log and one division.
    func negativeMeanLogLikelihood(_ theta: [Double], rescale: Double = 1, gradient g: inout [Double]) -> Double {
        let p = exp(theta[0]), q = exp(theta[1]), v = exp(theta[2])
        let logV = log(v), lgQ = logGamma(q), psiQ = digamma(q), logRescale = log(rescale)
        var ll = 0.0, dp = 0.0, dq = 0.0, dv = 0.0
        for (k, xv) in distinctX.enumerated() {
            let xd = Double(xv), n = customersWithX[k], px = p * xd
            // Σ ln m over this x's customers, in the units of v.
            let logSpend = logSpendSum[k] + n * logRescale
            var logSum = 0.0, inverseSum = 0.0
            for i in starts[k]..<starts[k + 1] {
                let denominator = xm[i] * rescale + v
                logSum += log(denominator)
                inverseSum += 1 / denominator
            }
            let psiPQ = digamma(px + q)
            ll += n * (logGamma(px + q) - logGamma(px) - lgQ + q * logV + px * log(xd)) + (px - 1) * logSpend
                - (px + q) * logSum
            dp += xd * (n * (psiPQ - digamma(px) + log(xd)) + logSpend - logSum)
            dq += n * (psiPQ - psiQ + logV) - logSum
            dv += n * q / v - (px + q) * inverseSum
        }
        let n = Double(customers)
        g = [-dp * p / n, -dq * q / n, -dv * v / n]
        return -ll / n
    }

    /// The maximum-likelihood fit: BFGS on ln(p, q, v) from 0.1 each (lifetimes' start), amounts
    /// scaled so that the mean spend is 1, then v brought back to major units.
    func fit() -> GammaGammaFit {
        let result = BFGS.minimize(from: [0.1, 0.1, 0.1], gradientMax: Self.gradientMax, bound: BFGS.logParameterBound) { theta, g in
            negativeMeanLogLikelihood(theta, gradient: &g)
        }
        let model = GammaGamma(p: exp(result.x[0]), q: exp(result.x[1]), v: exp(result.x[2]) / unitsPerMajor)
        return GammaGammaFit(model: model, logLikelihood: logLikelihood(model), customers: customers,
                             iterations: result.iterations, converged: result.converged,
                             atBound: result.atBound.map { ["p", "q", "v"][$0] })
    }

    /// The sample's log-likelihood under `model`, amounts in major units.
    func logLikelihood(_ model: GammaGamma) -> Double {
        var unused: [Double] = []
        let theta = [log(model.p), log(model.q), log(model.v)]
        return -Double(customers) * negativeMeanLogLikelihood(theta, rescale: 1 / unitsPerMajor, gradient: &unused)
    }

    /// The fit stops when no component of the mean log-likelihood's gradient in the
    /// log-parameters exceeds this.
    static let gradientMax = 1e-10
}
