import JourneyStore

/// JSON text for the CLI's own small outputs.
enum JSONLine {
    static func string(_ s: String) -> String { JSONText.quoted(s) }
    static func object(_ pairs: [(String, String)]) -> String {
        "{" + pairs.map { JSONText.quoted($0.0) + ":" + $0.1 }.joined(separator: ",") + "}"
    }
}
