#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
@_spi(Storage) import JourneyStorage

/// The customers a BG/NBD fit sees, grouped by equal (x, t_x, T) in whole days, so the likelihood
/// costs one term per group (lifetimes' `weights`), and its maximum-likelihood fit.
struct BGNBDSample {
    /// Per group: repeat days, recency and age in days, and how many customers share them.
    private(set) var x: [Int32] = []
    private(set) var recencyDays: [Int32] = []
    private(set) var ageDays: [Int32] = []
    private(set) var weight: [Double] = []
    /// The distinct x values, ascending, how many customers have each, and each group's index into them.
    private(set) var distinctX: [Int] = []
    private(set) var customersWithX: [Double] = []
    private(set) var xIndex: [Int32] = []
    /// Customers in all, their repeat days in all, and the largest age in days.
    private(set) var customers = 0
    private(set) var repeatDays = 0
    private(set) var ageDaysMax = 0

    /// Groups `summaries`.
    /// - Complexity: O(n) for n summaries (two radix passes).
    init(_ summaries: [CustomerSummary]) {
        // x, t_x and T are whole days below 2²² (the last time is in 9999): sorted by t_x, then
        // stably by (x, T), equal triples are adjacent.
        struct Key { var high: UInt64; var low: UInt64 }
        var keys = summaries.map { s in Key(high: UInt64(s.x) << 22 | UInt64(s.ageDays), low: UInt64(s.recencyDays)) }
        radixSort(&keys, bits: 0..<22) { $0.low }
        radixSort(&keys, bits: 0..<44) { $0.high }
        var previous: Key?
        for key in keys {
            if let p = previous, p.high == key.high, p.low == key.low {
                weight[weight.count - 1] += 1
            } else {
                let xValue = Int(key.high >> 22)
                if distinctX.last != xValue { distinctX.append(xValue); customersWithX.append(0) }
                x.append(Int32(xValue))
                ageDays.append(Int32(key.high & (1 << 22 - 1)))
                recencyDays.append(Int32(key.low))
                weight.append(1)
                xIndex.append(Int32(distinctX.count - 1))
            }
            customersWithX[customersWithX.count - 1] += 1
            previous = key
        }
        customers = summaries.count
        repeatDays = summaries.reduce(0) { $0 + $1.x }
        ageDaysMax = summaries.reduce(0) { max($0, $1.ageDays) }
    }

    var groups: Int { weight.count }
}

/// A fitted BG/NBD model, with how the fit went.
struct BGNBDFit {
    var model: BGNBD
    /// The log-likelihood of the sample at the fitted parameters, times in weeks (the paper's −9582.4 on CDNOW).
    var logLikelihood: Double
    var iterations: Int
    var converged: Bool
    /// The limit models the data point to (``FitLimit``), when the likelihood rises towards one.
    var limits: [FitLimit] = []
}

extension BGNBDSample {
    /// The fit's coordinates φ = (ln r, ln(r/α), ln(a/b), ln(a + b)), α in scaled units. Each limit
    /// model the likelihood may rise towards is one coordinate running to a face of
    /// `BFGS.logParameterBound`'s box, where the box stops it: ln(a/b) → −∞ is "nobody drops
    /// out" (a → 0, the NBD model), ln(a + b) → ∞ "everyone drops out with the same probability
    /// a/(a + b)", ln r → ∞ "everyone buys at the same rate r/α". In (ln a, ln b) the second is a
    /// diagonal ridge that BFGS crawls along for thousands of iterations.
    static func coordinates(r: Double, alpha: Double, a: Double, b: Double) -> [Double] {
        [log(r), log(r / alpha), log(a / b), log(a + b)]
    }

    /// (r, α, a, b) at coordinates φ.
    static func parameters(_ phi: [Double]) -> (r: Double, alpha: Double, a: Double, b: Double) {
        let kappa = exp(phi[3])
        // a/(a + b) and b/(a + b), each without subtracting from 1.
        let share = 1 / (1 + exp(-phi[2])), rest = 1 / (1 + exp(phi[2]))
        return (exp(phi[0]), exp(phi[0] - phi[1]), kappa * share, kappa * rest)
    }

    /// The mean negative log-likelihood at coordinates φ (``coordinates(r:alpha:a:b:)``), times in
    /// units of `unitsPerDay`, and its gradient in φ.
    func negativeMeanLogLikelihood(_ phi: [Double], unitsPerDay: Double, gradient g: inout [Double]) -> Double {
        let (r, alpha, a, b) = Self.parameters(phi)
        var natural: [Double] = []
        let value = negativeMeanLogLikelihood(r: r, alpha: alpha, a: a, b: b, unitsPerDay: unitsPerDay, gradient: &natural)
        // ln α = φ₀ − φ₁; ln a = φ₃ + ln σ(φ₂), ln b = φ₃ + ln σ(−φ₂).
        let share = 1 / (1 + exp(-phi[2])), rest = 1 / (1 + exp(phi[2]))
        g = [natural[0] + natural[1], -natural[1], rest * natural[2] - share * natural[3], natural[2] + natural[3]]
        return value
    }

