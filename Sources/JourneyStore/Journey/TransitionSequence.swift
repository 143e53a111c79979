@_spi(Storage) import JourneyStorage

extension Snapshot {
    /// The transitions after `seq`, in seq order, lazily: read a batch at a time from this snapshot.
    public func transitions(after seq: UInt64 = 0) -> TransitionSequence {
        TransitionSequence(snapshot: self, after: seq)
    }
}

/// The lazy sequence of ``Snapshot/transitions(after:)``. Iteration stops at the first error, kept
/// in ``Iterator/error``.
public struct TransitionSequence: Sequence {
    let snapshot: Snapshot
    let after: UInt64

    /// An iterator over the transitions.
    public func makeIterator() -> Iterator { Iterator(snapshot: snapshot, from: after &+ 1) }

    /// Reads transitions a batch at a time; stops at the first error.
    public struct Iterator: IteratorProtocol {
        static let batchSize = 4096
        let snapshot: Snapshot
        var nextSeq: UInt64
        private var batch: [Transition] = []
        private var position = 0
        private var exhausted = false
        private var audienceNames: [UInt32: String]?
        /// The error that ended iteration early, if any.
        public private(set) var error: (any Error)?

        init(snapshot: Snapshot, from seq: UInt64) {
            self.snapshot = snapshot
            nextSeq = seq
            exhausted = seq == 0
        }

        /// The next transition, or `nil` at the end or after an error (see ``error``).
        public mutating func next() -> Transition? {
            if position == batch.count {
                guard !exhausted else { return nil }
                do { try fill() } catch {
                    self.error = publicError(error)
                    exhausted = true
                    return nil
                }
                guard position < batch.count else { return nil }
            }
            position += 1
            return batch[position - 1]
        }

        private mutating func fill() throws {
            let schema = snapshot.schema, txn = snapshot.txn
            if audienceNames == nil {
                audienceNames = Dictionary(uniqueKeysWithValues: try schema.savedAudiences(in: txn).map { ($0.number, $0.name) })
            }
            let names = audienceNames!
            batch.removeAll(keepingCapacity: true)
            position = 0
            var read = 0, expected = nextSeq
            try schema.transitions.forEachView(in: txn, from: nextSeq) { key, value in
                guard let seq = key.bigEndian(as: UInt64.self), key.count == 8, seq == expected else {
                    throw JourneyError(.corrupted, "transitions: seq \(expected) is missing; run `journey verify`")
                }
                let stored = try StoredTransition(decoding: value)
                batch.append(stored.transition(seq: seq, audienceName: stored.audience == 0 ? nil : names[stored.audience] ?? "#\(stored.audience)"))
                expected += 1
                read += 1
                return read < Self.batchSize
            }
            nextSeq = expected
            if read < Self.batchSize { exhausted = true }
        }
    }
}

extension JourneyStore {
    /// Up to `limit` transitions after `seq`, in seq order, from one snapshot.
    public func transitions(after seq: UInt64 = 0, limit: Int = .max) throws -> [Transition] {
        try read { snapshot in
            var out: [Transition] = []
            var iterator = snapshot.transitions(after: seq).makeIterator()
            while out.count < limit, let t = iterator.next() { out.append(t) }
            if let error = iterator.error { throw error }
            return out
        }
    }

    /// The seq of the newest transition (0 before the first).
    public var lastTransitionSeq: UInt64 {
        get throws { try translatingStorageErrors { try env.read { txn in try schema.lastTransitionSeq(in: txn) } } }
    }
}

extension JourneyStore {
    /// Waits until a transition after `seq` exists (another thread or process ticked), without
    /// busy-waiting, or until `seconds` have passed. Returns whether one exists.
    ///
    /// On Linux a commit to the store wakes it (inotify on `data.mdb`); elsewhere it looks again
    /// every minute, or at the deadline when that comes first.
    public func waitForTransitions(after seq: UInt64, seconds: Double) throws -> Bool {
        let watcher = CommitWatcher(directory: path)
        if try lastTransitionSeq > seq { return true }
        let deadline = monotonicSeconds() + seconds
        while true {
            let left = deadline - monotonicSeconds()
            guard left > 0 else { return false }
            watcher.wait(seconds: left)
            if try lastTransitionSeq > seq { return true }
        }
    }
}
