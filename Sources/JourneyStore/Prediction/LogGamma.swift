#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// ln Γ(x) for x > 0, from the C library's `lgamma_r` (reentrant: `lgamma` writes a global sign,
/// and fits may run on several threads).
@inline(__always)
func logGamma(_ x: Double) -> Double {
    var sign: Int32 = 0
    return lgamma_r(x, &sign)
}

/// ψ(x) = d/dx ln Γ(x) for x > 0: the recurrence ψ(x) = ψ(x + 1) − 1/x up to
/// ``digammaAsymptoticFrom``, then the asymptotic series ln x − 1/(2x) − Σ B₂ₖ / (2k x²ᵏ) to k = 5,
/// whose first dropped term is below 2·10⁻¹⁴ there. The Gamma-Gamma fit's gradient needs it.
/// NaN for x ≤ 0 or NaN (a fit's line search then steps back), never a trap.
func digamma(_ x: Double) -> Double {
    guard x > 0, x.isFinite else { return x == .infinity ? .infinity : .nan }
    var x = x, shift = 0.0
    while x < digammaAsymptoticFrom {
        shift -= 1 / x
        x += 1
    }
    let f = 1 / (x * x)
    let tail = f * (-1.0 / 12 + f * (1.0 / 120 + f * (-1.0 / 252 + f * (1.0 / 240 + f * (-1.0 / 132)))))
    return shift + log(x) - 0.5 / x + tail
}

/// Where ``digamma(_:)`` switches from the recurrence to the asymptotic series.
let digammaAsymptoticFrom = 10.0

/// ln(eᵃ + eᵇ) without overflow.
@inline(__always)
func logAddExp(_ a: Double, _ b: Double) -> Double {
    let m = max(a, b)
    return m + log1p(exp(-abs(a - b)))
}
