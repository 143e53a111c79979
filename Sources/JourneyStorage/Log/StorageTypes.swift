import LMDB

// The LMDB types the layer above reads snapshots through, named here so that it imports this
// layer only (SwiftPM keeps the direction: JourneyStore → JourneyStorage → LMDB → CLMDB).
package typealias Environment = LMDB.Environment
package typealias Database = LMDB.Database
package typealias ReadTransaction = LMDB.ReadTransaction
package typealias WriteTransaction = LMDB.WriteTransaction
package typealias ReadableTransaction = LMDB.ReadableTransaction
package typealias LMDBError = LMDB.LMDBError
package typealias CompactCopyReport = LMDB.CompactCopyReport

extension LMDB.Database {
    /// Lends the value stored under `key` as a view (`nil` when absent), valid inside `body` only.
    package func withView<R>(_ key: Key, in txn: some ReadableTransaction, _ body: (ByteView?) throws -> R) throws -> R {
        try withValue(key, in: txn) { bytes in try body(bytes.map(ByteView.init)) }
    }

    /// Calls `body` with every key and value from the first key ≥ `start` (or the first) in key
    /// order, as views, until `body` returns `false`.
    package func forEachView(in txn: some ReadableTransaction, from start: Key? = nil,
                             _ body: (ByteView, ByteView) throws -> Bool) throws {
        try forEach(in: txn, from: start) { key, value in try body(ByteView(key), ByteView(value)) }
    }
}
package typealias PageUsage = LMDB.PageUsage

extension JourneyError {
    /// What an LMDB failure means for a person using the store.
    package init(storage error: LMDB.LMDBError) {
        if error == .corrupted {
            self.init(.corrupted, "the store is damaged (\(error.message)); run `journey verify`", underlying: error)
        } else {
            self.init(.storage, "storage: \(error.message)", underlying: error)
        }
    }
}

/// Runs `body`, turning an LMDB error into a ``JourneyError``: the public API throws only those.
package func translatingStorageErrors<R>(_ body: () throws -> R) throws -> R {
    do {
        return try body()
    } catch let error as LMDB.LMDBError {
        throw JourneyError(storage: error)
    }
}

/// `error` as the public API throws it: an LMDB error as a ``JourneyError``, others as they are.
package func publicError(_ error: any Error) -> any Error {
    (error as? LMDB.LMDBError).map { JourneyError(storage: $0) } ?? error
}
