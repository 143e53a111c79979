@_spi(Storage) import JourneyStorage

/// A birthday `YYYY-MM-DD` as of a clock T, counted in calendar days in UTC: the day of T is the UTC
/// date of T. A birthday on 29 February is celebrated on 28 February in years without one (so that
/// is the day `days_to_birthday` is 0 and the age goes up).
struct Birthday {
    let year: Int64
    let month: Int64
    let day: Int64

    /// The birthday `text` gives, or `nil` when it is not a valid date.
    init?(_ text: String) {
        guard let (y, m, d) = Timestamp.dateParts(text) else { return nil }
        (year, month, day) = (y, m, d)
    }

    /// The UTC day number of `t` (days since 1970-01-01).
    static func dayNumber(_ t: Int64) -> Int64 { t >= 0 ? t / 86_400_000 : (t - 86_399_999) / 86_400_000 }

    /// The day number of the birthday's celebration in `year`.
    func celebration(in year: Int64) -> Int64 {
        let d = month == 2 && day == 29 && Timestamp.daysInMonth(year: year, month: 2) == 28 ? 28 : day
        return Timestamp.days(year: year, month: month, day: d)
    }

    /// Whether the customer was born by day `today`.
    func isBorn(by today: Int64) -> Bool { Timestamp.days(year: year, month: month, day: day) <= today }

    /// Whole years as of `t`; `nil` before the birth.
    func age(asOf t: Int64) -> Int? {
        let today = Self.dayNumber(t)
        guard isBorn(by: today) else { return nil }
        let (y, _, _) = Timestamp.civil(fromDays: today)
        return Int(y - year - (today < celebration(in: y) ? 1 : 0))
    }

    /// Days from the day of `t` to the next celebration: 0 on the day, at most 365; `nil` before the birth.
    func daysToNext(asOf t: Int64) -> Int? {
        let today = Self.dayNumber(t)
        guard isBorn(by: today) else { return nil }
        let (y, _, _) = Timestamp.civil(fromDays: today)
        let this = celebration(in: y)
        return Int(this >= today ? this - today : celebration(in: y + 1) - today)
    }
}
