/// A projection: a value per customer, folded from the customer's events in (time, event id) order,
/// kept in its own database keyed by customer number, with secondary-index rows derived from it.
///
/// The projection says only what a customer's value is; the storage layer does the rest, the same
/// way for every projection: it groups a batch's events by customer, folds blocks of customers on
/// two cores, takes the fast path when a customer's new events come after its stored value and
/// folds the whole history again when they do not, folds the whole log for a rebuild, writes values
/// and index rows in key order, and lets `verify` compare everything with a fresh fold. See the
/// documentation article "Adding a projection".
package protocol CustomerProjection: Sendable {
    /// The database of the customers' values (customer number, big-endian → encoded value).
    var valueDatabase: String { get }
    /// The secondary indexes of the values, in the order of the slots of ``IndexRows``.
    var indexes: [SecondaryIndex] { get }
    /// A folder for one thread. Each worker of a fold makes one and reuses it for every customer.
    func makeFolder() -> any CustomerFolder
}

/// Folds customers, one after another, on one thread (its scratch state is reused). A value: a fold
/// keeps it in place and mutates it there (a class's stored properties are checked for exclusive
/// access at run time on every use).
package protocol CustomerFolder {
    /// Folds `records` — one customer's, in (time, event id) order — onto `stored` (`nil` for a
    /// customer without a value yet) and appends the encoded new value to `output`.
    ///
    /// - Returns: the index rows before and after, or ``FoldResult/notAfterStored`` (nothing
    ///   appended) when the first record is not after every event already folded into `stored`; the
    ///   pipeline then folds the customer's whole history from `nil`.
    /// - Throws: when a record or the stored value is malformed.
    mutating func fold(stored: ByteView?, records: RecordRun, into output: inout [UInt8]) throws -> FoldResult

    /// The index rows of a stored value.
    func rows(of stored: ByteView) throws -> IndexRows
}

/// What folding a customer did.
package enum FoldResult {
    /// The customer was folded; its index rows before and after.
    case folded(before: IndexRows, after: IndexRows)
    /// The records do not come after the stored value: fold the whole history again.
    case notAfterStored
}

/// A secondary index over a projection's values: each customer with a row has one key, its row's
/// value as `prefixBytes` big-endian bytes followed by the customer's number (4 bytes) or id bytes,
/// so LMDB's byte order is (value, customer).
package struct SecondaryIndex: Sendable, Equatable {
    package enum Suffix: Sendable, Equatable {
        /// The customer number, 4 bytes big-endian; the entry's value is empty.
        case customerNumber
        /// The customer id's bytes (ties ordered as the ids are); the entry's value is the customer number.
        case customerID
    }

    package var name: String
    /// Bytes of the row value at the start of the key, 1…16.
    package var prefixBytes: Int
    package var suffix: Suffix

    package init(name: String, prefixBytes: Int, suffix: Suffix) {
        precondition((1...16).contains(prefixBytes), "an index key starts with 1 to 16 bytes of its row value")
        self.name = name
        self.prefixBytes = prefixBytes
        self.suffix = suffix
    }
}

/// A customer's rows in a projection's secondary indexes: per index (slot k for index k), a value
/// or none. Fixed size, so a fold hands them over without allocating.
package struct IndexRows: Equatable, Sendable {
    package static let slotsMax = 4
    private var values: (UInt128, UInt128, UInt128, UInt128) = (0, 0, 0, 0)
    /// Bit k: slot k holds a row.
    private var present: UInt8 = 0

    package init() {}

    /// No rows at all.
    package static let none = IndexRows()

    package var isEmpty: Bool { present == 0 }

    package subscript(slot: Int) -> UInt128? {
        get {
            guard present & (1 << slot) != 0 else { return nil }
            switch slot {
            case 0: return values.0
            case 1: return values.1
            case 2: return values.2
            default: return values.3
            }
        }
        set {
            precondition(slot >= 0 && slot < Self.slotsMax, "index rows: slot \(slot) out of 0..<\(Self.slotsMax)")
            let v = newValue ?? 0
            switch slot {
            case 0: values.0 = v
            case 1: values.1 = v
            case 2: values.2 = v
            default: values.3 = v
            }
            if newValue == nil { present &= ~(1 << slot) } else { present |= 1 << slot }
        }
    }

    package static func == (a: IndexRows, b: IndexRows) -> Bool {
        a.present == b.present && (0..<slotsMax).allSatisfy { a[$0] == b[$0] }
    }
}
