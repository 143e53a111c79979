@_spi(Storage) import JourneyStorage

/// A named filter whose members a tick follows: entering or leaving it is an `audience` transition
/// (DESIGN §1). Saved under a number; saving a name again replaces its filter from the next tick
/// (a new number), and dropping it ends it there. The numbers of ended audiences are kept, so that
/// replaying the ticks gives the same transitions.
public struct SavedAudience: Hashable, Sendable {
    /// The audience's name (its transitions' `audience`).
    public var name: String
    /// The filter's text.
    public var filter: String
    /// The store's number for this version of the audience.
    var number: UInt32
    /// The first tick that follows it.
    var fromTick: UInt64
    /// The first tick that no longer does (0: none yet).
    var untilTick: UInt64

    /// Whether tick `k` follows this audience.
    func isActive(atTick k: UInt64) -> Bool { fromTick <= k && (untilTick == 0 || k < untilTick) }

    /// A name: 1 to 128 bytes of letters, digits, `_`, `-` or `.` (it names files and consumers' triggers).
    static let nameBytesMax = 128

    static func checkName(_ name: String, what: String = "audience") throws {
        let ok = !name.isEmpty && name.utf8.count <= nameBytesMax
            && name.utf8.allSatisfy { $0.isASCIIAlphanumeric || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: ".") }
        guard ok else {
            throw JourneyError(.invalidArgument, "\(what) name \"\(name)\": expected 1 to \(nameBytesMax) letters, digits, _, - or .")
        }
    }

    /// varint length + name, varint length + filter, varint from tick, varint until tick.
    var encoded: [UInt8] {
        var bytes: [UInt8] = []
        let name = Array(self.name.utf8), filter = Array(self.filter.utf8)
        bytes.appendEncoded(upTo: 40 + name.count + filter.count) { w in
            w.varint(UInt64(name.count))
            w.bytes(name)
            w.varint(UInt64(filter.count))
            w.bytes(filter)
            w.varint(fromTick)
            w.varint(untilTick)
        }
        return bytes
    }

    init(name: String, filter: String, number: UInt32, fromTick: UInt64, untilTick: UInt64 = 0) {
        self.name = name
        self.filter = filter
        self.number = number
        self.fromTick = fromTick
        self.untilTick = untilTick
    }

    init(number: UInt32, decoding bytes: ByteView) throws(JourneyError) {
        var r = RecordReader(bytes)
        name = String(decoding: try r.stringView().array, as: UTF8.self)
        filter = String(decoding: try r.stringView().array, as: UTF8.self)
        fromTick = try r.varint()
        untilTick = try r.varint()
        self.number = number
        guard r.offset == bytes.count else {
            throw JourneyError(.corrupted, "saved audience \(number) is damaged; restore a copy of the store")
        }
    }
}

extension UInt8 {
    var isASCIIAlphanumeric: Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(self) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(self)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(self)
    }
}

extension StoreSchema {
    /// Every saved audience, ended ones included, by number.
    func savedAudiences(in txn: some ReadableTransaction) throws -> [SavedAudience] {
        var all: [SavedAudience] = []
        try audiences.forEach(in: txn) { key, value in
            all.append(try SavedAudience(number: try UInt32(lmdbBytes: key), decoding: ByteView(value)))
            return true
        }
        return all
    }
}

extension SavedAudience {
    /// `{"name":…,"where":…}`.
    public var json: String {
        var w = JSONObjectWriter()
        w.field("name", string: name)
        w.field("where", string: filter)
        return w.finish()
    }
}
