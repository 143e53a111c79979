/// A 64-bit hash that never changes between builds or runs (unlike `Hasher`), because event-id
/// hashes are stored: FNV-1a over the bytes, then the MurmurHash3 finalizer to spread the bits.
@inline(__always)
package func stableHash64(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    for b in bytes {
        h ^= UInt64(b)
        h = h &* 0x0000_0100_0000_01B3
    }
    h ^= h >> 33
    h = h &* 0xff51_afd7_ed55_8ccd
    h ^= h >> 33
    h = h &* 0xc4ce_b9fe_1a85_ec53
    h ^= h >> 33
    return h
}

/// A hash for the in-memory name tables (``NameTable``), never stored: eight bytes a step, where
/// ``stableHash64(_:)`` (whose bits `event_ids` keeps) takes a multiply per byte. Customer ids and
/// product names are hashed once or twice per event.
@inline(__always)
package func tableHash64(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
    let n = bytes.count
    var h = 0x9E37_79B9_7F4A_7C15 &* UInt64(truncatingIfNeeded: n &+ 1)
    if let p = bytes.baseAddress, n > 0 {
        var k = 0
        while n - k > 8 {
            h = (h ^ p.loadUnaligned(fromByteOffset: k, as: UInt64.self)) &* 0xBF58_476D_1CE4_E5B9
            h ^= h >> 31
            k += 8
        }
        // The last 1...8 bytes, each read (the loads overlap rather than pass the end).
        let last: UInt64
        if n >= 8 {
            last = p.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self)
        } else if n >= 4 {
            last = UInt64(p.loadUnaligned(as: UInt32.self)) << 32 | UInt64(p.loadUnaligned(fromByteOffset: n - 4, as: UInt32.self))
        } else {
            last = UInt64(p.load(as: UInt8.self)) << 16 | UInt64(p.load(fromByteOffset: n >> 1, as: UInt8.self)) << 8
                | UInt64(p.load(fromByteOffset: n - 1, as: UInt8.self))
        }
        h = (h ^ last) &* 0x94D0_49BB_1331_11EB
    }
    h ^= h >> 32
    h = h &* 0xD6E8_FEB8_6659_FD93
    h ^= h >> 32
    return h
}
