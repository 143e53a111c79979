@_spi(Storage) import JourneyStorage

/// Every customer's facts as of a point in time — the clock T and the log position N — as the store
/// would have held them then (DESIGN §1): only events with time ≤ T and sequence ≤ N count, and a
/// customer with no such event does not exist.
///
/// Stored facts hold for a customer whose newest event is at or before T and who has no event after
/// N; the others (the view's *changed* customers) are folded again from their events within the
/// bound. When few customers changed, each is folded from `customer_events`; when many did, the
/// whole log is folded as a rebuild folds it, within the bound. The buyers' cut-offs (top percent,
/// RFM) are those of the population as of the point in time.
///
/// A view is immutable once built, so the threads of one export share it.
final class FactsView: @unchecked Sendable {
    // @unchecked: every stored property is set once in init and only read afterwards.
    /// The clock T, epoch milliseconds.
    let asOf: Int64
    /// The events that count.
    let bound: LogBound
    let population: Population
    private let source: Source
    /// The customers with an event past the bound, ascending (those whose stored facts do not hold).
    let changedCustomers: [UInt32]

    enum Source {
        /// The stored facts hold for every customer.
        case stored
        /// Stored facts, but for the customers listed (`nil`: no event within the bound).
        case changed([UInt32: CustomerFacts?])
        /// Every customer's facts folded from the log within the bound; block k holds customers
        /// 1 + k × ``LogFold/blockSize`` onwards.
        case folded([FoldedBlock])
    }

    init(asOf: Int64, bound: LogBound, population: Population, source: Source, changedCustomers: [UInt32]) {
        self.changedCustomers = changedCustomers
        self.asOf = asOf
        self.bound = bound
        self.population = population
        self.source = source
    }

    /// Whether the stored facts and the indexes describe this view (so the indexes may narrow a filter).
    var isStored: Bool {
        if case .stored = source { true } else { false }
    }

    /// Whether the view was folded from the whole log (rather than from the changed customers').
    var isFoldedFromLog: Bool {
        if case .folded = source { true } else { false }
    }

    /// Customers folded again (or, for a view folded from the whole log, every customer).
    var changedCount: Int {
        switch source {
        case .stored: 0
        case .changed(let changed): changed.count
        case .folded(let blocks): blocks.reduce(0) { $0 + $1.ends.count }
        }
    }

    /// Customer `number`'s facts in this view, given their stored facts' bytes (`nil` when the
    /// customer does not exist as of the view).
    func facts(of number: UInt32, stored: ByteView, lists: Bool = true) throws -> CustomerFacts? {
        switch source {
        case .stored:
            return try CustomerFacts(decoding: stored, lists: lists)
        case .changed(let changed):
            if let facts = changed[number] { return facts }
            return try CustomerFacts(decoding: stored, lists: lists)
        case .folded(let blocks):
            let position = Int(number) - 1
            let k = position >> LogFold.blockShift
            guard number > 0, k < blocks.count else { return nil }
            return try blocks[k].withValue(at: position - k << LogFold.blockShift) { bytes in
                try bytes.map { bytes throws(JourneyError) in try CustomerFacts(decoding: bytes, lists: lists) }
            }
        }
    }
}
