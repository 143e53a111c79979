#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Output helpers for the CLI.
enum Terminal {
    /// One line on standard error, prefixed with the program's name.
    static func error(_ message: String) {
        let line = Array("journey: \(message)\n".utf8)
        _ = line.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    }

    /// One warning line on standard error.
    static func warning(_ message: String) { error("warning: " + message) }

    /// Text on standard error as it is.
    static func raw(_ text: String) {
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    }

    /// Whether standard error is a terminal (progress is shown only then).
    static var stderrIsTerminal: Bool { isatty(2) != 0 }
}
