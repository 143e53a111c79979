import ArgumentParser
import JourneyStore

/// `--as-of T` and `--position N`: the point in time a read command answers as of.
struct PointInTimeOptions: ParsableArguments {
    @Option(help: "The clock: now, YYYY-MM-DD or RFC 3339 (default: the newest event's time). Only events up to it count.")
    var asOf: String?
    @Option(help: "Count only the first N events of the log: what the store knew then (default: all).")
    var position: UInt64?

    /// The parsed `--as-of`.
    func clock() throws -> Timestamp? { try parseAsOf(asOf) }

    /// Runs `body` in a snapshot bounded by `--position`, with the parsed `--as-of`.
    func read<R>(_ store: JourneyStore, _ body: (Snapshot, Timestamp?) throws -> R) throws -> R {
        let t = try clock()
        return try store.read(position: position) { try body($0, t) }
    }
}

/// Parses `--as-of` (or another time `option`): `now`, an RFC 3339 time, or a date `YYYY-MM-DD` (midnight UTC).
func parseAsOf(_ text: String?, option: String = "--as-of") throws -> Timestamp? {
    guard let text else { return nil }
    if text == "now" { return .now }
    if text.utf8.count == 10, let t = try? Timestamp(rfc3339: text + "T00:00:00Z") { return t }
    do { return try Timestamp(rfc3339: text) } catch {
        throw JourneyError(.invalidArgument, "\(option): expected now, YYYY-MM-DD or an RFC 3339 time such as 2026-03-01T10:00:00Z, got \"\(text)\"")
    }
}
