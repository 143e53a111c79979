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
        /// Whether the largest gradient component fell to `gradientMax`.
        var converged: Bool
    }

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
    static func minimize(from start: [Double], gradientMax: Double = 1e-9, _ f: Objective) -> Result {
        let n = start.count
        var x = start, g = [Double](repeating: 0, count: n)
        var value = f(x, &g), evaluations = 1
        var h = identity(n)
        var restarted = false
        var iterations = 0
        while iterations < iterationsMax, value.isFinite, norm(g) > gradientMax {
            iterations += 1
            let direction = (0..<n).map { i in -(0..<n).reduce(0.0) { $0 + h[i][$1] * g[$1] } }
            var slope = dot(direction, g)
            var p = direction
            if slope >= 0 {
                // Not a descent direction (a poor estimate): start again from the gradient.
                h = identity(n)
                p = g.map { -$0 }
                slope = dot(p, g)
            }
            var step = 1.0, next = x, nextG = g, nextValue = Double.infinity
            var found = false
            for _ in 0..<lineSearchHalvingsMax {
                next = zip(x, p).map { $0 + step * $1 }
                nextValue = f(next, &nextG)
                evaluations += 1
                // A strict decrease too: at the optimum, rounding makes the promised one vanish.
                if nextValue < value, nextValue <= value + sufficientDecrease * step * slope { found = true; break }
                step /= 2
            }
            guard found else {
                // No step decreases the value: at the optimum up to rounding when the gradient is small.
                if restarted || norm(g) <= stalledGradientMax { break }
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
        return Result(x: x, value: value, gradient: g, iterations: iterations, evaluations: evaluations,
                      converged: value.isFinite && norm(g) <= max(gradientMax, stalledGradientMax))
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
