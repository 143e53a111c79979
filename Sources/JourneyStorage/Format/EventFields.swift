/// Which top-level fields each event type has (DESIGN.md §1): the one table to extend when a type
/// is added (a ``Key`` for each new field name, a case here).
///
/// Only these and the common fields (`id type customer time`, always) are checked on a line; any
/// other field is skipped like an unknown one, so `"order":1` on a `product_view` is ignored, not
/// refused. What is kept and stored of a type's fields is ``EventDraft/validate(currency:)``'s and
/// ``EventRecord``'s (each writes only its own type's).
package enum EventFields {
    /// The fields of `type` beyond the common ones.
    @inline(__always)
    package static func of(_ type: EventType) -> KeySet {
        switch type {
        case .signup, .profile: KeySet(.email) | .phone | .attributes
        case .productView: KeySet(.product) | .category
        case .cartAbandon: KeySet(.items) | .total
        case .purchase: KeySet(.order) | .items | .total | .currency | .email | .phone
        case .refund: KeySet(.order) | .total | .currency
        case .emailOpen: KeySet(.campaign)
        case .offer: KeySet(.offer) | .channel
        case .unsubscribe: KeySet(.channel)
        }
    }
}

/// A set of ``Key``s as a bit mask.
package struct KeySet {
    package var bits: UInt32 = 0

    package init(bits: UInt32 = 0) { self.bits = bits }

    @inline(__always)
    package init(_ key: Key) { bits = 1 << UInt32(key.rawValue) }

    @inline(__always)
    package func contains(_ key: Key) -> Bool { bits & (1 << UInt32(key.rawValue)) != 0 }

    @inline(__always)
    package static func | (set: KeySet, key: Key) -> KeySet { KeySet(bits: set.bits | KeySet(key).bits) }
}
