import Dispatch
import LMDB
import Synchronization

/// The keys of a projection's secondary indexes for a set of customers' rows, each index's in key
/// order: what a rebuild writes, what `verify` expects, what a batch inserts.
///
/// Integer radix sorts, stable, on rows put in customer order first: an index whose keys end with
/// the customer number is sorted on its row value alone; one whose keys end with the customer id is
/// sorted on the value, then the id's first 8 bytes, and only runs equal in both are compared on
/// whole keys.
package struct IndexImage {
    private let indexes: [SecondaryIndex]
    /// Per index: its keys back to back, each key's end, and its customer, in key order.
    private var keys: [SortedKeys]

    /// Sorts `rows` (in any order) into each index's key order; `ids` calls its argument with each
    /// position of `rows` and that customer's id bytes (for the indexes keyed by id), in ascending
    /// customer order.
    package init(_ rows: [CustomerRows], indexes: [SecondaryIndex],
                 ids: ((Int, ByteView) throws -> Void) throws -> Void) throws {
        self.indexes = indexes
        let byCustomer = Self.customerOrder(rows)
        let needsIDs = indexes.contains { $0.suffix == .customerID } && !rows.isEmpty
        var idBytes: [UInt8] = [], idEnds: [Int] = []
        if needsIDs {
            var positions: [Int] = []
            try ids { k, id in idBytes.append(id); idEnds.append(idBytes.count); positions.append(k) }
            guard positions.count == rows.count else { throw JourneyError(.corrupted, "a customer's id is missing; run `journey verify`") }
            (idBytes, idEnds) = Self.reordered(idBytes, ends: idEnds, positions: positions)
        }
        keys = try indexes.indices.map { k in
            try SortedKeys(rows, slot: k, index: indexes[k], byCustomer: byCustomer, ids: needsIDs ? (idBytes, idEnds) : nil)
        }
    }

    /// Writes the keys of every index, each in key order: with `MDB_APPEND` once above the keys
    /// already stored (all of them after a rebuild emptied the indexes), so pages come out full.
    package func write(_ databases: [Database<[UInt8], [UInt8]>], in txn: WriteTransaction) throws {
        for (k, db) in databases.enumerated() { try keys[k].write(db, index: indexes[k], in: txn) }
    }

    /// Calls `body` with each key of index `k`, in key order.
    package func forEachKey(ofIndex k: Int, _ body: (ByteView) throws -> Void) rethrows {
        try keys[k].forEach { key, _ in try body(key) }
    }

    /// Positions of `rows` by customer number, so the stable sorts break ties on it.
    private static func customerOrder(_ rows: [CustomerRows]) -> [(customer: UInt32, position: Int)] {
        var byCustomer = rows.indices.map { (customer: rows[$0].customer, position: $0) }
        if !zip(byCustomer, byCustomer.dropFirst()).allSatisfy({ $0.customer < $1.customer }) {
            radixSort(&byCustomer, bits: 0..<32) { UInt64($0.customer) }
        }
        return byCustomer
    }

    /// Ids given in walking order (`positions[i]` is the row of the i-th), put in row order.
    private static func reordered(_ bytes: [UInt8], ends: [Int], positions: [Int]) -> ([UInt8], [Int]) {
        if positions.elementsEqual(positions.indices) { return (bytes, ends) }
        var starts = [Int](repeating: 0, count: positions.count), lengths = starts
        for (i, row) in positions.enumerated() {
            starts[row] = i == 0 ? 0 : ends[i - 1]
            lengths[row] = ends[i] - starts[row]
        }
        var out: [UInt8] = [], outEnds: [Int] = []
        out.reserveCapacity(bytes.count)
        for row in positions.indices {
            out.append(contentsOf: bytes[starts[row]..<starts[row] + lengths[row]])
            outEnds.append(out.count)
        }
        return (out, outEnds)
    }
}

/// One index's keys, in key order, back to back, with each key's end and customer.
private struct SortedKeys {
    private var bytes: [UInt8] = []
    private var ends: [Int] = []
    private var customers: [UInt32] = []

