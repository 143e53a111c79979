@_spi(Storage) import JourneyStorage

extension JourneyStore {
    /// The largest relative difference `verify` accepts between a stored parameter and a fresh fit
    /// of the same log: the same code on the same purchases gives the same bits, but another
    /// machine's `lgamma` may differ in its last bits, and BFGS stops where the gradient is below
    /// 10⁻¹⁰, which moves the parameters far less than this.
    static let predictionRelativeDifferenceMax = 1e-6

    /// Fits the stored prediction model again on the log up to its position and calibration end,
    /// and adds a problem to `report` for each value that differs. Only on a sound log: when
    /// anything but the projections differs, fitting would read what verify already distrusts.
    func verifyPrediction(_ report: inout VerifyReport) throws {
        guard report.onlyProjectionsDiffer else { return }
        let problems: [String] = try env.read { txn in
            guard let stored = try storedPolicy(in: txn).predictionModel else { return [] }
            let end = stored.calibrationEnd.rfc3339
            let advice = "refit with `journey predict --calibration-end \(end)`"
            let last = try schema.lastSequence(in: txn)
            guard last >= stored.position else {
                return ["prediction model: fitted on the log up to #\(stored.position), which now ends at #\(last); \(advice)"]
            }
            let fresh: PredictionModel
            do {
                fresh = try fitPrediction(in: txn, calibrationEnd: stored.calibrationEnd, position: stored.position, holdoutEnd: nil).model
            } catch let error as JourneyError where error.code == .invalidArgument {
                return ["prediction model: the log up to #\(stored.position) no longer fits (\(error.message)); \(advice)"]
            }
            return Self.differences(stored, fresh).map {
                "prediction model: \($0) stored, a fresh fit of the log up to #\(stored.position) with calibration end \(end) gives \($1); \(advice)"
            }
        }
        for p in problems where report.problems.count < VerifyReport.problemsMax { report.problems.append(p) }
    }

    /// The values of `stored` that `fresh` does not reproduce, as (stored, fresh) texts.
    private static func differences(_ stored: PredictionModel, _ fresh: PredictionModel) -> [(String, String)] {
        var out: [(String, String)] = []
        if stored.customers != fresh.customers || stored.gammaGammaCustomers != fresh.gammaGammaCustomers {
            out.append(("\(stored.customers) customers (\(stored.gammaGammaCustomers) repeat buyers)",
                        "\(fresh.customers) (\(fresh.gammaGammaCustomers))"))
        }
        let pairs: [(String, Double, Double)] = [
            ("r", stored.bgnbd.r, fresh.bgnbd.r), ("alpha", stored.bgnbd.alpha, fresh.bgnbd.alpha),
            ("a", stored.bgnbd.a, fresh.bgnbd.a), ("b", stored.bgnbd.b, fresh.bgnbd.b),
            ("p", stored.gammaGamma.p, fresh.gammaGamma.p), ("q", stored.gammaGamma.q, fresh.gammaGamma.q),
            ("v", stored.gammaGamma.v, fresh.gammaGamma.v),
        ]
        for (name, a, b) in pairs where !(abs(a - b) <= predictionRelativeDifferenceMax * max(abs(a), abs(b))) {
            out.append(("\(name) \(a)", String(b)))
        }
        return out
    }
}
