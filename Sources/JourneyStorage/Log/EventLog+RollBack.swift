import LMDB

extension MetaKey {
    /// Present while a file larger than one transaction is being ingested: the first sequence number
    /// it appended and the name counts before it, so that it can be rolled back.
    static let openIngest = "open_ingest"
}

extension EventLog {
    package func writeRollBackMarker(sequence: UInt64, names: NameCache, in txn: WriteTransaction) throws {
        var bytes: [UInt8] = []
        withUnsafeBytes(of: sequence.bigEndian) { bytes.append(contentsOf: $0) }
        for kind in NameKind.allCases {
            withUnsafeBytes(of: UInt32(names.count(kind)).bigEndian) { bytes.append(contentsOf: $0) }
        }
        try schema.meta.put(MetaKey.openIngest, bytes, in: txn)
    }

    /// Whether an ingest was interrupted (a crash between its transactions) and awaits roll-back.
    package var hasOpenIngest: Bool {
        get throws { try env.read { txn in try openIngestMarker(in: txn) != nil } }
    }

    /// The first sequence of an interrupted ingest that awaits roll-back, if any.
    package func openIngestMarker(in txn: some ReadableTransaction) throws -> UInt64? {
        try schema.meta.withValue(MetaKey.openIngest, in: txn) { bytes in
            guard let bytes else { return nil }
            guard bytes.count == 8 + 4 * NameKind.allCases.count else {
                throw JourneyError(.corrupted, "the open-ingest marker is malformed; run `journey verify`")
            }
            return UInt64(bigEndian: bytes.loadUnaligned(as: UInt64.self))
        }
    }

    /// Rolls back an ingest that was interrupted between its transactions (a crash, a kill), if any:
    /// what any writer does first. Until then, readers see the events of the file's committed
    /// transactions; `verify` and `stats` report them.
    ///
    /// ```swift
    /// let removed = try store.recover()   // 0 when nothing was interrupted
    /// ```
    /// - Returns: the number of events removed.
    /// - Throws: ``JourneyError`` `.readOnly` for a store opened read-only.
    @discardableResult
    package func recover() throws -> Int {
        guard let writer else { throw JourneyError(.readOnly, "store at \(path) was opened read-only; open it for writing to recover it") }
        return try writer.withLock { (w: inout LogWriter) in try rollBackOpenIngest(writer: &w) }
    }

    /// Removes everything an interrupted ingest appended — events, their index entries and the names
    /// it introduced — and rebuilds the projections, in one transaction. Nothing happens without a
    /// marker. Returns the number of events removed.
    @discardableResult
    package func rollBackOpenIngest(writer w: inout LogWriter) throws -> Int {
        try env.write { txn in
            guard let marker = try schema.meta.get(MetaKey.openIngest, in: txn) else { return 0 }
            guard marker.count == 8 + 4 * NameKind.allCases.count else {
                throw JourneyError(.corrupted, "the open-ingest marker is malformed; run `journey verify`")
            }
            let first = marker.withUnsafeBytes { UInt64(bigEndian: $0.loadUnaligned(as: UInt64.self)) }
            // Events from `first` on, with their id and customer index entries.
            var sequences: [UInt64] = []
            var customers = Set<UInt32>()
            try schema.events.forEach(in: txn, from: first) { key, value in
                sequences.append(try UInt64(lmdbBytes: key))
                customers.insert(try EventRecord(value).customer)
                return true
            }
            try schema.removeIDEntries(from: first, in: txn)
            for customer in customers.sorted() { try schema.removeSequences(of: customer, from: first, in: txn) }
            for sequence in sequences { _ = try schema.events.delete(sequence, in: txn) }
            // Names numbered after the marker's counts.
            for kind in NameKind.allCases {
                let keep = marker.withUnsafeBytes { UInt32(bigEndian: $0.loadUnaligned(fromByteOffset: 8 + 4 * Int(kind.rawValue), as: UInt32.self)) }
                let count = try schema.metaUInt32(MetaKey.nameCount(kind), in: txn) ?? 0
                if count > keep {
                    for number in (keep + 1)...count {
                        let listKey = StoreSchema.nameListKey(kind, number)
                        if let name = try schema.nameList.get(listKey, in: txn) {
                            _ = try schema.names.delete([kind.rawValue] + name, in: txn)
                        }
                        _ = try schema.nameList.delete(listKey, in: txn)
                    }
                }
                try schema.setMeta(MetaKey.nameCount(kind), keep, in: txn)
            }
            // The sequence and name numbers freed go to other events and names: what processes cached
            // of them (readers' names, writers' id filters) is stale, which a new epoch tells them.
            let epoch = try schema.metaUInt64(MetaKey.rollBackEpoch, in: txn) ?? 0
            try schema.setMeta(MetaKey.rollBackEpoch, epoch + 1, in: txn)
            _ = try schema.meta.delete(MetaKey.openIngest, in: txn)
            _ = try w.begin(txn)
            _ = try writeProjections(LogFold(schema: schema, in: txn), of: w.projector.projections, in: txn)
            return sequences.count
        }
    }
}
