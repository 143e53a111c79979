/// A point in time with millisecond precision, as milliseconds since 1970-01-01T00:00:00Z.
///
/// Parsed from RFC 3339 with an offset (`2026-03-01T10:00:00.250+02:00`) or from epoch milliseconds;
/// printed as RFC 3339 UTC. Digits of a fraction past the millisecond are dropped.
public struct Timestamp: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Milliseconds since 1970-01-01T00:00:00Z.
    public var millisecondsSinceEpoch: Int64

    /// The earliest time the store accepts: 1970-01-01T00:00:00Z.
    public static let min = Timestamp(millisecondsSinceEpoch: 0)
    /// The latest time the store accepts: 9999-12-31T23:59:59.999Z.
    public static let max = Timestamp(millisecondsSinceEpoch: 253_402_300_799_999)

    /// The time `millisecondsSinceEpoch` after the epoch.
    public init(millisecondsSinceEpoch: Int64) { self.millisecondsSinceEpoch = millisecondsSinceEpoch }

    /// Parses RFC 3339 (`T`, `t` or a space between date and time; `Z` or `±HH:MM`).
    /// - Throws: ``JourneyError`` ``JourneyError/Code/invalidArgument`` naming what was expected.
    public init(rfc3339 text: String) throws(JourneyError) {
        var copy = text
        let parsed = copy.withUTF8 { Timestamp.parse(rfc3339: UnsafeRawBufferPointer($0)) }
        guard let parsed else {
            throw JourneyError(.invalidArgument, "expected an RFC 3339 time with offset such as 2026-03-01T10:00:00Z, got \"\(text)\"")
        }
        self = parsed
    }

    /// Earlier first.
    public static func < (a: Timestamp, b: Timestamp) -> Bool { a.millisecondsSinceEpoch < b.millisecondsSinceEpoch }

    /// RFC 3339 in UTC, with milliseconds only when they are not zero: `2026-03-01T10:00:00Z`.
    public var rfc3339: String {
        let ms = millisecondsSinceEpoch
        let days = ms >= 0 ? ms / 86_400_000 : (ms - 86_399_999) / 86_400_000
        let msOfDay = ms - days * 86_400_000
        let (y, m, d) = Timestamp.civil(fromDays: days)
        let withMillis = msOfDay % 1000 != 0
        return String(unsafeUninitializedCapacity: 24) { buffer in
            var i = 0
            func put(_ v: Int64, _ width: Int) {
                var x = v
                for k in stride(from: width - 1, through: 0, by: -1) {
                    buffer[i + k] = UInt8(48 + x % 10)
                    x /= 10
                }
                i += width
            }
            func put(_ c: Character) { buffer[i] = c.asciiValue!; i += 1 }
            put(y, 4); put("-"); put(m, 2); put("-"); put(d, 2); put("T")
            put(msOfDay / 3_600_000, 2); put(":"); put(msOfDay / 60_000 % 60, 2); put(":"); put(msOfDay / 1000 % 60, 2)
            if withMillis { put("."); put(msOfDay % 1000, 3) }
            put("Z")
            return i
        }
    }

    /// ``rfc3339``.
    public var description: String { rfc3339 }

    /// Days from 1970-01-01 to the civil date (proleptic Gregorian; H. Hinnant's algorithm).
    package static func days(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The civil date of a day number counted from 1970-01-01.
    package static func civil(fromDays z0: Int64) -> (Int64, Int64, Int64) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    package static func daysInMonth(year: Int64, month: Int64) -> Int64 {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Whether `text` is a valid calendar date `YYYY-MM-DD`.
    package static func isValidDate(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { isValidDate(UnsafeRawBufferPointer($0)) }
    }

    /// The year, month and day of a valid date `YYYY-MM-DD`, else `nil`.
    package static func dateParts(_ text: String) -> (year: Int64, month: Int64, day: Int64)? {
        var text = text
        return text.withUTF8 { b -> (Int64, Int64, Int64)? in
            let raw = UnsafeRawBufferPointer(b)
            guard isValidDate(raw), let y = digits(raw, 0, 4), let m = digits(raw, 5, 2), let d = digits(raw, 8, 2) else { return nil }
            return (y, m, d)
        }
    }

    /// Whether `bytes` are a valid calendar date `YYYY-MM-DD`.
    package static func isValidDate(_ b: UnsafeRawBufferPointer) -> Bool {
        guard b.count == 10, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-"),
              let y = digits(b, 0, 4), let m = digits(b, 5, 2), let d = digits(b, 8, 2) else { return false }
        return m >= 1 && m <= 12 && d >= 1 && d <= daysInMonth(year: y, month: m)
    }

    /// The day number (from 1970-01-01) of a valid date `YYYY-MM-DD`, else `nil`.
    package static func dayNumber(ofDate b: UnsafeRawBufferPointer) -> Int64? {
        guard isValidDate(b), let y = digits(b, 0, 4), let m = digits(b, 5, 2), let d = digits(b, 8, 2) else { return nil }
        return days(year: y, month: m, day: d)
    }

    @inline(__always)
    package static func digits(_ b: UnsafeRawBufferPointer, _ start: Int, _ count: Int) -> Int64? {
        var v: Int64 = 0
        for i in start..<start + count {
            let c = b[i] &- 48
            guard c < 10 else { return nil }
            v = v * 10 + Int64(c)
        }
        return v
    }

    /// Parses RFC 3339 bytes; `nil` when they are not a valid time with offset in the accepted range.
    package static func parse(rfc3339 b: UnsafeRawBufferPointer) -> Timestamp? {
        guard b.count >= 20, isValidDate(UnsafeRawBufferPointer(rebasing: b[0..<10])) else { return nil }
        let sep = b[10]
        guard sep == UInt8(ascii: "T") || sep == UInt8(ascii: "t") || sep == UInt8(ascii: " "),
              b[13] == UInt8(ascii: ":"), b[16] == UInt8(ascii: ":"),
              let hh = digits(b, 11, 2), let mm = digits(b, 14, 2), let ss = digits(b, 17, 2),
              hh < 24, mm < 60, ss < 60 else { return nil }
        var i = 19
        var millis: Int64 = 0
        if b[i] == UInt8(ascii: ".") {
            i += 1
            var n = 0
            while i < b.count, b[i] &- 48 < 10 {
                if n < 3 { millis = millis * 10 + Int64(b[i] - 48) }
                n += 1
                i += 1
            }
            guard n > 0 else { return nil }
            for _ in n..<Swift.max(n, 3) { millis *= 10 }
        }
        guard i < b.count else { return nil }
        var offsetMinutes: Int64 = 0
        switch b[i] {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            i += 1
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            guard b.count - i == 6, b[i + 3] == UInt8(ascii: ":"),
                  let oh = digits(b, i + 1, 2), let om = digits(b, i + 4, 2), oh < 24, om < 60 else { return nil }
            offsetMinutes = (oh * 60 + om) * (b[i] == UInt8(ascii: "-") ? -1 : 1)
            i += 6
        default:
            return nil
        }
        guard i == b.count, let y = digits(b, 0, 4), let mo = digits(b, 5, 2), let d = digits(b, 8, 2) else { return nil }
        let days = Timestamp.days(year: y, month: mo, day: d)
        let ms = ((days * 24 + hh) * 60 + mm - offsetMinutes) * 60_000 + ss * 1000 + millis
        let t = Timestamp(millisecondsSinceEpoch: ms)
        guard t >= .min, t <= .max else { return nil }
        return t
    }
}
