@_spi(Storage) import JourneyStorage
/// The binary form of ``CustomerFacts`` in the `facts` database.
///
/// Layout, version 4: u8 version, then varints — events folded, first seen, last seen, signup + 1
/// (0: none), purchase count, purchase times (first, then deltas), gross, refunded (128-bit sums),
/// reactivations, cart abandons, last cart abandon + 1, last cart value, email opens, last email
/// open + 1, last seen − last view + 1 and last seen − last offer + 1 (0: none); a field mask (bit k:
/// AttributeField k, bit 10: interests, bits 11–14: consent) with the strings; six timed lists
/// (``ListKind``: bought products and categories, viewed products and categories, campaigns
/// opened, offers received) as count + per entry a number delta and last seen − its time; affinity
/// entry count, and per entry a category delta, the value's IEEE-754 bits (u64 little-endian) and
/// last seen − the entry's time; each purchase's total, in the purchase times' order (their count
/// is the purchase count). (Version 1 had 64-bit sums and one affinity time for all entries;
/// version 2 had four lists without times, and no views, offers or consent; version 3 no purchase
/// totals.)
extension CustomerFacts {
    static let formatVersion: UInt8 = 4

    func encode(into w: inout RecordWriter) {
        w.reset()
        w.write(upTo: encodingBound) { writer in encode(into: &writer) }
    }

    /// The most bytes these facts can encode to: 10 per varint (19 per 128-bit sum), 15 per list
    /// entry (a 32-bit delta and a time), 23 per affinity entry.
    private var encodingBound: Int {
        let entries = lists.reduce(0) { $0 + $1.entries.count }
        return 1 + 30 * 10 + 2 * 19 + 20 * purchaseTimes.count + text.count + 15 * entries + 23 * affinity.count
    }

    /// Appends the encoded facts to `bytes`, written into room for the largest encoding these
    /// facts can have (on the stack for most customers), then copied once.
    func encode(appendingTo bytes: inout [UInt8]) {
        bytes.appendEncoded(upTo: encodingBound) { w in encode(into: &w) }
    }

    private func encode(into w: inout ReservedWriter) {
        w.u8(Self.formatVersion)
        w.varint(UInt64(eventsFolded))
        w.varint(firstSeen)
        w.varint(lastSeen)
        w.varint(signup.map { $0 + 1 } ?? 0)
        w.varint(UInt64(purchaseTimes.count))
        var previous: Int64 = 0
        for t in purchaseTimes { w.varint(t - previous); previous = t }
        w.varint(gross)
        w.varint(refunded)
        w.varint(UInt64(reactivations))
        w.varint(UInt64(cartAbandons))
        w.varint(lastCartAbandon.map { $0 + 1 } ?? 0)
        w.varint(lastCartValue)
        w.varint(UInt64(emailOpens))
        w.varint(lastEmailOpen.map { $0 + 1 } ?? 0)
        w.varint(lastView.map { lastSeen - $0 + 1 } ?? 0)
        w.varint(lastOffer.map { lastSeen - $0 + 1 } ?? 0)
        var mask = ConsentBits.mask(email: emailConsent, ads: adsConsent)
        for (k, r) in textRanges.enumerated() where r.start >= 0 {
            mask |= k == Self.interestsSlot ? EventRecord.interestsBit : 1 << UInt64(k)
        }
        w.varint(mask)
        text.withByteView { all in
            for r in textRanges where r.start >= 0 { w.bytes(all[Int(r.start)..<Int(r.end)]) }
        }
        // Sorted copies only when the caller did not ``normalizeSets()`` (folds do).
        for list in lists { w.timedDeltas(list, newest: lastSeen) }
        w.varint(UInt64(affinity.count))
        var lastCategory: UInt32 = 0
        for entry in affinity.sortedEntries {
            w.varint(UInt64(entry.category - lastCategory))
            lastCategory = entry.category
            w.u64(entry.value.bitPattern)
            w.varint(lastSeen - entry.time)
        }
        for amount in purchaseAmounts { w.varint(amount) }
    }

    /// Decodes stored facts. Without `lists` the six timed lists are skipped (left empty):
    /// classification and most exports do not need them.
    init(decoding bytes: ByteView, lists: Bool = true) throws(JourneyError) {
        var r = RecordReader(bytes)
        self.init()
        try readCounts(&r, bytes: bytes.count)
        try readText(&r)
        try readLists(&r, bytes: bytes.count, keep: lists)
        try readAffinity(&r, bytes: bytes.count)
        try readPurchaseAmounts(&r)
        guard r.offset == bytes.count else { throw RecordReader.corrupt }
    }

    /// The time of the newest event folded into the stored facts `bytes`, read from their head
    /// alone (a point-in-time view asks it of every customer).
    static func lastSeen(of bytes: ByteView) throws(JourneyError) -> Int64 {
        var r = RecordReader(bytes)
        try readVersion(&r)
        guard try r.varint32() > 0 else { throw RecordReader.corrupt }
        let first = try readTime(&r), last = try readTime(&r)
        guard last >= first else { throw RecordReader.corrupt }
        return last
    }

    private static func readVersion(_ r: inout RecordReader) throws(JourneyError) {
        let version = try r.u8()
        guard version <= Self.formatVersion else {
            throw JourneyError(.newerFormat, "a facts record has format version \(version); this build reads up to \(Self.formatVersion): upgrade journey")
        }
        // An older layout is not read as this one (stores of another layout are refused on opening).
        guard version == Self.formatVersion else { throw RecordReader.corrupt }
    }

