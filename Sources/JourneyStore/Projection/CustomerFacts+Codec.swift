/// The binary form of ``CustomerFacts`` in the `facts` database.
///
/// Layout, version 1: u8 version, then varints — events folded, first seen, last seen, signup + 1
/// (0: none), purchase count, purchase times (first, then deltas), gross, refunded, reactivations, cart
/// abandons, last cart abandon + 1, last cart value, email opens, last email open + 1; a field mask
/// (bit k: AttributeField k, bit 10: interests) with the strings; four sorted number lists (bought
/// products, bought categories, viewed products, viewed categories) as count + deltas; affinity time,
/// entry count, and per entry a category delta and the value's IEEE-754 bits (u64 little-endian).
extension CustomerFacts {
    static let formatVersion: UInt8 = 1

    func encode(into w: inout RecordWriter) {
        w.reset()
        encode(appendingTo: &w.bytes)
    }

    /// Appends the encoded facts to `bytes`.
    func encode(appendingTo bytes: inout [UInt8]) {
        var w = RecordWriter(appending: bytes)
        bytes = []
        defer { bytes = w.bytes }
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
        var mask: UInt64 = 0
        for (k, f) in fields.enumerated() where f != nil { mask |= 1 << UInt64(k) }
        if interests != nil { mask |= EventRecord.interestsBit }
        w.varint(mask)
        for f in fields { if var f { f.withUTF8 { w.string(UnsafeRawBufferPointer($0)) } } }
        if let interests {
            w.varint(UInt64(interests.count))
            for var s in interests { s.withUTF8 { w.string(UnsafeRawBufferPointer($0)) } }
        }
        func numbers(_ list: [UInt32]) {
            w.varint(UInt64(list.count))
            var last: UInt32 = 0
            for v in list { w.varint(UInt64(v - last)); last = v }
        }
        numbers(boughtProducts)
        numbers(boughtCategories)
        numbers(viewedProducts)
        numbers(viewedCategories)
        w.varint(affinityTime)
        w.varint(UInt64(affinity.count))
        var lastCategory: UInt32 = 0
        for entry in affinity {
            w.varint(UInt64(entry.category - lastCategory))
            lastCategory = entry.category
            withUnsafeBytes(of: entry.value.bitPattern.littleEndian) { w.bytes.append(contentsOf: $0) }
        }
    }

    /// Decodes stored facts. Without `lists` the four product/category lists are skipped (left
    /// empty): classification and most exports do not need them.
    init(decoding bytes: UnsafeRawBufferPointer, lists: Bool = true) throws(JourneyError) {
        var r = RecordReader(bytes)
        let version = try r.u8()
        guard version <= Self.formatVersion else {
            throw JourneyError(.newerFormat, "a facts record has format version \(version); this build reads up to \(Self.formatVersion): upgrade journey")
        }
        func time(_ r: inout RecordReader) throws(JourneyError) -> Int64 {
            let v = try r.varint()
            guard v <= UInt64(Timestamp.max.millisecondsSinceEpoch) + 1 else { throw RecordReader.corrupt }
            return Int64(v)
        }
        func optionalTime(_ r: inout RecordReader) throws(JourneyError) -> Int64? {
            let v = try time(&r)
            return v == 0 ? nil : v - 1
        }
        func count(_ r: inout RecordReader) throws(JourneyError) -> Int {
            let n = try r.varint()
            guard n <= UInt64(bytes.count) else { throw RecordReader.corrupt }
            return Int(n)
        }
        self.init()
        eventsFolded = try r.varint32()
        firstSeen = try time(&r)
        lastSeen = try time(&r)
        signup = try optionalTime(&r)
        let purchases = try count(&r)
        purchaseTimes.reserveCapacity(purchases)
        var previous: Int64 = 0
        for _ in 0..<purchases { previous += try time(&r); purchaseTimes.append(previous) }
        gross = try r.amount()
        refunded = try r.amount()
        reactivations = try r.varint32()
        cartAbandons = try r.varint32()
        lastCartAbandon = try optionalTime(&r)
        lastCartValue = try r.amount()
        emailOpens = try r.varint32()
        lastEmailOpen = try optionalTime(&r)
        let mask = try r.varint()
        for k in fields.indices where mask & (1 << UInt64(k)) != 0 {
            fields[k] = String(decoding: try r.string(), as: UTF8.self)
        }
        if mask & EventRecord.interestsBit != 0 {
            let n = try count(&r)
            var list: [String] = []
            for _ in 0..<n { list.append(String(decoding: try r.string(), as: UTF8.self)) }
            interests = list
        }
        var decoded: [[UInt32]] = []
        for _ in 0..<4 {
            let n = try count(&r)
            var list: [UInt32] = []
            if lists { list.reserveCapacity(n) }
            var last: UInt32 = 0
            for _ in 0..<n {
                last += try r.varint32()
                if lists { list.append(last) }
            }
            decoded.append(list)
        }
        (boughtProducts, boughtCategories, viewedProducts, viewedCategories) = (decoded[0], decoded[1], decoded[2], decoded[3])
        affinityTime = try time(&r)
        let n = try count(&r)
        var lastCategory: UInt32 = 0
        for _ in 0..<n {
            lastCategory += try r.varint32()
            let bits = UInt64(bitPattern: try r.i64())
            affinity.append(AffinityEntry(category: lastCategory, value: Double(bitPattern: bits)))
        }
        guard r.offset == bytes.count else { throw RecordReader.corrupt }
    }
}
