import Testing
@testable import JourneyStore
@_spi(Storage) import JourneyStorage

@Suite struct NameTableTests {
    func find(_ table: NameTable, _ name: String) -> UInt32? {
        Array(name.utf8).withUnsafeBytes { table.find($0, hash: tableHash64($0)) }
    }

    @discardableResult
    func insert(_ table: inout NameTable, _ name: String) -> UInt32 {
        Array(name.utf8).withUnsafeBytes { table.insert($0, hash: tableHash64($0)) }
    }

    @Test func namesGetDenseNumbersAndAreFoundAgainThroughGrowth() {
        var table = NameTable()
        for k in 0..<5000 { #expect(insert(&table, "c\(k)") == UInt32(k + 1)) }
        #expect(table.count == 5000)
        #expect(find(table, "c0") == 1)
        #expect(find(table, "c4999") == 5000)
        #expect(find(table, "c5000") == nil)
        #expect(table.withName(42) { String(decoding: $0, as: UTF8.self) } == "c41")
    }

    @Test func truncationForgetsTheNewestNames() {
        var table = NameTable()
        for k in 0..<100 { insert(&table, "p\(k)") }
        table.truncate(toNumbersAtMost: 60)
        #expect(table.count == 60)
        #expect(find(table, "p59") == 60)
        #expect(find(table, "p60") == nil)
        #expect(insert(&table, "new") == 61, "numbering goes on densely after a truncation")
        #expect(find(table, "new") == 61)
    }

    @Test func namesMetOutOfOrderKeepTheirNumbers() {
        // A writer of a large store holds only the names it met, under their stored numbers.
        var table = NameTable()
        let numbers: [UInt32] = [900_001, 17, 42, 3, 500_000]
        for (k, n) in numbers.enumerated() {
            #expect(Array("c\(k)".utf8).withUnsafeBytes { table.insert($0, hash: tableHash64($0), number: n) } == n)
        }
        #expect(!table.isDense)
        for (k, n) in numbers.enumerated() {
            #expect(find(table, "c\(k)") == n)
            #expect(table.holds(n))
            #expect(table.withName(n) { String(decoding: $0, as: UTF8.self) } == "c\(k)")
        }
        #expect(!table.holds(4))
        table.truncate(toNumbersAtMost: 100)
        #expect(find(table, "c0") == nil && find(table, "c4") == nil)
        #expect(find(table, "c1") == 17 && find(table, "c3") == 3)
    }

    @Test func theEmptyNameIsANameLikeAnyOther() {
        var table = NameTable()
        insert(&table, "a")
        #expect(find(table, "") == nil)
        #expect(insert(&table, "") == 2)
        #expect(find(table, "") == 2)
    }

    @Test(arguments: [("e1", UInt64(0x5029_5BDA_7C69_A087)), ("", 0xEFD0_1F60_BA99_2926), ("order-2026-0001", 0xD323_BF70_4B65_D70B)])
    func theStableHashNeverChanges(text: String, hash: UInt64) {
        // Stored in `event_ids`: another value would make every stored id look new. The constants
        // come from an independent implementation of FNV-1a + the MurmurHash3 finalizer (Python).
        #expect(Array(text.utf8).withUnsafeBytes { stableHash64($0) } == hash)
    }

    @Test func theTableHashReadsEveryByte() {
        // Names of every length up to 24 bytes, and each with one byte changed at each position:
        // a byte the hash skipped (its tail handling reads 1-8 bytes in overlapping loads) would
        // make two of them collide.
        var hashes = Set<UInt64>()
        var count = 0
        for n in 0...24 {
            let base = (0..<n).map { UInt8(ascii: "a") + UInt8($0 % 26) }
            var variants = [base]
            for k in 0..<n {
                var v = base
                v[k] ^= 0x01
                variants.append(v)
            }
            for v in variants {
                hashes.insert(v.withUnsafeBytes { tableHash64($0) })
                count += 1
            }
        }
        #expect(hashes.count == count)
    }
}
