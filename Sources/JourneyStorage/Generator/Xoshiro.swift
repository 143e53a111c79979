/// xoshiro256** seeded through SplitMix64: fast, and the same numbers for the same seed on every
/// platform and Swift version (unlike `SystemRandomNumberGenerator`).
package struct Xoshiro: RandomNumberGenerator {
    private var s: (UInt64, UInt64, UInt64, UInt64)

    package init(seed: UInt64) {
        var x = seed
        func splitmix() -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s = (splitmix(), splitmix(), splitmix(), splitmix())
    }

    @inline(__always)
    package mutating func next() -> UInt64 {
        let result = ((s.1 &* 5) << 7 | (s.1 &* 5) >> 57) &* 9
        let t = s.1 << 17
        s.2 ^= s.0
        s.3 ^= s.1
        s.1 ^= s.2
        s.0 ^= s.3
        s.2 ^= t
        s.3 = s.3 << 45 | s.3 >> 19
        return result
    }

    /// Uniform in [0, 1).
    @inline(__always)
    package mutating func unit() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// Uniform in 0..<n.
    @inline(__always)
    package mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }

    @inline(__always)
    package mutating func chance(_ p: Double) -> Bool { unit() < p }

    /// Pareto with minimum 1 and shape `alpha` (alpha ≈ 1.16 gives the 80/20 rule).
    @inline(__always)
    package mutating func pareto(_ alpha: Double) -> Double { pow(1 - unit(), -1 / alpha) }
}

/// Draws indices with fixed weights in O(log n) (cumulative table and binary search).
package struct WeightedTable {
    private var cumulative: [Double] = []

    package init(weights: [Double]) {
        var sum = 0.0
        cumulative.reserveCapacity(weights.count)
        for w in weights { sum += w; cumulative.append(sum) }
    }

    @inline(__always)
    package func draw(_ rng: inout Xoshiro) -> Int {
        let x = rng.unit() * cumulative[cumulative.count - 1]
        var lo = 0, hi = cumulative.count - 1
        while lo < hi {
            let mid = (lo + hi) / 2
            if cumulative[mid] <= x { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
