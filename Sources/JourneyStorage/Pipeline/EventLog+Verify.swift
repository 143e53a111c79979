import LMDB

/// What `verify` found.
public struct VerifyReport: Hashable, Sendable {
    /// Events in the log.
    public var events: Int
    /// Customers whose values a fresh fold of the log gave.
    public var customers: Int
    /// Every disagreement found, one line each (the first ``problemsMax``).
    public var problems: [String]
    /// Whether every problem lies in the projections (facts, secondary indexes, checkpoint), which
    /// ``JourneyStore/rebuild(progress:)`` replaces from the log. Otherwise the log, its indexes, the
    /// names or the data file itself are damaged: restore a copy, or ingest the original event
    /// files into a new store.
    public var onlyProjectionsDiffer = true
    /// Whether nothing differs: the store is sound.
    public var isConsistent: Bool { problems.isEmpty }
    /// At most this many problems are listed.
    public static let problemsMax = 50
}

extension EventLog {
    /// Checks that the log, its indexes and the stored projections agree with a fresh fold of the log,
    /// on one snapshot. Changes nothing, and never trusts what it reads.
    ///
    /// The data file's structure is checked first, page by page, without LMDB
    /// (``Environment/checkPages(in:problemsMax:)``): a damaged page is reported and nothing is read
    /// through LMDB, which trusts its pages. Then every record and index entry is decoded with its
    /// bounds checked: damage there is reported (`events #123: record truncated or malformed`), not thrown.
    /// - Complexity: O(E + C log C), like a rebuild without the writes.
    /// - Parameter then: checks more in the same snapshot once the log and the projections are found
    ///   sound (the layer above compares what it derives from them); its problems are ones a
    ///   rebuild repairs.
    package func verify(projections: [any CustomerProjection], progress: ((Int) -> Void)? = nil,
                        then: ((ReadTransaction, Int) throws -> [String])? = nil) throws -> VerifyReport {
        try env.read { txn in
            let found = VerifyProblems()
            let pages = try env.checkPages(in: txn, problemsMax: VerifyReport.problemsMax)
            guard pages.isSound else {
                for p in pages.problems { found.add("data file: " + p) }
                return found.report
            }
            do {
                try verifyContents(in: txn, projections: projections, progress: progress, found)
                if found.report.problems.isEmpty, let then {
                    for problem in try then(txn, VerifyReport.problemsMax) { found.add(problem, projection: true) }
                }
            } catch let error as JourneyError where error.code == .corrupted {
                found.add(error.message.droppingAdvice)
            } catch let error as LMDBError where error == .corrupted {
                found.add("data file: " + error.message)
            }
            return found.report
        }
    }

    private func verifyContents(in txn: ReadTransaction, projections: [any CustomerProjection], progress: ((Int) -> Void)?,
                                _ found: VerifyProblems) throws {
        if let marker = try openIngestMarker(in: txn) {
            found.add("an interrupted ingest awaits roll-back: events from #\(marker) on are visible to readers until the next writer removes them (`journey recover` removes them now)")
        }
        try verifyNames(in: txn, found)
        try verifyEventIndexes(in: txn, found)
        let fold = try LogFold(schema: schema, in: txn, helper: env, progress: progress)
        found.report.events = try schema.events.count(in: txn)
        let checkpoint = try schema.metaUInt64(MetaKey.checkpoint, in: txn) ?? 0
        if checkpoint != fold.lastSequence { found.add("projection checkpoint is \(checkpoint), the log ends at \(fold.lastSequence)", projection: true) }
        for (k, projection) in projections.enumerated() {
            let customers = try verifyProjection(projection, fold, last: k == projections.count - 1, in: txn, found)
            if k == 0 { found.report.customers = customers }
        }
    }

