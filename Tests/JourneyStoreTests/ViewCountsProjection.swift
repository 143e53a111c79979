@_spi(Storage) import JourneyStorage

/// Each customer's number of product views, in `view_counts`, with the viewers in `by_views`
/// (fewest views first): the worked example of "Adding a projection".
struct ViewCountsProjection: CustomerProjection {
    var valueDatabase: String { "view_counts" }
    var indexes: [SecondaryIndex] { [SecondaryIndex(name: "by_views", prefixBytes: 4, suffix: .customerNumber)] }
    func makeFolder() -> any CustomerFolder { ViewCountsFolder() }
}

struct ViewCountsFolder: CustomerFolder {
    /// A value is 12 bytes, big-endian: the time of the last event folded, then the number of views.
    mutating func fold(stored: ByteView?, records: RecordRun, into output: inout [UInt8]) throws -> FoldResult {
        var lastTime = Int64.min, views: UInt32 = 0
        var before = IndexRows.none
        if let stored {
            (lastTime, views) = try Self.decode(stored)
            before = Self.rows(views: views)
            // Equal times are ordered by event id, which the value does not keep: refold those too.
            if let first = records.first, first.time <= lastTime { return .notAfterStored }
        }
        for record in records {
            lastTime = record.time
            if record.type == .productView { views += 1 }
        }
        output.appendBigEndian(UInt64(bitPattern: lastTime))
        output.appendBigEndian(views)
        return .folded(before: before, after: Self.rows(views: views))
    }

    func rows(of stored: ByteView) throws -> IndexRows {
        Self.rows(views: try Self.decode(stored).views)
    }

    /// Slot 0 (`by_views`): customers with at least one view.
    static func rows(views: UInt32) -> IndexRows {
        var rows = IndexRows()
        if views > 0 { rows[0] = UInt128(views) }
        return rows
    }

    static func decode(_ value: ByteView) throws -> (lastTime: Int64, views: UInt32) {
        guard value.count == 12, let time = value.bigEndian(as: UInt64.self), let views = value.bigEndian(at: 8, as: UInt32.self) else {
            throw RecordReader.corrupt
        }
        return (Int64(bitPattern: time), views)
    }
}
