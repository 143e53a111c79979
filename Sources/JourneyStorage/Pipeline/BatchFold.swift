import LMDB

/// One batch's fold (``BatchProjector/finish(sequence:names:schema:in:writingIndexes:)``): the touched
/// customers' stored values, the blocks folded on two threads, the values written in key order on
/// this one, and the index rows that changed.
struct BatchFold {
    let groups: BatchProjector.Grouped
    let projection: any CustomerProjection
    let notes: [BatchNote]
    /// The touched customers' stored values, back to back (empty for a new customer).
    private var stored: [UInt8] = []
    private var storedEnds: [Int] = []
    let blockSize: Int
    let blocks: Int
    private(set) var removed: [CustomerRows] = []
    private(set) var inserted: [CustomerRows] = []
    /// Customers whose batch events had to be sorted, and customers folded again from the log.
    private(set) var sorted = 0, refolded = 0

    init(groups: BatchProjector.Grouped, projection: any CustomerProjection, notes: [BatchNote]) {
        self.groups = groups
        self.projection = projection
        self.notes = notes
        blockSize = BatchProjector.blockSize(customers: groups.customers.count)
        blocks = (groups.customers.count + blockSize - 1) / blockSize
    }

    mutating func copyStoredValues(_ values: Database<UInt32, [UInt8]>, in txn: WriteTransaction) throws {
        storedEnds.reserveCapacity(groups.customers.count)
        try values.withCursor(in: txn) { cursor in
            for c in groups.customers {
                if let entry = try cursor.seek(exactly: c) { stored.append(contentsOf: entry.value) }
                storedEnds.append(stored.count)
            }
        }
    }

    private func storedValue(_ r: Int, in all: UnsafeRawBufferPointer) -> ByteView? {
        let start = r == 0 ? 0 : storedEnds[r - 1], end = storedEnds[r]
        return start == end ? nil : ByteView(UnsafeRawBufferPointer(rebasing: all[start..<end]))
    }

    /// Folds the blocks on two threads and writes them here in key order; `meanwhile` runs here first.
    mutating func run(arena: UnsafeRawBufferPointer, databases: ProjectionDatabases, schema: StoreSchema,
                      in txn: WriteTransaction, meanwhile: () throws -> Void) throws {
        let storedCopy = stored
        try storedCopy.withUnsafeBytes { storedBytes in
            try databases.values.withCursor(in: txn) { cursor in
                var putter = try AscendingPutter(cursor)
                var writer = FoldScratch(projection)  // this thread's folder for customers folded again
                var blockStart = 0  // the rank of the first customer of the block being written
                let this = self
                try foldBlocksInOrder(blocks, projection: projection, meanwhile: meanwhile, fold: { b, scratch in
                    try this.foldBlock(b, arena: arena, stored: storedBytes, scratch: &scratch)
                }) { block in
                    try write(block, firstRank: blockStart, stored: storedBytes, putter: &putter, folder: &writer,
                              schema: schema, in: txn)
                    blockStart += block.ends.count
                }
            }
        }
    }