    private static func readTime(_ r: inout RecordReader) throws(JourneyError) -> Int64 {
        let v = try r.varint()
        guard v <= UInt64(Timestamp.max.millisecondsSinceEpoch) + 1 else { throw RecordReader.corrupt }
        return Int64(v)
    }

    private static func readOptionalTime(_ r: inout RecordReader) throws(JourneyError) -> Int64? {
        let v = try readTime(&r)
        return v == 0 ? nil : v - 1
    }

    /// A time stored as last seen − time + 1 (0: none), within the customer's events.
    private func readOptionalAge(_ r: inout RecordReader) throws(JourneyError) -> Int64? {
        let v = try r.varint()
        guard v <= UInt64(lastSeen - firstSeen) + 1 else { throw RecordReader.corrupt }
        return v == 0 ? nil : lastSeen - Int64(v - 1)
    }

    /// A count of items that each take at least a byte of the `bytes`-long record.
    private static func readCount(_ r: inout RecordReader, bytes: Int) throws(JourneyError) -> Int {
        let n = try r.varint()
        guard n <= UInt64(bytes) else { throw RecordReader.corrupt }
        return Int(n)
    }

    /// The version, counters, times and sums.
    private mutating func readCounts(_ r: inout RecordReader, bytes: Int) throws(JourneyError) {
        try Self.readVersion(&r)
        eventsFolded = try r.varint32()
        // Stored facts count at least one event: a fold starts afresh on facts that count none and
        // left the rest of them at odds with the new first event (issue 16, fuzzing).
        guard eventsFolded > 0 else { throw RecordReader.corrupt }
        firstSeen = try Self.readTime(&r)
        lastSeen = try Self.readTime(&r)
        guard lastSeen >= firstSeen else { throw RecordReader.corrupt }
        signup = try Self.readOptionalTime(&r)
        let purchases = try Self.readCount(&r, bytes: bytes)
        purchaseTimes.reserveCapacity(purchases)
        var previous: Int64 = 0
        for _ in 0..<purchases {
            previous += try Self.readTime(&r)
            // Within the customer's events, as a fold leaves them: a later one made the next
            // purchase folded onto these facts encode a negative delta (issue 16, fuzzing).
            guard previous >= firstSeen, previous <= lastSeen else { throw RecordReader.corrupt }
            purchaseTimes.append(previous)
        }
        gross = try r.amountSum()
        refunded = try r.amountSum()
        reactivations = try r.varint32()
        cartAbandons = try r.varint32()
        lastCartAbandon = try Self.readOptionalTime(&r)
        lastCartValue = try r.amount()
        emailOpens = try r.varint32()
        lastEmailOpen = try Self.readOptionalTime(&r)
        lastView = try readOptionalAge(&r)
        lastOffer = try readOptionalAge(&r)
        // Each counts events (a fold adds one to eventsFolded with each), so only eventsFolded can
        // reach the limit ``apply(_:policy:)`` checks: a larger one overflowed there (issue 16, fuzzing).
        guard reactivations <= eventsFolded, cartAbandons <= eventsFolded, emailOpens <= eventsFolded else { throw RecordReader.corrupt }
    }

    /// The six timed lists (``ListKind``), kept only when `keep`.
    private mutating func readLists(_ r: inout RecordReader, bytes: Int, keep: Bool) throws(JourneyError) {
        let span = UInt64(lastSeen - firstSeen), newest = lastSeen
        func set(_ r: inout RecordReader) throws(JourneyError) -> TimedNumberSet {
            let n = try Self.readCount(&r, bytes: bytes)
            var list: [TimedNumberSet.Entry] = []
            if keep { list.reserveCapacity(n) }
            var last: UInt32 = 0
            for k in 0..<n {
                let delta = try r.varint32()
                // Strictly ascending (the sets are stored sorted and distinct), and no overflow;
                // times within the customer's events.
                guard k == 0 || delta > 0, delta <= UInt32.max - last else { throw RecordReader.corrupt }
                last += delta
                let age = try r.varint()
                guard age <= span else { throw RecordReader.corrupt }
                if keep { list.append(TimedNumberSet.Entry(number: last, time: newest - Int64(age))) }
            }
            return TimedNumberSet(sortedDistinct: list)
        }
        for k in lists.indices { lists[k] = try set(&r) }
    }

    /// The per-category affinity values and times.
    private mutating func readAffinity(_ r: inout RecordReader, bytes: Int) throws(JourneyError) {
        let n = try Self.readCount(&r, bytes: bytes)
        var entries: [Affinity.Entry] = []
        entries.reserveCapacity(n)
        var lastCategory: UInt32 = 0
        for k in 0..<n {
            let delta = try r.varint32()
            // Strictly ascending categories, no overflow; a finite, non-negative score; a time
            // within the customer's events.
            guard k == 0 || delta > 0, delta <= UInt32.max - lastCategory else { throw RecordReader.corrupt }
            lastCategory += delta
            let value = Double(bitPattern: UInt64(bitPattern: try r.i64()))
            let age = try r.varint()
            guard value.isFinite, value >= 0, age <= UInt64(lastSeen - firstSeen) else { throw RecordReader.corrupt }
            entries.append(Affinity.Entry(category: lastCategory, value: value, time: lastSeen - Int64(age)))
        }
        affinity = Affinity(sortedEntries: entries)
    }

    /// Each purchase's total, as many as purchase times (a fold makes them add up to the gross
    /// spend; decoding does not ask it, so facts made by hand with any sums round-trip).
    private mutating func readPurchaseAmounts(_ r: inout RecordReader) throws(JourneyError) {
        purchaseAmounts.reserveCapacity(purchaseTimes.count)
        for _ in 0..<purchaseTimes.count { purchaseAmounts.append(try r.amount()) }
    }
}
