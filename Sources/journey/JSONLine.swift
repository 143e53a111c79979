import JourneyStorage

/// JSON text for the CLI's own small outputs, through the library's one JSON writer.
enum JSONLine {
    static func string(_ s: String) -> String { JSONText.quoted(s) }
    static func object(_ pairs: [(String, String)]) -> String { JSONObjectWriter.object(pairs) }
}