    /// Compares `projection`'s stored values and indexes with `fold`'s; returns the customers folded.
    private func verifyProjection(_ projection: any CustomerProjection, _ fold: LogFold, last: Bool,
                                  in txn: ReadTransaction, _ found: VerifyProblems) throws -> Int {
        // Values, customer by customer, to the byte.
        let databases = try schema.databases(of: projection)
        let valueName = projection.valueDatabase
        var customers = 0
        var rows: [CustomerRows] = []
        _ = try fold.fold(projection, last: last) { block in
            try block.forEachCustomer { c, folded in
                customers += 1
                let same = try databases.values.withValue(c, in: txn) { stored in stored.map { folded.elementsEqual(ByteView($0)) } }
                if same != true {
                    let name = (try? schema.name(.customer, c, in: txn)) ?? "#\(c)"
                    found.add(same == nil ? "customer \(name): no stored \(valueName)" : "customer \(name): stored \(valueName) differ from a fresh fold of the log", projection: true)
                }
            }
            rows.append(contentsOf: block.rows)
        }
        let stored = try databases.values.count(in: txn)
        if stored != customers { found.add("\(valueName) hold \(stored) customers, the log has \(customers)", projection: true) }
        // Indexes, entry by entry in order.
        let image = try IndexImage(population: rows, indexes: projection.indexes, schema: schema, in: txn)
        for (k, index) in projection.indexes.enumerated() {
            var keys: [[UInt8]] = []
            image.forEachKey(ofIndex: k) { keys.append($0.array) }
            try compare(databases.indexes[k], keys, "\(index.name) index", in: txn, found)
        }
        return customers
    }

    /// `event_ids` and `customer_events` hold exactly the entries the log implies, in order: each
    /// index is compared with the entries made from one scan of the log and sorted as LMDB orders
    /// them (sequential walks, not a lookup per entry), in one walk that also counts its entries.
    /// The count and the first difference of each are reported; a malformed run is reported, not
    /// thrown, and the rest of the store still checked.
    private func verifyEventIndexes(in txn: ReadTransaction, _ found: VerifyProblems) throws {
        func scanLog(_ body: (UInt64, EventRecord) throws -> Void) throws {
            try schema.events.forEach(in: txn) { key, value in
                let sequence = try UInt64(lmdbBytes: key)
                guard sequence >= 1, sequence <= StoredSequence.max else {
                    throw JourneyError(.corrupted, "events holds key \(sequence), outside 1…\(StoredSequence.max)")
                }
                let record: EventRecord
                do { record = try EventRecord(value) } catch {
                    throw JourneyError(.corrupted, "events #\(sequence): record truncated or malformed")
                }
                try body(sequence, record)
                return true
            }
        }
        // One index at a time, so that only one list of expected entries is held.
        do {
            // `event_ids`: (kept hash bits, sequence), in bucket then value order.
            var ids: [IDEntry] = []
            try scanLog { sequence, record in ids.append(IDEntry(hash: stableHash64(try record.idAndPayload().0), sequence: sequence)) }
            sortUniformKeys(&ids, key: { $0.hash }, tie: { $0.sequence })
            try check(ids, "event id index", found) { visit in try schema.forEachIDEntry(in: txn, ordered: true, visit) }
        }
        // `customer_events`: customers ascending, each one's sequences in log order.
        var customers: [CustomerEntry] = []
        try scanLog { sequence, record in customers.append(CustomerEntry(customer: record.customer, sequence: sequence)) }
        radixSort(&customers, bits: 0..<32) { UInt64($0.customer) }  // stable: sequences stay ascending
        try check(customers, "customer event index", found) { visit in
            try schema.forEachCustomerEvent(in: txn) { customer, sequence in
                try visit(CustomerEntry(customer: customer, sequence: sequence))
            }
        }
    }

