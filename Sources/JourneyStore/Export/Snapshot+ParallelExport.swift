@_spi(Storage) import JourneyStorage
import Dispatch
import Synchronization

/// Blocks of formatted lines handed from the helper thread to the writing one, at most two ahead.
private final class BlockChannel: Sendable {
    private let blocks = Mutex<[Int: (lines: [String], skipped: ExportSkips)]>([:])
    private let failed = Mutex(false)
    private let ready = DispatchSemaphore(value: 0)
    let room = DispatchSemaphore.raised(to: 2)
    let cancelled = Mutex(false)

    func put(_ k: Int, _ lines: [String], _ skipped: ExportSkips) {
        blocks.withLock { $0[k] = (lines, skipped) }
        ready.signal()
    }

    /// The helper could not read the same snapshot, or failed: the writer does its blocks itself.
    func fail() {
        failed.withLock { $0 = true }
        ready.signal()
    }

    /// Block `k`, or `nil` when the helper failed.
    func take(_ k: Int) -> (lines: [String], skipped: ExportSkips)? {
        while true {
            if let block = blocks.withLock({ $0.removeValue(forKey: k) }) {
                room.signal()
                return block
            }
            if failed.withLock({ $0 }) { return nil }
            ready.wait()
        }
    }
}

extension Snapshot {
    /// Customers per block of a parallel export.
    static let exportBlockCustomers = 2048

    /// A full-scan export on two cores: a helper thread opens a read transaction on the same
    /// snapshot (same LMDB transaction id; otherwise it steps aside) and formats every other block of
    /// customers while this thread formats the rest and writes all blocks in order. At most two
    /// blocks wait, so memory stays constant.
    func exportInParallel(filter: Filter, asOf t: Int64, writer: ExportWriter, lists: Bool, to sink: LineSink) throws -> ExportReport {
        let customers = Int(try schema.metaUInt32(MetaKey.nameCount(.customer), in: txn) ?? 0)
        let blocks = (customers + Self.exportBlockCustomers - 1) / Self.exportBlockCustomers
        let snapshotID = txn.snapshotID
        let position = positionBound
        let channel = BlockChannel()
        let group = DispatchGroup()
        let store = self.store
        let evaluation = self.evaluation
        group.enter()
        DispatchQueue.global().async {
            defer { group.leave() }
            do {
                try store.env.read { helperTxn in
                    guard helperTxn.snapshotID == snapshotID else { channel.fail(); return }
                    let helper = try Snapshot(store: store, txn: helperTxn, position: position)
                    helper.evaluation = evaluation
                    for k in stride(from: 1, to: blocks, by: 2) {
                        channel.room.wait()
                        if channel.cancelled.withLock({ $0 }) { return }
                        let (lines, skipped) = try helper.formatBlock(k, filter: filter, asOf: t, writer: writer, lists: lists)
                        channel.put(k, lines, skipped)
                    }
                }
            } catch {
                channel.fail()
            }
        }
        defer {
            channel.cancelled.withLock { $0 = true }
            channel.room.signal()
            channel.room.signal()
            group.wait()
        }
        var report = ExportReport()
        for k in 0..<blocks {
            let block = try k % 2 == 1 ? channel.take(k) ?? formatBlock(k, filter: filter, asOf: t, writer: writer, lists: lists)
                                       : formatBlock(k, filter: filter, asOf: t, writer: writer, lists: lists)
            for line in block.lines { try sink.write(line: line) }
            report.written += block.lines.count
            report.add(block.skipped)
        }
        return report
    }

    /// The lines of the customers numbered in block `k` that match `filter`.
    private func formatBlock(_ k: Int, filter: Filter, asOf t: Int64, writer: ExportWriter, lists: Bool) throws -> (lines: [String], skipped: ExportSkips) {
        let first = UInt32(k * Self.exportBlockCustomers + 1), last = UInt32((k + 1) * Self.exportBlockCustomers)
        var lines: [String] = []
        var skipped = ExportSkips()
        lines.reserveCapacity(Self.exportBlockCustomers)
        try schema.facts.forEachView(in: txn, from: first) { key, value in
            guard let number = key.bigEndian(as: UInt32.self), key.count == 4 else { throw RecordReader.corrupt }
            guard number <= last else { return false }
            guard let facts = try self.facts(of: number, stored: value, asOf: t, lists: lists) else { return true }
            let id = try schema.name(.customer, number, in: txn)
            let p = try profile(number: number, id: id, facts: facts, asOf: t, lists: lists)
            guard filter.matches(p) else { return true }
            let outcome = writer.outcome(p, currency: store.currency)
            if case .line(let line) = outcome { lines.append(line) } else { skipped.count(outcome) }
            return true
        }
        return (lines, skipped)
    }
}
