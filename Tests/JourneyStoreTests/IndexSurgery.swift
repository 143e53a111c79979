@testable import JourneyStore
@_spi(Storage) import JourneyStorage
import LMDB

/// Direct edits of the event indexes, for tests that build or damage a store's layout by hand
/// (the library itself only appends, rolls back and rebuilds).
extension StoreSchema {
    /// Inserts `entries`, whatever their sequences, into `event_ids`: each bucket they touch is
    /// rewritten as one run. (Appends go through ``IDRuns/add(_:_:cursor:spare:)``.)
    func insertIDEntries(_ entries: [IDEntry], in txn: WriteTransaction) throws {
        var byBucket = [[UInt64]](repeating: [], count: 256)
        for e in entries { byBucket[Int(e.bucket)].append(e.value) }
        try eventIDs.withCursor(in: txn) { cursor in
            for (b, new) in byBucket.enumerated() where !new.isEmpty {
                var values = new
                while let (_, value) = try IDRuns.lastRun(of: UInt8(b), cursor: cursor) {
                    values += try IDRuns.entries(value)
                    try cursor.deleteCurrent()
                }
                values.sort()
                try IDRuns.putRun(UInt8(b), values, cursor: cursor)
            }
        }
    }

    /// Removes one entry from `event_ids`, rewriting its run. `false` if absent.
    @discardableResult
    func removeIDEntry(_ entry: IDEntry, in txn: WriteTransaction) throws -> Bool {
        try eventIDs.withCursor(in: txn) { cursor in
            var run = try cursor.seek(atLeast: IDRuns.Key(entry.bucket, 0))
            while let (keyBytes, value) = run, IDRuns.Key.prefix(of: keyBytes) == entry.bucket {
                let key = try IDRuns.Key(bytes: keyBytes)
                var values = try IDRuns.entries(value)
                if let k = values.firstIndex(of: entry.value) {
                    values.remove(at: k)
                    try cursor.deleteCurrent()
                    if !values.isEmpty {
                        try IDRuns.putRun(key.bucket, values, cursor: cursor)
                    }
                    return true
                }
                run = try cursor.next()
            }
            return false
        }
    }

    /// Replaces every run of `customer` by runs of `sequences` (ascending).
    func setSequences(of customer: UInt32, to sequences: [UInt64], in txn: WriteTransaction) throws {
        try removeSequences(of: customer, from: 0, in: txn)
        try customerEvents.withCursor(in: txn) { cursor in
            var writer = try CustomerRuns.Writer(cursor)
            try writer.append(customer, sequences)
        }
    }
}
