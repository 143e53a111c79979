/// A 64-bit hash that never changes between builds or runs (unlike `Hasher`), because event-id
/// hashes are stored: FNV-1a over the bytes, then the MurmurHash3 finalizer to spread the bits.
@inline(__always)
func stableHash64(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
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
