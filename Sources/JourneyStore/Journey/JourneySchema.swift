@_spi(Storage) import JourneyStorage

/// The journey's databases (DESIGN §1 "Journey transitions"), beside the log and the projections.
///
/// | name | key | value |
/// |---|---|---|
/// | `ticks` | tick number, UInt64 big-endian from 1 | ``TickRecord`` |
/// | `transitions` | seq, UInt64 big-endian from 1, no gaps | ``StoredTransition`` |
/// | `emitted` | customer number, UInt32 big-endian | ``JourneyState`` |
/// | `audiences` | audience number, UInt32 big-endian from 1 | ``SavedAudience`` |
/// | `consumers` | consumer name | checkpoint: the last seq acknowledged, UInt64 big-endian |
/// | `consumer_data` | consumer name, 0, the consumer's key | the consumer's value |
/// | `pending` | customer number, UInt32 big-endian | empty: an event of theirs is later than the clock |
/// | `erased` | customer number, UInt32 big-endian | the last tick before `forget` erased them, and their state then (``ErasedJourneys``) |
///
/// Transitions, emitted states and pending customers are derived from the log and the ticks:
/// `rebuild` writes them again and `verify` compares them with a replay. Ticks, saved audiences,
/// consumers and erasures are the operator's history and are kept.
enum JourneySchema {
    static let databases = ["ticks", "transitions", "emitted", "audiences", "consumers", "consumer_data", "pending", "erased"]
}

extension StoreSchema {
    var ticks: Database<UInt64, [UInt8]> { projectionDatabase("ticks") }
    var transitions: Database<UInt64, [UInt8]> { projectionDatabase("transitions") }
    var emitted: Database<UInt32, [UInt8]> { projectionDatabase("emitted") }
    var audiences: Database<UInt32, [UInt8]> { projectionDatabase("audiences") }
    var consumers: Database<String, UInt64> { projectionDatabase("consumers") }
    var consumerData: Database<[UInt8], [UInt8]> { projectionDatabase("consumer_data") }
    var pending: Database<UInt32, [UInt8]> { projectionDatabase("pending") }
    var erased: Database<UInt32, [UInt8]> { projectionDatabase("erased") }

    /// The last tick, or `nil` before the first.
    func lastTick(in txn: some ReadableTransaction) throws -> (number: UInt64, tick: TickRecord)? {
        try ticks.withCursor(in: txn) { cursor in
            guard let (key, value) = try cursor.last() else { return nil }
            return (try UInt64(lmdbBytes: key), try TickRecord(decoding: ByteView(value)))
        }
    }

    /// The seq of the last transition (0 before the first).
    func lastTransitionSeq(in txn: some ReadableTransaction) throws -> UInt64 {
        try transitions.withCursor(in: txn) { cursor in
            guard let (key, _) = try cursor.last() else { return 0 }
            return try UInt64(lmdbBytes: key)
        }
    }
}
