import Foundation
import Testing
@testable import JourneyStore

/// Whether `a` is within `relative` of `b` (relative to b's size).
func isClose(_ a: Double?, _ b: Double, relative: Double) -> Bool {
    guard let a else { return false }
    return abs(a - b) <= relative * abs(b)
}

@Suite struct HypergeometricTests {
    /// Closed forms and values from mpmath at 30 digits.
    @Test(arguments: [
        (1.0, 1.0, 2.0, 0.5, -log(0.5) / 0.5),                      // −ln(1 − z) / z
        (0.5, 1.0, 1.5, 0.25, atanh(0.5) / 0.5),                      // atanh(√z) / √z
        (0.5, 0.5, 1.5, 0.36, asin(0.6) / 0.6),                       // arcsin(√z) / √z
        (2.7, 1.3, 1.3, 0.4, pow(0.6, -2.7)),                         // (1 − z)^−a when b = c
        (2.2426, 4.4259, 4.2188, 0.5, 5.160430096412122),
        (0.2426, 2.4259, 2.2188, 0.9, 1.9456628989491882),
        (3.5, -2.0, 1.2, 0.7, -0.1600378787878789),                   // a polynomial: b a negative integer
        (1.9685, -0.2071, 4.2188, 0.5, 0.94484736506643),
        (1.0, 1.0, 1.0, 0.0, 1.0),
    ])
    func knownValues(_ a: Double, _ b: Double, _ c: Double, _ z: Double, _ expected: Double) {
        #expect(isClose(hypergeometric2F1(a, b, c, z), expected, relative: 1e-13))
    }

    @Test func eulerTransformationGivesTheSameValue() {
        // ₂F₁(a, b; c; z) = (1 − z)^(c−a−b) ₂F₁(c − a, c − b; c; z): BG/NBD's expectation uses the right side.
        for (a, b, c, z) in [(2.2426, 4.4259, 4.2188, 0.5), (10.24, 12.43, 12.22, 0.3), (0.31, 0.52, 1.7, 0.95)] {
            let direct = hypergeometric2F1(a, b, c, z)!
            let euler = pow(1 - z, c - a - b) * hypergeometric2F1(c - a, c - b, c, z)!
            #expect(isClose(euler, direct, relative: 1e-12))
        }
    }

    @Test func outsideTheDomainThereIsNoValue() {
        #expect(hypergeometric2F1(1, 1, 2, 1) == nil)
        #expect(hypergeometric2F1(1, 1, 2, -0.5) == nil)
        #expect(hypergeometric2F1(1, 1, -2, 0.5) == nil)        // c a negative integer
        #expect(hypergeometric2F1(.nan, 1, 2, 0.5) == nil)
        // So slow a series that the term limit ends it.
        #expect(hypergeometric2F1(1, 1, 2, 1 - 1e-9) == nil)
    }
}

@Suite struct SpecialFunctionTests {
    @Test(arguments: [(0.5, -1.9635100260214235), (1, -0.5772156649015329), (2.5, 0.7031566406452432),
                      (7, 1.8727843350984672), (10.2, 2.272567904845172), (123.4, 4.8113737751162775)])
    func digammaKnownValues(_ x: Double, _ expected: Double) {
        #expect(abs(digamma(x) - expected) <= 1e-13 * max(1, abs(expected)))
    }

    @Test func logGammaAndItsDerivative() {
        #expect(abs(logGamma(5) - log(24)) < 1e-14)
        #expect(abs(logGamma(0.5) - 0.5 * log(Double.pi)) < 1e-14)
        // ψ is the derivative of ln Γ.
        for x in [0.3, 1.7, 42.0] {
            let h = 1e-5 * x
            #expect(abs((logGamma(x + h) - logGamma(x - h)) / (2 * h) - digamma(x)) < 1e-7)
        }
    }
}

