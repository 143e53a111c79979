import Dispatch
import Synchronization

/// One worker's reusable fold state: its projection's folder and the buffers a block's fold reuses.
package struct FoldScratch {
    package var folder: any CustomerFolder
    package var places: [RecordPlace] = []
    package var fill: [Int32] = []
    /// Per customer of a block, where its records start in ``sorted`` (then end, once placed).
    package var byteFill: [Int] = []
    /// A block's records, in customer order.
    package var sorted: [UInt8] = []
    package var lastBlockBytes = 0

    package init(_ projection: any CustomerProjection) { folder = projection.makeFolder() }

    /// Folds one customer's records at `places` from scratch (sorting them into fold order first when
    /// they are not in it), appends the value to `block` and returns its index rows.
    package mutating func foldFromScratch(_ places: UnsafeMutableBufferPointer<RecordPlace>, into block: inout FoldedBlock) throws -> IndexRows {
        if !RecordRun(UnsafeBufferPointer(places)).isStrictlyAscending {
            try RecordRun.sortIntoFoldOrder(places)
            block.refolded += 1
        }
        switch try folder.fold(stored: nil, records: RecordRun(UnsafeBufferPointer(places)), into: &block.bytes) {
        case .folded(_, let after): return after
        case .notAfterStored: throw JourneyError(.corrupted, "a projection refused to fold a customer from scratch")
        }
    }
}

/// A customer's index rows, as folded.
package struct CustomerRows {
    package var customer: UInt32
    package var rows: IndexRows

    package init(customer: UInt32, rows: IndexRows) {
        self.customer = customer
        self.rows = rows
    }

    /// Notes a customer's rows changing from `old` to `new`: the rows to remove and to insert, if
    /// they differ (the index writer compares slot by slot).
    package static func change(of customer: UInt32, from old: IndexRows, to new: IndexRows,
                               removing: inout [CustomerRows], inserting: inout [CustomerRows]) {
        guard new != old else { return }
        if !old.isEmpty { removing.append(CustomerRows(customer: customer, rows: old)) }
        if !new.isEmpty { inserting.append(CustomerRows(customer: customer, rows: new)) }
    }
}

/// Folds blocks `0 ..< blocks` with `foldBlock`, on the calling thread and a helper thread, and
/// calls `body` on the calling thread with each folded block, in block order, while the next
/// blocks fold. `foldBlock` runs on both threads at once: it may only read shared state.
/// `meanwhile` runs on the calling thread first, while the helper (there is one for two blocks or
/// more) folds.
package func foldBlocksInOrder(_ blocks: Int, projection: any CustomerProjection, meanwhile: () throws -> Void = {},
                               fold foldBlock: (Int, inout FoldScratch) throws -> FoldedBlock,
                       _ body: (FoldedBlock) throws -> Void) throws {
    guard blocks > 0 else { return try meanwhile() }
    try withoutActuallyEscaping(foldBlock) { foldBlock in
        let shared = UnsafeSendable(foldBlock)
        let next = Atomic<Int>(0)
        let stop = Atomic<Bool>(false)
        let done = Mutex<[FoldedBlock?]>(Array(repeating: nil, count: blocks))
        let failure = Mutex<(any Error)?>(nil)
        let finished = DispatchSemaphore(value: 0)
        let helperDone = DispatchGroup()

        @Sendable func work() {
            var scratch = FoldScratch(projection)
            while !stop.load(ordering: .relaxed) {
                let b = next.wrappingAdd(1, ordering: .relaxed).oldValue
                guard b < blocks else { return }
                do {
                    let block = try shared.value(b, &scratch)
                    done.withLock { $0[b] = block }
                } catch {
                    failure.withLock { $0 = $0 ?? error }
                    stop.store(true, ordering: .relaxed)
                }
                finished.signal()
            }
        }
        if blocks > 1 { DispatchQueue.global().async(group: helperDone) { work() } }
        defer {
            stop.store(true, ordering: .relaxed)
            helperDone.wait()  // the helper runs foldBlock, which must not outlive this call
        }
        try meanwhile()
        var scratch = FoldScratch(projection)
        var written = 0
        while written < blocks {
            if let error = failure.withLock({ $0 }) { throw error }
            if let block = done.withLock({ b -> FoldedBlock? in let x = b[written]; b[written] = nil; return x }) {
                try body(block)
                written += 1
                continue
            }
            // Not ready: fold the next block here, or wait for the helper's.
            let b = next.wrappingAdd(1, ordering: .relaxed).oldValue
            if b < blocks {
                let block = try foldBlock(b, &scratch)
                done.withLock { $0[b] = block }
            } else {
                finished.wait()
            }
        }
    }
}

/// The encoded values of a block of customers: consecutive ones from ``LogFold/fold(_:)``, or those
/// listed in ``customers`` (the live projector's).
package struct FoldedBlock {
    package let firstCustomer: UInt32
    /// When not empty, the customer of each position; otherwise position k is `firstCustomer + k`.
    package var customers: [UInt32] = []
    /// The encoded values, one after another.
    package var bytes: [UInt8] = []
    /// Per customer of the block, the end of its value in `bytes`; a customer without events (or,
    /// in the live projector's, one to fold again from the log: see ``refolds``) has an empty range.
    package var ends: [Int32] = []
    /// Index rows: every customer's with rows in a full fold; those that changed in the live projector's.
    package var rows: [CustomerRows] = []
    /// The live projector's: rows to remove (the customers' rows before this batch).
    package var removed: [CustomerRows] = []
    /// The live projector's: positions of customers whose batch events are not after their stored
    /// value, to be folded again from their whole history.
    package var refolds: [Int] = []
    /// Customers whose events were sorted before folding.
    package var refolded = 0
    /// What the live projector's loads ahead read, kept so that they are not optimised away.
    package var loaded: UInt64 = 0

    package init(firstCustomer: UInt32) { self.firstCustomer = firstCustomer }

    /// Calls `body` with the value at `position` (the customer `firstCustomer + position` of a full
    /// fold), or with `nil` when that customer has none.
    package func withValue<R>(at position: Int, _ body: (ByteView?) throws -> R) rethrows -> R {
        guard position >= 0, position < ends.count else { return try body(nil) }
        let start = position == 0 ? 0 : Int(ends[position - 1]), end = Int(ends[position])
        guard end > start else { return try body(nil) }
        return try bytes.withUnsafeBytes { all in try body(ByteView(UnsafeRawBufferPointer(rebasing: all[start..<end]))) }
    }

    /// Calls `body` with each customer that has a value and the value's bytes.
    package func forEachCustomer(_ body: (UInt32, ByteView) throws -> Void) rethrows {
        try bytes.withUnsafeBytes { all in
            var start = 0
            for (k, end) in ends.enumerated() {
                let end = Int(end)
                if end > start {
                    let customer = customers.isEmpty ? firstCustomer + UInt32(k) : customers[k]
                    try body(customer, ByteView(UnsafeRawBufferPointer(rebasing: all[start..<end])))
                }
                start = end
            }
        }
    }
}
