import LMDB

/// Every purchase in the log up to a sequence number and a time, grouped by customer and in time
/// order within each: what the predicted-value models (BG/NBD, Gamma-Gamma) are fitted on.
///
/// One cursor pass over `events` decodes only the purchases' header, order and total; a counting
/// sort by customer number then groups them. Fitting a model at a log position reads exactly the
/// purchases the log held then, whatever was appended since, so `verify` can fit it again.
package struct PurchaseLog {
    /// Customer c's purchases are at `starts[c] ..< starts[c + 1]` (customer numbers start at 1).
    package private(set) var starts: [Int]
    /// Purchase times (epoch ms), ascending within a customer.
    package private(set) var times: [Int64]
    /// Purchase totals in minor units, beside their times.
    package private(set) var amounts: [Int64]
    /// The last sequence number read: `sequenceMax`, or the log's end when it is shorter.
    package let lastSequence: UInt64
    /// The time of the first purchase up to `sequenceMax`, even past `timeMax`; `nil` for none.
    package let firstPurchaseTime: Int64?

    /// The number of customer numbers (the highest + 1).
    package var customerSlots: Int { starts.count - 1 }

    /// Reads the purchases with sequence ≤ `sequenceMax` and time ≤ `timeMax` as `txn` sees the log.
    /// - Throws: ``JourneyError`` `.corrupted` for a record that cannot be decoded.
    /// - Complexity: O(E + P log P) for E events read, P purchases (sorted per customer only when
    ///   the log holds them out of time order).
    package init(schema: StoreSchema, in txn: some ReadableTransaction, sequenceMax: UInt64, timeMax: Int64) throws {
        let customers = Int(try schema.metaUInt32(MetaKey.nameCount(.customer), in: txn) ?? 0)
        var counts = [Int](repeating: 0, count: customers + 2)
        var customerOf: [UInt32] = [], times: [Int64] = [], amounts: [Int64] = []
        var last: UInt64 = 0, first = Int64.max
        let purchase = EventType.purchase.rawValue
        try schema.events.forEach(in: txn) { key, value in
            guard key.count == 8 else { throw JourneyError(.corrupted, "events holds a key of \(key.count) bytes") }
            let sequence = UInt64(bigEndian: key.loadUnaligned(as: UInt64.self))
            guard sequence <= sequenceMax else { return false }
            last = sequence
            guard value.count > EventRecord.headerBytes, value[1] == purchase else { return true }
            do {
                let record = try EventRecord(value)
                first = min(first, record.time)
                guard record.time <= timeMax else { return true }
                let c = Int(record.customer)
                guard c >= 1 && c <= customers else { throw RecordReader.corrupt }
                var r = try record.idAndPayload().1
                _ = try r.string()
                let total = try r.amount()
                counts[c + 1] += 1
                customerOf.append(UInt32(c))
                times.append(record.time)
                amounts.append(total)
            } catch {
                throw JourneyError(.corrupted, "events #\(sequence): record truncated or malformed")
            }
            return true
        }
        for c in 1..<counts.count { counts[c] += counts[c - 1] }
        starts = Array(counts[0...(customers + 1)])
        self.times = [Int64](repeating: 0, count: times.count)
        self.amounts = [Int64](repeating: 0, count: times.count)
        var fill = starts
        for k in 0..<times.count {
            let c = Int(customerOf[k])
            self.times[fill[c]] = times[k]
            self.amounts[fill[c]] = amounts[k]
            fill[c] += 1
        }
        lastSequence = last
        firstPurchaseTime = first == .max ? nil : first
        sortCustomersByTime()
    }

    /// Calls `body` with each customer number that has purchases, their times and amounts.
    package func forEachCustomer(_ body: (Int, ArraySlice<Int64>, ArraySlice<Int64>) throws -> Void) rethrows {
        for c in 1..<max(1, customerSlots) where starts[c] < starts[c + 1] {
            let range = starts[c]..<starts[c + 1]
            try body(c, times[range], amounts[range])
        }
    }

    /// Puts each customer's purchases in time order (stable: log order among equal times), as the
    /// facts hold them. Most customers' are already: the log is mostly in time order.
    private mutating func sortCustomersByTime() {
        for c in 1..<max(1, customerSlots) {
            let range = starts[c]..<starts[c + 1]
            guard range.count > 1, !zip(times[range], times[range].dropFirst()).allSatisfy({ $0 <= $1 }) else { continue }
            let sorted = range.sorted { times[$0] != times[$1] ? times[$0] < times[$1] : $0 < $1 }
            let t = sorted.map { times[$0] }, a = sorted.map { amounts[$0] }
            times.replaceSubrange(range, with: t)
            amounts.replaceSubrange(range, with: a)
        }
    }
}
