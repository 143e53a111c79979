/// One customer's purchases as BG/NBD and Gamma-Gamma see them, as of an end time (DESIGN.md §1
/// "Predicted value"): purchases on one UTC day are one purchase occasion, as in the paper and in
/// lifetimes' `summary_data_from_transaction_data(freq="D")`.
///
/// - `x`: purchase days after the first (repeat occasions);
/// - `recencyDays` (t_x): days from the first purchase day to the last;
/// - `ageDays` (T): days from the first purchase day to the end's day;
/// - `repeatValueSum`: the repeat days' purchase totals, in minor units (the first day's left out,
///   refunds ignored), so the mean spend per repeat occasion is `repeatValueSum / x`.
///
/// Days are whole UTC days; the models take weeks (days / 7), as the paper does.
struct CustomerSummary: Hashable {
    var x: Int
    var recencyDays: Int
    var ageDays: Int
    var repeatValueSum: Int128

    static let millisecondsPerDay: Int64 = 86_400_000

    /// The UTC day number of `time` (epoch ms, ≥ 0).
    @inline(__always)
    static func day(_ time: Int64) -> Int { Int(time / millisecondsPerDay) }

    var recencyWeeks: Double { Double(recencyDays) / 7 }
    var ageWeeks: Double { Double(ageDays) / 7 }

    /// Mean value of the repeat purchase days in minor units, `nil` without repeat days.
    var meanRepeatValue: Double? {
        guard x > 0 else { return nil }
        // Int64 first: the generic Int128 conversion is slow, and every scored profile takes it.
        return (Int64(exactly: repeatValueSum).map { Double($0) } ?? Double(repeatValueSum)) / Double(x)
    }

    /// The summary of the purchases at `times` (ascending) with `amounts` (minor units, the same
    /// count) that happened at or before `end`; `nil` when none did.
    /// - Complexity: O(n) for the n purchases up to `end`.
    init?(times: some RandomAccessCollection<Int64>, amounts: some RandomAccessCollection<Int64>, end: Int64) {
        guard let firstTime = times.first, firstTime <= end else { return nil }
        let firstDay = Self.day(firstTime)
        var day = firstDay, x = 0
        var repeatSum: Int128 = 0
        var amount = amounts.startIndex
        for time in times {
            guard time <= end else { break }
            let d = Self.day(time)
            if d != day { x += 1; day = d }
            if d != firstDay { repeatSum += Int128(amounts[amount]) }
            amount = amounts.index(after: amount)
        }
        self.init(x: x, recencyDays: day - firstDay, ageDays: Self.day(end) - firstDay, repeatValueSum: repeatSum)
    }

    init(x: Int, recencyDays: Int, ageDays: Int, repeatValueSum: Int128 = 0) {
        self.x = x
        self.recencyDays = recencyDays
        self.ageDays = ageDays
        self.repeatValueSum = repeatValueSum
    }

    /// The purchase days among `times` (ascending) in (`end`, `holdoutEnd`] other than the last day
    /// before `end` (a purchase later that day continues its occasion): the holdout's repeat
    /// purchases.
    static func holdoutDays(times: some Collection<Int64>, end: Int64, holdoutEnd: Int64) -> Int {
        var lastDay = -1, count = 0
        for time in times where time <= holdoutEnd {
            let d = day(time)
            if time > end, d != lastDay { count += 1 }
            lastDay = d
        }
        return count
    }
}
