@_spi(Storage) import JourneyStorage

/// A consumer's write access to the store, inside the transaction that also moves its checkpoint
/// (``JourneyStore/consume(as:limit:_:)``): what it writes here commits exactly when the checkpoint
/// does. Its keys live in a namespace of its own.
public struct ConsumerTransaction: ~Copyable {
    let txn: WriteTransaction
    let schema: StoreSchema
    let consumer: String

    private func key(_ key: [UInt8]) -> [UInt8] { Array(consumer.utf8) + [0] + key }

    /// The consumer's value at `key`, or `nil`.
    public func value(forKey key: [UInt8]) throws -> [UInt8]? {
        try translatingStorageErrors { try schema.consumerData.get(self.key(key), in: txn) }
    }

    /// Sets (or, with `nil`, removes) the consumer's value at `key` (≤ 256 bytes of key).
    public func setValue(_ value: [UInt8]?, forKey key: [UInt8]) throws {
        guard key.count <= Self.keyBytesMax else {
            throw JourneyError(.invalidArgument, "a consumer's key holds at most \(Self.keyBytesMax) bytes, not \(key.count)")
        }
        try translatingStorageErrors {
            if let value { _ = try schema.consumerData.put(self.key(key), value, in: txn) } else { _ = try schema.consumerData.delete(self.key(key), in: txn) }
        }
    }

    /// The longest key a consumer may use.
    public static let keyBytesMax = 256
}

extension JourneyStore {
    /// The seq consumer `name` last acknowledged (0 when it has acknowledged nothing).
    public func checkpoint(of name: String) throws -> UInt64 {
        try SavedAudience.checkName(name, what: "consumer")
        return try translatingStorageErrors { try env.read { txn in try schema.consumers.get(name, in: txn) ?? 0 } }
    }

    /// Every consumer with its checkpoint, by name.
    public func consumers() throws -> [(name: String, checkpoint: UInt64)] {
        try translatingStorageErrors {
            try env.read { txn in
                var all: [(name: String, checkpoint: UInt64)] = []
                try schema.consumers.forEach(in: txn) { key, value in
                    all.append((try String(lmdbBytes: key), try UInt64(lmdbBytes: value)))
                    return true
                }
                return all
            }
        }
    }

    /// Moves consumer `name`'s checkpoint to `seq` (at most the newest transition's seq): the
    /// at-least-once way, after the consumer has handled everything up to `seq` elsewhere.
    public func acknowledge(_ name: String, through seq: UInt64) throws {
        try SavedAudience.checkName(name, what: "consumer")
        try translatingStorageErrors {
            try log.withWriter { _ in
                try env.write { txn in
                    let last = try schema.lastTransitionSeq(in: txn)
                    guard seq <= last else {
                        throw JourneyError(.invalidArgument, "consumer \(name): cannot acknowledge seq \(seq), the newest transition is \(last)")
                    }
                    _ = try schema.consumers.put(name, seq, in: txn)
                }
            }
        }
    }

    /// Hands consumer `name` the transitions after its checkpoint (at most `limit`) and commits
    /// what `body` writes through the ``ConsumerTransaction`` together with the checkpoint moved past
    /// them, in one write transaction: an embedded consumer that keeps its effects there gets each
    /// transition exactly once (a crash before the commit leaves both as they were, and the same
    /// batch comes again). `body` is not called when there is nothing new; it runs while the store's
    /// writer lock is held, so keep it short.
    /// - Returns: the number of transitions handed over.
    @discardableResult
    public func consume(as name: String, limit: Int = 1000, _ body: ([Transition], borrowing ConsumerTransaction) throws -> Void) throws -> Int {
        try SavedAudience.checkName(name, what: "consumer")
        return try translatingStorageErrors {
            try log.withWriter { _ in
                try env.write { txn in
                    let after = try schema.consumers.get(name, in: txn) ?? 0
                    let snapshot = try Snapshot(store: self, txn: txn.reading, writing: true)
                    var batch: [Transition] = []
                    var iterator = snapshot.transitions(after: after).makeIterator()
                    while batch.count < limit, let t = iterator.next() { batch.append(t) }
                    if let error = iterator.error { throw error }
                    guard let last = batch.last else { return 0 }
                    try body(batch, ConsumerTransaction(txn: txn, schema: schema, consumer: name))
                    _ = try schema.consumers.put(name, last.seq, in: txn)
                    return batch.count
                }
            }
        }
    }
}
