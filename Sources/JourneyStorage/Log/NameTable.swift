/// An in-memory interning table: names (byte strings) to dense numbers from 1, and back.
///
/// Open addressing over one byte arena, so a lookup allocates nothing: at a million customers a
/// `Dictionary<String, UInt32>` update costs ~250 ns here, this ~30 ns. The persistent copy lives in
/// LMDB (`names`, `name_list`); this table is a cache of it, brought in line at the start of every
/// write transaction.
package struct NameTable {
    private var arena: [UInt8] = []
    /// `ends[k]` is where name `k` ends in the arena; name k starts at `ends[k - 1]`. `ends[0] == 0`.
    private var ends: [Int] = [0]
    private var hashes: [UInt64] = [0]
    /// 0 is an empty slot, otherwise the name's number in the low 32 bits and the high 32 bits of its
    /// hash above them, so a probe rarely has to look at the name itself.
    private var slots: [UInt64] = Array(repeating: 0, count: 16)

    /// How many names the table holds (the largest number).
    package var count: Int { ends.count - 1 }

    package init() {}

    /// The number of `name`, or `nil`.
    @inline(__always)
    package func find(_ name: UnsafeRawBufferPointer, hash: UInt64) -> UInt32? {
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: hash) & mask
        let tag = hash & 0xFFFF_FFFF_0000_0000
        return arena.withUnsafeBytes { arenaBytes in
            while true {
                let entry = slots[slot]
                if entry == 0 { return nil }
                if entry & 0xFFFF_FFFF_0000_0000 == tag {
                    let id = UInt32(truncatingIfNeeded: entry)
                    let k = Int(id)
                    let start = ends[k - 1], end = ends[k]
                    if end - start == name.count,
                       name.count == 0 || memcmpBytes(arenaBytes.baseAddress! + start, name.baseAddress!, name.count) {
                        return id
                    }
                }
                slot = (slot + 1) & mask
            }
        }
    }

    /// Loads the first slot a lookup of `hash` probes, where the name it holds starts and its first byte, and returns
    /// a value made from them (so the loads are kept). Touching the slots of many lookups ahead in one
    /// pass of independent loads lets the CPU overlap their cache misses.
    @inline(__always)
    package func touch(hash: UInt64) -> UInt64 {
        let entry = slots.withUnsafeBufferPointer { $0[Int(truncatingIfNeeded: hash) & ($0.count - 1)] }
        let k = Int(UInt32(truncatingIfNeeded: entry))
        guard k > 0 && k < ends.count else { return entry }
        let start = ends.withUnsafeBufferPointer { $0[k - 1] }
        guard start < arena.count else { return entry }
        return entry &+ UInt64(arena.withUnsafeBufferPointer { $0[start] })
    }

    /// Adds `name` (which must be absent) and returns its number.
    @discardableResult
    package mutating func insert(_ name: UnsafeRawBufferPointer, hash: UInt64) -> UInt32 {
        precondition(count < Int(UInt32.max) - 1, "name table: at most 2^32 - 2 names of a kind")
        arena.append(contentsOf: name)
        ends.append(arena.count)
        hashes.append(hash)
        let id = UInt32(count)
        if count * 2 > slots.count { rehash(capacity: slots.count * 2) } else { place(id, hash: hash) }
        return id
    }

    /// Calls `body` with the bytes of name `id` (1...count).
    package func withName<R>(_ id: UInt32, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        let k = Int(id)
        precondition(k >= 1 && k <= count, "name table: number \(id) out of 1...\(count)")
        return try arena.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[ends[k - 1]..<ends[k]])) }
    }

    /// Forgets every name numbered above `newCount` (names of an aborted transaction).
    package mutating func truncate(to newCount: Int) {
        guard newCount < count else { return }
        arena.removeSubrange(ends[newCount]...)
        ends.removeSubrange((newCount + 1)...)
        hashes.removeSubrange((newCount + 1)...)
        rehash(capacity: slots.count)
    }

    private mutating func place(_ id: UInt32, hash: UInt64) {
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: hash) & mask
        while slots[slot] != 0 { slot = (slot + 1) & mask }
        slots[slot] = (hash & 0xFFFF_FFFF_0000_0000) | UInt64(id)
    }

    private mutating func rehash(capacity: Int) {
        slots = Array(repeating: 0, count: capacity)
        for k in stride(from: 1, through: count, by: 1) { place(UInt32(k), hash: hashes[k]) }
    }
}

@inline(__always)
package func memcmpBytes(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer, _ count: Int) -> Bool {
    var k = 0
    while k + 8 <= count {
        if a.loadUnaligned(fromByteOffset: k, as: UInt64.self) != b.loadUnaligned(fromByteOffset: k, as: UInt64.self) { return false }
        k += 8
    }
    while k < count {
        if a.load(fromByteOffset: k, as: UInt8.self) != b.load(fromByteOffset: k, as: UInt8.self) { return false }
        k += 1
    }
    return true
}
