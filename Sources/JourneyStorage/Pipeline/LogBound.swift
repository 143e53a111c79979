import LMDB

/// A point in the log's history: the events with time ≤ ``timeMax`` and sequence ≤ ``sequenceMax``
/// (DESIGN §1 "as of T", and `--position N`: what the store knew after its N-th event).
package struct LogBound: Hashable, Sendable {
    package var timeMax: Int64
    package var sequenceMax: UInt64

    package init(timeMax: Int64 = .max, sequenceMax: UInt64 = .max) {
        self.timeMax = timeMax
        self.sequenceMax = sequenceMax
    }

    /// Every event.
    package static let all = LogBound()

    /// Whether the event at `sequence` with time `time` counts.
    @inline(__always)
    package func contains(time: Int64, sequence: UInt64) -> Bool { time <= timeMax && sequence <= sequenceMax }
}

extension StoreSchema {
    /// The customers with an event after `sequence` in the log, ascending, without repeats.
    /// - Complexity: O(events after `sequence`).
    package func customers(ofEventsAfter sequence: UInt64, in txn: some ReadableTransaction) throws -> [UInt32] {
        var customers: [UInt32] = []
        guard sequence < StoredSequence.max else { return [] }
        try events.forEach(in: txn, from: sequence + 1) { key, value in
            guard key.count == 8 else { throw JourneyError(.corrupted, "events holds a key of \(key.count) bytes") }
            do { customers.append(try EventRecord(value).customer) } catch {
                throw JourneyError(.corrupted, "events #\(UInt64(bigEndian: key.loadUnaligned(as: UInt64.self))): record truncated or malformed")
            }
            return true
        }
        customers.sort()
        var unique = 0
        for c in customers where unique == 0 || customers[unique - 1] != c {
            customers[unique] = c
            unique += 1
        }
        customers.removeLast(customers.count - unique)
        return customers
    }

    /// Folds `customer`'s events within `bound` from scratch with `scratch`'s folder and appends the
    /// value to `value`. Returns `false` (nothing appended) when no event of theirs is within `bound`.
    /// - Complexity: O(n log n) for the customer's n events.
    package func fold(customer: UInt32, within bound: LogBound, scratch: inout FoldScratch, into value: inout [UInt8],
                      in txn: some ReadableTransaction) throws -> Bool {
        // Pointers into the map stay valid: nothing is written in `txn` while they are used.
        var places: [RecordPlace] = []
        for entry in try records(of: customer, in: txn) where bound.contains(time: entry.record.time, sequence: entry.sequence) {
            places.append(RecordPlace(start: entry.record.bytes.baseAddress!, length: UInt32(entry.record.bytes.count)))
        }
        guard !places.isEmpty else { return false }
        var block = FoldedBlock(firstCustomer: customer)
        _ = try places.withUnsafeMutableBufferPointer { try scratch.foldFromScratch($0, into: &block) }
        value.append(contentsOf: block.bytes)
        return true
    }
}
