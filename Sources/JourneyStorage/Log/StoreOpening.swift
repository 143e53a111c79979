import LMDB

/// Opening a store's databases: only an environment holding no database at all (a new `data.mdb`,
/// or one whose creation was interrupted before its first commit) becomes a new store; anything
/// else must carry the store's `meta` with this build's format version.
struct StoreOpening {
    package let env: Environment
    let path: String
    let projections: EventLog.Projections

    /// The store's databases and currency.
    func open(requested: Currency?, mayCreate: Bool) throws -> (StoreSchema, Currency) {
        let meta: Database<String, [UInt8]>
        do {
            meta = try env.openDatabase("meta")
        } catch let error as LMDBError where error == .notFound {
            let main: Database<[UInt8], [UInt8]> = try env.openDatabase(nil)
            guard try env.read({ txn in try main.count(in: txn) }) == 0 else {
                throw JourneyError(.corrupted, "store at \(path): data.mdb holds LMDB databases but no `meta`: it is not a journey store (or it is damaged); nothing was written to it")
            }
            guard mayCreate else {
                throw JourneyError(.notFound, "no store at \(path): its data.mdb holds nothing yet; run `journey init` or `journey ingest` first")
            }
            return try create(requested: requested)
        }
        try checkFormat(meta)
        let schema = try StoreSchema(env: env, create: false, projectionDatabases: projections.databases)
        let code = try env.read { txn in try schema.metaString(MetaKey.currency, in: txn) } ?? "USD"
        let stored = try Currency(code: code)
        if let requested, requested != stored {
            throw JourneyError(.invalidArgument, "store at \(path) keeps money in \(stored.code), not \(requested.code); a store's currency is fixed when it is created")
        }
        return (schema, stored)
    }

    private func checkFormat(_ meta: Database<String, [UInt8]>) throws {
        guard let format = try env.read({ txn in try meta.get(MetaKey.format, in: txn) }) else {
            throw JourneyError(.corrupted, "store at \(path): `meta` holds no format version: the store is damaged or not a journey store")
        }
        guard let version = format.withByteView({ $0.count == 4 ? $0.bigEndian(as: UInt32.self) : nil }) else {
            throw JourneyError(.corrupted, "store at \(path): unreadable format version")
        }
        guard version <= StoreSchema.formatVersion else {
            throw JourneyError(.newerFormat, "store at \(path) has format version \(version); this build of journey reads up to \(StoreSchema.formatVersion): upgrade journey")
        }
        guard version == StoreSchema.formatVersion else {
            throw JourneyError(.olderFormat, "store at \(path) has format version \(version), older than this build's \(StoreSchema.formatVersion), which it cannot read: ingest the original event files into a new store")
        }
    }

    private func create(requested: Currency?) throws -> (StoreSchema, Currency) {
        let schema = try StoreSchema(env: env, create: true, projectionDatabases: projections.databases)
        let currency = requested ?? .usd
        try env.write { txn in
            try schema.setMeta(MetaKey.format, StoreSchema.formatVersion, in: txn)
            try schema.setMeta(MetaKey.currency, currency.code, in: txn)
            try schema.setMeta(MetaKey.policy, projections.initialPolicyText(currency), in: txn)
        }
        return (schema, currency)
    }
}
