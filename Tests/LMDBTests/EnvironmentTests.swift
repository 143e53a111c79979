import TestSupport
import Testing
@testable import LMDB

@Suite struct EnvironmentTests {
    @Test func writeCommitsAndReadSeesIt() throws {
        let dir = TemporaryDirectory()
        let env = try Environment(path: dir.path)
        let db: Database<UInt64, String> = try env.openDatabase("kv", flags: .create)
        try env.write { txn in
            try db.put(1, "one", in: txn)
            try db.put(2, "two", in: txn)
        }
        #expect(try env.read { txn in try db.get(2, in: txn) } == "two")
        #expect(try env.read { txn in try db.get(3, in: txn) } == nil)
        #expect(try env.read { txn in try db.count(in: txn) } == 2)
    }

    @Test func throwingWriteAbortsEverything() throws {
        struct Refused: Error {}
        let dir = TemporaryDirectory()
        let env = try Environment(path: dir.path)
        let db: Database<UInt64, String> = try env.openDatabase("kv", flags: .create)
        #expect(throws: Refused.self) {
            try env.write { txn in
                try db.put(1, "one", in: txn)
                throw Refused()
            }
        }
        #expect(try env.read { txn in try db.count(in: txn) } == 0)
    }

    @Test func readSnapshotIgnoresLaterWrites() throws {
        let dir = TemporaryDirectory()
        let env = try Environment(path: dir.path)
        let db: Database<UInt64, String> = try env.openDatabase("kv", flags: .create)
        try env.write { txn in try db.put(1, "before", in: txn) }
        let seen = try env.read { txn -> String? in
            // A writer on another thread commits while this snapshot is open.
            runOnAnotherThread { _ = try? env.write { w in try db.put(1, "after", in: w) } }
            return try db.get(1, in: txn)
        }
        #expect(seen == "before")
        #expect(try env.read { txn in try db.get(1, in: txn) } == "after")
    }

    @Test func dataSurvivesReopening() throws {
        let dir = TemporaryDirectory()
        do {
            let env = try Environment(path: dir.path)
            let db: Database<String, UInt32> = try env.openDatabase("names", flags: .create)
            try env.write { txn in try db.put("c42", 7, in: txn) }
        }
        let env = try Environment(path: dir.path)
        let db: Database<String, UInt32> = try env.openDatabase("names")
        #expect(try env.read { txn in try db.get("c42", in: txn) } == 7)
    }

    @Test func openingAMissingDatabaseWithoutCreateFails() throws {
        let dir = TemporaryDirectory()
        let env = try Environment(path: dir.path)
        #expect(throws: LMDBError.notFound) {
            let _: Database<UInt64, String> = try env.openDatabase("absent")
        }
    }

    @Test func mapGrowsPastATinyInitialSize() throws {
        let dir = TemporaryDirectory()
        let initial = 64 * 1024
        let env = try Environment(path: dir.path, options: .init(mapSizeBytesInitial: initial))
        let db: Database<UInt64, [UInt8]> = try env.openDatabase("blobs", flags: .create)
        let blob = [UInt8](repeating: 0xAB, count: 1000)
        // 5,000 × 1 KB is far more than 64 KiB: the map must grow several times within one write.
        try env.write { txn in
            for key in UInt64(1)...5000 { try db.put(key, blob, in: txn, flags: .append) }
        }
        #expect(env.mapSizeBytes > initial)
        #expect(try env.read { txn in try db.count(in: txn) } == 5000)
        #expect(try env.read { txn in try db.get(5000, in: txn) } == blob)
    }

    @Test func mapStopsGrowingAtItsMaximum() throws {
        let dir = TemporaryDirectory()
        let env = try Environment(path: dir.path, options: .init(mapSizeBytesInitial: 64 * 1024, mapSizeBytesMax: 256 * 1024))
        let db: Database<UInt64, [UInt8]> = try env.openDatabase("blobs", flags: .create)
        let blob = [UInt8](repeating: 1, count: 1000)
        #expect(throws: LMDBError.mapFull) {
            try env.write { txn in
                for key in UInt64(1)...2000 { try db.put(key, blob, in: txn, flags: .append) }
            }
        }
        #expect(try env.read { txn in try db.count(in: txn) } == 0)
    }

    /// A store reopened with a small initial map gets room to write (twice what its pages take), so
    /// its next write does not fill the map and run again; and a writer can ask for room up front.
    @Test func aReopenedMapHasRoomAndCanBeReserved() throws {
        let dir = TemporaryDirectory()
        let initial = 64 * 1024
        do {
            let env = try Environment(path: dir.path, options: .init(mapSizeBytesInitial: initial))
            let db: Database<UInt64, [UInt8]> = try env.openDatabase("blobs", flags: .create)
            let blob = [UInt8](repeating: 7, count: 1000)
            try env.write { txn in
                for key in UInt64(1)...2000 { try db.put(key, blob, in: txn, flags: .append) }
            }
        }
        let env = try Environment(path: dir.path, options: .init(mapSizeBytesInitial: initial))
        #expect(env.usedBytes > 2_000_000)
        #expect(env.mapSizeBytes >= 2 * env.usedBytes)
        try env.reserveMap(atLeast: 64 << 20)
        #expect(env.mapSizeBytes >= 64 << 20)
        let before = env.mapSizeBytes
        try env.reserveMap(atLeast: 1 << 20)
        #expect(env.mapSizeBytes == before, "reserving less than the map has leaves it as it is")
    }

    /// Reserving stops at the maximum map size; with a read open in this process, it waits for
    /// nothing and leaves the map as it is.
    @Test func reservingStopsAtTheMaximumAndNeverWaits() throws {
        let dir = TemporaryDirectory()
        let env = try Environment(path: dir.path, options: .init(mapSizeBytesInitial: 1 << 20, mapSizeBytesMax: 8 << 20))
        try env.read { _ in
            try env.reserveMap(atLeast: 4 << 20)
            #expect(env.mapSizeBytes == 1 << 20)
        }
        try env.reserveMap(atLeast: 64 << 20)
        #expect(env.mapSizeBytes == 8 << 20)
    }
}
