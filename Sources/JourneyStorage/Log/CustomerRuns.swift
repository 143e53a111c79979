import LMDB

/// `customer_events` (store format 4): each customer's sequence numbers in runs.
///
/// | key | value |
/// |---|---|
/// | customer number, UInt32 big-endian, then the run's first sequence (``StoredSequence``, 5 bytes) | the run's further sequences, each as the LEB128 difference from the one before it (≥ 1), at most ``valueBytesMax`` bytes |
///
/// A customer's runs are consecutive keys in sequence order. An append extends the customer's last
/// run while it has room, then starts new ones, so a customer whose events came in one batch is one
/// entry, and a store's first batch writes its customers in key order with `MDB_APPEND` (pages come
/// out full). Format 3 kept one 5-byte duplicate per event under the customer's key: the puts of a
/// batch grew each customer's sub-page a few values at a time, and most of it went in page headers
/// and half-full pages at 10 M events (12 B an event).
package enum CustomerRuns: RunLayout {
    package typealias Prefix = UInt32
    package static let database = "customer_events"
    /// A run's key: the customer, then the run's first sequence.
    package typealias Key = RunKey<CustomerRuns>
    /// The most bytes of differences a run holds (~80–250 sequences): runs stay far below LMDB's
    /// largest inline value, and extending one rewrites at most this much.
    package static let valueBytesMax = 256

    /// Calls `body` with each sequence of the run at `key` with differences `value`, in order, and
    /// returns the last one.
    @discardableResult
    package static func forEachSequence(first: UInt64, _ value: UnsafeRawBufferPointer,
                                _ body: (UInt64) throws -> Void = { _ in }) throws -> UInt64 {
        guard value.count <= valueBytesMax else { throw corrupt("a run of \(value.count) bytes (at most \(valueBytesMax))") }
        var reader = RecordReader(value)
        var sequence = first
        try body(sequence)
        while reader.offset < value.count {
            let delta = try reader.varint()
            guard delta >= 1, delta <= StoredSequence.max - sequence else { throw corrupt("a run whose sequences do not ascend") }
            sequence += delta
            try body(sequence)
        }
        return sequence
    }

    private static func corrupt(_ what: String) -> JourneyError {
        JourneyError(.corrupted, "customer_events holds \(what); run `journey verify`")
    }

    /// LEB128 of `v` appended to `bytes`.
    @inline(__always)
    package static func appendVarint(_ v: UInt64, to bytes: inout [UInt8]) {
        var x = v
        while x >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: x) | 0x80)
            x >>= 7
        }
        bytes.append(UInt8(x))
    }

    /// Writes a batch's sequences into `customer_events` through one cursor: call ``append(_:_:)``
    /// for customers in ascending order.
    package struct Writer {
        let cursor: Cursor
        /// Customers above this one have no runs yet: theirs are appended with `MDB_APPEND`.
        private let storedLastCustomer: UInt32?
        private var value: [UInt8] = []

        package init(_ cursor: Cursor) throws {
            self.cursor = cursor
            storedLastCustomer = try cursor.last().map { entry throws(JourneyError) in try Key(bytes: entry.key).customer }
            value.reserveCapacity(CustomerRuns.valueBytesMax + 10)
        }

        /// Adds `sequences` (ascending, above every stored sequence of `customer`) to the customer's runs.
        package mutating func append(_ customer: UInt32, _ sequences: some Collection<UInt64>) throws {
            guard var first = sequences.first else { return }
            var rest = sequences.dropFirst()
            let isNew = storedLastCustomer.map { customer > $0 } ?? true
            var previous = first
            value.removeAll(keepingCapacity: true)
            // The stored bytes of the run being extended, which need no put if nothing joins them.
            var unchanged = -1
            if !isNew, let last = try lastRun(of: customer), last.value.count < CustomerRuns.valueBytesMax {
                // Extend the customer's last run: its first sequence stays the key.
                let key = try Key(bytes: last.key)
                previous = try CustomerRuns.forEachSequence(first: key.first, last.value)
                guard previous < first else { throw CustomerRuns.corrupt("a run of customer \(customer) past the log's new events") }
                value.append(contentsOf: last.value)
                unchanged = value.count
                first = key.first
                rest = sequences.dropFirst(0)
            }
            // Differences into `value` until it is full, then the run is put and a new one starts.
            for s in rest {
                let before = value.count
                CustomerRuns.appendVarint(s - previous, to: &value)
                if value.count > CustomerRuns.valueBytesMax {
                    value.removeLast(value.count - before)
                    if value.count != unchanged { try put(customer, first, appending: isNew) }
                    first = s
                    value.removeAll(keepingCapacity: true)
                    unchanged = -1
                }
                previous = s
            }
            if value.count != unchanged { try put(customer, first, appending: isNew) }
        }

        private func put(_ customer: UInt32, _ first: UInt64, appending: Bool) throws {
            try value.withUnsafeBytes { bytes in
                try Key(customer, first).withBytes { key in
                    _ = try cursor.put(key: key, value: bytes, flags: appending ? .append : [])
                }
            }
        }

        /// The customer's last run, the cursor on it; `nil` when the customer has none.
        private func lastRun(of customer: UInt32) throws -> Cursor.Entry? {
            try CustomerRuns.lastRun(of: customer, cursor: cursor)
        }
    }

    /// The last run of `customer`, with `cursor` on it; `nil` (cursor anywhere) when it has none.
    package static func lastRun(of customer: UInt32, cursor: Cursor) throws -> Cursor.Entry? {
        try cursor.lastEntry(below: customer == .max ? nil : Key(customer + 1, 0)) { Key.prefix(of: $0) == customer }
    }
}

