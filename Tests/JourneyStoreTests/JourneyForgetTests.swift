import Testing
@testable import JourneyStore
@_spi(Storage) import JourneyStorage

/// `forget` between ticks: the recorded journey of an erased customer is history (the log can no
/// longer derive an audience of the erased gender), so rebuild keeps it byte for byte and verify
/// agrees, and the next tick checks the erased customers again.
@Suite struct JourneyForgetTests {
    @Test(arguments: [11, 12, 13] as [UInt64])
    func erasedJourneysStayAsRecorded(seed: UInt64) throws {
        var random = RandomEvents(seed: seed, customers: 30)
        let temporary = try TemporaryStore(options: .init(syncDisabled: true))
        let store = temporary.store
        try store.saveAudience("women", where: #"gender = "f" or gender = "F""#)
        try store.saveAudience("named", where: #"has_email and phase != lapsed"#)
        try store.append(random.events(150), tick: true)
        let members = try store.read { s in
            var ids: [String] = []
            try s.forEachProfile(where: try Filter(#"gender = "f" or gender = "F""#)) { ids.append($0.customer); return true }
            return ids
        }
        try #require(members.count >= 2, "the seed gives members to erase")
        let erased = Array(members.prefix(2))
        try store.forget(erased)
        let next = try store.tick()
        let after = try store.transitions(after: next.firstSeq - 1)
        for id in erased {
            #expect(after.contains { $0.customer == id && $0.kind == .audience && $0.audience == "women" && $0.to == .member(false) },
                    "\(id) leaves the audience of the field erased")
        }
        try store.append(random.events(60), tick: true)
        try store.forget([erased[0]])   // erased again, later
        try store.append(random.events(60), tick: true)
        let before = try store.transitions()
        #expect(try store.verify().problems == [])
        _ = try store.rebuild()
        #expect(try store.transitions() == before, "rebuild keeps every transition, the erased customers' included")
        #expect(try store.verify().problems == [])
    }

    @Test func aForgetBeforeAnyTickRecordsNoJourney() throws {
        var random = RandomEvents(seed: 14, customers: 10)
        let temporary = try TemporaryStore(options: .init(syncDisabled: true))
        let store = temporary.store
        try store.append(random.events(40))
        try store.forget(["c1", "c2"])
        _ = try store.tick()
        let before = try store.transitions()
        _ = try store.rebuild()
        #expect(try store.transitions() == before)
        #expect(try store.verify().problems == [])
    }

    /// A damaged erasure record (bytes read back from the store) is reported by verify and rebuild
    /// as an error, never trusted and never a crash: a wrong version, a truncated varint, a state
    /// that does not decode.
    @Test(arguments: [[2, 1] as [UInt8], [1, 0x80], [1, 1, 1, 99], []])
    func aDamagedErasureIsReported(bytes: [UInt8]) throws {
        var random = RandomEvents(seed: 15, customers: 10)
        let temporary = try TemporaryStore(options: .init(syncDisabled: true))
        let store = temporary.store
        try store.append(random.events(40), tick: true)
        try store.forget(["c1"])
        try store.env.write { txn in _ = try store.schema.erased.put(1, bytes, in: txn) }
        let report = try store.verify()
        #expect(!report.isConsistent && report.problems.contains { $0.contains("the journey of an erased customer is damaged") })
        #expect(throws: JourneyError.self) { try store.rebuild() }
        #expect(try store.eventCount == 40, "the log is untouched")
    }
}
