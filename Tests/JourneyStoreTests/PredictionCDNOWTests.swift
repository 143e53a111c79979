import Foundation
import Testing
@testable import JourneyStore

/// BG/NBD and Gamma-Gamma on CDNOW's 1/10 sample (2,357 customers), the data set of Fader, Hardie &
/// Lee (2005), as PyPI's `lifetimes` 0.11.3 ships it. Downloaded with pip into a cache; without
/// PyPI the test is skipped, saying so (tools/cdnow-check also compares every customer with
/// lifetimes itself).
@Suite struct PredictionCDNOWTests {
    /// CDNOW_sample.txt, downloaded once per machine; `nil` when PyPI cannot be reached.
    static let sample: String? = {
        let cache = NSTemporaryDirectory() + "journey-cdnow-cache"
        let path = cache + "/CDNOW_sample.txt"
        if FileManager.default.fileExists(atPath: path) { return path }
        guard (try? FileManager.default.createDirectory(atPath: cache, withIntermediateDirectories: true)) != nil,
              let download = try? run("/usr/bin/env", ["python3", "-m", "pip", "download", "--quiet", "--no-deps", "--dest", cache, "lifetimes==0.11.3"]),
              download.status == 0,
              let unzip = try? run("/usr/bin/env", ["python3", "-c", """
                  import glob, sys, zipfile
                  with zipfile.ZipFile(glob.glob(sys.argv[1] + "/*ifetimes-0.11.3-*.whl")[0]) as z:
                      open(sys.argv[1] + "/CDNOW_sample.txt", "wb").write(z.read("lifetimes/datasets/CDNOW_sample.txt"))
                  """, cache]),
              unzip.status == 0 else { return nil }
        return path
    }()

    /// The sample as JSONL, as tools/cdnow-to-jsonl.py writes it.
    static func events(_ path: String) throws -> String {
        var lines: [String] = []
        for (row, line) in try String(contentsOfFile: path, encoding: .utf8).split(whereSeparator: \.isNewline).enumerated() {
            // CRLF lines: "\r\n" is one Character, so split on newlines and whitespace, not "\n" and " ".
            let f = line.split(whereSeparator: \.isWhitespace)
            guard f.count == 5 else { continue }
            let d = f[2]
            lines.append(#"{"id":"cdnow-\#(row + 1)","type":"purchase","customer":"cdnow-\#(f[0])","time":"\#(d.prefix(4))-\#(d.dropFirst(4).prefix(2))-\#(d.suffix(2))T00:00:00Z","order":"o\#(row + 1)","items":[{"product":"cds","price":"\#(f[4])"}]}"#)
        }
        return lines.joined(separator: "\n")
    }

    @Test func theFitMatchesThePaperAndLifetimes() throws {
        guard let path = Self.sample else { try Test.cancel("PyPI could not be reached: CDNOW_sample.txt (lifetimes 0.11.3) was not downloaded") }
        let t = try TemporaryStore()
        #expect(try t.store.ingest(try Self.events(path)).appended == 6_919)
        let report = try t.store.predict(calibrationEnd: time("1997-09-30T00:00:00Z"), holdoutEnd: time("1998-06-30T00:00:00Z"))
        let m = report.model
        #expect(m.customers == 2_357 && m.gammaGammaCustomers == 946)
        // The paper's table 1, to 0.5 %; lifetimes' log-likelihood to 0.01.
        #expect(isClose(m.bgnbd.r, 0.243, relative: 0.005) && isClose(m.bgnbd.alpha, 4.414, relative: 0.005))
        #expect(isClose(m.bgnbd.a, 0.793, relative: 0.005) && isClose(m.bgnbd.b, 2.426, relative: 0.005))
        #expect(abs(m.logLikelihood - -9582.43) <= 0.01)
        // lifetimes' Gamma-Gamma fit on the 946 repeat buyers, to 1 %.
        #expect(isClose(m.gammaGamma.p, 6.25, relative: 0.01) && isClose(m.gammaGamma.q, 3.74, relative: 0.01))
        #expect(isClose(m.gammaGamma.v, 15.44, relative: 0.01))
        // The paper's example is customer 00004 (x 2, t_x 30.43, T 38.86 weeks): 1.226 in 39 weeks.
        var policy = try t.store.policy
        policy.expectedOrdersHorizonDays = 273
        try t.store.setPolicy(policy)
        let example = try t.store.read { try $0.profile(of: "cdnow-00004", asOf: time("1997-09-30T00:00:00Z")) }
        #expect(example?.expectedOrders90d.map { ($0 * 1000).rounded() / 1000 } == 1.226)
        // The holdout (39 weeks): 1,882 repeat purchase days happened, the model expected 1,653.4.
        #expect(report.holdout?.total.actual == 1_882)
        #expect(report.holdout?.total.predicted.map { abs($0 - 1_653.41) < 0.01 } == true)
    }
}
