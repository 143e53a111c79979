import LMDB

/// The databases of a projection: its values and its secondary indexes (in the projection's order).
package struct ProjectionDatabases {
    package var values: Database<UInt32, [UInt8]>
    package var indexes: [Database<[UInt8], [UInt8]>]
}

extension StoreSchema {
    /// The opened databases of `projection` (opened with the schema: LMDB's handles are shared by
    /// every thread and must exist before any uses them).
    package func databases(of projection: any CustomerProjection) throws -> ProjectionDatabases {
        func named(_ name: String) throws -> Database<[UInt8], [UInt8]> {
            guard let db = projectionDatabases[name] else {
                throw JourneyError(.corrupted, "the store has no database \(name) for its projections")
            }
            return db
        }
        return ProjectionDatabases(values: try named(projection.valueDatabase).retyped(),
                                   indexes: try projection.indexes.map { try named($0.name) })
    }
}

/// A key of a projection's secondary index: the row value's bytes, then the customer's number or id.
package enum IndexKey {
    package static func make(_ value: UInt128, customer: UInt32, index: SecondaryIndex, id: ByteView?, into key: inout [UInt8]) {
        key.removeAll(keepingCapacity: true)
        key.appendBigEndian(value, bytes: index.prefixBytes)
        if index.suffix == .customerID, let id { key.append(id) } else { key.appendBigEndian(customer) }
    }
}

/// Applies a batch's changed index rows: removes the old rows, then adds the new ones in each
/// index's key order (keys above every stored one append, so a new store's indexes are as dense as
/// a rebuild's).
package enum IndexChanges {
    package static func apply(removing: [CustomerRows], inserting: [CustomerRows], indexes: [SecondaryIndex],
                              databases: [Database<[UInt8], [UInt8]>], names: NameCache, schema: StoreSchema,
                              in txn: WriteTransaction) throws {
        var key: [UInt8] = []
        for row in removing {
            for (k, index) in indexes.enumerated() {
                guard let value = row.rows[k] else { continue }
                let removed = try names.withName(.customer, row.customer, schema: schema, in: txn) { id in
                    IndexKey.make(value, customer: row.customer, index: index, id: ByteView(id), into: &key)
                    return try databases[k].delete(key, in: txn)
                }
                guard removed else {
                    throw JourneyError(.corrupted, "the \(index.name) entry of customer \(row.customer) is missing; run `journey verify`")
                }
            }
        }
        guard !inserting.isEmpty else { return }
        let image = try IndexImage(inserting, indexes: indexes) { body in
            for (k, row) in inserting.enumerated() {
                try names.withName(.customer, row.customer, schema: schema, in: txn) { try body(k, ByteView($0)) }
            }
        }
        try image.write(databases, in: txn)
    }
}