    /// Folds the customers of block `b` onto their stored values (runs on either thread).
    private func foldBlock(_ b: Int, arena: UnsafeRawBufferPointer, stored: UnsafeRawBufferPointer,
                           scratch: inout FoldScratch) throws -> FoldedBlock {
        let customers = groups.customers
        let lo = b * blockSize, hi = min(customers.count, lo + blockSize)
        var block = FoldedBlock(firstCustomer: customers[lo])  // positions name their customers
        block.customers = Array(customers[lo..<hi])
        // The batch's records lie in the arena in arrival order, so a customer's are scattered:
        // reading each cost a cache miss or two, one after another, most of the fold's time. Loading
        // the records of the customers a few places ahead, independent loads the processor
        // overlaps, has them in cache when folded.
        var loaded: UInt64 = 0
        func load(_ r: Int) {
            guard r < hi else { return }
            for n in Int(groups.first[r])..<Int(groups.first[r + 1]) {
                let i = Int(groups.order[n])
                loaded &+= UInt64(arena[notes[i].start + 2]) &+ UInt64(notes[i].length)
            }
        }
        for r in lo..<min(hi, lo + BatchProjector.loadAhead) { load(r) }
        var places: [RecordPlace] = []
        swap(&places, &scratch.places)
        defer { swap(&places, &scratch.places) }
        for r in lo..<hi {
            load(r + BatchProjector.loadAhead)
            places.removeAll(keepingCapacity: true)
            for n in Int(groups.first[r])..<Int(groups.first[r + 1]) {
                let note = notes[Int(groups.order[n])]
                places.append(RecordPlace(start: arena.baseAddress! + note.start, length: UInt32(note.length)))
            }
            try places.withUnsafeMutableBufferPointer { run in
                if !RecordRun(UnsafeBufferPointer(run)).isStrictlyAscending {
                    try RecordRun.sortIntoFoldOrder(run)
                    block.refolded += 1
                }
                let records = RecordRun(UnsafeBufferPointer(run))
                switch try scratch.folder.fold(stored: storedValue(r, in: stored), records: records, into: &block.bytes) {
                case .folded(let before, let after):
                    CustomerRows.change(of: customers[r], from: before, to: after, removing: &block.removed, inserting: &block.rows)
                case .notAfterStored:
                    block.refolds.append(r - lo)
                }
            }
            block.ends.append(Int32(block.bytes.count))
        }
        block.loaded = loaded
        return block
    }

    /// Writes a folded block's values in key order; customers whose new events were not after their
    /// stored value are folded again here, from their whole history.
    private mutating func write(_ block: FoldedBlock, firstRank: Int, stored: UnsafeRawBufferPointer,
                                putter: inout AscendingPutter, folder: inout FoldScratch, schema: StoreSchema,
                                in txn: WriteTransaction) throws {
        var refolds = block.refolds.makeIterator(), nextRefold = refolds.next()
        var value: [UInt8] = []
        try block.bytes.withUnsafeBytes { all in
            var start = 0
            for (k, end) in block.ends.enumerated() {
                let customer = block.customers[k]
                if k == nextRefold {
                    nextRefold = refolds.next()
                    // Only customers with a stored value are folded again from the log.
                    guard let before = storedValue(firstRank + k, in: stored) else {
                        throw JourneyError(.corrupted, "a customer without a stored value was not folded from the batch")
                    }
                    value.removeAll(keepingCapacity: true)
                    let rows = try Self.foldHistory(of: customer, schema: schema, folder: &folder, into: &value, in: txn)
                    try value.withUnsafeBytes { _ = try putter.put(customer, bytes: $0) }
                    CustomerRows.change(of: customer, from: try folder.folder.rows(of: before), to: rows,
                                        removing: &removed, inserting: &inserted)
                    refolded += 1
                } else {
                    _ = try putter.put(customer, bytes: UnsafeRawBufferPointer(rebasing: all[start..<Int(end)]))
                }
                start = Int(end)
            }
        }
        removed.append(contentsOf: block.removed)
        inserted.append(contentsOf: block.rows)
        sorted += block.refolded
    }

    /// Folds `customer`'s whole history from the log (read through `customer_events`) from scratch.
    static func foldHistory(of customer: UInt32, schema: StoreSchema, folder: inout FoldScratch, into value: inout [UInt8],
                            in txn: some ReadableTransaction) throws -> IndexRows {
        // Pointers into the map stay valid: nothing is written until the fold is done.
        var places = try schema.records(of: customer, in: txn).map { entry in
            RecordPlace(start: entry.record.bytes.baseAddress!, length: UInt32(entry.record.bytes.count))
        }
        var block = FoldedBlock(firstCustomer: customer)
        let rows = try places.withUnsafeMutableBufferPointer { try folder.foldFromScratch($0, into: &block) }
        value.append(contentsOf: block.bytes)
        return rows
    }
}
