import Testing
import LMDB
@testable import JourneyStore
@_spi(Storage) import JourneyStorage

/// The compact index entries of `event_ids`, and the idempotency check built on them.
@Suite struct LogLayoutTests {
    @Test func idEntriesRoundTripAndReadBackByHashThenSequence() throws {
        var rng = SeededRandom(seed: 41)
        var entries: [IDEntry] = []
        for k in 0..<3000 {
            // Some share their kept hash bits, to order by sequence.
            let hash = k % 10 == 0 && !entries.isEmpty ? entries[k / 2].hash : rng.next()
            let entry = IDEntry(hash: hash, sequence: rng.next() & StoredSequence.max)
            // A run stores the value's `IDEntry.size` native bytes.
            let value = entry.value
            #expect(MemoryLayout.size(ofValue: value) == IDEntry.size)
            let decoded = IDEntry(bucket: entry.bucket, value: value)
            #expect(decoded == entry)
            entries.append(entry)
        }
        #expect(IDEntry(hash: 0xFFFF_FFFF_FFFF_FFFF, sequence: 7).hash == 0xFFFF_FFFF_0000_0000)
        #expect(IDEntry(hash: 0xAB00_0000_0000_0000, sequence: 7).bucket == 0xAB)
        // Inserted in random order, they read back in (hash, sequence) order.
        let t = try TemporaryStore()
        try t.store.env.write { txn in try t.store.schema.insertIDEntries(entries, in: txn) }
        var stored: [IDEntry] = []
        try t.store.env.read { txn in try t.store.schema.forEachIDEntry(in: txn, ordered: true) { stored.append($0) } }
        #expect(stored == entries.sorted { ($0.bucket, $0.hash, $0.sequence) < ($1.bucket, $1.hash, $1.sequence) })
    }

    @Test func storedSequencesRoundTripAtTheLimits() throws {
        for value in [0, 1, 255, 256, 1 << 32, StoredSequence.max] as [UInt64] {
            let back = try StoredSequence(value).withBytes { try StoredSequence(lmdbBytes: $0) }
            #expect(back.value == value)
        }
    }

    /// An id whose hash matches a stored entry is a duplicate only when the stored event has that id.
    @Test func aHashCollisionIsNotADuplicate() throws {
        let t = try TemporaryStore()
        _ = try t.store.ingest(IngestTests.lines)
        let newID = "e-colliding"
        let hash = Array(newID.utf8).withUnsafeBytes { stableHash64($0) }
        // Pretend event 1 ("e1") had the same hash as the new id.
        try t.store.env.write { txn in
            try t.store.schema.insertIDEntries([IDEntry(hash: hash, sequence: 1)], in: txn)
        }
        let line = #"{"id":"e-colliding","type":"email_open","customer":"c2","time":"2026-03-03T08:00:00Z"}"# + "\n"
        let first = try t.store.ingest(line)
        #expect(first.appended == 1)
        #expect(first.duplicates == 0)
        let again = try t.store.ingest(line)
        #expect(again.appended == 0)
        #expect(again.duplicates == 1)
        #expect(try t.store.events(of: "c2").count == 2)
    }
}

@Suite struct FoldHelperTests {
    /// Whatever the order and repeats of inserts, and across the normalizations a long run of
    /// inserts triggers, the set reads as the sorted distinct values, and its storage stays bounded.
    @Test(arguments: [0, 1, 50, 1023, 1024, 5000, 40_000])
    func numberSetReadsSortedAndDistinct(inserts: Int) {
        var rng = SeededRandom(seed: UInt64(inserts) + 11)
        var set = NumberSet(), reference = Set<UInt32>()
        let range = UInt64(max(1, inserts / 3))
        for _ in 0..<inserts {
            let v = UInt32(rng.next() % range) + 1
            set.insert(v)
            reference.insert(v)
            #expect(set.values.count <= max(NumberSet.normalizeAtLeast, 2 * reference.count))
        }
        #expect(set.sorted == reference.sorted())
        set.normalize()
        #expect(set.values == reference.sorted())
        set.removeAll()
        #expect(set.isEmpty && set.sorted.isEmpty)
    }
}

@Suite struct SortNumbersTests {
    /// Every path (insertion sort, quicksort, the radix sort for long lists of small values) sorts
    /// like the standard library, with and without many repeats.
    @Test(arguments: [0, 1, 23, 24, 255, 256, 3000], [UInt64(16), 1 << 22, 1 << 32])
    func agreesWithTheStandardSort(count: Int, range: UInt64) {
        var rng = SeededRandom(seed: UInt64(count) ^ range)
        var values = (0..<count).map { _ in UInt32(truncatingIfNeeded: rng.next() % range) }
        let expected = values.sorted()
        values.withUnsafeMutableBufferPointer { sortNumbers($0) }
        #expect(values == expected)
    }
}

