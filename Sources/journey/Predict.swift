import ArgumentParser
import Foundation
import JourneyStore

struct Predict: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Fit BG/NBD and Gamma-Gamma to the purchases, store them, and print them.",
        discussion: "Profiles, filters, exports and stats then carry p_alive, expected_orders_90d and predicted_value_365d.")
    @OptionGroup var options: StoreOptions
    @Option(help: "Fit the purchases at or before this time: now, YYYY-MM-DD or RFC 3339 (default: the newest event's time).")
    var calibrationEnd: String?
    @Option(help: "Also compare the repeat purchases up to this time with the model's expectation, per frequency.")
    var holdoutEnd: String?
    @Flag(help: "Print one JSON object.")
    var json = false
    @Flag(help: "Remove the stored model instead: profiles no longer carry predictions.")
    var remove = false

    func validate() throws {
        if remove, calibrationEnd != nil || holdoutEnd != nil { throw ValidationError("--remove takes no other option") }
    }

    func run() throws {
        try reportingErrors {
            let store = try options.open()
            if remove {
                print(try store.removePredictionModel() ? "prediction model removed" : "no prediction model was stored")
                return
            }
            let r = try store.predict(calibrationEnd: try parseAsOf(calibrationEnd, option: "--calibration-end"),
                                      holdoutEnd: try parseAsOf(holdoutEnd, option: "--holdout-end"))
            if json { print(PredictionText.json(r)); return }
            print(PredictionText.lines(r, currency: store.currency).joined(separator: "\n"))
        }
    }
}

/// `journey predict`'s output.
enum PredictionText {
    static func json(_ r: PredictionReport) -> String {
        let m = r.model
        let bgnbd = JSONLine.object([("r", String(m.bgnbd.r)), ("alpha", String(m.bgnbd.alpha)), ("a", String(m.bgnbd.a)),
                                     ("b", String(m.bgnbd.b)), ("log_likelihood", String(m.logLikelihood)),
                                     ("iterations", String(r.bgnbdIterations)), ("groups", String(r.groups))])
        let gammaGamma = JSONLine.object([("p", String(m.gammaGamma.p)), ("q", String(m.gammaGamma.q)), ("v", String(m.gammaGamma.v)),
                                          ("customers", String(m.gammaGammaCustomers)), ("log_likelihood", String(m.gammaGammaLogLikelihood)),
                                          ("iterations", String(r.gammaGammaIterations))])
        var fields = [("calibration_end", JSONLine.string(m.calibrationEnd.rfc3339)), ("position", String(m.position)),
                      ("customers", String(m.customers)), ("repeat_buyers", String(r.repeatBuyers)),
                      ("bgnbd", bgnbd), ("gamma_gamma", gammaGamma),
                      ("at_bound", "[" + r.atBound.map(JSONLine.string).joined(separator: ",") + "]"),
                      ("warnings", "[" + r.warnings.map(JSONLine.string).joined(separator: ",") + "]")]
        if let h = r.holdout {
            func row(_ row: HoldoutRow, _ name: String) -> String {
                JSONLine.object([("frequency", JSONLine.string(name)), ("customers", String(row.customers)),
                                 ("actual", String(row.actual)), ("predicted", row.predicted.map { String($0) } ?? "null"),
                                 ("actual_mean", String(row.actualMean)), ("predicted_mean", row.predictedMean.map { String($0) } ?? "null")])
            }
            let rows = h.rows.map { row($0, frequencyName($0.frequency)) }
            fields.append(("holdout", JSONLine.object([("end", JSONLine.string(h.end.rfc3339)), ("weeks", String(h.weeks)),
                                                       ("rows", "[" + rows.joined(separator: ",") + "]"), ("total", row(h.total, "all")),
                                                       ("unpredicted", String(h.unpredicted))])))
        }
        fields.append(("seconds", String(format3: r.seconds)))
        return JSONLine.object(fields)
    }

    static func lines(_ r: PredictionReport, currency: Currency) -> [String] {
        let m = r.model
        var out = [
            "calibration end \(m.calibrationEnd.rfc3339), log position \(m.position): \(m.customers) customers, \(r.repeatBuyers) repeat buyers",
            "BG/NBD: r \(digits(m.bgnbd.r)), alpha \(digits(m.bgnbd.alpha)) weeks, a \(digits(m.bgnbd.a)), b \(digits(m.bgnbd.b)); log-likelihood \(String(format2: m.logLikelihood)) (\(r.groups) groups, \(r.bgnbdIterations) iterations)",
            "Gamma-Gamma: p \(digits(m.gammaGamma.p)), q \(digits(m.gammaGamma.q)), v \(digits(m.gammaGamma.v)) \(currency.code) on \(m.gammaGammaCustomers) repeat buyers; log-likelihood \(String(format2: m.gammaGammaLogLikelihood)) (\(r.gammaGammaIterations) iterations)",
        ]
        for limit in r.atBound {
            out.append("note: the data point to a limit of the model, and the predictions are the limit's: \(limit)")
        }
        for warning in r.warnings { out.append("warning: \(warning)") }
        if let h = r.holdout {
            out.append("holdout to \(h.end.rfc3339) (\(String(format3: h.weeks)) weeks): repeat purchase days per customer")
            out.append("frequency  customers    actual  predicted")
            for row in h.rows + [h.total] {
                let name = row == h.total ? "all" : frequencyName(row.frequency)
                out.append(pad(name, 9) + pad(String(row.customers), 11) + pad(String(format3: row.actualMean), 10)
                           + pad(row.predictedMean.map { String(format3: $0) } ?? "n/a", 11))
            }
            out.append("total: actual \(String(format2: h.total.actual)), predicted \(h.total.predicted.map { String(format2: $0) } ?? "n/a (see the warning)")")
        }
        out.append("stored in the policy (\(String(format3: r.seconds)) s): profiles carry p_alive, expected_orders_90d, predicted_value_365d")
        return out
    }

    static func frequencyName(_ x: Int) -> String { x == HoldoutReport.frequencyRowsMax ? "\(x)+" : String(x) }

    /// Four digits after the point, enough to read against the paper's three; a value below 0.01
    /// or from 10⁶ on (a fit at a limit: a = 1.2e-14) in four significant digits instead.
    static func digits(_ v: Double) -> String {
        guard v != 0, v.isFinite, abs(v) < 0.01 || abs(v) >= 1e6 else { return String((v * 10_000).rounded() / 10_000) }
        var exponent = Int(log10(abs(v)).rounded(.down)), mantissa = (v / pow(10, Double(exponent)) * 1_000).rounded() / 1_000
        if abs(mantissa) >= 10 { mantissa /= 10; exponent += 1 }
        return "\(mantissa)e\(exponent)"
    }

    static func pad(_ s: String, _ width: Int) -> String { String(repeating: " ", count: max(0, width - s.count)) + s }
}

extension String {
    init(format2 value: Double) { self = String(Double((value * 100).rounded()) / 100) }
}