/// ln Γ(x + h) − ln Γ(x) and ψ(x + h) − ψ(x) where the fits' limits put them: x up to 10⁸ and
/// beyond, h small against it. Integer h has exact finite sums to compare with.
@Suite struct GammaDifferenceTests {
    @Test(arguments: [1e-8, 0.3, 2.5, 9.99, 10, 123.4, 4.2e4, 1e8, 3e15])
    func integerStepsAreFiniteSums(_ x: Double) {
        for h in [1, 2, 7, 40, 300] {
            let logSum = (0..<h).reduce(0.0) { $0 + log(x + Double($1)) }
            let inverseSum = (0..<h).reduce(0.0) { $0 + 1 / (x + Double($1)) }
            #expect(abs(logGammaDifference(x, Double(h)) - logSum) <= 1e-14 * max(1, (0..<h).reduce(0.0) { $0 + abs(log(x + Double($1))) }),
                    "ln Γ difference at x \(x), h \(h)")
            #expect(isClose(digammaDifference(x, Double(h)), inverseSum, relative: 1e-13), "ψ difference at x \(x), h \(h)")
        }
    }

    @Test func fractionalStepsMatchTheFunctionsWhereTheyDoNotCancel() {
        for x in [0.05, 0.7, 3.3, 11.0, 250.0] {
            for h in [1e-9, 0.37, 6.25, 1_000.5] {
                #expect(abs(logGammaDifference(x, h) - (logGamma(x + h) - logGamma(x))) <= 1e-12 * max(1, abs(logGamma(x + h))))
                #expect(abs(digammaDifference(x, h) - (digamma(x + h) - digamma(x))) <= 1e-12 * max(1, abs(digamma(x + h))))
            }
        }
        // Where they cancel, the difference keeps its digits: ψ(10⁸ + 0.5) − ψ(10⁸) = 0.5 / 10⁸ − …
        #expect(isClose(digammaDifference(1e8, 0.5), log1p(0.5e-8) + 0.5 * 0.5 / (1e8 * (1e8 + 0.5)), relative: 1e-14))
        #expect(logGammaDifference(5, 0) == 0 && digammaDifference(5, 0) == 0)
        #expect(logGammaDifference(-1, 1).isNaN && digammaDifference(1, -1).isNaN)
    }
}

@Suite struct BFGSTests {
    @Test func findsTheMinimumOfRosenbrocksValley() {
        let result = BFGS.minimize(from: [-1.2, 1]) { x, g in
            let u = 1 - x[0], v = x[1] - x[0] * x[0]
            g = [-2 * u - 400 * x[0] * v, 200 * v]
            return u * u + 100 * v * v
        }
        #expect(result.converged)
        #expect(abs(result.x[0] - 1) < 1e-6 && abs(result.x[1] - 1) < 1e-6)
        #expect(result.iterations < 100)
    }

    @Test func findsTheMinimumOfAQuadraticInFourVariables() {
        // f(x) = Σ k (x_k − k)², minimum at (1, 2, 3, 4).
        let result = BFGS.minimize(from: [0, 0, 0, 0]) { x, g in
            var value = 0.0
            for k in 0..<4 {
                let weight = Double(k + 1), d = x[k] - weight
                g[k] = 2 * weight * d
                value += weight * d * d
            }
            return value
        }
        #expect(result.converged)
        for k in 0..<4 { #expect(abs(result.x[k] - Double(k + 1)) < 1e-9) }
    }

    @Test func stepsBackFromOutsideTheDomain() {
        // 10 (x − 0.5)², defined for x > 0 only (NaN elsewhere): the first step from 2 lands at −28.
        let result = BFGS.minimize(from: [2]) { x, g in
            g = [20 * (x[0] - 0.5)]
            return x[0] > 0 ? 10 * (x[0] - 0.5) * (x[0] - 0.5) : .nan
        }
        #expect(result.converged)
        #expect(abs(result.x[0] - 0.5) < 1e-9)
        #expect(result.evaluations > result.iterations + 1)
    }
}
