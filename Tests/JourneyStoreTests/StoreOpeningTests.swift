import Foundation
import LMDB
import Testing
@testable import JourneyStore
@_spi(Storage) import JourneyStorage

/// What opening a directory may and may not do (issue 16, items 3, 4 and 13): only a directory
/// without `data.mdb` becomes a new store; nothing that is not a store is written to; a store that
/// cannot be written can still be read.
@Suite struct StoreOpeningTests {
    static let purchase = #"{"id":"e1","type":"purchase","customer":"c1","time":"2026-03-01T10:00:00Z","order":"o1","items":[{"product":"p1","price":"12.50"}]}"#

    /// A temporary directory, removed at the end.
    final class Directory {
        let path = NSTemporaryDirectory() + "journey-open-" + UUID().uuidString
        init() throws {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o755])
        }
        deinit { try? FileManager.default.removeItem(atPath: path) }
    }

    func fileSize(_ path: String) -> Int? {
        (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int
    }

    @Test func anEmptyDataFileIsNotANewStore() throws {
        let dir = try Directory()
        let store = dir.path + "/s"
        try FileManager.default.createDirectory(atPath: store, withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: store + "/data.mdb", contents: Data())
        #expect(throws: JourneyError.self) { _ = try JourneyStore(at: store) }
        do {
            _ = try JourneyStore(at: store)
        } catch let error as JourneyError {
            #expect(error.code == .corrupted)
            #expect(error.message.contains("data.mdb is empty (0 bytes)"))
        }
        let verify = try journey("--store", store, "verify")
        #expect(verify.status != 0)
        #expect(verify.stderr.contains("data.mdb is empty"))
        #expect(!verify.stdout.contains("ok"))
        let file = try TemporaryStore().write("one.jsonl", Self.purchase + "\n")
        let ingest = try journey("--store", store, "ingest", file)
        #expect(ingest.status != 0)
        #expect(fileSize(store + "/data.mdb") == 0, "nothing was written into the empty file")
    }

    @Test func aDataFileThatIsNotLMDBIsRefused() throws {
        let dir = try Directory()
        let store = dir.path + "/s"
        try FileManager.default.createDirectory(atPath: store, withIntermediateDirectories: true)
        let garbage = Data((0..<16_384).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) })
        FileManager.default.createFile(atPath: store + "/data.mdb", contents: garbage)
        let verify = try journey("--store", store, "verify")
        #expect(verify.status != 0)
        #expect(verify.stderr.contains("not an LMDB data file"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: store + "/data.mdb")) == garbage)
    }

    @Test func aTruncatedDataFileIsReportedNotRead() throws {
        let t = try TemporaryStore()
        try t.store.append((0..<2_000).map { k in
            Event(id: "e\(k)", customer: "c\(k % 300)", time: Shop.at(Double(k) / 100), payload: .productView(product: "p\(k)", category: "k"))
        })
        let size = try #require(fileSize(t.path + "/data.mdb"))
        let handle = try #require(FileHandle(forUpdatingAtPath: t.path + "/data.mdb"))
        try handle.truncate(atOffset: UInt64(size / 2))
        try handle.close()
        for command in [["verify"], ["stats"], ["profile", "c1"], ["rebuild"]] {
            let result = try run(journeyBinary(), ["--store", t.path] + command)
            #expect(result.status == 1, "\(command): \(result.stderr)")
            #expect(result.stderr.contains("it was truncated"), "\(command): \(result.stderr)")
        }
    }

    @Test func anEnvironmentWithoutMetaIsNotTakenForANewStore() throws {
        let dir = try Directory()
        let path = dir.path + "/s"
        do {
            let env = try Environment(path: path, options: .init(databasesMax: 4))
            let other: Database<String, String> = try env.openDatabase("other", flags: .create)
            try env.write { txn in try other.put("key", "value", in: txn) }
        }
        do {
            _ = try JourneyStore(at: path)
            Issue.record("opened an environment that is not a store")
        } catch let error as JourneyError {
            #expect(error.code == .corrupted)
            #expect(error.message.contains("holds LMDB databases but no `meta`"))
        }
        let env = try Environment(path: path, options: .init(databasesMax: 4, readOnly: true))
        let main: Database<[UInt8], [UInt8]> = try env.openDatabase(nil)
        #expect(try env.read { try main.count(in: $0) } == 1, "no database was added")
    }

    @Test func aStoreWhoseMetaLacksItsFormatKeepsItsSettings() throws {
        // Before, any failure to read the format made the store "new": currency and policy were overwritten.
        let t = try TemporaryStore(options: .init(currency: try Currency(code: "EUR")))
        var policy = try t.store.policy
        policy.lapsedAfterDays = 45
        try t.store.setPolicy(policy)
        try t.store.env.write { txn in _ = try t.store.schema.meta.delete(MetaKey.format, in: txn) }
        let path = t.path
        do {
            _ = try t.reopen()
            Issue.record("opened a store without a format version")
        } catch let error as JourneyError {
            #expect(error.code == .corrupted)
            #expect(error.message.contains("holds no format version"))
        }
        let env = try Environment(path: path, options: .init(databasesMax: StoreSchema.databasesMax, readOnly: true))
        let meta: Database<String, [UInt8]> = try env.openDatabase("meta")
        let (currency, text) = try env.read { txn in
            (try meta.get(MetaKey.currency, in: txn).map { String(decoding: $0, as: UTF8.self) },
             try meta.get(MetaKey.policy, in: txn).map { String(decoding: $0, as: UTF8.self) })
        }
        #expect(currency == "EUR")
        #expect(text?.contains("lapsed_after_days=45") == true)
    }

    @Test func readOnlyOpeningCreatesAndWritesNothing() throws {
        let dir = try Directory()
        let path = dir.path + "/s"
        #expect(throws: JourneyError.self) { _ = try JourneyStore(at: path, options: .init(readOnly: true)) }
        #expect(!FileManager.default.fileExists(atPath: path))
        let t = try TemporaryStore()
        _ = try t.store.ingest(Self.purchase)
        let reader = try JourneyStore(at: t.path, options: .init(readOnly: true))
        #expect(reader.isReadOnly)
        #expect(try reader.read { try $0.profile(of: "c1")?.orders } == 1)
        do {
            _ = try reader.ingest(#"{"id":"e2","type":"email_open","customer":"c1","time":1}"#)
            Issue.record("a read-only store took an ingest")
        } catch let error as JourneyError {
            #expect(error.code == .readOnly)
        }
        #expect(try reader.eventCount == 1)
    }

    /// A store of one customer in a directory any user may read, and the `journey` binary copied
    /// where any user may run it.
    func readableStore(in dir: Directory) throws -> (store: String, binary: String) {
        let store = dir.path + "/s"
        let file = dir.path + "/one.jsonl"
        try (Self.purchase + "\n").write(toFile: file, atomically: true, encoding: .utf8)
        let ingest = try journey("--store", store, "ingest", file)
        try #require(ingest.status == 0, "\(ingest.stderr)")
        let binary = dir.path + "/journey"
        try FileManager.default.copyItem(atPath: journeyBinary(), toPath: binary)
        for item in try FileManager.default.subpathsOfDirectory(atPath: dir.path) {
            let isDirectory = (try? FileManager.default.attributesOfItem(atPath: dir.path + "/" + item)[.type] as? FileAttributeType) == .typeDirectory
            try FileManager.default.setAttributes([.posixPermissions: isDirectory || item == "journey" ? 0o755 : 0o644],
                                                  ofItemAtPath: dir.path + "/" + item)
        }
        return (store, binary)
    }

    /// The read-only commands, and what each must print about the store of ``readableStore(in:)``.
    static let readCommands: [([String], String)] = [
        (["verify"], "ok: 1 events, 1 customers"), (["profile", "c1", "--json"], #""orders":1"#),
        (["stats"], "1 buyers"), (["export", "--where", "orders >= 1", "--format", "jsonl"], #""customer":"c1""#),
        (["events", "c1"], #""order":"o1""#), (["policy"], "lapsed_after_days=90"),
    ]

    @Test func aStoreWithoutWritePermissionCanBeRead() throws {
        let dir = try Directory()
        let (store, binary) = try readableStore(in: dir)
        // As an ordinary user when the tests run as root (root writes anywhere), else as ourselves
        // with the store's write permission taken away.
        let asOther = geteuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv")
        if !asOther {
            for item in ["", "/data.mdb", "/lock.mdb"] {
                try FileManager.default.setAttributes([.posixPermissions: item.isEmpty ? 0o555 : 0o444], ofItemAtPath: store + item)
            }
        }
        defer { try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: store) }
        for (command, expected) in Self.readCommands {
            let result = asOther
                ? try run("/usr/bin/setpriv", ["--reuid=nobody", "--regid=nogroup", "--clear-groups", binary, "--store", store] + command)
                : try run(binary, ["--store", store] + command)
            #expect(result.status == 0, "\(command): \(result.stderr)")
            #expect(result.stdout.contains(expected), "\(command): \(result.stdout)")
        }
        let ingest = asOther
            ? try run("/usr/bin/setpriv", ["--reuid=nobody", "--regid=nogroup", "--clear-groups", binary, "--store", store, "rebuild"])
            : try run(binary, ["--store", store, "rebuild"])
        #expect(ingest.status != 0, "a write needs write permission")
    }

    @Test func aStoreOnAReadOnlyMountCanBeRead() throws {
        guard geteuid() == 0, FileManager.default.isExecutableFile(atPath: "/usr/bin/unshare") else { return }
        let dir = try Directory()
        let (store, binary) = try readableStore(in: dir)
        // A private mount namespace in which the store's directory is mounted read-only.
        func onReadOnlyMount(_ arguments: [String]) throws -> CommandResult {
            let quoted = ([binary, "--store", store] + arguments).map { "'" + $0.replacingOccurrences(of: "'", with: #"'\''"#) + "'" }
            return try run("/usr/bin/unshare", ["-m", "sh", "-c", "mount --bind -o ro '\(store)' '\(store)' && exec " + quoted.joined(separator: " ")])
        }
        let probe = try run("/usr/bin/unshare", ["-m", "sh", "-c", "mount --bind -o ro '\(store)' '\(store)' && touch '\(store)/x'"])
        guard probe.stderr.contains("Read-only file system") else { return }  // no mount namespaces here
        for (command, expected) in Self.readCommands {
            let result = try onReadOnlyMount(command)
            #expect(result.status == 0, "\(command): \(result.stderr)")
            #expect(result.stdout.contains(expected), "\(command): \(result.stdout)")
        }
        #expect(try onReadOnlyMount(["rebuild"]).status != 0)
    }
}
