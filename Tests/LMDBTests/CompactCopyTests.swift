import Testing
@testable import LMDB

/// `copyCompacted`: every database, value and flag copied, in full pages, across many transactions.
@Suite struct CompactCopyTests {
    /// Every (database, key, value) of an environment, in order.
    static func contents(_ env: Environment, _ names: [String]) throws -> [String: [([UInt8], [UInt8])]] {
        var out: [String: [([UInt8], [UInt8])]] = [:]
        let databases: [Database<[UInt8], [UInt8]>] = try names.map { try env.openDatabase($0) }
        try env.read { txn in
            for (name, db) in zip(names, databases) {
                var entries: [([UInt8], [UInt8])] = []
                try db.forEach(in: txn) { key, value in entries.append((Array(key), Array(value))); return true }
                out[name] = entries
            }
        }
        return out
    }

    @Test func aCopyHoldsEverythingInFullPages() throws {
        let dir = TemporaryDirectory()
        let env = try Environment(path: dir.path + "/source")
        let plain: Database<UInt64, [UInt8]> = try env.openDatabase("plain", flags: .create)
        let sorted: Database<UInt32, [UInt8]> = try env.openDatabase("sorted", flags: [.create, .duplicateSort])
        let fixed: Database<UInt32, UInt64> = try env.openDatabase("fixed", flags: [.create, .duplicateSort, .duplicateFixed])
        let integers: Database<UInt8, [UInt8]> = try env.openDatabase("integers", flags: [.create, .duplicateSort, .duplicateFixed, .integerDuplicate])
        var rng = SystemRandomNumberGenerator()
        // Random inserts over several transactions, as a store grows: pages split and stay part empty.
        for _ in 0..<4 {
            try env.write { txn in
                for _ in 0..<3000 {
                    let k = UInt64.random(in: 0..<1_000_000, using: &rng)
                    try plain.put(k, Array(repeating: UInt8(k & 0xFF), count: Int(k % 200)), in: txn)
                    try sorted.put(UInt32(k % 500), Array("v\(k)".utf8), in: txn)
                    // Key 7 gets thousands of values (a sub-database of many pages); others one or a few.
                    try fixed.put(k % 3 == 0 ? 7 : UInt32(k % 900), k, in: txn)
                    var v = k
                    try withUnsafeBytes(of: &v) { value in
                        _ = try integers.putBytes(UInt8(k % 4), value, in: txn)
                    }
                }
            }
        }
        let names = ["plain", "sorted", "fixed", "integers"]
        // A small transaction budget: the copy resumes after a key dozens of times.
        let report = try env.copyCompacted(to: dir.path + "/copy", options: .init(databasesMax: 8), transactionBytes: 4096)
        #expect(report.databases == 4)
        let copy = try Environment(path: dir.path + "/copy", options: .init(databasesMax: 8))
        let before = try Self.contents(env, names), after = try Self.contents(copy, names)
        for name in names {
            let same = after[name]!.elementsEqual(before[name]!) { a, b in a.0 == b.0 && a.1 == b.1 }
            #expect(same, "\(name) is copied whole")
        }
        let total = before.values.map(\.count).reduce(0, +)
        #expect(report.entries == total)
        for name in names { #expect(report.entriesByDatabase[name] == before[name]!.count) }
        // The copy keeps each database's flags: integer duplicates still come back in numeric order.
        let db: Database<UInt8, [UInt8]> = try copy.openDatabase("integers")
        try copy.read { txn in
            var previous: (UInt8, UInt64)?
            try db.forEach(in: txn) { key, value in
                let entry = (key[0], value.loadUnaligned(as: UInt64.self))
                if let previous {
                    let ascending = previous < entry
                    #expect(ascending)
                }
                previous = entry
                return true
            }
        }
        let source: PageUsage = try env.read { try env.pageUsage(in: $0) }
        let copied: PageUsage = try copy.read { try copy.pageUsage(in: $0) }
        #expect(copied.freePages * 20 < copied.pages, "\(copied.freePages) of \(copied.pages) pages free")
        #expect(copied.pages * copied.pageSizeBytes == report.bytes)
        let ratio = Double(copied.bytesInUse) / Double(source.bytesInUse)
        #expect(ratio < 0.85, "full pages: \(copied.bytesInUse) against \(source.bytesInUse)")
        #expect(throws: LMDBError.self) { _ = try env.copyCompacted(to: dir.path + "/copy", options: .init(databasesMax: 8)) }
    }
}
