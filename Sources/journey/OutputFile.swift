import JourneyStore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file written line by line through stdio's buffer.
final class OutputFile {
    private let handle: UnsafeMutablePointer<FILE>
    let path: String

    init(path: String) throws {
        guard let h = fopen(path, "w") else {
            throw JourneyError(.io, "cannot write \(path): \(String(cString: strerror(errno)))")
        }
        handle = h
        self.path = path
    }

    func write(_ line: String) throws {
        guard fputs(line + "\n", handle) >= 0 else { throw JourneyError(.io, "cannot write \(path)") }
    }

    func close() throws {
        guard fclose(handle) == 0 else { throw JourneyError(.io, "cannot write \(path)") }
    }
}

/// JSON text for the CLI's own small outputs.
enum JSONLine {
    static func string(_ s: String) -> String { JSONText.quoted(s) }
    static func object(_ pairs: [(String, String)]) -> String {
        "{" + pairs.map { JSONText.quoted($0.0) + ":" + $0.1 }.joined(separator: ",") + "}"
    }
}
