import JourneyStore

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
    private let sink = FileLineSink(fileDescriptor: 1, name: "standard output")
    func write(_ line: String) throws { try sink.write(line: line) }
    func flush() throws { try sink.flush() }
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
