/// Where a record lies in memory (a fold's copy of it, or the map).
@_spi(Storage) public struct RecordPlace {
    /// The record's first byte.
    public var start: UnsafeRawPointer
    /// The record's length in bytes.
    public var length: UInt32

    /// The record of `length` bytes at `start`.
    @inlinable
    public init(start: UnsafeRawPointer, length: UInt32) {
        self.start = start
        self.length = length
    }

    /// The record, already checked (the pipeline checks records when it reads them from the log).
    @inlinable
    public var record: EventRecord { EventRecord(checked: UnsafeRawBufferPointer(start: start, count: Int(length))) }
}

/// One customer's records as a projection folds them: checked records (see ``EventRecord/init(_:)``),
/// in (time, event id) order. Lent for one call of ``CustomerFolder/fold(stored:records:into:)``.
@_spi(Storage) public struct RecordRun: RandomAccessCollection {
    @usableFromInline let places: UnsafeBufferPointer<RecordPlace>

    /// The records at `places`, in the order given (which must be fold order for a fold).
    @inlinable
    public init(_ places: UnsafeBufferPointer<RecordPlace>) { self.places = places }

    /// 0.
    @inlinable public var startIndex: Int { 0 }
    /// The number of records.
    @inlinable public var endIndex: Int { places.count }
    /// Record `k`.
    @inlinable public subscript(k: Int) -> EventRecord { places[k].record }

    /// Whether each record's time is after the previous one's (then no two need their ids to order
    /// them, and the run is in fold order as it stands).
    public var isStrictlyAscending: Bool {
        var previous = Int64.min
        for p in places {
            let t = p.record.time
            guard t > previous else { return false }
            previous = t
        }
        return true
    }

    /// Sorts `places` into fold order: by time, then by event id bytes.
    public static func sortIntoFoldOrder(_ places: UnsafeMutableBufferPointer<RecordPlace>) throws(JourneyError) {
        // Times read once (not per comparison); ids compared only on equal times.
        var keys: [(time: Int64, id: UnsafeRawBufferPointer, place: RecordPlace)] = []
        keys.reserveCapacity(places.count)
        for p in places { keys.append((p.record.time, try p.record.idAndPayload().0, p)) }
        keys.sort { a, b in a.time != b.time ? a.time < b.time : a.id.lexicographicallyPrecedes(b.id) }
        for (k, key) in keys.enumerated() { places[k] = key.place }
    }
}
