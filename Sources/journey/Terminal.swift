import JourneyStore

/// Output helpers for the CLI: standard error, unbuffered.
enum Terminal {
    /// One line on standard error, prefixed with the program's name.
    static func error(_ message: String) { raw("journey: \(message)\n") }

    /// One warning line on standard error.
    static func warning(_ message: String) { error("warning: " + message) }

    /// Text on standard error as it is.
    static func raw(_ text: String) { StandardStreams.writeError(text) }

    /// Whether standard error is a terminal (progress is shown only then).
    static var stderrIsTerminal: Bool { StandardStreams.errorIsTerminal }
}
