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
    /// The limit models the data point to (``FitLimit``), when the likelihood rises towards one.
    var limits: [FitLimit] = []
}

extension GammaGammaSample {
    /// The fit's coordinates φ = (ln p, ln q, ln(p v / q)), v in the sample's units: p v / q is about
    /// the mean spend per purchase, so the limits are coordinate axes that the box
    /// (`BFGS.logParameterBound`) stops: ln q → ∞ is "one mean spend for all" (q, v → ∞ with v/q
    /// fixed), ln p → ∞ "every purchase at the customer's own mean" (p → ∞, p v fixed).
    static func coordinates(p: Double, q: Double, v: Double) -> [Double] { [log(p), log(q), log(p * v / q)] }

    /// (p, q, v) at coordinates φ.
    static func parameters(_ phi: [Double]) -> (p: Double, q: Double, v: Double) {
        (exp(phi[0]), exp(phi[1]), exp(phi[1] + phi[2] - phi[0]))
    }

    /// The mean negative log-likelihood at coordinates φ, and its gradient in φ.
    func negativeMeanLogLikelihood(_ phi: [Double], gradient g: inout [Double]) -> Double {
        let (p, q, v) = Self.parameters(phi)
        var natural: [Double] = []
        let value = negativeMeanLogLikelihood(p: p, q: q, v: v, gradient: &natural)
        // ln v = φ₁ + φ₂ − φ₀.
        g = [natural[0] - natural[2], natural[1] + natural[2], natural[2]]
        return value
    }

    /// The mean negative log-likelihood at (p, q, v), v in the sample's units times `rescale`
    /// (amounts in other units: `rescale` = their size in the sample's), and its gradient in
    /// (ln p, ln q, ln v). Fader & Hardie's density of a buyer's x repeat purchases of mean m,
    /// ln Γ(px + q) − ln Γ(px) − ln Γ(q) + q ln v + (px − 1) ln m + px ln x − (px + q) ln(x m + v),
    /// is taken in y = x m / v as the same value without terms that cancel at either limit:
    ///
    ///     C − ln m + px ln y − (px + q) ln(1 + y)       for y < 1 (v large: q, v → ∞),
    ///     C − ln m − q ln y − (px + q) ln(1 + 1/y)      otherwise (v small: p → ∞, p v fixed),
    ///
    /// C = ln Γ(px + q) − ln Γ(px) − ln Γ(q) with the difference of ln Γ taken from the larger of px
    /// and q (``logGammaDifference(_:_:)``). Per distinct x the ln Γ and ψ terms; per customer a
    /// division and a log1p.
    // size: one likelihood and its three derivatives, term by term, in two branches that must agree.
    func negativeMeanLogLikelihood(p: Double, q: Double, v: Double, rescale: Double = 1, gradient g: inout [Double]) -> Double {
        let vUnits = v / rescale, logVUnits = log(vUnits)   // v in the sample's units
        var ll = 0.0, gp = 0.0, gq = 0.0, gv = 0.0
        for (k, xv) in distinctX.enumerated() {
            let xd = Double(xv), n = customersWithX[k], px = p * xd
            let common = px >= q ? logGammaDifference(px, q) - logGamma(q) : logGammaDifference(q, px) - logGamma(px)
            // Σ over this x's customers: the branch's terms, ln s and ln(1 + y) with s = y / (1 + y), and s.
            var terms = 0.0, logShare = 0.0, logGrowth = 0.0, share = 0.0
            for i in starts[k]..<starts[k + 1] {
                let logY = logXM[i] - logVUnits, y = xm[i] / vUnits
                if y < 1 {
                    let l = log1p(y)
                    terms += px * logY - (px + q) * l
                    logShare += logY - l
                    logGrowth += l
                } else {
                    let l = log1p(1 / y)
                    terms -= q * logY + (px + q) * l
                    logShare -= l
                    logGrowth += logY + l
                }
                share += y / (1 + y)
            }
            // Σ ln m over this x's customers, in the units of v.
            let logSpend = logSpendSum[k] + n * log(rescale)
            ll += n * common - logSpend + terms
            gp += px * (n * digammaDifference(px, q) + logShare)
            gq += q * (n * digammaDifference(q, px) - logGrowth)
            gv += (px + q) * share - n * px
        }
        let n = Double(customers)
        g = [-gp / n, -gq / n, -gv / n]
        return -ll / n
    }

    /// The maximum-likelihood fit: BFGS on φ (``coordinates(p:q:v:)``) from lifetimes' start
    /// (ln p = ln q = ln v = 0.1), amounts scaled so that the mean spend is 1, then v brought back
    /// to major units; then the limits the data point to.
    func fit() -> GammaGammaFit {
        let start = Self.coordinates(p: exp(0.1), q: exp(0.1), v: exp(0.1))
        let objective: BFGS.Objective = { phi, g in negativeMeanLogLikelihood(phi, gradient: &g) }
        let result = BFGS.minimize(from: start, gradientMax: Self.gradientMax, bound: BFGS.logParameterBound, objective)
        let fitted = Self.parameters(result.x)
        let model = GammaGamma(p: fitted.p, q: fitted.q, v: fitted.v / unitsPerMajor)
        return GammaGammaFit(model: model, logLikelihood: logLikelihood(model), customers: customers,
                             iterations: result.iterations, converged: result.converged,
                             limits: FitLimit.reached(Self.limits, result, objective))
    }

    /// The limit models at the faces of the box, by coordinate and side.
    static let limits: [(Int, Double, FitLimit)] = [
        (1, 1, .sameMeanSpend), (0, 1, .sameSpendPerPurchase), (0, -1, .degenerate("Gamma-Gamma p")),
        (1, -1, .degenerate("Gamma-Gamma q")), (2, 1, .degenerate("Gamma-Gamma p·v/q")), (2, -1, .degenerate("Gamma-Gamma p·v/q")),
    ]

    /// The sample's log-likelihood under `model`, amounts in major units.
    func logLikelihood(_ model: GammaGamma) -> Double {
        var unused: [Double] = []
        return -Double(customers) * negativeMeanLogLikelihood(p: model.p, q: model.q, v: model.v, rescale: 1 / unitsPerMajor,
                                                              gradient: &unused)
    }

    /// The fit stops when no component of the mean log-likelihood's gradient in the
    /// coordinates exceeds this.
    static let gradientMax = 1e-10
}
