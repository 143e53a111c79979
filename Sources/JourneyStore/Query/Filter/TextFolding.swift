/// Text as `~=` compares it: lower case, without accents, so that `"camaras"` matches `"Cámaras"`
/// and `"koln"` matches `"Köln"`.
///
/// Each character is lowered (Unicode's lowercase mapping), combining marks (U+0300–U+036F, as
/// decomposed text writes accents) are dropped, and the accented Latin letters of Latin-1 and Latin
/// Extended-A (U+00C0–U+017F: the Western, Central and Northern European alphabets) become their
/// base letters, with `ß` → `ss`, `æ` → `ae`, `œ` → `oe`, `ĳ` → `ij`, `ø` → `o`, `ł` → `l`, `đ` → `d`.
/// Other scripts are only lowered. Without Foundation: the standard library has no decomposition.
public enum TextFolding {
    /// The folded form of `text`.
    public static func fold(_ text: String) -> String {
        if text.utf8.allSatisfy({ $0 < 0x80 }) {
            // ASCII: lower the letters, in place of a per-character mapping.
            return String(decoding: text.utf8.map { $0 &- 65 < 26 ? $0 | 0x20 : $0 }, as: UTF8.self)
        }
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            for lowered in scalar.properties.lowercaseMapping.unicodeScalars {
                append(lowered, to: &out)
            }
        }
        return String(out)
    }

    private static func append(_ s: Unicode.Scalar, to out: inout String.UnicodeScalarView) {
        let v = s.value
        if v >= 0x300 && v <= 0x36F { return }
        if let base = base(of: v) {
            out.append(contentsOf: base.unicodeScalars)
        } else {
            out.append(s)
        }
    }

    /// Base letters of U+00E0–U+00FF (after lowering), `·` where the character stays.
    private static let latin1 = Array("aaaaaa·ceeeeiiiidnooooo·ouuuuy·y".unicodeScalars)
    /// Base letters of U+0100–U+017F, in pairs of upper and lower case, `·` where two letters replace one.
    private static let extendedA = Array(("aaaaaaccccccccddddeeeeeeeeeegggggggghhhhiiiiiiiiii··jjkkkllllllllllnnnnnnnnnoooooo··rrrrrrssssssss"
        + "ttttttuuuuuuuuuuuuwwyyyzzzzzzs").unicodeScalars)

    private static func base(of v: UInt32) -> String? {
        switch v {
        case 0xDF: return "ss"
        case 0xE6: return "ae"
        case 0x133: return "ij"
        case 0x153: return "oe"
        case 0xE0...0xFF:
            let b = latin1[Int(v - 0xE0)]
            return b == "·" ? nil : String(b)
        case 0x100...0x17F:
            let b = extendedA[Int(v - 0x100)]
            return b == "·" ? nil : String(b)
        default:
            return nil
        }
    }
}