    /// The mean negative log-likelihood at (r, α, a, b), α in units of `unitsPerDay`, and its
    /// gradient in (ln r, ln α, ln a, ln b). Each customer's log-likelihood is the paper's
    /// equation 6 written so that no term cancels another at the limits:
    /// [ln Γ(r + x) − ln Γ(r)] − x ln α + [ln Γ(b + x) − ln Γ(b)] − [ln Γ(a + b + x) − ln Γ(a + b)]
    /// + ln[e^A₃ + δ(x>0) e^A₄], A₃ = −(r + x) ln(1 + T/α), A₄ = ln a − ln(b + x − 1) − (r + x) ln(1 + t_x/α),
    /// with the differences of ln Γ (and of ψ in the gradient) from ``logGammaDifference(_:_:)``.
    ///
    /// Per distinct x those differences; per day up to the largest age, ln(1 + d/α) and d/(α + d);
    /// per group, one exp and one log1p.
    // size: one likelihood and its four derivatives, term by term; split, the terms would be far from their derivatives.
    func negativeMeanLogLikelihood(r: Double, alpha: Double, a: Double, b: Double, unitsPerDay: Double,
                                   gradient g: inout [Double]) -> Double {
        let logAlpha = log(alpha), logA = log(a)
        var growth = [Double](repeating: 0, count: ageDaysMax + 1)   // ln(1 + d/α)
        var share = [Double](repeating: 0, count: ageDaysMax + 1)    // d / (α + d)
        for d in 0...ageDaysMax {
            let y = Double(d) * unitsPerDay
            growth[d] = log1p(y / alpha)
            share[d] = y / (alpha + y)
        }
        // Sums of the log-likelihood and of its derivatives in ln r, ln α, ln a, ln b.
        var ll = 0.0, gr = 0.0, gAlpha = 0.0, ga = 0.0, gb = 0.0
        var logB1 = [Double](repeating: 0, count: distinctX.count)   // ln(b + x − 1)
        var bShare = [Double](repeating: 0, count: distinctX.count)  // b / (b + x − 1)
        for (k, xv) in distinctX.enumerated() where xv > 0 {
            let xd = Double(xv), n = customersWithX[k]
            ll += n * (logGammaDifference(r, xd) - xd * logAlpha + logGammaDifference(b, xd) - logGammaDifference(a + b, xd))
            let psiAB = digammaDifference(a + b, xd)
            gr += n * r * digammaDifference(r, xd)
            gAlpha -= n * xd
            ga -= n * a * psiAB
            gb += n * b * (digammaDifference(b, xd) - psiAB)
            logB1[k] = log(b + xd - 1)
            bShare[k] = b / (b + xd - 1)
        }
        for i in 0..<weight.count {
            let w = weight[i], rx = r + Double(x[i]), big = Int(ageDays[i])
            let a3 = -rx * growth[big]
            guard x[i] > 0 else {
                ll += w * a3
                gr -= w * r * growth[big]
                gAlpha += w * rx * share[big]
                continue
            }
            let k = Int(xIndex[i]), small = Int(recencyDays[i])
            let a4 = logA - logB1[k] - rx * growth[small]
            let e = exp(-abs(a3 - a4))
            ll += w * (max(a3, a4) + log1p(e))
            // The shares of the two terms in the likelihood's sum, each without subtracting from 1.
            let w4 = a4 > a3 ? 1 / (1 + e) : e / (1 + e), w3 = a4 > a3 ? e / (1 + e) : 1 / (1 + e)
            gr -= w * r * (w3 * growth[big] + w4 * growth[small])
            gAlpha += w * rx * (w3 * share[big] + w4 * share[small])
            ga += w * w4
            gb -= w * w4 * bShare[k]
        }
        let n = Double(customers)
        g = [-gr / n, -gAlpha / n, -ga / n, -gb / n]
        return -ll / n
    }

    /// The maximum-likelihood fit: BFGS on φ (``coordinates(r:alpha:a:b:)``) from lifetimes'
    /// start (ln r = ln α = ln a = ln b = 0.1), times scaled so that the largest T is 1 (lifetimes'
    /// scaling), then α brought back to weeks; then the limits the data point to.
    func fit() -> BGNBDFit {
        let scale = 7 / Double(Swift.max(ageDaysMax, 1))   // scaled units per week
        let start = Self.coordinates(r: exp(0.1), alpha: exp(0.1), a: exp(0.1), b: exp(0.1))
        let objective: BFGS.Objective = { phi, g in negativeMeanLogLikelihood(phi, unitsPerDay: scale / 7, gradient: &g) }
        let result = BFGS.minimize(from: start, gradientMax: Self.gradientMax, bound: BFGS.logParameterBound, objective)
        let p = Self.parameters(result.x)
        let model = BGNBD(r: p.r, alpha: p.alpha / scale, a: p.a, b: p.b)
        var limits = FitLimit.reached(Self.limits, result, objective)
        // Without dropout, a + b is not determined: its limits say nothing more.
        if limits.contains(.noDropout) { limits.removeAll { $0 == .sameDropout || $0 == .dropoutAllOrNothing } }
        return BGNBDFit(model: model, logLikelihood: logLikelihood(model), iterations: result.iterations,
                        converged: result.converged, limits: limits)
    }

    /// The limit models at the faces of the box, by coordinate and side.
    static let limits: [(Int, Double, FitLimit)] = [
        (2, -1, .noDropout), (3, 1, .sameDropout), (0, 1, .samePurchaseRate), (3, -1, .dropoutAllOrNothing),
        (2, 1, .dropoutAtOnce), (0, -1, .degenerate("BG/NBD r")), (1, 1, .degenerate("BG/NBD r/α")),
        (1, -1, .degenerate("BG/NBD r/α")),
    ]

    /// The sample's log-likelihood under `model`, times in weeks.
    func logLikelihood(_ model: BGNBD) -> Double {
        var unused: [Double] = []
        return -Double(customers) * negativeMeanLogLikelihood(r: model.r, alpha: model.alpha, a: model.a, b: model.b,
                                                              unitsPerDay: 1.0 / 7, gradient: &unused)
    }

    /// The fit stops when no component of the mean log-likelihood's gradient in the
    /// coordinates exceeds this.
    static let gradientMax = 1e-10
}
