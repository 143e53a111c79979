/// The unknown keys of the objects a line has open, so that ``JSONEventScanner`` refuses one an
/// object already has (known keys are a bit each in the object's own mask), and the bytes of keys
/// written with escapes, decoded.
///
/// One stack for all open objects: an object remembers where its keys start and pops them when it
/// closes. A key is compared with its object's earlier unknown keys by a 64-bit hash, then its
/// bytes; ``JSONEventScanner/unknownFieldsMax`` bounds that quadratic work (about half a million
/// hash comparisons for the largest object).
package struct ObjectKeys {
    /// Where a key's bytes are: from `start` in the line, or, when `start` is negative, from
    /// `~start` in ``decoded``.
    package struct Name {
        var start: Int
        var count: Int
    }

    private struct Entry {
        var hash: UInt64
        var name: Name
    }

    /// Keys written with escapes, decoded; emptied per line.
    package var decoded = ByteBuffer(capacity: 256)
    private var unknown: [Entry] = []

    package init() { unknown.reserveCapacity(64) }

    package var unknownCount: Int { unknown.count }

    /// Forgets the previous line's keys.
    @inline(__always)
    package mutating func reset() {
        decoded.removeAll()
        // Most lines have no unknown keys: no call into the array's removal then.
        if !unknown.isEmpty { unknown.removeAll(keepingCapacity: true) }
    }

    @inline(__always)
    package mutating func popUnknown(to count: Int) {
        if unknown.count > count { unknown.removeLast(unknown.count - count) }
    }

    package func decodedBytes(_ name: Name) -> UnsafeRawBufferPointer {
        let start = ~name.start
        return UnsafeRawBufferPointer(rebasing: decoded.unsafeBytes[start..<start + name.count])
    }

    /// Adds the unknown key `name` (whose bytes are `bytes`, in the line at `line` or decoded) to the
    /// object whose keys start at `first`; `false` when the object has it already.
    package mutating func insertUnknown(_ name: Name, _ bytes: UnsafeRawBufferPointer, line: UnsafePointer<UInt8>, since first: Int) -> Bool {
        let hash = tableHash64(bytes)
        for k in first..<unknown.count where unknown[k].hash == hash && unknown[k].name.count == name.count {
            if name.count == 0 { return false }
            let other = unknown[k].name
            let otherBytes = other.start >= 0 ? UnsafeRawPointer(line + other.start) : decodedBytes(other).baseAddress!
            if memcmpBytes(otherBytes, bytes.baseAddress!, bytes.count) { return false }
        }
        unknown.append(Entry(hash: hash, name: name))
        return true
    }
}
