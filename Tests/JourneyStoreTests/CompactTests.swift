import Foundation
import Testing
@testable import JourneyStore
@_spi(Storage) import JourneyStorage

/// `compact`: a copy of the store in full pages that reads exactly like the store.
@Suite struct CompactTests {
    @Test func theCopyIsSmallerAndReadsTheSame() throws {
        let t = try TemporaryStore()
        let bytes = try LargeIngestTests.generated()
        // Several transactions, as a store grows: later ones insert into full pages, which split.
        let first = try t.store.ingestJSONL(bytes, options: LargeIngestTests.small)
        let report = try t.store.compact(to: t.directory + "/copy")
        #expect(report.events == (try t.store.eventCount))
        #expect(report.copyBytes < report.storeBytesInUse, "\(report.copyBytes) against \(report.storeBytesInUse)")
        #expect(report.storeBytesInUse <= report.storeFileBytes)

        let copy = try JourneyStore(at: t.directory + "/copy", options: .init(createIfMissing: false))
        #expect(try copy.verify().isConsistent)
        #expect(try LargeIngestTests.profiles(copy) == LargeIngestTests.profiles(t.store))
        let usage = try copy.pageUsage()
        #expect(usage.pages * usage.pageSizeBytes == report.copyBytes)
        let again = try copy.ingestJSONL(bytes)
        #expect(again.appended == 0, "the copy's event ids find every event")
        #expect(again.duplicates == first.appended + first.duplicates)

        #expect {
            _ = try t.store.compact(to: t.directory + "/copy")
        } throws: { ($0 as? JourneyError)?.code == .invalidArgument }
    }

    @Test func theCommandPrintsTheSizes() throws {
        let t = try TemporaryStore()
        _ = try t.store.ingestJSONL(try LargeIngestTests.generated(2_000))
        let out = t.directory + "/copy"
        let result = try journey("--store", t.path, "compact", "--out", out, "--json")
        #expect(result.status == 0)
        let json = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        #expect(json?["events"] as? Int == (try t.store.eventCount))
        let usage = try JourneyStore(at: out).pageUsage()
        #expect(json?["copy_bytes"] as? Int == usage.pages * usage.pageSizeBytes)
        let second = try journey("--store", t.path, "compact", "--out", out)
        #expect(second.status != 0)
        #expect(second.stderr.contains("holds a store already"))
    }
}
