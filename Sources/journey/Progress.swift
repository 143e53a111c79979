import JourneyStore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Progress of long work on stderr, only when stderr is a terminal.
final class Progress: Sendable {
    let label: String
    let unit: String
    private let enabled = Terminal.stderrIsTerminal

    init(label: String, unit: String) {
        self.label = label
        self.unit = unit
    }

    var callback: (@Sendable (Int) -> Void)? {
        guard enabled else { return nil }
        return { [label, unit] count in Terminal.raw("\r\(label): \(count) \(unit)…") }
    }

    func done() { if enabled { Terminal.raw("\r\u{1B}[K") } }
}

/// Standard output through one large buffer.
final class StandardOutput {
    private var buffer: [UInt8] = []
    init() { buffer.reserveCapacity(1 << 16) }
    func write(_ line: String) {
        buffer.append(contentsOf: line.utf8)
        buffer.append(10)
        if buffer.count >= 1 << 16 { flush() }
    }
    func flush() {
        buffer.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = Glibc.write(1, raw.baseAddress! + offset, raw.count - offset)
                if n <= 0 { break }
                offset += n
            }
        }
        buffer.removeAll(keepingCapacity: true)
    }
}

/// A sink that shows how many lines went through it.
final class CountingSink: LineSink {
    private let inner: LineSink
    private let progress: Progress
    private var count = 0

    init(_ inner: LineSink, progress: Progress) {
        self.inner = inner
        self.progress = progress
    }

    func write(line: String) throws {
        try inner.write(line: line)
        count += 1
        if count & 0xFFFF == 0 { progress.callback?(count) }
    }
}
