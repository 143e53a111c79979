import Testing
@testable import LMDB

@Suite struct DatabaseTests {
    /// The current key's 8-byte values, read a page at a time (`MDB_GET_MULTIPLE`).
    static func packedValues(_ cursor: Cursor) throws -> [UInt64] {
        var out: [UInt64] = []
        try cursor.forEachPackedPage { bytes in
            for i in stride(from: 0, to: bytes.count, by: 8) {
                out.append(try UInt64(lmdbBytes: UnsafeRawBufferPointer(rebasing: bytes[i..<i + 8])))
            }
        }
        return out
    }

    @Test func noOverwriteReportsAnExistingKey() throws {
        let dir = TemporaryDirectory()
        let env = try Environment(path: dir.path)
        let db: Database<String, UInt64> = try env.openDatabase("ids", flags: .create)
        let (first, second) = try env.write { txn in
            (try db.put("e1", 1, in: txn, flags: .noOverwrite), try db.put("e1", 2, in: txn, flags: .noOverwrite))
        }
        #expect(first == true)
        #expect(second == false)
        #expect(try env.read { txn in try db.get("e1", in: txn) } == 1)
    }

    @Test func appendRefusesAnOutOfOrderKey() throws {
        let dir = TemporaryDirectory()
        let env = try Environment(path: dir.path)
        let db: Database<UInt64, String> = try env.openDatabase("log", flags: .create)
        try env.write { txn in try db.put(5, "five", in: txn, flags: .append) }
        #expect(throws: LMDBError.keyExists) {
            try env.write { txn in try db.put(3, "three", in: txn, flags: .append) }
        }
    }

    @Test func bigEndianKeysScanInNumericOrder() throws {
        let dir = TemporaryDirectory()
        let env = try Environment(path: dir.path)
        let db: Database<UInt64, UInt32> = try env.openDatabase("n", flags: .create)
        let keys: [UInt64] = [300, 1, 70_000, 256, 2]
        try env.write { txn in for k in keys { try db.put(k, UInt32(k % 1000), in: txn) } }
        var seen: [UInt64] = []
        try env.read { txn in
            try db.forEach(in: txn) { key, _ in seen.append(try UInt64(lmdbBytes: key)); return true }
        }
        #expect(seen == keys.sorted())
        var fromTwoHundred: [UInt64] = []
        try env.read { txn in
            try db.forEach(in: txn, from: 200) { key, _ in fromTwoHundred.append(try UInt64(lmdbBytes: key)); return true }
        }
        #expect(fromTwoHundred == [256, 300, 70_000])
    }

    /// `putMultiple` stores every packed value: under a new key (past the first value, which LMDB
    /// stores as a plain node, the rest convert it to a sub-page and then a sub-database) and after
    /// the values already stored, across many pages.
    @Test(arguments: [1, 2, 700, 5000])
    func packedValuesGoInWithOnePut(count: Int) throws {
        let dir = TemporaryDirectory()
        let env = try Environment(path: dir.path)
        let db: Database<UInt32, UInt64> = try env.openDatabase("dups", flags: [.create, .duplicateSort, .duplicateFixed])
        func packed(_ values: some Sequence<UInt64>) -> [UInt8] { values.flatMap { v in withUnsafeBytes(of: v.bigEndian) { Array($0) } } }
        let firstHalf = (0..<UInt64(count)).map { $0 * 3 + 1 }, secondHalf = (0..<UInt64(count)).map { 10_000_000 + $0 }
        try env.write { txn in
            try db.put(7, 5, in: txn)  // a neighbour key, untouched by the puts below
            try db.withCursor(in: txn) { cursor in
                for values in [firstHalf, secondHalf] {
                    try packed(values).withUnsafeBytes { bytes in
                        try UInt32(9).withBytes { try cursor.putMultiple(key: $0, values: bytes, valueSize: 8, flags: .appendDuplicate) }
                    }
                }
            }
        }
        let stored = try env.read { txn in
            try db.withCursor(in: txn) { cursor -> [UInt64] in
                guard try cursor.seek(exactly: UInt32(9)) != nil else { return [] }
                return try Self.packedValues(cursor)
            }
        }
        #expect(stored == firstHalf + secondHalf)
        #expect(try env.read { txn in try db.count(in: txn) } == 2 * count + 1)
        // Out of order with .appendDuplicate: refused, not stored.
        #expect(throws: LMDBError.keyExists) {
            try env.write { txn in
                try db.withCursor(in: txn) { cursor in
                    try packed([UInt64(2)]).withUnsafeBytes { bytes in
                        try UInt32(9).withBytes { try cursor.putMultiple(key: $0, values: bytes, valueSize: 8, flags: .appendDuplicate) }
                    }
                }
            }
        }
    }

    @Test func duplicateFixedValuesComeBackSortedAndInBulk() throws {
        let dir = TemporaryDirectory()
        let env = try Environment(path: dir.path)
        let db: Database<UInt32, UInt64> = try env.openDatabase("dups", flags: [.create, .duplicateSort, .duplicateFixed])
        try env.write { txn in
            for v in [UInt64(9), 3, 7, 1] { try db.put(42, v, in: txn) }
            try db.put(43, 100, in: txn)
        }
        let values = try env.read { txn in
            try db.withCursor(in: txn) { cursor -> [UInt64] in
                guard try cursor.seek(exactly: UInt32(42)) != nil else { return [] }
                #expect(try cursor.duplicateCount() == 4)
                return try Self.packedValues(cursor)
            }
        }
        #expect(values == [1, 3, 7, 9])
        let single = try env.read { txn in
            try db.withCursor(in: txn) { cursor -> [UInt8]? in
                _ = try cursor.seek(exactly: UInt32(43))
                return try cursor.nextMultiple(first: true).map(Array.init)
            }
        }
        #expect(single == [0, 0, 0, 0, 0, 0, 0, 100], "a key with one value still yields it")
        let deleted = try env.write { txn in try db.delete(42, 7, in: txn) }
        #expect(deleted)
        #expect(try env.read { txn in try db.count(in: txn) } == 4)
    }

    @Test func reserveWritesInPlace() throws {
        let dir = TemporaryDirectory()
        let env = try Environment(path: dir.path)
        let db: Database<UInt64, [UInt8]> = try env.openDatabase("r", flags: .create)
        try env.write { txn in
            try db.reserve(1, count: 3, in: txn) { out in out[0] = 1; out[1] = 2; out[2] = 3 }
        }
        #expect(try env.read { txn in try db.get(1, in: txn) } == [1, 2, 3])
    }

    @Test func shortIntegerBytesAreReportedAsCorruption() {
        let bytes: [UInt8] = [1, 2, 3]
        #expect(throws: LMDBError.corrupted) {
            try bytes.withUnsafeBytes { try UInt64(lmdbBytes: $0) }
        }
    }
}
