@_spi(Storage) import JourneyStorage
import Crypto

/// Normalization and hashing of contact data for ad platforms' customer lists.
public enum ContactNormalization {
    /// SHA-256 of `text`'s UTF-8, as lowercase hex.
    public static func sha256Hex(_ text: String) -> String {
        let digest = SHA256.hash(data: Array(text.utf8))
        let hex: [Character] = Array("0123456789abcdef")
        var out = ""
        out.reserveCapacity(64)
        for byte in digest {
            out.append(hex[Int(byte >> 4)])
            out.append(hex[Int(byte & 0x0F)])
        }
        return out
    }

    /// Email trimmed and lowercased; `nil` when it is not an address.
    public static func email(_ raw: String?) -> String? {
        guard let raw else { return nil }
        let e = trimmed(raw).lowercased()
        guard let at = e.firstIndex(of: "@"), at != e.startIndex, e.index(after: at) != e.endIndex else { return nil }
        return e
    }

    /// Google's extra rule: periods before the domain are dropped for gmail.com and googlemail.com.
    public static func googleEmail(_ raw: String?) -> String? {
        guard let e = email(raw), let at = e.lastIndex(of: "@") else { return nil }
        let domain = e[e.index(after: at)...]
        guard domain == "gmail.com" || domain == "googlemail.com" else { return e }
        return e[..<at].replacingAll(".", with: "") + "@" + domain
    }

    /// The phone's digits with the country calling code and no leading zeros (Meta's form), or `nil`
    /// when no country code can be known: the number has no `+`/`00` prefix and the customer's
    /// country is not in ``callingCodes``.
    public static func phoneDigits(_ raw: String?, country: String?) -> String? {
        guard let raw else { return nil }
        let t = trimmed(raw)
        var digits = String(t.unicodeScalars.filter { $0.properties.numericType != nil && $0.isASCII })
        if t.hasPrefix("+") {
            // Already international.
        } else if digits.hasPrefix("00") {
            digits.removeFirst(2)
        } else if let country, let code = callingCodes[country.uppercased()] {
            while digits.hasPrefix("0") { digits.removeFirst() }
            if !(code == "1" && digits.count == 11 && digits.hasPrefix("1")) { digits = code + digits }
        } else {
            return nil
        }
        while digits.hasPrefix("0") { digits.removeFirst() }
        return digits.count >= 7 && digits.count <= 15 ? digits : nil
    }

    /// E.164 with `+` (Google's form).
    public static func e164(_ raw: String?, country: String?) -> String? {
        phoneDigits(raw, country: country).map { "+" + $0 }
    }

    /// Names, cities: trimmed and lowercased.
    public static func name(_ raw: String?) -> String? {
        guard let raw else { return nil }
        let n = trimmed(raw).lowercased()
        return n.isEmpty ? nil : n
    }

    /// Zip: trimmed, lowercased, without spaces; US zips cut to 5 digits.
    public static func zip(_ raw: String?, country: String?) -> String? {
        guard let raw else { return nil }
        var z = trimmed(raw).lowercased().replacingAll(" ", with: "")
        if country?.uppercased() == "US", z.count > 5 { z = String(z.prefix(5)) }
        return z.isEmpty ? nil : z
    }

    /// Country calling codes of the countries the store knows how to turn a national number into E.164.
    public static let callingCodes: [String: String] = [
        "US": "1", "CA": "1", "GB": "44", "IE": "353", "FR": "33", "DE": "49", "ES": "34", "IT": "39",
        "PT": "351", "NL": "31", "BE": "32", "LU": "352", "CH": "41", "AT": "43", "DK": "45", "SE": "46",
        "NO": "47", "FI": "358", "PL": "48", "CZ": "420", "GR": "30", "AU": "61", "NZ": "64", "JP": "81",
        "KR": "82", "CN": "86", "IN": "91", "SG": "65", "BR": "55", "MX": "52", "AR": "54", "ZA": "27",
    ]

    static func trimmed(_ s: String) -> String {
        var scalars = Substring(s).unicodeScalars[...]
        while let f = scalars.first, f.properties.isWhitespace { scalars.removeFirst() }
        while let l = scalars.last, l.properties.isWhitespace { scalars.removeLast() }
        return String(String.UnicodeScalarView(scalars))
    }
}

extension StringProtocol {
    func replacingAll(_ target: Character, with replacement: String) -> String {
        var out = ""
        for c in self { if c == target { out += replacement } else { out.append(c) } }
        return out
    }
}