    init(_ rows: [CustomerRows], slot: Int, index: SecondaryIndex, byCustomer: [(customer: UInt32, position: Int)],
         ids: (bytes: [UInt8], ends: [Int])?) throws {
        // (value, customer) for the customers with a row in this index, in customer order.
        var order: [(high: UInt64, low: UInt64, prefix: UInt64, position: Int)] = []
        order.reserveCapacity(byCustomer.count)
        for c in byCustomer {
            guard let value = rows[c.position].rows[slot] else { continue }
            var prefix: UInt64 = 0
            if index.suffix == .customerID, let ids {
                let start = c.position == 0 ? 0 : ids.ends[c.position - 1], end = ids.ends[c.position]
                for i in 0..<min(8, end - start) { prefix |= UInt64(ids.bytes[start + i]) << UInt64(8 * (7 - i)) }
            }
            order.append((UInt64(truncatingIfNeeded: value >> 64), UInt64(truncatingIfNeeded: value), prefix, c.position))
        }
        // Least significant first; stable, so customer order breaks the remaining ties.
        if index.suffix == .customerID { radixSort(&order, bits: 0..<64) { $0.prefix } }
        radixSort(&order, bits: 0..<64) { $0.low }
        radixSort(&order, bits: 0..<64) { $0.high }
        func key(_ position: Int, into out: inout [UInt8]) {
            out.appendBigEndian((UInt128(order[position].high) << 64) | UInt128(order[position].low), bytes: index.prefixBytes)
            let p = order[position].position
            if index.suffix == .customerID, let ids {
                let start = p == 0 ? 0 : ids.ends[p - 1]
                out.append(contentsOf: ids.bytes[start..<ids.ends[p]])
            } else {
                out.appendBigEndian(rows[p].customer)
            }
        }
        if index.suffix == .customerID {
            // Runs equal in value and the ids' first 8 bytes: order by whole keys.
            var runStart = 0
            for k in 1..<order.count + 1
            where k == order.count || order[k].high != order[runStart].high || order[k].low != order[runStart].low
                || order[k].prefix != order[runStart].prefix {
                if k - runStart > 1, let ids {
                    func id(_ p: Int) -> ArraySlice<UInt8> { ids.bytes[(p == 0 ? 0 : ids.ends[p - 1])..<ids.ends[p]] }
                    order[runStart..<k].sort { id($0.position).lexicographicallyPrecedes(id($1.position)) }
                }
                runStart = k
            }
        }
        bytes.reserveCapacity(order.count * (index.prefixBytes + 12))
        ends.reserveCapacity(order.count)
        customers.reserveCapacity(order.count)
        for k in order.indices {
            key(k, into: &bytes)
            ends.append(bytes.count)
            customers.append(rows[order[k].position].customer)
        }
    }

    /// Calls `body` with each key and its customer, in key order.
    func forEach(_ body: (ByteView, UInt32) throws -> Void) rethrows {
        try bytes.withByteView { all in
            var start = 0
            for (end, c) in zip(ends, customers) {
                try body(all[start..<end], c)
                start = end
            }
        }
    }

    /// Adds the keys to `db` in key order (see ``IndexImage/write(_:in:)``).
    func write(_ db: Database<[UInt8], [UInt8]>, index: SecondaryIndex, in txn: WriteTransaction) throws {
        try db.withCursor(in: txn) { cursor in
            var putter = try AscendingPutter(cursor)
            try forEach { key, c in
                if index.suffix == .customerID {
                    var value = c.bigEndian
                    try withUnsafeBytes(of: &value) { _ = try putter.put(key: key.bytes, value: $0) }
                } else {
                    _ = try putter.put(key: key.bytes, value: UnsafeRawBufferPointer(start: nil, count: 0))
                }
            }
        }
    }
}

extension IndexImage {
    /// The index keys of a whole population's rows (ascending by customer, as a full fold makes
    /// them), each customer's id read in one walk of `name_list`.
    package init(population rows: [CustomerRows], indexes: [SecondaryIndex], schema: StoreSchema,
                 in txn: some ReadableTransaction) throws {
        try self.init(rows, indexes: indexes) { body in
            guard indexes.contains(where: { $0.suffix == .customerID }) else { return }
            try schema.forEachCustomerID(rows.lazy.map(\.customer), in: txn) { k, id in try body(k, ByteView(id)) }
        }
    }

    /// Writes the indexes of a whole population (a rebuild's, into emptied indexes).
    package static func write(_ rows: [CustomerRows], indexes: [SecondaryIndex], databases: [Database<[UInt8], [UInt8]>],
                              schema: StoreSchema, in txn: WriteTransaction, helper env: Environment) throws {
        try IndexImage(population: rows, indexes: indexes, schema: schema, in: txn).write(databases, in: txn)
    }
}
