import Dispatch
import LMDB
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Lines scanned and validated by a reading thread (or Swift events loaded and validated by a
/// loading thread), for the writer to append.
package final class ScannedGroup: @unchecked Sendable {
    // @unchecked: the ring hands a group to one thread at a time (its semaphores order the accesses).
    static let size = 512

    enum Entry {
        case event(draft: Int)
        case invalid(line: Int, reason: String, input: String)
        case failed(JourneyError)
    }

    package var drafts: [EventDraft]
    var entries: [Entry] = []
    /// Set on the last group: the line number reached and whether the source is exhausted.
    var end: (lineNumber: Int, finished: Bool)?

    /// A group of `size` drafts, each with room for `scratchBytes` of strings to begin with.
    init(size: Int = ScannedGroup.size, scratchBytes: Int = EventDraft.scratchBytesInitial) {
        drafts = (0..<size).map { _ in EventDraft(scratchBytes: scratchBytes) }
        entries.reserveCapacity(size)
    }
}

/// A ring of ``ScannedGroup``s between the reading thread and the writer.
final class ScanRing: @unchecked Sendable {
    // @unchecked: `stopped` is atomic; each group is touched by one side at a time; `unsignalled`
    // only by the writer.
    private let groups: [ScannedGroup]
    private let free: DispatchSemaphore
    private let ready: DispatchSemaphore
    private let stopped = Atomic<Bool>(false)
    private let currency: Currency

    convenience init(groups count: Int, currency: Currency) {
        self.init(groups: (0..<count).map { _ in ScannedGroup() }, currency: currency)
    }

    /// A ring over `groups` (kept by the caller to be used again: their drafts' buffers are warm).
    init(groups: [ScannedGroup], currency: Currency) {
        self.groups = groups
        free = .raised(to: groups.count)  // may end below the count when the reader stops early
        ready = DispatchSemaphore(value: 0)
        self.currency = currency
    }

    /// The writer's next group (the k-th since the start), once the reader has filled it.
    func filled(_ k: Int) -> ScannedGroup {
        ready.wait()
        return groups[k % groups.count]
    }

    /// The writer is done with the group it was last given. Groups go back to the reader
    /// ``releasedTogether`` at a time: a reader waiting on a full ring was woken (a system call on
    /// each side) once per group, ~4 % of the writer's time.
    func release() {
        unsignalled += 1
        if unsignalled == Self.releasedTogether {
            for _ in 0..<unsignalled { free.signal() }
            unsignalled = 0
        }
    }

    /// Groups handed back to the reader at once; fewer than the ring holds, so the reader always
    /// has a group to fill while the writer appends.
    static let releasedTogether = 4
    /// Written by the writer only.
    private var unsignalled = 0

    /// The writer stops early: the reader stops at its next group.
    func stop() {
        stopped.store(true, ordering: .relaxed)
        for _ in groups { free.signal() }
    }

    /// The loading thread of a Swift API append: loads and validates `events` from position
    /// `first` into groups, until their end or the first invalid one (an entry `.invalid` with the
    /// event's position as its line and its id as its input).
    func load(_ events: UnsafeBufferPointer<Event>, from first: Int) {
        var position = first
        fillGroups { drafts, entries in
            for count in 0..<drafts.count {
                guard position < events.count else { return (position, true) }
                do throws(FieldError) {
                    try EventDraft.loadValidated(events.baseAddress! + position, into: drafts.baseAddress! + count, currency: currency)
                } catch {
                    entries.append(.invalid(line: position, reason: error.message, input: events[position].id))
                    return (position, false)
                }
                entries.append(.event(draft: count))
                position += 1
            }
            return nil
        }
    }

    /// The reading thread: fills groups from `source` until its end or past byte `until`.
    func read<Source: LineSource>(_ source: UnsafeMutablePointer<Source>, firstLine: Int, until: Int,
                                  progress: (@Sendable (Int) -> Void)?) {
        var scanner = JSONEventScanner(exponent: currency.exponent)
        var lineNumber = firstLine
        fillGroups { drafts, entries in
            var count = 0
            do {
                while count < drafts.count {
                    guard source.pointee.offset < until else {
                        return (lineNumber, source.pointee.offset >= source.pointee.byteCount)
                    }
                    let next: UnsafeRawBufferPointer?
                    do {
                        next = try source.pointee.nextLine()
                    } catch let tooLong as LineTooLong {
                        // An invalid line like any other: the writer refuses the file for it, or
                        // records it when skipping invalid lines.
                        lineNumber += 1
                        entries.append(.invalid(line: lineNumber, reason: "longer than \(Limits.lineBytesMax) bytes", input: tooLong.shown))
                        continue
                    }
                    guard let line = next else { return (lineNumber, true) }
                    lineNumber += 1
                    if lineNumber & 0xFFFF == 0 { progress?(lineNumber) }
                    if line.allSatisfy({ $0 == Byte.space || $0 == Byte.tab || $0 == Byte.cr }) { continue }
                    do throws(FieldError) {
                        try scanner.scan(line, into: &drafts[count])
                        try drafts[count].validate(currency: currency)
                        entries.append(.event(draft: count))
                        count += 1
                    } catch {
                        entries.append(.invalid(line: lineNumber, reason: error.message, input: String(decoding: line, as: UTF8.self)))
                    }
                }
            } catch let error as JourneyError {
                entries.append(.failed(error))
                return (lineNumber, false)
            } catch {
                entries.append(.failed(JourneyError(.io, "\(error)")))
                return (lineNumber, false)
            }
            return nil
        }
    }

    /// The producing thread's loop: hands each free group's drafts and (emptied) entries to
    /// `fill`, then the group to the writer, until `fill` returns the end (the line number reached,
    /// whether the source is exhausted) or the writer stops.
    private func fillGroups(_ fill: (UnsafeMutableBufferPointer<EventDraft>, inout [ScannedGroup.Entry]) -> (lineNumber: Int, finished: Bool)?) {
        var k = 0
        while true {
            free.wait()
            if stopped.load(ordering: .relaxed) { return }
            let group = groups[k % groups.count]
            // The group's lists are worked on as locals and its drafts through one pointer: each
            // access to a class's stored array is checked for exclusivity at run time (~5 % of this
            // thread when done three times a line).
            var entries: [ScannedGroup.Entry] = []
            swap(&entries, &group.entries)
            entries.removeAll(keepingCapacity: true)
            let end = group.drafts.withUnsafeMutableBufferPointer { fill($0, &entries) }
            swap(&entries, &group.entries)
            group.end = end
            ready.signal()
            if end != nil { return }  // the group is the writer's now
            k += 1
        }
    }
}

extension LogWriter {
    /// Appends the events of the groups `ring` fills, in order, up to its last group, and returns
    /// what that group says (the line number reached, whether the source is exhausted). Without a
    /// batch, nothing is appended (a validating pass). `refused` gets each invalid entry (its line,
    /// the reason, the input) and may throw to stop.
    mutating func appendGroups(of ring: ScanRing, to batch: UnsafeMutablePointer<Batch>?,
                               refused: (Int, String, String) throws -> Void) throws -> (lineNumber: Int, finished: Bool) {
        var k = 0
        while true {
            let group = ring.filled(k)
            // Read once: each access to the group's (a class's) arrays is checked at run time.
            let drafts = group.drafts, entries = group.entries
            if let batch {
                drafts.withUnsafeBufferPointer { drafts in
                    for case .event(let draft) in entries {
                        touch(idHash: drafts[draft].idHash, customerHash: drafts[draft].customerHash, batch: batch.pointee)
                    }
                }
            }
            for entry in entries {
                switch entry {
                case .event(let draft):
                    guard let batch else { continue }
                    _ = try drafts.withUnsafeBufferPointer { try appendDraft($0.baseAddress! + draft, &batch.pointee) }
                case .invalid(let line, let reason, let input):
                    try refused(line, reason, input)
                case .failed(let error):
                    throw error
                }
            }
            if let end = group.end { return end }
            ring.release()
            k += 1
        }
    }
}
