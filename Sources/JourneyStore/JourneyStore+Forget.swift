@_spi(Storage) import JourneyStorage

extension JourneyStore {
    /// Erases the personal data of `customers`: the GDPR erasure path ("right to be forgotten").
    ///
    /// ```swift
    /// let report = try store.forget(["c42"])   // report.recordsRewritten: the records that held personal data
    /// ```
    /// In one write transaction, every record of theirs in the log loses its contact fields (email,
    /// phone) and attributes (names, gender, birthday, address, interests, consent) in place — the
    /// log keeps its sequence numbers and event ids — and their facts are folded again from it, so
    /// `verify` and `rebuild` agree afterwards. What they did (views, carts, orders, opens, offers,
    /// unsubscribes) stays, under the same customer id. A tombstone as of the later of `asOf` and
    /// their newest event makes any event of theirs appended later with a time not after it lose
    /// its personal fields too: re-ingesting an old file (or a copy with new event ids) cannot bring
    /// the data back; a later signup is kept.
    ///
    /// Not erased: the customer id itself (use pseudonymous ids), and copies outside the store —
    /// the JSONL files, backups, and the pages LMDB freed, which stay in `data.mdb` until reused
    /// (`journey compact` writes a copy without them).
    ///
    /// Their journey so far stays as it was recorded (transitions hold ids and states, no personal
    /// data): the log can no longer derive it (an audience of `city = "Paris"` depended on the
    /// erased city), so `rebuild` and `verify` keep and check it as history (the *Journey* article).
    /// The next tick checks them again: they leave the audiences that read their erased fields.
    /// - Returns: the customers erased, the records rewritten, and the ids the store does not know.
    /// - Throws: ``JourneyError`` `.readOnly` for a store opened read-only; what writing throws.
    @discardableResult
    public func forget(_ customers: [String], asOf: Timestamp = .now) throws -> ForgetReport {
        try translatingStorageErrors {
            try log.forget(customers, now: asOf.millisecondsSinceEpoch) { txn, numbers in
                try ErasedJourneys.record(numbers, schema: schema, in: txn)
            }
        }
    }
}
