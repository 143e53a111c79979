import Foundation
import Testing
@testable import JourneyStore
@_spi(Storage) import JourneyStorage

@Suite struct GeneratorTests {
    static func generate(customers: Int = 500, events: Int = 20_000, seed: UInt64 = 7) throws -> ([UInt8], EventGenerator.Summary) {
        var generator = try EventGenerator(customers: customers, events: events, seed: seed)
        var bytes: [UInt8] = []
        let summary = generator.write { bytes.append(contentsOf: $0) }
        return (bytes, summary)
    }

    @Test func theSameSeedGivesTheSameBytes() throws {
        let (a, _) = try Self.generate()
        let (b, _) = try Self.generate()
        let (c, _) = try Self.generate(seed: 8)
        #expect(a == b)
        #expect(a != c)
    }

    @Test func exactlyTheAskedNumberOfLines() throws {
        for events in [0, 1, 7, 1000] {
            let (bytes, summary) = try Self.generate(customers: 10, events: events)
            #expect(bytes.filter { $0 == 10 }.count == events)
            #expect(summary.lines == events)
        }
    }

    @Test func theOutputIngestsWithTheExpectedCounts() throws {
        let (bytes, summary) = try Self.generate()
        let t = try TemporaryStore()
        let report = try t.store.ingestJSONL(bytes)
        #expect(report.rejected == 0)
        #expect(report.duplicates == summary.duplicates)
        #expect(report.appended + report.duplicates == 20_000)
        #expect(summary.duplicates > 100 && summary.duplicates < 400, "about 1 % duplicates")
        #expect(summary.late > 200 && summary.late < 600, "about 2 % late")
        #expect(Set(summary.byType.keys) == Set(EventType.allCases))
        #expect(summary.byType.values.reduce(0, +) == report.appended)
        #expect(try t.store.verify().isConsistent)
    }

    @Test func lateEventsArriveAfterLaterOnes() throws {
        let (bytes, _) = try Self.generate(customers: 100, events: 5000)
        let t = try TemporaryStore()
        _ = try t.store.ingestJSONL(bytes)
        // Reading the log in arrival order, some events are older than one before them.
        var newest = Int64.min, late = 0
        try t.store.env.read { txn in
            try t.store.schema.events.forEach(in: txn) { _, value in
                let time = try EventRecord(value).time
                if time < newest { late += 1 } else { newest = time }
                return true
            }
        }
        #expect(late > 0)
    }

    @Test func spendIsConcentratedInTheTopBuyers() throws {
        let (bytes, _) = try Self.generate(customers: 2000, events: 60_000)
        let t = try TemporaryStore()
        _ = try t.store.ingestJSONL(bytes)
        let stats = try t.store.read { try $0.stats() }
        #expect(stats.buyers > 300)
        #expect((stats.top20RevenueShare ?? 0) > 0.5, "the top 20 % of buyers bring most revenue")
        #expect(stats.phases[.lapsed, default: 0] > 0 && stats.phases[.active, default: 0] > 0)
        #expect(stats.repeatGaps > 0)
    }

    /// Checks the lines themselves: exact duplicates, unique orders, refunds of a purchase (earlier by time)
    /// of the same customer for at most its total, complete signups, buyers who lapse for > 90 days and return.
    @Test func theLinesKeepTheDomainRules() throws {
        let (bytes, summary) = try Self.generate(customers: 2000, events: 20_000)
        var seen: [String: ArraySlice<UInt8>] = [:]
        var orders: [String: (customer: String, cents: Int64, time: Int64)] = [:]
        var purchases: [String: [Int64]] = [:]
        var signedUp: Set<String> = []
        var refundLines: [(order: String, customer: String, cents: Int64, time: Int64)] = []
        var duplicates = 0, refunds = 0, signups = 0, epochTimes = 0
        func cents(_ value: Any?) -> Int64 {
            let text = value as? String ?? ""
            let parts = text.split(separator: ".")
            return Int64(parts[0])! * 100 + Int64(parts.count > 1 ? parts[1] : "0")!
        }
        for line in bytes.split(separator: 10) {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any])
            let id = try #require(object["id"] as? String)
            if let earlier = seen[id] {
                #expect(earlier.elementsEqual(line), "a duplicate repeats its line exactly")
                duplicates += 1
                continue
            }
            seen[id] = line
            let customer = try #require(object["customer"] as? String)
            let time: Int64
            if let ms = object["time"] as? Int64 {
                time = ms
                epochTimes += 1
            } else {
                let text = try #require(object["time"] as? String)
                time = try Timestamp(rfc3339: text).millisecondsSinceEpoch
            }
            switch object["type"] as? String {
            case "purchase":
                let order = try #require(object["order"] as? String)
                #expect(orders[order] == nil, "order ids are unique")
                let items = try #require(object["items"] as? [[String: Any]])
                let total = items.reduce(Int64(0)) { $0 + cents($1["price"]) * Int64($1["quantity"] as? Int ?? 1) }
                orders[order] = (customer, total, time)
                purchases[customer, default: []].append(time)
            case "refund":
                refunds += 1
                // Checked at the end: the purchase may be delivered late, after its refund.
                refundLines.append((try #require(object["order"] as? String), customer, cents(object["total"]), time))
            case "signup":
                signups += 1
                signedUp.insert(customer)
                #expect(object["email"] is String)
                let attributes = try #require(object["attributes"] as? [String: Any])
                for key in ["first_name", "last_name", "country", "zip", "birthday", "interests"] {
                    #expect(attributes[key] != nil, "signup attribute \(key)")
                }
                #expect((attributes["country"] as? String)?.utf8.count == 2)
            default:
                break
            }
        }
        for refund in refundLines {
            let order = try #require(orders[refund.order], "refunds name a purchase")
            #expect(order.customer == refund.customer && order.time <= refund.time, "of the same customer, earlier")
            #expect(refund.cents > 0 && refund.cents <= order.cents)
        }
        #expect(duplicates == summary.duplicates)
        #expect(refunds > 0 && refunds == summary.byType[.refund])
        #expect(signups == summary.byType[.signup])
        #expect(epochTimes > 0, "some times come as epoch milliseconds")
        let returned = purchases.values.filter { times in
            let sorted = times.sorted()
            return zip(sorted, sorted.dropFirst()).contains { $1 - $0 > 90 * 86_400_000 }
        }
        #expect(!returned.isEmpty, "some buyers lapse for more than 90 days and come back")
        #expect(signedUp.contains { purchases[$0] == nil }, "some who sign up never buy")
    }
}
