@_spi(Storage) import JourneyStorage

/// The fitted BG/NBD and Gamma-Gamma models the store scores customers with, kept in its policy
/// (`model_…` lines of ``Policy/text``) with what they were fitted on: the calibration end and the
/// log position (the last sequence number then). `journey predict` sets it; `rebuild` keeps it and
/// `verify` fits the same log again and compares.
public struct PredictionModel: Hashable, Sendable {
    /// Purchases with a time at or before this were fitted.
    public var calibrationEnd: Timestamp
    /// The last log sequence number the fit read.
    public var position: UInt64
    /// Customers with a purchase by the calibration end: BG/NBD's sample.
    public var customers: Int
    /// The purchase model.
    public var bgnbd: BGNBD
    /// BG/NBD's log-likelihood of its sample, times in weeks.
    public var logLikelihood: Double
    /// The spend model.
    public var gammaGamma: GammaGamma
    /// Repeat buyers with a positive mean spend: Gamma-Gamma's sample.
    public var gammaGammaCustomers: Int
    /// Gamma-Gamma's log-likelihood of its sample, amounts in major units.
    public var gammaGammaLogLikelihood: Double

    /// The model's lines in ``Policy/text``, key and value. Doubles are written in Swift's
    /// shortest form, which reads back to the same bits.
    var lines: [(String, String)] {
        [("model_calibration_end", String(calibrationEnd.millisecondsSinceEpoch)), ("model_position", String(position)),
         ("model_customers", String(customers)), ("model_r", String(bgnbd.r)), ("model_alpha", String(bgnbd.alpha)),
         ("model_a", String(bgnbd.a)), ("model_b", String(bgnbd.b)), ("model_log_likelihood", String(logLikelihood)),
         ("model_p", String(gammaGamma.p)), ("model_q", String(gammaGamma.q)), ("model_v", String(gammaGamma.v)),
         ("model_gg_customers", String(gammaGammaCustomers)), ("model_gg_log_likelihood", String(gammaGammaLogLikelihood))]
    }

    /// Whether `key` names a line of the model.
    static func isModelKey(_ key: some StringProtocol) -> Bool { key.hasPrefix("model_") }

    /// Reads the model from its stored lines; `nil` when there are none.
    /// - Throws: ``JourneyError/Code/corrupted`` when a line is missing or malformed.
    init?(lines: [String: String]) throws(JourneyError) {
        guard !lines.isEmpty else { return nil }
        func value<T: LosslessStringConvertible>(_ key: String) throws(JourneyError) -> T {
            guard let text = lines[key], let v = T(text) else {
                throw JourneyError(.corrupted, "the stored policy's prediction model has no valid \(key); run `journey predict` again")
            }
            return v
        }
        func positive(_ key: String) throws(JourneyError) -> Double {
            let v: Double = try value(key)
            guard v > 0, v.isFinite else { throw JourneyError(.corrupted, "the stored policy's \(key) is \(v), not a positive number; run `journey predict` again") }
            return v
        }
        calibrationEnd = Timestamp(millisecondsSinceEpoch: try value("model_calibration_end"))
        position = try value("model_position")
        customers = try value("model_customers")
        bgnbd = BGNBD(r: try positive("model_r"), alpha: try positive("model_alpha"), a: try positive("model_a"), b: try positive("model_b"))
        logLikelihood = try value("model_log_likelihood")
        gammaGamma = GammaGamma(p: try positive("model_p"), q: try positive("model_q"), v: try positive("model_v"))
        gammaGammaCustomers = try value("model_gg_customers")
        gammaGammaLogLikelihood = try value("model_gg_log_likelihood")
        let known = Set(self.lines.map(\.0))
        if let unknown = lines.keys.first(where: { !known.contains($0) }) {
            throw JourneyError(.corrupted, "the stored policy holds an unknown model line \(unknown); upgrade journey or run `journey predict` again")
        }
    }

    init(calibrationEnd: Timestamp, position: UInt64, customers: Int, bgnbd: BGNBDFit, gammaGamma: GammaGammaFit) {
        self.calibrationEnd = calibrationEnd
        self.position = position
        self.customers = customers
        self.bgnbd = bgnbd.model
        self.logLikelihood = bgnbd.logLikelihood
        self.gammaGamma = gammaGamma.model
        self.gammaGammaCustomers = gammaGamma.customers
        self.gammaGammaLogLikelihood = gammaGamma.logLikelihood
    }
}
