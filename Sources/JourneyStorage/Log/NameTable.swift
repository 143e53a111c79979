/// An in-memory interning table: names (byte strings) to their numbers, and back.
///
/// Open addressing over one byte arena, so a lookup allocates nothing: at a million customers a
/// `Dictionary<String, UInt32>` update costs ~250 ns here, this ~30 ns. The persistent copy lives in
/// LMDB (`names`, `name_list`); this table caches all of it (``isDense``: entry k is name k, as a
/// full load and a new store's appends make it) or the part a writer has touched (the names of a
/// large store, looked up in `names` when first met: loading a million customers' names took
/// 0.3 s and 300 MB before each small batch).
package struct NameTable {
    private var arena: [UInt8] = []
    /// `ends[k]` is where entry `k` ends in the arena; entry k starts at `ends[k - 1]`. `ends[0] == 0`.
    private var ends: [Int] = [0]
    private var hashes: [UInt64] = [0]
    /// The number of entry k (entry 0 is unused).
    private var numbers: [UInt32] = [0]
    /// 0 is an empty slot, otherwise the entry's index in the low 32 bits and the high 32 bits of its
    /// hash above them, so a probe rarely has to look at the name itself.
    private var slots: [UInt64] = Array(repeating: 0, count: 16)
    /// Whether entry k is name k for every k (then a number is its own index).
    package private(set) var isDense = true
    /// Entry of each number, when not dense.
    private var entryOfNumber: [UInt32: Int32] = [:]

    /// How many names the table holds.
    package var count: Int { ends.count - 1 }
    /// The largest number held (0 when empty).
    package private(set) var largestNumber: UInt32 = 0

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
                    let k = Int(UInt32(truncatingIfNeeded: entry))
                    let start = ends[k - 1], end = ends[k]
                    if end - start == name.count,
                       name.count == 0 || memcmpBytes(arenaBytes.baseAddress! + start, name.baseAddress!, name.count) {
                        return numbers[k]
                    }
                }
                slot = (slot + 1) & mask
            }
        }
    }

    /// Loads the first slot a lookup of `hash` probes, where the name it holds starts and its first
    /// byte, and returns a value made from them (so the loads are kept). Touching the slots of many
    /// lookups ahead in one pass of independent loads lets the CPU overlap their cache misses.
    @inline(__always)
    package func touch(hash: UInt64) -> UInt64 {
        let entry = slots.withUnsafeBufferPointer { $0[Int(truncatingIfNeeded: hash) & ($0.count - 1)] }
        let k = Int(UInt32(truncatingIfNeeded: entry))
        guard k > 0 && k < ends.count else { return entry }
        let start = ends.withUnsafeBufferPointer { $0[k - 1] }
        guard start < arena.count else { return entry }
        return entry &+ UInt64(arena.withUnsafeBufferPointer { $0[start] })
    }

    /// Adds `name` (which must be absent) as number `number` (the next one when `nil`) and returns it.
    @discardableResult
    package mutating func insert(_ name: UnsafeRawBufferPointer, hash: UInt64, number: UInt32? = nil) -> UInt32 {
        precondition(count < Int(UInt32.max) - 1, "name table: at most 2^32 - 2 names of a kind")
        let n = number ?? UInt32(count + 1)
        arena.append(contentsOf: name)
        ends.append(arena.count)
        hashes.append(hash)
        numbers.append(n)
        let k = count
        if isDense && n != UInt32(k) {
            isDense = false
            for i in 1..<k { entryOfNumber[numbers[i]] = Int32(i) }
        }
        if !isDense { entryOfNumber[n] = Int32(k) }
        largestNumber = max(largestNumber, n)
        if count * 2 > slots.count { rehash(capacity: slots.count * 2) } else { place(k, hash: hash) }
        return n
    }

    /// Whether the table holds name `number`.
    package func holds(_ number: UInt32) -> Bool {
        isDense ? number >= 1 && Int(number) <= count : entryOfNumber[number] != nil
    }

    /// Calls `body` with the bytes of name `number`, which the table must hold.
    package func withName<R>(_ number: UInt32, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        let k = isDense ? Int(number) : Int(entryOfNumber[number] ?? 0)
        precondition(k >= 1 && k <= count && numbers[k] == number, "name table: number \(number) is not held")
        return try arena.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[ends[k - 1]..<ends[k]])) }
    }

    /// Forgets every name numbered above `largest` (names of an aborted transaction).
    package mutating func truncate(toNumbersAtMost largest: UInt32) {
        guard largestNumber > largest else { return }
        if isDense {
            let keep = Int(largest)
            arena.removeSubrange(ends[keep]...)
            ends.removeSubrange((keep + 1)...)
            hashes.removeSubrange((keep + 1)...)
            numbers.removeSubrange((keep + 1)...)
            largestNumber = largest
            rehash(capacity: slots.count)
            return
        }
        var kept = NameTable()
        arena.withUnsafeBytes { all in
            for k in 1..<ends.count where numbers[k] <= largest {
                kept.insert(UnsafeRawBufferPointer(rebasing: all[ends[k - 1]..<ends[k]]), hash: hashes[k], number: numbers[k])
            }
        }
        self = kept
    }

    private mutating func place(_ k: Int, hash: UInt64) {
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: hash) & mask
        while slots[slot] != 0 { slot = (slot + 1) & mask }
        slots[slot] = (hash & 0xFFFF_FFFF_0000_0000) | UInt64(k)
    }

    private mutating func rehash(capacity: Int) {
        slots = Array(repeating: 0, count: capacity)
        for k in stride(from: 1, through: count, by: 1) { place(k, hash: hashes[k]) }
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
