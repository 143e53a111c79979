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
    /// The parameters that ended at the fit's bound (``BFGS/logParameterBound``), by name.
    var atBound: [String] = []
}

extension BGNBDSample {
    /// The mean negative log-likelihood at log-parameters θ = ln(r, α, a, b), with times in units
    /// of `unitsPerDay` (α in those units), and its gradient in θ.
    ///
    /// Per distinct x it takes the ln Γ terms and their derivatives (digamma differences); per day
    /// up to the largest age, ln(α + d) and 1 / (α + d); per group, one exp and one log1p.
    func negativeMeanLogLikelihood(_ theta: [Double], unitsPerDay: Double, gradient g: inout [Double]) -> Double {
        let r = exp(theta[0]), alpha = exp(theta[1]), a = exp(theta[2]), b = exp(theta[3])
        let logAlpha = log(alpha), logA = log(a)
        let lnAT = (0...ageDaysMax).map { log(alpha + Double($0) * unitsPerDay) }
        let invAT = (0...ageDaysMax).map { 1 / (alpha + Double($0) * unitsPerDay) }
        var ll = 0.0, dr = 0.0, dAlpha = 0.0, da = 0.0, db = 0.0
        let lgR = logGamma(r), lgB = logGamma(b), lgAB = logGamma(a + b)
        let psiR = digamma(r), psiB = digamma(b), psiAB = digamma(a + b)
        var logB1 = [Double](repeating: 0, count: distinctX.count)   // ln(b + x − 1)
        var invB1 = [Double](repeating: 0, count: distinctX.count)
        for (k, xv) in distinctX.enumerated() {
            let xd = Double(xv), n = customersWithX[k]
            guard xv > 0 else { continue }
            ll += n * (logGamma(r + xd) - lgR + lgAB + logGamma(b + xd) - lgB - logGamma(a + b + xd))
            let psiABX = digamma(a + b + xd)
            dr += n * (digamma(r + xd) - psiR)
            da += n * (psiAB - psiABX)
            db += n * (psiAB + digamma(b + xd) - psiB - psiABX)
            logB1[k] = log(b + xd - 1)
            invB1[k] = 1 / (b + xd - 1)
        }
        let n = Double(customers)
        ll += n * r * logAlpha
        dr += n * logAlpha
        dAlpha += n * r / alpha
        for i in 0..<weight.count {
            let w = weight[i], xv = Double(x[i]), big = Int(ageDays[i])
            let rx = r + xv
            let a3 = -rx * lnAT[big]
            guard x[i] > 0 else {
                ll += w * a3
                dr -= w * lnAT[big]
                dAlpha -= w * rx * invAT[big]
                continue
            }
            let k = Int(xIndex[i]), small = Int(recencyDays[i])
            let a4 = logA - logB1[k] - rx * lnAT[small]
            let e = exp(-abs(a3 - a4))
            ll += w * (max(a3, a4) + log1p(e))
            // The shares of the two terms in the likelihood's sum.
            let w4 = a4 > a3 ? 1 / (1 + e) : e / (1 + e), w3 = 1 - w4
            dr -= w * (w3 * lnAT[big] + w4 * lnAT[small])
            dAlpha -= w * rx * (w3 * invAT[big] + w4 * invAT[small])
            da += w * w4 / a
            db -= w * w4 * invB1[k]
        }
        g = [-dr * r / n, -dAlpha * alpha / n, -da * a / n, -db * b / n]
        return -ll / n
    }

    /// The maximum-likelihood fit: BFGS on ln(r, α, a, b) from 0.1 each (lifetimes' start), with
    /// times scaled so that the largest T is 1 (lifetimes' scaling), then α brought back to weeks.
    func fit() -> BGNBDFit {
        let scale = 7 / Double(Swift.max(ageDaysMax, 1))   // scaled units per week
        let result = BFGS.minimize(from: [0.1, 0.1, 0.1, 0.1], gradientMax: Self.gradientMax, bound: BFGS.logParameterBound) { theta, g in
            negativeMeanLogLikelihood(theta, unitsPerDay: scale / 7, gradient: &g)
        }
        let p = result.x.map { exp($0) }
        let model = BGNBD(r: p[0], alpha: p[1] / scale, a: p[2], b: p[3])
        return BGNBDFit(model: model, logLikelihood: logLikelihood(model), iterations: result.iterations,
                        converged: result.converged, atBound: result.atBound.map { ["r", "alpha", "a", "b"][$0] })
    }

    /// The sample's log-likelihood under `model`, times in weeks.
    func logLikelihood(_ model: BGNBD) -> Double {
        var unused: [Double] = []
        let theta = [model.r, model.alpha, model.a, model.b].map { log($0) }
        return -Double(customers) * negativeMeanLogLikelihood(theta, unitsPerDay: 1.0 / 7, gradient: &unused)
    }

    /// The fit stops when no component of the mean log-likelihood's gradient in the
    /// log-parameters exceeds this.
    static let gradientMax = 1e-10
}
