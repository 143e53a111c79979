import JourneyStore

/// Parses `--as-of`: `now`, an RFC 3339 time, or a date `YYYY-MM-DD` (midnight UTC).
func parseAsOf(_ text: String?) throws -> Timestamp? {
    guard let text else { return nil }
    if text == "now" { return .now }
    if text.utf8.count == 10, let t = try? Timestamp(rfc3339: text + "T00:00:00Z") { return t }
    do { return try Timestamp(rfc3339: text) } catch {
        throw JourneyError(.invalidArgument, "--as-of: expected now, YYYY-MM-DD or an RFC 3339 time such as 2026-03-01T10:00:00Z, got \"\(text)\"")
    }
}
