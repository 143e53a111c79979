import Testing
@testable import JourneyStore
@_spi(Storage) import JourneyStorage

/// The reusable byte buffer reads through its array's address: copies must still behave as values.
@Suite struct ByteBufferTests {
    func bytes(_ b: ByteBuffer) -> [UInt8] { b.withUnsafeBytes { Array($0) } }

    @Test func copiesStayIndependentThroughEveryChange() throws {
        var a = ByteBuffer(capacity: 4)
        Array("abc".utf8).withUnsafeBytes { a.append($0) }
        var b = a  // shares a's array until one of them changes
        b.append(UInt8(ascii: "d"))
        a[0] = UInt8(ascii: "X")
        #expect(bytes(a) == Array("Xbc".utf8))
        #expect(bytes(b) == Array("abcd".utf8))
        // A write that grows the copy past its capacity, and one that throws half way.
        var c = b
        c.write(upTo: 64) { p in
            for k in 0..<40 { p[k] = UInt8(k) }
            return 40
        }
        struct Stop: Error {}
        var d = c
        #expect(throws: Stop.self) { try d.write(upTo: 8) { (_: UnsafeMutablePointer<UInt8>) throws(Stop) -> Int in throw Stop() } }
        d.removeAll()
        Array("z".utf8).withUnsafeBytes { d.append($0) }
        #expect(bytes(b) == Array("abcd".utf8))
        #expect(bytes(c) == Array("abcd".utf8) + (0..<40).map { UInt8($0) })
        #expect(bytes(d) == Array("z".utf8))
        #expect(c[4] == 0 && c[43] == 39)
    }
}
