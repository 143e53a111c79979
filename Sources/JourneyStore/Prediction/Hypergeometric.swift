#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The Gaussian hypergeometric function ₂F₁(a, b; c; z) = Σₙ (a)ₙ (b)ₙ / ((c)ₙ n!) zⁿ by its power
/// series, for 0 ≤ z < 1 and c not 0 or a negative integer.
///
/// ```swift
/// hypergeometric2F1(1, 1, 2, 0.5)   // −ln(1 − 0.5) / 0.5 = 1.386294361…
/// ```
/// The sum stops once a term is below ``hypergeometricRelativeToleranceMax`` × (1 − z) of the sum
/// (the tail of a series whose terms shrink by z each bounds the rest by term × z / (1 − z)), past
/// the terms that still grow. BG/NBD's conditional expectation no longer calls it: 1 − (1 − z)^A ₂F₁
/// cancels near a = 1 and in its Euler form overflows as a, b → ∞, so the expectation sums the same
/// terms as probabilities, all positive (``BGNBD/expectedPurchasesIfAlive(inWeeks:x:ageWeeks:)``);
/// this direct series is the reference the tests hold that sum to, where it has digits to give.
/// - Returns: the sum, or `nil` outside the domain or when `hypergeometricTermsMax` terms do not
///   reach the tolerance (the caller treats the value as missing).
/// - Complexity: O(n) for the n terms summed: about log(tolerance) / log(z) once they shrink.
func hypergeometric2F1(_ a: Double, _ b: Double, _ c: Double, _ z: Double) -> Double? {
    guard z >= 0, z < 1, a.isFinite, b.isFinite, c.isFinite else { return nil }
    guard c > 0 || c != c.rounded() else { return nil }
    var term = 1.0, sum = 1.0
    let stop = hypergeometricRelativeToleranceMax * (1 - z)
    for n in 0..<hypergeometricTermsMax {
        let k = Double(n)
        let ratio = (a + k) * (b + k) / ((c + k) * (k + 1)) * z
        term *= ratio
        sum += term
        // Past the terms that grow (|ratio| < 1), a small enough term ends the sum.
        if abs(ratio) < 1, abs(term) <= stop * abs(sum) { return sum.isFinite ? sum : nil }
        if term == 0 { return sum }
    }
    return nil
}

/// The most terms ``hypergeometric2F1(_:_:_:_:)`` sums before giving up.
let hypergeometricTermsMax = 100_000
/// The relative size of the last term summed, scaled by (1 − z).
let hypergeometricRelativeToleranceMax = 1e-17
