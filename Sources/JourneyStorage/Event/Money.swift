/// An exact amount in the store's currency, in integer minor units (cents for USD).
///
/// Never floating point: `"99.99"` + `"0.02"` is exactly 10001 minor units. One amount of an event
/// is at most ``Limits/moneyMinorUnitsMax``; sums (a customer's lifetime spend, a population's
/// revenue) are 128-bit, so no sum of a store's amounts can overflow (2^40 events × 10^15 < 2^127).
public struct Money: Hashable, Comparable, Sendable, AdditiveArithmetic {
    /// The amount in minor units (cents for USD, yen for JPY).
    public var minorUnits: Int128
    /// An amount of `minorUnits`.
    public init(minorUnits: Int128) { self.minorUnits = minorUnits }

    /// Nothing.
    public static let zero = Money(minorUnits: 0)
    /// Compares amounts.
    public static func < (a: Money, b: Money) -> Bool { a.minorUnits < b.minorUnits }
    /// Exact sum (traps only past ±1.7 × 10^38 minor units, which no store's amounts add up to).
    public static func + (a: Money, b: Money) -> Money { Money(minorUnits: a.minorUnits + b.minorUnits) }
    /// Exact difference.
    public static func - (a: Money, b: Money) -> Money { Money(minorUnits: a.minorUnits - b.minorUnits) }

    /// The amount as a decimal string with the currency's number of decimals: `"199.00"`, `"-5.10"`.
    public func decimalString(exponent: Int) -> String {
        guard exponent > 0 else { return String(minorUnits) }
        var scale: UInt128 = 1
        for _ in 0..<exponent { scale *= 10 }
        let magnitude = minorUnits.magnitude
        let whole = magnitude / scale, fraction = magnitude % scale
        var digits = String(fraction)
        while digits.count < exponent { digits = "0" + digits }
        return (minorUnits < 0 ? "-" : "") + String(whole) + "." + digits
    }
}

/// The store's currency: an ISO 4217 code and its number of decimals.
public struct Currency: Hashable, Sendable, CustomStringConvertible {
    /// Upper-case ISO 4217 code, such as `USD`.
    public let code: String
    /// Digits after the decimal point: 2 for USD, 0 for JPY, 3 for KWD.
    public let exponent: Int

    /// The currency with ISO 4217 code `code` (three letters, any case).
    /// - Throws: ``JourneyError`` ``JourneyError/Code/invalidArgument`` for anything but three ASCII letters.
    public init(code: String) throws(JourneyError) {
        let upper = code.uppercased()
        guard upper.utf8.count == 3, upper.utf8.allSatisfy({ $0 >= 65 && $0 <= 90 }) else {
            throw JourneyError(.invalidArgument, "currency must be a three-letter ISO 4217 code such as USD, got \"\(code)\"")
        }
        self.code = upper
        self.exponent = Currency.zeroDecimal.contains(upper) ? 0 : Currency.threeDecimal.contains(upper) ? 3 : 2
    }

    /// US dollars, the default currency of a new store.
    public static let usd = try! Currency(code: "USD")
    /// The ISO 4217 code.
    public var description: String { code }

    /// ISO 4217 currencies without minor units.
    package static let zeroDecimal: Set<String> = ["BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF",
                                          "UGX", "UYI", "VND", "VUV", "XAF", "XOF", "XPF"]
    /// ISO 4217 currencies with three decimals.
    package static let threeDecimal: Set<String> = ["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"]
}
