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

/// ln Γ(x + h) − ln Γ(x) for x > 0, h ≥ 0, accurate to rounding relative to the terms it sums even
/// where both are huge and their difference is not (x = 10⁸, h = 3): the fits' limits (a, b or q, v
/// → ∞) put the likelihood there, where `logGamma(x + h) − logGamma(x)` keeps only ~10⁻⁷ of it.
///
/// From x ≥ ``digammaAsymptoticFrom`` it takes the difference of Stirling's series term by term:
/// (x − ½) ln(1 + h/x) + h ln(x + h) − h + Σ B₂ₖ / (2k(2k − 1)) ((x + h)^(1−2k) − x^(1−2k)), each
/// power difference summed without cancellation; below, ln Γ(y + 1) = ln Γ(y) + ln y shifts x up first.
func logGammaDifference(_ x: Double, _ h: Double) -> Double {
    guard x > 0, h >= 0, x.isFinite, h.isFinite else { return .nan }
    guard h > 0 else { return 0 }
    var x = x, shift = 0.0
    while x < digammaAsymptoticFrom {
        shift -= log1p(h / x)
        x += 1
    }
    var series = 0.0
    for (k, c) in logGammaSeries.enumerated() { series += c * inversePowerDifference(x, h, 2 * k + 1) }
    return shift + (x - 0.5) * log1p(h / x) + h * log(x + h) - h + series
}

/// ψ(x + h) − ψ(x) for x > 0, h ≥ 0, accurate where `digamma(x + h) − digamma(x)` is not (x large,
/// h small against it): ln(1 + h/x) − ((x + h)⁻¹ − x⁻¹) / 2 − Σ B₂ₖ / 2k ((x + h)^(−2k) − x^(−2k))
/// from ``digammaAsymptoticFrom``, and ψ(y + 1) = ψ(y) + 1/y below.
func digammaDifference(_ x: Double, _ h: Double) -> Double {
    guard x > 0, h >= 0, x.isFinite, h.isFinite else { return .nan }
    guard h > 0 else { return 0 }
    var x = x, shift = 0.0
    while x < digammaAsymptoticFrom {
        shift += h / (x * (x + h))
        x += 1
    }
    var series = -0.5 * inversePowerDifference(x, h, 1)
    for (k, c) in digammaSeries.enumerated() { series -= c * inversePowerDifference(x, h, 2 * k + 2) }
    return shift + log1p(h / x) + series
}

/// (x + h)⁻ⁿ − x⁻ⁿ without subtracting the two: with u = 1/(x + h) and w = 1/x, uⁿ − wⁿ =
/// (u − w) Σ_{j<n} uʲ wⁿ⁻¹⁻ʲ and u − w = −h u w.
@inline(__always)
private func inversePowerDifference(_ x: Double, _ h: Double, _ n: Int) -> Double {
    let u = 1 / (x + h), w = 1 / x
    var sum = 0.0, up = 1.0, wp = 1.0
    for _ in 1..<n { wp *= w }
    // Σ_{j<n} uʲ wⁿ⁻¹⁻ʲ, from j = 0 (wⁿ⁻¹) upwards.
    for _ in 0..<n {
        sum += up * wp
        up *= u
        wp /= w
    }
    return -h * u * w * sum
}

/// B₂ₖ / (2k(2k − 1)) for k = 1 … 6: Stirling's series for ln Γ (the first dropped term is below
/// 10⁻¹⁵ from ``digammaAsymptoticFrom`` on).
private let logGammaSeries = [1.0 / 12, -1.0 / 360, 1.0 / 1260, -1.0 / 1680, 1.0 / 1188, -691.0 / 360_360]
/// B₂ₖ / 2k for k = 1 … 6: the asymptotic series of ψ.
private let digammaSeries = [1.0 / 12, -1.0 / 120, 1.0 / 252, -1.0 / 240, 1.0 / 132, -691.0 / 32_760]
