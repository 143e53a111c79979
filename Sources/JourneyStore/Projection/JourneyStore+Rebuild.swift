import LMDB
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a rebuild did.
public struct RebuildReport: Hashable, Sendable {
    /// Events replayed.
    public var events: Int
    /// Customers whose facts were written.
    public var customers: Int
    /// Customers re-folded from their own history because events arrived out of time order.
    public var refolded: Int
    /// Wall time of the whole rebuild, commit included.
    public var seconds: Double
    public var eventsPerSecond: Double { seconds > 0 ? Double(events) / seconds : 0 }
}

extension JourneyStore {
    /// Replays the whole log into fresh projections (facts and indexes) and swaps them in atomically.
    ///
    /// The fold runs in memory over one cursor pass of `events`; the new facts are written in key order
    /// with `MDB_APPEND`. Everything happens in one write transaction: readers keep their snapshot, and
    /// a crash at any moment leaves the old projections as they were.
    /// - Parameter progress: called now and then with the number of events replayed.
    /// - Complexity: O(E + C log C) for E events and C customers; memory O(C).
    @discardableResult
    public func rebuild(progress: ((Int) -> Void)? = nil) throws -> RebuildReport {
        let start = monotonicSeconds()
        let (events, customers, refolded) = try withWriter { (w: inout LogWriter) in
            try env.write { txn in
                _ = try w.begin(txn)
                let image = try FullFold(schema: schema, policy: w.projector.policy, in: txn, progress: progress)
                let customers = try writeProjections(image, in: txn)
                return (image.events, customers, image.refolded)
            }
        }
        return RebuildReport(events: events, customers: customers, refolded: refolded, seconds: monotonicSeconds() - start)
    }

    /// Replaces the projections with `image`; returns the number of customers written.
    func writeProjections(_ image: FullFold, in txn: WriteTransaction) throws -> Int {
        let spendOrder = try image.spendOrder { try schema.customerID($0, in: txn) }
        let lastPurchaseKeys = image.lastPurchaseKeys, ordersKeys = image.ordersKeys
        // Resolve the ids before anything is written: writes may move the pages they point into.
        let spendKeys: [[UInt8]] = try spendOrder.map { c in
            var key: [UInt8] = []
            IndexKeys.spend(image.facts[Int(c)].netSpend, customerID: try schema.customerID(c, in: txn), into: &key)
            return key
        }
        try schema.facts.removeAll(in: txn)
        try schema.bySpend.removeAll(in: txn)
        try schema.byLastPurchase.removeAll(in: txn)
        try schema.byOrders.removeAll(in: txn)
        var record = RecordWriter()
        var written = 0
        for c in image.facts.indices where image.facts[c].eventsFolded > 0 {
            image.facts[c].encode(into: &record)
            try record.bytes.withUnsafeBytes { bytes in _ = try schema.facts.putBytes(UInt32(c), bytes, in: txn, flags: .append) }
            written += 1
        }
        for (key, c) in zip(spendKeys, spendOrder) { try schema.bySpend.put(key, c, in: txn, flags: .append) }
        for (t, c) in lastPurchaseKeys { try schema.byLastPurchase.put(IndexKeys.lastPurchase(t, customer: c), [], in: txn, flags: .append) }
        for (n, c) in ordersKeys { try schema.byOrders.put(IndexKeys.orders(n, customer: c), [], in: txn, flags: .append) }
        try schema.setMeta(MetaKey.checkpoint, image.lastSequence, in: txn)
        if image.newestTime >= 0 {
            try schema.setMeta(MetaKey.newestTime, UInt64(image.newestTime), in: txn)
        } else {
            _ = try schema.meta.delete(MetaKey.newestTime, in: txn)
        }
        return written
    }
}

/// Seconds on a monotonic clock.
func monotonicSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

/// Milliseconds since the epoch on the wall clock.
func wallClockMilliseconds() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_REALTIME, &ts)
    return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
}

/// What a bare scan of the log read.
public struct ScanReport: Hashable, Sendable {
    public var records: Int
    public var bytes: Int
    public var seconds: Double
    public var recordsPerSecond: Double { seconds > 0 ? Double(records) / seconds : 0 }
}

extension JourneyStore {
    /// A bare cursor scan of `events`, nothing decoded: the physical floor any replay is measured against.
    public func scanLog() throws -> ScanReport {
        let start = monotonicSeconds()
        var records = 0, bytes = 0
        try env.read { txn in
            try schema.events.forEach(in: txn) { _, value in
                records += 1
                bytes += value.count
                return true
            }
        }
        return ScanReport(records: records, bytes: bytes, seconds: monotonicSeconds() - start)
    }
}
