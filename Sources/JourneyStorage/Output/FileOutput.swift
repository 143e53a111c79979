#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file descriptor that every byte given to it reaches: short writes are continued and
/// interrupted ones (`EINTR`) retried. The one write loop of the product (exports, the CLI's
/// outputs, the ingest's spool of standard input).
package struct FileOutput {
    package let fd: Int32
    /// The file, for messages.
    package let name: String
    private let owned: Bool

    /// Creates (or truncates) the file at `path`, closed by ``close()``.
    package init(creating path: String) throws(JourneyError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw JourneyError(.io, "cannot write \(path): \(errnoText())") }
        self.init(fd: fd, name: path, owned: true)
    }

    /// Writes to an open descriptor (1 for standard output), which ``close()`` leaves open.
    package init(descriptor fd: Int32, name: String) { self.init(fd: fd, name: name, owned: false) }

    private init(fd: Int32, name: String, owned: Bool) {
        self.fd = fd
        self.name = name
        self.owned = owned
    }

    /// Writes all of `bytes`.
    package func write(_ bytes: some ContiguousBytes) throws(JourneyError) {
        let failure: Int32 = bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = systemWrite(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { return n < 0 ? errno : EIO }
                offset += n
            }
            return 0
        }
        if failure != 0 { throw JourneyError(.io, "cannot write \(name): \(errnoText(failure))") }
    }

    /// Closes a file opened by path.
    package func close() throws(JourneyError) {
        if owned, systemClose(fd) != 0 { throw JourneyError(.io, "cannot write \(name): \(errnoText())") }
    }
}

/// `write(2)` of the platform's C library (Glibc or Darwin).
private func systemWrite(_ fd: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int { write(fd, bytes, count) }
private func systemClose(_ fd: Int32) -> Int32 { close(fd) }

/// The text of the current `errno` (or of `code`), as `strerror` gives it: the one errno formatter.
package func errnoText(_ code: Int32 = errno) -> String { String(cString: strerror(code)) }

/// Bytes that can be lent contiguously (arrays, strings' UTF-8 views copied into arrays, views).
package protocol ContiguousBytes {
    func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R
}

extension Array: ContiguousBytes where Element == UInt8 {}
extension ArraySlice: ContiguousBytes where Element == UInt8 {}
extension UnsafeRawBufferPointer: ContiguousBytes {
    package func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R { try body(self) }
}

/// The process's standard streams, for a command-line tool.
public enum StandardStreams {
    /// Writes `text` to standard error at once (errors and progress; a failure to write is ignored:
    /// there is nowhere left to report it).
    public static func writeError(_ text: String) {
        try? FileOutput(descriptor: 2, name: "standard error").write(Array(text.utf8))
    }

    /// Whether standard error is a terminal (progress is shown only then).
    public static var errorIsTerminal: Bool { isatty(2) != 0 }
}
