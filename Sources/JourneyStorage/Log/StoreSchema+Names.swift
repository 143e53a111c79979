import LMDB

extension StoreSchema {
    /// Calls `body` with every name of `kind` (its bytes, valid during the call) and its number, in
    /// the names' byte order: one walk of `names`.
    package func forEachName(of kind: NameKind, in txn: some ReadableTransaction,
                             _ body: (UnsafeRawBufferPointer, UInt32) throws -> Void) throws {
        try names.withCursor(in: txn) { cursor in
            var entry = try cursor.seek(atLeast: [kind.rawValue])
            while let (key, value) = entry, key.first == kind.rawValue {
                try body(UnsafeRawBufferPointer(rebasing: key.dropFirst()), try UInt32(lmdbBytes: value))
                entry = try cursor.next()
            }
        }
    }
}
