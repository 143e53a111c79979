@_spi(Storage) import JourneyStorage

extension FactsView {
    /// When more than one customer in this many changed since the point in time, the view folds the
    /// whole log within the bound (a rebuild's pass, ~10 M events/s) rather than each changed
    /// customer from `customer_events` (a few lookups per event).
    static let foldLogAboveOneIn = 8

    /// The view of `snapshot` as of `asOf` (`nil`: the newest event within the position bound) and
    /// log position `sequenceMax` (`nil`: every event of the snapshot).
    /// - Complexity: O(C) to find the changed customers (a read of each stored facts' head), plus
    ///   their refolds or one fold of the log within the bound, plus O(P log P) for P buyers.
    static func build(_ snapshot: Snapshot, asOf: Int64?, sequenceMax: UInt64?) throws -> FactsView {
        let schema = snapshot.schema, txn = snapshot.txn
        let customers = Int(try schema.metaUInt32(MetaKey.nameCount(.customer), in: txn) ?? 0)
        let newest = snapshot.newestEventTime?.millisecondsSinceEpoch ?? -1
        let bound = LogBound(timeMax: asOf ?? .max, sequenceMax: sequenceMax ?? .max)
        var changed = [Bool](repeating: false, count: customers + 1)
        var changedCount = 0
        func mark(_ c: UInt32) {
            guard Int(c) < changed.count, !changed[Int(c)] else { return }
            changed[Int(c)] = true
            changedCount += 1
        }
        if let sequenceMax {
            for c in try schema.customers(ofEventsAfter: sequenceMax, in: txn) { mark(c) }
        }
        // The newest event among the customers whose stored facts hold (the default clock of a view
        // bounded by position alone).
        var newestUnchanged: Int64 = -1
        if bound.timeMax < newest || asOf == nil {
            try schema.facts.forEachView(in: txn) { key, value in
                guard let c = key.bigEndian(as: UInt32.self), key.count == 4 else { throw RecordReader.corrupt }
                let lastSeen = try CustomerFacts.lastSeen(of: value)
                if lastSeen > bound.timeMax { mark(c) } else if Int(c) < changed.count, !changed[Int(c)] { newestUnchanged = max(newestUnchanged, lastSeen) }
                return true
            }
        }
        let projection = FactsProjection(policy: snapshot.policy)
        let changedList = (1..<max(changed.count, 1)).filter { changed[$0] }.map(UInt32.init)
        if snapshot.refoldsAll || (changedCount > 0 && changedCount * foldLogAboveOneIn > customers) {
            return try folded(snapshot, bound: bound, asOf: asOf, projection: projection, changed: changedList)
        }
        var facts: [UInt32: CustomerFacts?] = [:]
        var scratch = FoldScratch(projection)
        var value: [UInt8] = []
        var newestChanged: Int64 = -1
        for c in changedList {
            value.removeAll(keepingCapacity: true)
            if try schema.fold(customer: c, within: bound, scratch: &scratch, into: &value, in: txn) {
                let f = try value.withByteView { bytes throws(JourneyError) in try CustomerFacts(decoding: bytes) }
                newestChanged = max(newestChanged, f.lastSeen)
                facts[c] = .some(f)
            } else {
                facts[c] = .some(nil)
            }
        }
        let population = changedCount == 0 ? try snapshot.population
            : try Population(try buyers(snapshot, without: changed, plus: facts))
        let t = asOf ?? clock(newestUnchanged, newestChanged, newest)
        return FactsView(asOf: t, bound: bound, population: population, source: changedCount == 0 ? .stored : .changed(facts),
                         changedCustomers: changedList)
    }

    /// The view folded from the whole log within `bound`.
    private static func folded(_ snapshot: Snapshot, bound: LogBound, asOf: Int64?, projection: FactsProjection,
                               changed: [UInt32]) throws -> FactsView {
        let schema = snapshot.schema, txn = snapshot.txn
        // A second thread reads its own snapshot: not a write transaction's uncommitted one.
        let fold = try LogFold(schema: schema, in: txn, helper: snapshot.writing ? nil : snapshot.store.env, bound: bound)
        var blocks: [FoldedBlock] = []
        _ = try fold.fold(projection) { blocks.append($0) }
        var rows = BuyerRows()
        for block in blocks {
            try block.forEachCustomer { c, bytes in
                let f = try CustomerFacts(decoding: bytes, lists: false)
                if f.lastPurchase != nil { rows.add(f, customerID: try schema.customerID(c, in: txn)) }
            }
        }
        let t = asOf ?? clock(fold.newestTime, -1, snapshot.newestEventTime?.millisecondsSinceEpoch ?? -1)
        return FactsView(asOf: t, bound: bound, population: try Population(rows), source: .folded(blocks), changedCustomers: changed)
    }

    /// The clock of a view bounded by position alone: its newest event (else the store's, else now).
    private static func clock(_ a: Int64, _ b: Int64, _ storeNewest: Int64) -> Int64 {
        let newest = max(a, b)
        if newest >= 0 { return newest }
        return storeNewest >= 0 ? storeNewest : Timestamp.now.millisecondsSinceEpoch
    }

    /// The buyers as of the view: the indexes' rows of the customers whose stored facts hold, and
    /// the changed customers' rows from their facts in the view.
    private static func buyers(_ snapshot: Snapshot, without changed: [Bool], plus facts: [UInt32: CustomerFacts?]) throws -> BuyerRows {
        let schema = snapshot.schema, txn = snapshot.txn
        func holds(_ c: UInt32?) throws -> Bool {
            guard let c else { throw Population.damaged("buyer") }
            return Int(c) >= changed.count || !changed[Int(c)]
        }
        var rows = BuyerRows()
        try schema.bySpend.forEachView(in: txn) { key, value in
            if try holds(value.count == 4 ? value.bigEndian(as: UInt32.self) : nil) { rows.spendKeys.append(key.array) }
            return true
        }
        try schema.byLastPurchase.forEachView(in: txn) { key, _ in
            guard let time = IndexKeys.time(fromKey: key) else { throw Population.damaged("by_last_purchase") }
            if try holds(IndexKeys.customer(fromKey: key)) { rows.lastPurchases.append(time) }
            return true
        }
        try schema.byOrders.forEachView(in: txn) { key, _ in
            guard let orders = IndexKeys.orders(fromKey: key) else { throw Population.damaged("by_orders") }
            if try holds(IndexKeys.customer(fromKey: key)) { rows.orders.append(orders) }
            return true
        }
        for (c, f) in facts.sorted(by: { $0.key < $1.key }) {
            if let f { rows.add(f, customerID: try schema.customerID(c, in: txn)) }
        }
        guard rows.spendKeys.count == rows.lastPurchases.count, rows.orders.count == rows.lastPurchases.count else {
            throw Population.damaged("by_spend")
        }
        return rows
    }
}
