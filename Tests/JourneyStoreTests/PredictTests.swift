import Foundation
import Testing
@testable import JourneyStore
@_spi(Storage) import JourneyStorage

/// `predict` on a store: refusals, the stored model, the profiles it scores, rebuild and verify.
@Suite struct PredictTests {
    /// A purchase as a JSONL line.
    static func purchase(_ customer: String, _ time: String, _ price: String, id: String) -> String {
        #"{"id":"\#(id)","type":"purchase","customer":"\#(customer)","time":"\#(time)","order":"o-\#(id)","items":[{"product":"p1","price":"\#(price)"}]}"#
    }

    /// A store of the generator's events (500 customers, 5,000 events, seed 3): enough repeat buyers to
    /// fit, with an interior Gamma-Gamma optimum (seed 7's ends on a limit: PredictGeneratedTests).
    static func generatedStore() throws -> TemporaryStore {
        let (bytes, _) = try GeneratorTests.generate(customers: 500, events: 5_000, seed: 3)
        let t = try TemporaryStore()
        _ = try t.store.ingestJSONL(bytes)
        return t
    }

    @Test func refusesACalibrationEndBeforeTheFirstPurchase() throws {
        let t = try TemporaryStore()
        _ = try t.store.ingest([Self.purchase("c1", "2026-03-01T10:00:00Z", "10.00", id: "e1"),
                                Self.purchase("c1", "2026-03-05T10:00:00Z", "12.00", id: "e2")].joined(separator: "\n"))
        #expect {
            try t.store.predict(calibrationEnd: time("2026-02-01T00:00:00Z"))
        } throws: { error in
            (error as? JourneyError)?.code == .invalidArgument
                && (error as? JourneyError)?.message == "the calibration end 2026-02-01T00:00:00Z is before the first purchase (2026-03-01T10:00:00Z): no customer to fit"
        }
        let cli = try journey("--store", t.path, "predict", "--calibration-end", "2026-02-01")
        #expect(cli.status == 1)
        #expect(cli.stderr.contains("is before the first purchase"))
        #expect(try t.store.policy.predictionModel == nil, "nothing stored")
    }

    @Test func refusesWhatCannotBeFitted() throws {
        let t = try TemporaryStore()
        #expect(throws: JourneyError.self) { try t.store.predict() }   // no events
        // Two purchases of one customer on one day are one occasion: nobody came back.
        _ = try t.store.ingest([Self.purchase("c1", "2026-03-01T10:00:00Z", "10.00", id: "e1"),
                                Self.purchase("c1", "2026-03-01T18:00:00Z", "12.00", id: "e2"),
                                Self.purchase("c2", "2026-03-02T10:00:00Z", "9.00", id: "e3")].joined(separator: "\n"))
        #expect {
            try t.store.predict(calibrationEnd: time("2026-04-01T00:00:00Z"))
        } throws: { error in
            (error as? JourneyError)?.message.contains("no customer bought on a second day") == true
        }
        #expect {
            try t.store.predict(calibrationEnd: time("2026-04-01T00:00:00Z"), holdoutEnd: time("2026-04-01T00:00:00Z"))
        } throws: { error in
            (error as? JourneyError)?.message.contains("must be after the calibration end") == true
        }
    }

    @Test func theModelIsStoredAndScoresEveryBuyer() throws {
        let t = try Self.generatedStore()
        let report = try t.store.predict()
        let model = report.model
        #expect(try t.store.policy.predictionModel == model)
        #expect(model.position == UInt64(try t.store.eventCount))
        #expect(model.customers > 100 && report.repeatBuyers > 40 && model.gammaGammaCustomers == report.repeatBuyers)
        var buyers = 0
        try t.store.read { snapshot in
            try snapshot.forEachProfile { p in
                guard p.orders > 0 else {
                    #expect(p.pAlive == nil && p.expectedOrders90d == nil && p.predictedValue365d == nil)
                    return true
                }
                buyers += 1
                // The profile's values are the model's formulas on the customer's purchase days.
                let times = try t.store.events(of: p.customer).filter { $0.type == .purchase }.map(\.time.millisecondsSinceEpoch)
                let s = CustomerSummary(times: times, amounts: times.map { _ in 0 }, end: p.asOf.millisecondsSinceEpoch)!
                #expect(p.pAlive == model.bgnbd.probabilityAlive(s))
                #expect(p.expectedOrders90d == model.bgnbd.expectedPurchases(inDays: 90, s))
                #expect(p.predictedValue365d != nil && p.predictedValue365d! > .zero)
                return true
            }
        }
        #expect(buyers == model.customers)
        // Filters: a missing prediction compares false.
        let scored = try t.store.read { snapshot in
            var n = 0
            try snapshot.forEachProfile(where: try Filter("p_alive >= 0 and expected_orders_90d >= 0 and predicted_value_365d > 0")) { _ in n += 1; return true }
            return n
        }
        #expect(scored == buyers)
    }

    @Test func rebuildKeepsTheModelAndVerifyFitsItAgain() throws {
        let t = try Self.generatedStore()
        let model = try t.store.predict().model
        try t.store.rebuild()
        #expect(try t.store.policy.predictionModel == model)
        #expect(try t.store.verify().problems == [])
        // Events appended later, even with earlier times, leave the fit at its position alone.
        _ = try t.store.ingest(Self.purchase("late", "2024-08-01T10:00:00Z", "10.00", id: "late-1"))
        #expect(try t.store.verify().problems == [])
        // A stored parameter the log does not give is reported, with what to do.
        var text = try t.store.env.read { txn in try t.store.schema.metaString(MetaKey.policy, in: txn) }!
        text = text.replacingOccurrences(of: "model_r=\(model.bgnbd.r)", with: "model_r=\(model.bgnbd.r * 1.01)")
        try t.store.env.write { txn in try t.store.schema.setMeta(MetaKey.policy, text, in: txn) }
        let problems = try t.store.verify().problems
        #expect(problems.count == 1)
        #expect(problems.first?.hasPrefix("prediction model: r \(model.bgnbd.r * 1.01) stored, a fresh fit of the log up to #\(model.position)") == true)
        #expect(problems.first?.hasSuffix("refit with `journey predict --calibration-end \(model.calibrationEnd.rfc3339)`") == true)
    }

    @Test func thePolicyHoldsTheHorizonsButNotTheModel() throws {
        var policy = Policy()
        #expect(throws: JourneyError.self) { try policy.set("model_r", to: "1") }
        #expect(throws: JourneyError.self) { try policy.set("expected_orders_horizon_days", to: "0") }
        try policy.set("expected_orders_horizon_days", to: "30")
        #expect(policy.expectedOrdersHorizonDays == 30)
        let t = try Self.generatedStore()
        _ = try t.store.predict()
        let before = try t.store.read { try $0.stats() }
        var stored = try t.store.policy
        stored.expectedOrdersHorizonDays = 30
        #expect(try t.store.setPolicy(stored) == false, "no rebuild: facts do not depend on it")
        let after = try t.store.read { try $0.stats() }
        #expect(after.expectedOrders! < before.expectedOrders!)
        #expect(after.predictedValue == before.predictedValue)
        #expect(try t.store.policy.predictionModel == stored.predictionModel)
        // Removed, the model no longer scores anyone; the horizons stay.
        #expect(try t.store.removePredictionModel())
        #expect(try t.store.removePredictionModel() == false)
        #expect(try t.store.policy.predictionModel == nil && t.store.policy.expectedOrdersHorizonDays == 30)
        #expect(try t.store.read { try $0.stats() }.expectedOrders == nil)
    }

    @Test func aDamagedStoredModelIsReportedNotUsed() throws {
        let t = try Self.generatedStore()
        let model = try t.store.predict().model
        var text = try t.store.env.read { txn in try t.store.schema.metaString(MetaKey.policy, in: txn) }!
        text = text.replacingOccurrences(of: "model_a=\(model.bgnbd.a)", with: "model_a=-1")
        try t.store.env.write { txn in try t.store.schema.setMeta(MetaKey.policy, text, in: txn) }
        #expect {
            try t.store.policy
        } throws: { error in
            (error as? JourneyError)?.code == .corrupted
                && (error as? JourneyError)?.message == "the stored policy's model_a is -1.0, not a positive number; run `journey predict` again"
        }
        #expect(throws: JourneyError.self) { try t.store.read { try $0.stats() } }
        // A new fit replaces it.
        #expect(try t.store.predict().model == model)
        #expect(try t.store.policy.predictionModel == model)
    }

    /// Gamma-Gamma's expected spend has no value for q ≤ 1: stats says how many buyers its sums leave
    /// out instead of summing the others silently.
    @Test func statsCountTheBuyersWithoutAValue() throws {
        let t = try Self.generatedStore()
        let model = try t.store.predict().model
        let before = try t.store.read { try $0.stats() }
        #expect(before.unpredicted == 0 && before.predictedValue != nil)
        var text = try t.store.env.read { txn in try t.store.schema.metaString(MetaKey.policy, in: txn) }!
        text = text.replacingOccurrences(of: "model_q=\(model.gammaGamma.q)", with: "model_q=0.5")
        try t.store.env.write { txn in try t.store.schema.setMeta(MetaKey.policy, text, in: txn) }
        let after = try t.store.read { try $0.stats() }
        #expect(after.unpredicted == after.buyers && after.predictedValue == nil && after.expectedOrders != nil)
        #expect(after.json(currency: t.store.currency).contains("\"unpredicted_customers\":\(after.buyers)"))
    }

    @Test func theCommandPrintsTheDesignsJSON() throws {
        let t = try Self.generatedStore()
        let out = try journey("--store", t.path, "predict", "--calibration-end", "2026-01-01", "--holdout-end", "2026-06-30", "--json")
        #expect(out.status == 0, "\(out.stderr)")
        let json = try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as! [String: Any]
        #expect(json["calibration_end"] as? String == "2026-01-01T00:00:00Z")
        #expect(Set((json["bgnbd"] as! [String: Any]).keys).isSuperset(of: ["r", "alpha", "a", "b", "log_likelihood"]))
        #expect(Set((json["gamma_gamma"] as! [String: Any]).keys).isSuperset(of: ["p", "q", "v", "customers"]))
        let holdout = json["holdout"] as! [String: Any]
        #expect((holdout["rows"] as! [[String: Any]]).map { $0["frequency"] as! String } == ["0", "1", "2", "3", "4", "5", "6", "7+"])
        #expect((holdout["total"] as! [String: Any])["customers"] as? Int == json["customers"] as? Int)
        let profile = try journey("--store", t.path, "profile", "--all", "--as-of", "2026-01-01")
        #expect(profile.stdout.contains(#""p_alive":"#) && profile.stdout.contains(#""predicted_value_365d":"#))
    }
}