@Suite struct IndexImageTests {
    /// Each index's keys come out in LMDB's byte order (what `MDB_APPEND` needs), whatever the
    /// buyers' order, with many ties on spend, time and order count, and ids of different lengths.
    @Test(arguments: [3, 300, 6000])
    func keysComeOutInByteOrder(buyers count: Int) throws {
        var rng = SeededRandom(seed: UInt64(count))
        var buyers: [CustomerRows] = []
        var ids: [UInt32: [UInt8]] = [:]
        var expectedSpendKeys = Set<[UInt8]>()
        for c in (1...UInt32(count)).shuffled(using: &rng) {
            var facts = CustomerFacts()
            facts.gross = Int128(rng.next() % 40) * 500
            facts.refunded = 1000
            facts.purchaseTimes = Array(repeating: Int64(rng.next() % 50) * 86_400_000, count: Int(rng.next() % 6) + 1)
            buyers.append(CustomerRows(customer: c, rows: FactsProjection.rows(facts, policy: FoldPolicy(Policy()))))
            // Short ids, and long ones sharing their first 8 bytes (compared past the radix sorts).
            ids[c] = Array((c % 2 == 0 ? "c\(rng.next() % 100_000)-\(c)" : "customer-\(rng.next() % 1000)-\(c)").utf8)
            expectedSpendKeys.insert(IndexKeys.spend(facts.netSpend, customerID: ids[c]!))
        }
        let image = try IndexImage(buyers, indexes: FactsProjection.indexes) { body in
            for (k, b) in buyers.enumerated() { try ids[b.customer]!.withByteView { try body(k, $0) } }
        }
        func keys(_ index: Int) -> [[UInt8]] {
            var out: [[UInt8]] = []
            image.forEachKey(ofIndex: index) { out.append($0.array) }
            return out
        }
        for (k, index) in FactsProjection.indexes.enumerated() {
            let sorted = keys(k)
            let rows = buyers.filter { $0.rows[k] != nil }.count
            #expect(sorted.count == rows && (k == FactsProjection.byDueSlot || rows == count), "\(index.name) has a row of every buyer (by_due: of those with a rhythm)")
            #expect(zip(sorted, sorted.dropFirst()).allSatisfy { $0.lexicographicallyPrecedes($1) }, "\(index.name) in byte order")
        }
        #expect(Set(keys(0)) == expectedSpendKeys, "each by_spend key is its customer's spend and id")
    }
}

@Suite struct RadixSortTests {
    /// Stable, and equal to a comparison sort on the same bits, for small and large inputs.
    @Test(arguments: [0, 1, 7, 255, 256, 3000])
    func sortsStablyOnTheGivenBits(count: Int) {
        var rng = SeededRandom(seed: UInt64(count) + 3)
        // Few distinct keys, so stability is exercised; the low 4 bits are outside the sort.
        let items = (0..<count).map { k in (key: (rng.next() % 50) << 58 | rng.next() & 0xF, position: k) }
        var sorted = items
        radixSort(&sorted, bits: 4..<64) { $0.key }
        let expected = items.sorted { a, b in
            a.key >> 4 != b.key >> 4 ? a.key >> 4 < b.key >> 4 : a.position < b.position
        }
        #expect(sorted.map(\.position) == expected.map(\.position))
    }

    /// Keys of 17 and 60 varying bits, past 65,536 items: the bits spread over the passes (two of 9,
    /// four of 15) still give the stable order.
    @Test(arguments: [17, 60])
    func sortsWideKeysStablyInEvenPasses(bits: Int) {
        var rng = SeededRandom(seed: UInt64(bits))
        let items = (0..<70_000).map { k in (key: rng.next() >> UInt64(64 - bits) & ~0x3, position: k) }
        var sorted = items
        radixSort(&sorted, bits: 0..<64) { $0.key }
        let expected = items.sorted { a, b in a.key != b.key ? a.key < b.key : a.position < b.position }
        #expect(sorted.map(\.position) == expected.map(\.position))
    }

