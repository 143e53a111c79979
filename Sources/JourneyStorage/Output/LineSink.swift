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
    /// The lines written, in order, without line breaks.
    public private(set) var lines: [String] = []
    /// An empty sink.
    public init() {}
    /// Keeps the line.
    public func write(line: String) throws { lines.append(line) }
}

/// Lines written to a file descriptor through a 64 KiB buffer; ``close()`` flushes.
public final class FileLineSink: LineSink {
    private let output: FileOutput
    private var buffer: [UInt8] = []
    /// The file, for messages.
    public var path: String { output.name }

    /// Creates (or truncates) the file at `path`.
    public init(path: String) throws {
        output = try FileOutput(creating: path)
        buffer.reserveCapacity(1 << 16)
    }

    /// Writes to an open descriptor such as 1 (standard output), which it does not close.
    public init(fileDescriptor: Int32, name: String) {
        output = FileOutput(descriptor: fileDescriptor, name: name)
    }

    /// Buffers the line; writes when 64 KiB are waiting.
    public func write(line: String) throws {
        buffer.append(contentsOf: line.utf8)
        buffer.append(10)
        if buffer.count >= 1 << 16 { try flush() }
    }

    /// Buffers `text` as it is (no line break added).
    public func write(text: String) throws {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= 1 << 16 { try flush() }
    }

    /// Writes what is buffered.
    public func flush() throws {
        try output.write(buffer)
        buffer.removeAll(keepingCapacity: true)
    }

    /// Flushes and, for a file opened by path, closes it.
    public func close() throws {
        try flush()
        try output.close()
    }
}
