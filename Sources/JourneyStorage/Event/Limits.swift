/// Every limit of the event format, named with its unit last.
public enum Limits {
    /// Event ids and customer ids.
    public static let idBytesMax = 128
    /// Any other string field: orders, contact fields, attributes.
    public static let fieldBytesMax = 512
    /// Names the store interns (products, categories, campaigns): each is a key of the `names`
    /// database, one kind byte and the name, and LMDB refuses keys over 511 bytes (`MDB_MAXKEYSIZE`
    /// in Debian's liblmdb; a longer name failed the whole write with `MDB_BAD_VALSIZE`).
    public static let nameBytesMax = 510
    /// One JSONL line.
    public static let lineBytesMax = 1 << 20
    /// Lines of a cart or an order.
    public static let itemsMax = 1000
    /// Entries of `attributes.interests`.
    public static let interestsMax = 100
    /// Units of one line item.
    public static let quantityMax = 1_000_000
    /// Any amount, in minor units (10^15: ten trillion dollars).
    public static let moneyMinorUnitsMax: Int64 = 1_000_000_000_000_000
    /// Any sum of amounts (a customer's spend, a population's revenue): at most ``moneyMinorUnitsMax``
    /// for each of the most events a store holds (2^40), so sums are 128-bit and never overflow.
    public static let moneySumMinorUnitsMax = Int128(moneyMinorUnitsMax) << 40
}