    /// Uniform keys (with repeats), and keys sharing their top bits (one large bucket), come out
    /// ordered by key and then by the tie-breaker.
    @Test(arguments: [0, 1, 2, 3, 4, 100, 40_000, 65_536, 70_000])
    func uniformKeySortOrdersByKeyThenTie(count: Int) {
        var rng = SeededRandom(seed: UInt64(count) + 11)
        for skewed in [false, true] {
            let items = (0..<count).map { k -> (key: UInt64, tie: UInt64) in
                let key = k % 7 == 0 && k > 0 ? UInt64(k - 1) : rng.next()  // some keys repeat (as k - 1)
                return (skewed ? key >> 20 : key, UInt64(count - k))
            }
            var sorted = items
            sortUniformKeys(&sorted, key: { $0.key }, tie: { $0.tie })
            let expected = items.sorted { a, b in a.key != b.key ? a.key < b.key : a.tie < b.tie }
            #expect(sorted.map(\.tie) == expected.map(\.tie), "skewed: \(skewed)")
        }
    }
}

extension RadixSortTests {
    /// Names of every kind, sorted on the name cache's key (kind, first 7 bytes) and then compared in
    /// full where those agree (shared prefixes, one name a prefix of another, empty names), come out
    /// in the order of their `names` keys: the kind's byte, then the name's bytes.
    @Test(arguments: [0, 1, 300, 5000])
    func namesSortInKeyOrder(count: Int) {
        var rng = SeededRandom(seed: UInt64(count) + 21)
        let stems = ["c00761", "customer-", "", "p", "ab\u{0}"]
        let names = (0..<count).map { _ -> (kind: NameKind, name: [UInt8]) in
            let name = Array((stems[Int(rng.next() % 5)] + String(rng.next() % 1000, radix: 16)).utf8).prefix(Int(rng.next() % 14))
            return (NameKind.allCases[Int(rng.next() % UInt64(NameKind.allCases.count))], Array(name))
        }
        func storedKey(_ n: (kind: NameKind, name: [UInt8])) -> [UInt8] { [n.kind.rawValue] + n.name }
        var sorted = names
        sortByKeyThenComparing(&sorted, key: { n in n.name.withUnsafeBytes { NameCache.sortKey(n.kind, $0) } },
                               by: { storedKey($0).lexicographicallyPrecedes(storedKey($1)) })
        #expect(sorted.map(storedKey) == names.map(storedKey).sorted { $0.lexicographicallyPrecedes($1) })
    }
}

