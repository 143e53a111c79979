/// An open-addressing map from 64-bit hashes to sequence numbers, for the event ids of one batch.
///
/// The keys are already uniform hashes, so the slot is their low bits: no hashing, no allocation per
/// insert, at ≤ 50 % load (a `Dictionary` costs ~3× more per lookup here). A slot's key and value
/// sit side by side, so a probe or an insert touches one cache line: at a million ids the table is
/// far larger than the caches, and each miss showed in the ingest profile.
package struct HashIndex {
    /// `slots[2 i]` is slot i's key (0: empty), `slots[2 i + 1]` its value.
    private var slots: [UInt64]
    /// 0 marks an empty slot; a real key of 0 is kept aside.
    private var zeroValue: UInt64?
    package private(set) var count = 0

    package init(capacity: Int = 1024) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        slots = Array(repeating: 0, count: size * 2)
    }

    private var capacity: Int { slots.count / 2 }

    /// The value stored for `key`, or `nil`.
    @inline(__always)
    package func value(for key: UInt64) -> UInt64? {
        if key == 0 { return zeroValue }
        return slots.withUnsafeBufferPointer { slots in
            let mask = slots.count / 2 - 1
            var slot = Int(truncatingIfNeeded: key) & mask
            while true {
                let k = slots[2 * slot]
                if k == key { return slots[2 * slot + 1] }
                if k == 0 { return nil }
                slot = (slot + 1) & mask
            }
        }
    }

    /// Loads the slot a lookup of `key` probes first and returns its key (so the load is kept): see
    /// ``NameTable/touch(hash:)``.
    @inline(__always)
    package func touch(_ key: UInt64) -> UInt64 {
        slots.withUnsafeBufferPointer { $0[2 * (Int(truncatingIfNeeded: key) & ($0.count / 2 - 1))] }
    }

    /// Stores `value` for `key`, which must be absent.
    @inline(__always)
    package mutating func insert(_ key: UInt64, _ value: UInt64) {
        if key == 0 { zeroValue = value; count += 1; return }
        if (count + 1) * 2 > capacity { grow() }
        slots.withUnsafeMutableBufferPointer { slots in Self.place(key, value, in: slots) }
        count += 1
    }

    package mutating func removeAll() {
        for k in slots.indices { slots[k] = 0 }
        zeroValue = nil
        count = 0
    }

    @inline(__always)
    private static func place(_ key: UInt64, _ value: UInt64, in slots: UnsafeMutableBufferPointer<UInt64>) {
        let mask = slots.count / 2 - 1
        var slot = Int(truncatingIfNeeded: key) & mask
        while slots[2 * slot] != 0 { slot = (slot + 1) & mask }
        slots[2 * slot] = key
        slots[2 * slot + 1] = value
    }

    private mutating func grow() {
        let old = slots
        slots = Array(repeating: 0, count: old.count * 2)
        slots.withUnsafeMutableBufferPointer { slots in
            for i in stride(from: 0, to: old.count, by: 2) where old[i] != 0 { Self.place(old[i], old[i + 1], in: slots) }
        }
    }
}