extension StoreSchema {
    /// Calls `body` with each sequence of `customer`, in log order.
    package func forEachSequence(of customer: UInt32, in txn: some ReadableTransaction, _ body: (UInt64) throws -> Void) throws {
        try customerEvents.withCursor(in: txn) { cursor in
            var entry = try cursor.seek(atLeast: CustomerRuns.Key(customer, 0))
            while let (key, value) = entry, CustomerRuns.Key.prefix(of: key) == customer {
                try CustomerRuns.forEachSequence(first: try CustomerRuns.Key(bytes: key).first, value, body)
                entry = try cursor.next()
            }
        }
    }

    /// Calls `body` with every (customer, sequence) pair of `customer_events`, in order.
    package func forEachCustomerEvent(in txn: some ReadableTransaction, _ body: (UInt32, UInt64) throws -> Void) throws {
        try customerEvents.forEach(in: txn) { key, value in
            let run = try CustomerRuns.Key(bytes: key)
            try CustomerRuns.forEachSequence(first: run.first, value) { try body(run.customer, $0) }
            return true
        }
    }

    /// Removes the sequences from `first` on from `customer`'s runs (a roll-back of the log's end).
    package func removeSequences(of customer: UInt32, from first: UInt64, in txn: WriteTransaction) throws {
        try customerEvents.withCursor(in: txn) { cursor in
            while let run = try CustomerRuns.lastRun(of: customer, cursor: cursor) {
                let key = try CustomerRuns.Key(bytes: run.key)
                if key.first >= first {
                    try cursor.deleteCurrent()
                    continue
                }
                // The run starts below `first`: keep its sequences below it.
                var kept: [UInt64] = [], all = 0
                try CustomerRuns.forEachSequence(first: key.first, run.value) {
                    all += 1
                    if $0 < first { kept.append($0) }
                }
                if kept.count < all {
                    var value: [UInt8] = []
                    for (a, b) in zip(kept, kept.dropFirst()) { CustomerRuns.appendVarint(b - a, to: &value) }
                    try value.withUnsafeBytes { v in try key.withBytes { k in _ = try cursor.put(key: k, value: v) } }
                }
                return
            }
        }
    }
}

extension RunKey where Layout == CustomerRuns {
    package var customer: UInt32 { prefix }
    package var first: UInt64 { sequence }
}