@Suite struct HashIndexTests {
    /// Agrees with a Dictionary through several growths, with colliding low bits and the key 0.
    @Test func agreesWithADictionary() {
        var rng = SeededRandom(seed: 5)
        var index = HashIndex(capacity: 4)
        var reference: [UInt64: UInt64] = [:]
        for k in 0..<5000 {
            // Every third key shares its low 16 bits with another, so probes run past occupied slots.
            let key = k == 17 ? 0 : (k % 3 == 0 ? (rng.next() << 16) | 0xBEEF : rng.next())
            guard reference[key] == nil else { continue }
            index.insert(key, UInt64(k))
            reference[key] = UInt64(k)
        }
        #expect(index.count == reference.count)
        for (key, value) in reference { #expect(index.value(for: key) == value) }
        for _ in 0..<1000 {
            let absent = rng.next()
            if reference[absent] == nil { #expect(index.value(for: absent) == nil) }
        }
        index.removeAll()
        #expect(index.count == 0 && index.value(for: 0) == nil)
    }
}

/// `customer_events` in runs (store format 4).
@Suite struct CustomerRunsTests {
    /// Every (customer, sequence) pair and the runs holding them, read back from the database.
    private func stored(_ t: TemporaryStore) throws -> (pairs: [[UInt64]], runs: [(customer: UInt32, first: UInt64, bytes: Int)]) {
        try t.store.env.read { txn in
            var pairs: [[UInt64]] = [], runs: [(UInt32, UInt64, Int)] = []
            try t.store.schema.forEachCustomerEvent(in: txn) { c, s in pairs.append([UInt64(c), s]) }
            try t.store.schema.customerEvents.forEach(in: txn) { key, value in
                let k = try CustomerRuns.Key(bytes: key)
                runs.append((k.customer, k.first, value.count))
                return true
            }
            return (pairs, runs)
        }
    }

    /// Batches that extend runs, a long batch that fills several, customers above and below the
    /// stored ones: every sequence comes back once, in order, each customer's runs filled to their
    /// limit before the next starts.
    @Test func appendsExtendRunsAndReadBackInOrder() throws {
        let t = try TemporaryStore()
        let schema = t.store.schema
        var rng = SeededRandom(seed: 5)
        var expected: [UInt32: [UInt64]] = [:]
        var next: UInt64 = 1
        // Customer 7 gets two thirds of the sequences (several runs), others a few each.
        for batch in 0..<6 {
            var customers: [UInt32: [UInt64]] = [:]
            let count = batch == 3 ? 900 : 40
            for _ in 0..<count {
                let c: UInt32 = rng.next() % 3 != 0 ? 7 : UInt32(1 + rng.next() % 20) + (batch == 5 ? 100 : 0)
                next += 1 + rng.next() % (batch == 2 ? 100_000 : 3)  // some differences take 3 varint bytes
                customers[c, default: []].append(next)
                expected[c, default: []].append(next)
            }
            try t.store.env.write { txn in
                try schema.customerEvents.withCursor(in: txn) { cursor in
                    var writer = try CustomerRuns.Writer(cursor)
                    for c in customers.keys.sorted() { try writer.append(c, customers[c]!) }
                }
            }
        }
        let (pairs, runs) = try stored(t)
        #expect(pairs == expected.keys.sorted().flatMap { c in expected[c]!.map { [UInt64(c), $0] } })
        for c in expected.keys {
            var back: [UInt64] = []
            try t.store.env.read { txn in try schema.forEachSequence(of: c, in: txn) { back.append($0) } }
            #expect(back == expected[c]!)
        }
        // Runs stay within their limit, and only a customer's last run may be less than nearly full.
        #expect(runs.allSatisfy { $0.bytes <= CustomerRuns.valueBytesMax })
        let sevens = runs.filter { $0.customer == 7 }
        #expect(sevens.count >= 3)
        #expect(sevens.dropLast().allSatisfy { $0.bytes > CustomerRuns.valueBytesMax - 10 })
        // Customers with few sequences are one run each, however many batches they came in.
        #expect(runs.filter { $0.customer == 3 }.count == 1)
    }

    /// Removing the sequences from some point on (a roll-back) truncates the run that straddles it
    /// and deletes the ones after it; a removal from 0 empties the customer.
    @Test func removingTheLogsEndTruncatesRuns() throws {
        let t = try TemporaryStore()
        let schema = t.store.schema
        let sequences = Array(stride(from: UInt64(10), to: 4000, by: 7))  // several runs
        try t.store.env.write { txn in
            try schema.setSequences(of: 2, to: sequences, in: txn)
            try schema.setSequences(of: 1, to: [1, 2, 3], in: txn)
            try schema.setSequences(of: 3, to: [5000], in: txn)
        }
        #expect(try stored(t).runs.filter { $0.customer == 2 }.count > 1)
        // Cuts on a sequence and between two, at a run's start and inside one.
        for cut in [3999, sequences[500], sequences[290], 600, sequences[1], 11, 10] as [UInt64] {
            try t.store.env.write { txn in try schema.removeSequences(of: 2, from: cut, in: txn) }
            let pairs = try stored(t).pairs
            #expect(pairs == [[1, 1], [1, 2], [1, 3]] + sequences.filter { $0 < cut }.map { [2, $0] } + [[3, 5000]], "cut \(cut)")
        }
        try t.store.env.write { txn in try schema.removeSequences(of: 1, from: 0, in: txn) }
        #expect(try stored(t).pairs == [[3, 5000]])
    }

    @Test func keysRoundTripAndSortByCustomerThenSequence() throws {
        let keys = [CustomerRuns.Key(1, 5), CustomerRuns.Key(1, 256), CustomerRuns.Key(1, StoredSequence.max),
                    CustomerRuns.Key(2, 0), CustomerRuns.Key(UInt32.max, 1 << 32)]
        let bytes = keys.map { $0.withBytes { Array($0) } }
        #expect(bytes.allSatisfy { $0.count == CustomerRuns.Key.size })
        #expect(try bytes.map { b in try b.withUnsafeBytes { try CustomerRuns.Key(bytes: $0) } } == keys)
        #expect(zip(bytes, bytes.dropFirst()).allSatisfy { $0.lexicographicallyPrecedes($1) })
    }
}

/// `event_ids` in sorted runs per bucket (store format 5).
@Suite struct IDRunsTests {
    private func runs(_ t: TemporaryStore) throws -> [UInt8: [Int]] {
        try t.store.env.read { txn in
            var sizes: [UInt8: [Int]] = [:]
            try t.store.schema.eventIDs.forEach(in: txn) { key, value in
                sizes[try IDRuns.Key(bytes: key).bucket, default: []].append(value.count / IDEntry.size)
                return true
            }
            return sizes
        }
    }

    private func expectedEntries(_ ids: Range<Int>) -> [IDEntry] {
        // `views(k)` has id "v\(k)" and, appended in order from an empty store, sequence k + 1.
        ids.map { k in IDEntry(hash: Array("v\(k)".utf8).withUnsafeBytes { stableHash64($0) }, sequence: UInt64(k + 1)) }
            .sorted { ($0.bucket, $0.hash, $0.sequence) < ($1.bucket, $1.hash, $1.sequence) }
    }

    /// Batches of very different sizes: each bucket's runs more than double in size from newest to
    /// oldest (so there are few), every id reads back once in order, and every stored id is found
    /// again as a duplicate (small batches into a larger store look every id up, without the filter).
    @Test func runsStayFewAndEveryIDIsFoundAgain() throws {
        let t = try TemporaryStore()
        let sizes = [5000] + Array(repeating: 1, count: 40) + Array(repeating: 37, count: 30) + [2000] + Array(repeating: 3, count: 50)
        var next = 0
        for n in sizes {
            try t.store.append(IDFilterTests.views(next..<next + n))
            next += n
        }
        let byBucket = try runs(t)
        #expect(byBucket.count == 256)
        for (bucket, counts) in byBucket {
            #expect(zip(counts, counts.dropFirst()).allSatisfy { $0 > IDRuns.mergeRatio * $1 }, "bucket \(bucket): \(counts)")
        }
        #expect(byBucket.values.map(\.count).max()! < 10)
        let stored = try t.store.env.read { txn in
            var entries: [IDEntry] = []
            try t.store.schema.forEachIDEntry(in: txn, ordered: true) { entries.append($0) }
            return entries
        }
        #expect(stored == expectedEntries(0..<next))
        let again = try t.store.append(IDFilterTests.views(0..<next))
        #expect(again.appended == 0)
        #expect(again.duplicates == next)
        #expect(try t.store.verify().isConsistent)
    }

    /// A roll-back of the log's end keeps exactly the entries below the cut, whichever runs hold them.
    @Test func removingTheLogsEndKeepsTheEntriesBelow() throws {
        let t = try TemporaryStore()
        for range in [0..<3000, 3000..<3100, 3100..<3110, 3110..<4000] { try t.store.append(IDFilterTests.views(range)) }
        for cut in [3950, 3105, 3101, 2000, 1] {
            try t.store.env.write { txn in try t.store.schema.removeIDEntries(from: UInt64(cut), in: txn) }
            let stored = try t.store.env.read { txn in
                var entries: [IDEntry] = []
                try t.store.schema.forEachIDEntry(in: txn, ordered: true) { entries.append($0) }
                return entries
            }
            #expect(stored == expectedEntries(0..<cut - 1), "cut \(cut)")
        }
    }

    /// A stored run at or past a new run's highest sequence (a store already corrupt) is an error,
    /// whatever the sizes: it is never merged into, nor overwritten by, the new run.
    @Test func aRunPastTheNewOnesIsAnError() throws {
        let t = try TemporaryStore()
        let bucket: UInt8 = 7
        let stored = (Array(1...9) + [150]).map { IDEntry(hash: UInt64(bucket) << 56 | UInt64($0) << 32, sequence: UInt64($0)) }
        try t.store.env.write { txn in try t.store.schema.insertIDEntries(stored, in: txn) }
        for newLast: UInt64 in [150, 120] {
            #expect(throws: JourneyError.self) {
                try t.store.env.write { txn in
                    try t.store.schema.eventIDs.withCursor(in: txn) { cursor in
                        var run = [IDEntry(hash: UInt64(bucket) << 56 | 1 << 40, sequence: newLast).value], spare: [UInt64] = []
                        try IDRuns.add(bucket, &run, cursor: cursor, spare: &spare)
                    }
                }
            }
        }
        let back = try t.store.env.read { txn in
            var entries: [IDEntry] = []
            try t.store.schema.forEachIDEntry(in: txn, ordered: true) { entries.append($0) }
            return entries
        }
        #expect(back == stored)
    }

    /// A run whose entries do not ascend is reported by verify, and the rest of the store still checked.
    @Test func verifyReportsAMalformedRun() throws {
        let t = try TemporaryStore()
        try t.store.append(IDFilterTests.views(0..<100))
        try t.store.env.write { txn in
            let descending: [UInt64] = [1 << 40 | 9, 1 << 40 | 8]
            try IDRuns.Key(0, 9).withBytes { key in
                try descending.withUnsafeBytes { _ = try t.store.schema.eventIDs.putBytes(Array(key), $0, in: txn) }
            }
        }
        let problems = try t.store.verify().problems
        #expect(problems.contains("event id index: event_ids holds a run whose entries do not ascend (bucket 0)"))
    }
}
