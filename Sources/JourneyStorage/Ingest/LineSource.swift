#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where JSONL comes from: yields lines (without the newline) that stay valid until the next call,
/// and can start again from the first line (a write transaction may run again after the map grows).
/// A line longer than ``Limits/lineBytesMax`` is passed over whole and reported by throwing
/// ``LineTooLong``; the next call yields the line after it.
package protocol LineSource: SendableMetatype {
    /// Bytes in all.
    var byteCount: Int { get }
    /// Where the next line starts, in bytes from the beginning.
    var offset: Int { get }
    /// Goes back (or forward) to a line start returned by ``offset``.
    mutating func seek(to offset: Int) throws
    /// The next line, or `nil` at the end.
    mutating func nextLine() throws -> UnsafeRawBufferPointer?
}

extension LineSource {
    package mutating func rewind() throws { try seek(to: 0) }
}

/// Lines of a seekable file, read in large chunks into one buffer.
package struct FileLineSource: LineSource {
    package static let chunkBytes = 4 << 20
    package let fd: Int32
    package let path: String
    private let buffer: UnsafeMutableRawBufferPointer
    private var start = 0
    private var end = 0
    private var eof = false
    /// File bytes before the buffer's first byte.
    private var bufferOffset = 0
    package let byteCount: Int

    package init(fd: Int32, path: String) {
        self.fd = fd
        self.path = path
        buffer = .allocate(byteCount: Self.chunkBytes + Limits.lineBytesMax, alignment: 16)
        var info = stat()
        byteCount = fstat(fd, &info) == 0 ? Int(info.st_size) : 0
    }

    package func deallocate() { buffer.deallocate() }

    package var offset: Int { bufferOffset + start }

    package mutating func seek(to offset: Int) throws {
        guard lseek(fd, off_t(offset), SEEK_SET) == off_t(offset) else {
            throw JourneyError(.io, "cannot read \(path) again from byte \(offset): \(errnoText())")
        }
        start = 0; end = 0; eof = false; bufferOffset = offset
    }

    package mutating func nextLine() throws -> UnsafeRawBufferPointer? {
        while true {
            if start < end, let nl = memchr(buffer.baseAddress! + start, 10, end - start) {
                let lineEnd = buffer.baseAddress!.distance(to: nl)
                let line = UnsafeRawBufferPointer(rebasing: buffer[start..<lineEnd])
                start = lineEnd + 1
                // A long line can fit the buffer whole (it holds a chunk more than one line).
                guard line.count <= Limits.lineBytesMax else { throw LineTooLong(line) }
                return line
            }
            if eof {
                guard start < end else { return nil }
                let line = UnsafeRawBufferPointer(rebasing: buffer[start..<end])
                start = end
                return line
            }
            guard end - start <= Limits.lineBytesMax else {
                throw try passLongLine()
            }
            // Move the partial line to the front, then fill the rest.
            if start > 0 {
                memmove(buffer.baseAddress!, buffer.baseAddress! + start, end - start)
                end -= start
                bufferOffset += start
                start = 0
            }
            try fill()
        }
    }

    /// Reads into the buffer after `end`.
    private mutating func fill() throws {
        while true {
            let n = read(fd, buffer.baseAddress! + end, buffer.count - end)
            if n < 0 {
                if errno == EINTR { continue }
                throw JourneyError(.io, "cannot read \(path): \(errnoText())")
            }
            if n == 0 { eof = true }
            end += n
            return
        }
    }

    /// Passes over the rest of a line that does not fit, through its newline or the end of the
    /// file, reading on in buffers; returns what to report.
    private mutating func passLongLine() throws -> LineTooLong {
        let tooLong = LineTooLong(UnsafeRawBufferPointer(rebasing: buffer[start..<end]))
        while true {
            if let nl = memchr(buffer.baseAddress! + start, 10, end - start) {
                start = buffer.baseAddress!.distance(to: nl) + 1
                return tooLong
            }
            bufferOffset += end
            start = 0
            end = 0
            if eof { return tooLong }
            try fill()
        }
    }
}

/// A line longer than ``Limits/lineBytesMax``, with its first bytes for a rejection to show.
package struct LineTooLong: Error {
    /// Of a long line, a rejection shows this many bytes and `…`.
    package static let shownBytesMax = 1024
    package let shown: String

    package init(_ line: UnsafeRawBufferPointer) {
        var count = min(line.count, Self.shownBytesMax)
        // Cut before a character the limit would split (a continuation byte is 10xxxxxx).
        if count < line.count { while count > 0, line[count] & 0xC0 == 0x80 { count -= 1 } }
        shown = String(decoding: line.prefix(count), as: UTF8.self) + "…"
    }
}

/// Lines of bytes in memory.
package struct MemoryLineSource: LineSource {
    package let bytes: UnsafeRawBufferPointer
    private var start = 0

    package init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    package var byteCount: Int { bytes.count }
    package var offset: Int { start }
    package mutating func seek(to offset: Int) { start = offset }

    package mutating func nextLine() throws -> UnsafeRawBufferPointer? {
        guard start < bytes.count else { return nil }
        let rest = UnsafeRawBufferPointer(rebasing: bytes[start...])
        let lineEnd = rest.firstIndex(of: 10).map { start + $0 } ?? bytes.count
        let line = UnsafeRawBufferPointer(rebasing: bytes[start..<lineEnd])
        start = lineEnd + 1
        guard line.count <= Limits.lineBytesMax else { throw LineTooLong(line) }
        return line
    }
}
