/// Minimizes a smooth function of a few variables by BFGS (Nocedal & Wright, algorithm 6.1): an
/// inverse-Hessian estimate updated from successive gradients, and a backtracking line search that
/// asks for a sufficient decrease (Armijo). The models minimize their mean negative
/// log-likelihood over log-parameters, as lifetimes does (with SciPy's BFGS), so every step keeps
/// the parameters positive.
///
/// ```swift
/// let result = BFGS.minimize(from: [-1.2, 1]) { x, gradient in   // Rosenbrock's valley
///     gradient = [-2 * (1 - x[0]) - 400 * x[0] * (x[1] - x[0] * x[0]), 200 * (x[1] - x[0] * x[0])]
///     return (1 - x[0]) * (1 - x[0]) + 100 * (x[1] - x[0] * x[0]) * (x[1] - x[0] * x[0])
/// }
/// // result.x ≈ [1, 1], result.converged
/// ```
struct BFGS {
    /// The function's value at `x`, writing its gradient into the second argument (same count as
    /// `x`). A non-finite value means "outside the domain": the line search steps back.
    typealias Objective = (_ x: [Double], _ gradient: inout [Double]) -> Double

    struct Result {
        var x: [Double]
        var value: Double
        var gradient: [Double]
        var iterations: Int
        var evaluations: Int
        /// Whether the largest (projected) gradient component fell to `gradientMax`.
        var converged: Bool
        /// The variables that ended on a face of the box.
        var atBound: [Int] = []
    }

    /// The fits' coordinates (logarithms of parameters and of their ratios, in the fits' scaled
    /// units) stay within ±ln 10⁸. Each coordinate is chosen so that one limit model lies along it
    /// (``BGNBDSample/coordinates(r:alpha:a:b:)``, ``GammaGammaSample/coordinates(p:q:v:)``): where
    /// the likelihood keeps rising towards one — "nobody drops out", "everyone's mean spend is the
    /// same" — the fit runs into a face of the box in a few dozen iterations and ends there, named
    /// by ``FitLimit``. Those are what the data say; the predictions stay finite and exact there.
    static let logParameterBound = 18.420680743952367

    /// The most iterations (line searches) of one minimization.
    static let iterationsMax = 2_000
    /// The most halvings of one line search's step.
    static let lineSearchHalvingsMax = 60
    /// Where no step decreases the value any more, a gradient this small is the optimum up to
    /// rounding: the line search ends there, converged.
    static let stalledGradientMax = 1e-6
    /// Armijo's constant: a step must decrease the value by this share of what the slope promises.
    static let sufficientDecrease = 1e-4

    /// Minimizes `f` from `start` until every gradient component is at most `gradientMax` in size,
    /// or no step decreases the value while they are at most ``stalledGradientMax`` (rounding then
    /// hides any decrease left). Otherwise, when a line search finds no decrease, the search
    /// restarts once from the steepest descent; a second failure ends it, not converged.
    ///
    /// With `bound`, every variable stays in [−bound, bound] (steps are cut at the box), and the
    /// gradient that must vanish is the projected one: a component pushing outward at a face of
    /// the box counts as zero there — the optimum on the box (``Result/atBound``).
    // size: one algorithm (Nocedal & Wright 6.1 with a projected line search), read top to bottom.
    static func minimize(from start: [Double], gradientMax: Double = 1e-9, bound: Double = .infinity,
                         _ f: Objective) -> Result {
        let n = start.count
        var x = start.map { min(max($0, -bound), bound) }, g = [Double](repeating: 0, count: n)
        var value = f(x, &g), evaluations = 1
        var h = identity(n)
        var restarted = false
        var iterations = 0
        /// Whether variable i sits on a face of the box with the gradient pushing it out.
        func held(_ i: Int) -> Bool { (x[i] <= -bound && g[i] > 0) || (x[i] >= bound && g[i] < 0) }
        func projected() -> [Double] { (0..<n).map { held($0) ? 0 : g[$0] } }
        while iterations < iterationsMax, value.isFinite, norm(projected()) > gradientMax {
            iterations += 1
            let pg = projected()
            var p = (0..<n).map { i in held(i) ? 0 : -(0..<n).reduce(0.0) { $0 + h[i][$1] * pg[$1] } }
            if dot(p, pg) >= 0 {
                // Not a descent direction (a poor estimate): start again from the gradient.
                h = identity(n)
                p = pg.map { -$0 }
            }
            var step = 1.0, next = x, nextG = g, nextValue = Double.infinity
            var found = false
            for _ in 0..<lineSearchHalvingsMax {
                next = (0..<n).map { min(max(x[$0] + step * p[$0], -bound), bound) }
                nextValue = f(next, &nextG)
                evaluations += 1
                // Armijo on the step actually taken (cut at the box), and a strict decrease: at the
                // optimum, rounding makes the promised one vanish.
                let promised = (0..<n).reduce(0.0) { $0 + g[$1] * (next[$1] - x[$1]) }
                if nextValue < value, nextValue <= value + sufficientDecrease * promised { found = true; break }
                step /= 2
            }
            guard found else {
                // No step decreases the value: at the optimum up to rounding when the gradient is small.
                if restarted || norm(pg) <= stalledGradientMax { break }
                restarted = true
                h = identity(n)
                continue
            }
            restarted = false
            let s = zip(next, x).map { $0 - $1 }, y = zip(nextG, g).map { $0 - $1 }
            let sy = dot(s, y)
            if iterations == 1, sy > 0 {
                // Scale the first estimate to the curvature seen (Nocedal & Wright, eq. 6.20).
                let scale = sy / dot(y, y)
                for i in 0..<n { h[i][i] = scale }
            }
            // The update keeps the estimate positive definite only when sᵀy > 0; otherwise skip it.
            if sy > 1e-300 { update(&h, s: s, y: y, sy: sy) }
            x = next
            g = nextG
            value = nextValue
        }
        let pg = projected()
        return Result(x: x, value: value, gradient: g, iterations: iterations, evaluations: evaluations,
                      converged: value.isFinite && norm(pg) <= max(gradientMax, stalledGradientMax),
                      atBound: (0..<n).filter { abs(x[$0]) >= bound })
    }

    /// H ← (I − ρ s yᵀ) H (I − ρ y sᵀ) + ρ s sᵀ, ρ = 1 / sᵀy.
    private static func update(_ h: inout [[Double]], s: [Double], y: [Double], sy: Double) {
        let n = s.count, rho = 1 / sy
        let hy = (0..<n).map { i in (0..<n).reduce(0.0) { $0 + h[i][$1] * y[$1] } }
        let yhy = dot(y, hy)
        for i in 0..<n {
            for j in 0..<n {
                h[i][j] += -rho * (hy[i] * s[j] + s[i] * hy[j]) + (rho * rho * yhy + rho) * s[i] * s[j]
            }
        }
    }

    private static func identity(_ n: Int) -> [[Double]] {
        (0..<n).map { i in (0..<n).map { $0 == i ? 1.0 : 0.0 } }
    }

    static func dot(_ a: [Double], _ b: [Double]) -> Double { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }

    /// The largest component's size.
    static func norm(_ v: [Double]) -> Double { v.reduce(0) { max($0, abs($1)) } }
}
