import JourneyStorage
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where an export writes its lines: a file, a socket, memory — anything that takes text lines.
public protocol LineSink: AnyObject {
    /// Writes one line; the sink adds the line break.
    func write(line: String) throws
}

/// Lines kept in memory (tests, small audiences).
public final class MemoryLineSink: LineSink {
    public private(set) var lines: [String] = []
    public init() {}
    /// Keeps the line.
    public func write(line: String) throws { lines.append(line) }
}

/// Lines written to a file descriptor through a 64 KiB buffer; ``close()`` flushes.
public final class FileLineSink: LineSink {
    private let fd: Int32
    private let owned: Bool
    private var buffer: [UInt8] = []
    /// The file, for messages.
    public let path: String

    /// Creates (or truncates) the file at `path`.
    public init(path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw JourneyError(.io, "cannot write \(path): \(String(cString: strerror(errno)))") }
        self.fd = fd
        self.owned = true
        self.path = path
        buffer.reserveCapacity(1 << 16)
    }

    /// Writes to an open descriptor such as 1 (standard output), which it does not close.
    public init(fileDescriptor: Int32, name: String) {
        fd = fileDescriptor
        owned = false
        path = name
    }

    /// Buffers the line; writes when 64 KiB are waiting.
    public func write(line: String) throws {
        buffer.append(contentsOf: line.utf8)
        buffer.append(10)
        if buffer.count >= 1 << 16 { try flush() }
    }

    /// Writes what is buffered.
    public func flush() throws {
        try buffer.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { throw JourneyError(.io, "cannot write \(path): \(String(cString: strerror(errno)))") }
                offset += n
            }
        }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Flushes and, for a file opened by path, closes it.
    public func close() throws {
        try flush()
        if owned, Glibc.close(fd) != 0 { throw JourneyError(.io, "cannot write \(path): \(String(cString: strerror(errno)))") }
    }
}
