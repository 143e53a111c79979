import LMDB
import Synchronization

extension MetaKey {
    /// Bumped by every roll-back of an interrupted ingest: the events and names it deletes leave their
    /// sequence numbers and name numbers to others, so what a process cached of them is stale.
    /// Absent means 0.
    package static let rollBackEpoch = "roll_back_epoch"
}

/// The names readers have read, shared by every snapshot of a store: name numbers to strings, and per
/// kind the rank of each name in byte order, so a profile's product and category lists are sorted by
/// comparing integers rather than strings.
///
/// Committed names keep their numbers, except after the roll-back of an interrupted ingest, which
/// bumps the store's roll-back epoch (``MetaKey/rollBackEpoch``); a snapshot of another epoch than the
/// cache's empties the cache first.
package final class NameDirectory: Sendable {
    private struct State {
        var epoch: UInt64 = 0
        /// By kind, then number.
        package var names: [[String?]] = Array(repeating: [], count: NameKind.allCases.count)
        /// By kind, then number: the name's position among the kind's names in byte order. Covers
        /// numbers below `ranks[k].count`; it is read again from `names` when a list goes past it.
        var ranks: [[UInt32]] = Array(repeating: [], count: NameKind.allCases.count)

        mutating func enter(_ epoch: UInt64) {
            if epoch != self.epoch { self = State(); self.epoch = epoch }
        }
    }

    private let state = Mutex(State())

    package init() {}

    /// The names of `numbers`, in their order.
    // Concrete arrays and transaction: called from the product module, a generic here ran
    // unspecialized, instantiating generic metadata on every profile (issue 17's lookup regression).
    package func names(_ kind: NameKind, _ numbers: [UInt32], epoch: UInt64, schema: StoreSchema,
                       in txn: ReadTransaction) throws -> [String] {
        guard !numbers.isEmpty else { return [] }
        let k = Int(kind.rawValue)
        return try state.withLock { (s: inout State) throws -> [String] in
            s.enter(epoch)
            var out: [String] = []
            out.reserveCapacity(numbers.count)
            for n in numbers {
                let i = Int(n)
                if i < s.names[k].count, let name = s.names[k][i] { out.append(name); continue }
                let name = try schema.name(kind, n, in: txn)
                if i >= s.names[k].count { s.names[k].append(contentsOf: repeatElement(nil, count: i + 1 - s.names[k].count)) }
                s.names[k][i] = name
                out.append(name)
            }
            return out
        }
    }

    /// The names of `numbers`, sorted by their UTF-8 bytes (the order of the `names` database, and
    /// of `LC_ALL=C sort`), and for each the position in `numbers` it came from (to carry values
    /// that go with the numbers, such as times, into name order).
    package func sortedNamesAndOrder(_ kind: NameKind, _ numbers: [UInt32], epoch: UInt64, schema: StoreSchema,
                                     in txn: ReadTransaction) throws -> (names: [String], order: [Int]) {
        guard numbers.count > 1 else { return (try names(kind, numbers, epoch: epoch, schema: schema, in: txn), Array(numbers.indices)) }
        let k = Int(kind.rawValue)
        // (rank << 32 | position), sorted in place.
        var keyed = try state.withLock { (s: inout State) throws -> [UInt64] in
            s.enter(epoch)
            let highest = Int(numbers.max()!)
            if highest >= s.ranks[k].count { s.ranks[k] = try Self.ranks(of: kind, schema: schema, in: txn) }
            guard highest < s.ranks[k].count else {
                throw JourneyError(.corrupted, "name \(highest) of kind \(kind) is missing; run `journey verify`")
            }
            return s.ranks[k].withUnsafeBufferPointer { ranks in
                numbers.enumerated().map { UInt64(ranks[Int($0.element)]) << 32 | UInt64($0.offset) }
            }
        }
        keyed.sort()
        let order = keyed.map { Int(UInt32(truncatingIfNeeded: $0)) }
        return (try names(kind, order.map { numbers[$0] }, epoch: epoch, schema: schema, in: txn), order)
    }

    /// Rank by number of every name of `kind`, in one walk of `names` (its keys are kind + name bytes).
    private static func ranks(of kind: NameKind, schema: StoreSchema, in txn: ReadTransaction) throws -> [UInt32] {
        var ranks: [UInt32] = []
        var rank: UInt32 = 0
        // Numbers run from 1 to the kind's count: a damaged entry must not size the table.
        let count = Int(try schema.metaUInt32(MetaKey.nameCount(kind), in: txn) ?? 0)
        try schema.names.withCursor(in: txn) { cursor in
            var entry = try cursor.seek(atLeast: [kind.rawValue])
            while let (key, value) = entry, key.first == kind.rawValue {
                let n = Int(try UInt32(lmdbBytes: value))
                guard n >= 1, n <= count else {
                    throw JourneyError(.corrupted, "names holds number \(n) for a name of kind \(kind), which has \(count); run `journey verify`")
                }
                if n >= ranks.count { ranks.append(contentsOf: repeatElement(UInt32.max, count: n + 1 - ranks.count)) }
                ranks[n] = rank
                rank += 1
                entry = try cursor.next()
            }
        }
        return ranks
    }
}
