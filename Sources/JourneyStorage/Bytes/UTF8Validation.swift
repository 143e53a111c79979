/// Well-formed UTF-8 by the Unicode Standard's table of byte sequences (§3.9, table 3-7): no
/// overlong forms, no surrogates (U+D800–DFFF) encoded as bytes, nothing above U+10FFFF, no
/// truncated sequence. Without it, `c\xff` and `c\xfe` were stored raw, printed alike as `"c�"`, and
/// a lossy decode of one customer's id found another customer.
package enum UTF8Validation {
    /// Where the first ill-formed sequence of `p[start..<end]` starts, or `nil` when all is well formed.
    ///
    /// Called only for strings the scanner saw a byte ≥ 0x80 in; runs of ASCII are still passed
    /// over eight bytes at a time, as names in other scripts often mix with ASCII punctuation.
    package static func firstInvalid(_ p: UnsafePointer<UInt8>, from start: Int, to end: Int) -> Int? {
        let highs: UInt64 = 0x8080_8080_8080_8080
        var k = start
        while k < end {
            while k + 8 <= end, UnsafeRawPointer(p + k).loadUnaligned(as: UInt64.self) & highs == 0 { k += 8 }
            guard k < end else { return nil }
            let lead = p[k]
            if lead < 0x80 { k += 1; continue }
            // The sequence's length and the range of its second byte, which is where table 3-7 rules
            // out overlongs (E0, F0), encoded surrogates (ED) and code points past U+10FFFF (F4).
            let length: Int, low: UInt8, high: UInt8
            switch lead {
            case 0xC2...0xDF: (length, low, high) = (2, 0x80, 0xBF)
            case 0xE0: (length, low, high) = (3, 0xA0, 0xBF)
            case 0xE1...0xEC, 0xEE...0xEF: (length, low, high) = (3, 0x80, 0xBF)
            case 0xED: (length, low, high) = (3, 0x80, 0x9F)
            case 0xF0: (length, low, high) = (4, 0x90, 0xBF)
            case 0xF1...0xF3: (length, low, high) = (4, 0x80, 0xBF)
            case 0xF4: (length, low, high) = (4, 0x80, 0x8F)
            default: return k  // a continuation byte without a lead, C0, C1, or F5 and above
            }
            guard k + length <= end, p[k + 1] >= low, p[k + 1] <= high else { return k }
            for m in 2..<length where p[k + m] & 0xC0 != 0x80 { return k }
            k += length
        }
        return nil
    }
}