    /// `names` (kind + name → number) and `name_list` (kind + number → name) are inverses, and each
    /// kind's numbers run from 1 to the count `meta` keeps.
    private func verifyNames(in txn: ReadTransaction, _ found: VerifyProblems) throws {
        var counts = [Int](repeating: 0, count: NameKind.allCases.count)
        var reported = false
        try schema.names.forEach(in: txn) { key, value in
            counts[Int(min(key.first ?? 0, UInt8(counts.count - 1)))] += 1
            guard let kind = key.first.flatMap(NameKind.init(rawValue:)), value.count == 4 else {
                found.add("names holds a malformed entry"); reported = true
                return false
            }
            let number = UInt32(bigEndian: value.loadUnaligned(as: UInt32.self))
            let listed = try schema.nameList.withValue(StoreSchema.nameListKey(kind, number), in: txn) { stored in
                stored.map { $0.elementsEqual(key.dropFirst()) } ?? false
            }
            if !listed {
                found.add("names gives number \(number) to a name of kind \(kind) that name_list does not hold under it"); reported = true
                return false
            }
            return true
        }
        guard !reported else { return }
        let listed = try schema.nameList.count(in: txn)
        for kind in NameKind.allCases {
            let stored = Int(try schema.metaUInt32(MetaKey.nameCount(kind), in: txn) ?? 0)
            if counts[Int(kind.rawValue)] != stored { found.add("names holds \(counts[Int(kind.rawValue)]) names of kind \(kind), meta counts \(stored)") }
        }
        if listed != counts.reduce(0, +) { found.add("name_list holds \(listed) entries, names \(counts.reduce(0, +))") }
    }

    private struct CustomerEntry: EventIndexEntry {
        var customer: UInt32
        package var sequence: UInt64
        var text: String { "event \(sequence) under customer \(customer)" }
    }

    /// Compares the entries `walk` visits, in order, with `expected` (one per event of the log):
    /// reports a wrong count, then the first difference.
    private func check<E: EventIndexEntry>(_ expected: [E], _ what: String, _ found: VerifyProblems,
                                           walk: ((E) throws -> Void) throws -> Void) throws {
        var k = 0, visited = 0
        var difference: String?
        do {
            try walk { stored in
                visited += 1
                guard difference == nil else { return }
                if k < expected.count && stored == expected[k] { k += 1; return }
                difference = k < expected.count
                    ? "\(what) differs from the log at entry \(k + 1): it files \(stored.text), the log \(expected[k].text)"
                    : "\(what) holds an entry for event \(stored.sequence) past the log's \(expected.count)"
            }
        } catch let error as JourneyError where error.code == .corrupted {
            found.add("\(what): " + error.message.droppingAdvice)
            return
        }
        if visited != expected.count { found.add("\(what) holds \(visited) entries for \(expected.count) events") }
        if difference == nil && k < expected.count { difference = "\(what) lacks the entry of event \(expected[k].sequence)" }
        if let difference { found.add(difference) }
    }

    private func compare<V>(_ db: Database<[UInt8], V>, _ expected: [[UInt8]], _ what: String,
                            in txn: ReadTransaction, _ found: VerifyProblems) throws {
        var k = 0
        var mismatch = false
        try db.forEach(in: txn) { key, _ in
            if k >= expected.count || !key.elementsEqual(expected[k]) { mismatch = true; return false }
            k += 1
            return true
        }
        if mismatch || k != expected.count {
            found.add("\(what) differs from a fresh fold at entry \(k + 1) (expected \(expected.count) entries)", projection: true)
        }
    }
}

/// An entry of a per-event index, as `verify` compares and names it.
private protocol EventIndexEntry: Equatable {
    var sequence: UInt64 { get }
    var text: String { get }
}

extension IDEntry: EventIndexEntry {
    fileprivate var text: String { "event \(sequence)" }
}

private extension String {
    /// The message without the advice to run `journey verify`, for verify's own report.
    var droppingAdvice: String {
        let advice = "; run `journey verify`"
        return hasSuffix(advice) ? String(dropLast(advice.count)) : self
    }
}

/// The problems verify finds, as they are found.
private final class VerifyProblems {
    var report = VerifyReport(events: 0, customers: 0, problems: [])

    /// Records a problem; `projection` when `rebuild` repairs it.
    func add(_ text: @autoclosure () -> String, projection: Bool = false) {
        if !projection { report.onlyProjectionsDiffer = false }
        if report.problems.count < VerifyReport.problemsMax { report.problems.append(text()) }
    }
}
