@_spi(Storage) import JourneyStorage

/// The newest event's time of each entry of a profile's lists with times (issue 19's `within N
/// days`), aligned with the lists: `bought[k]` is the time of ``Profile/boughtProducts```[k]`.
public struct ListTimes: Hashable, Sendable {
    /// For ``Profile/boughtProducts``.
    public var bought: [Timestamp] = []
    /// For ``Profile/boughtCategories``.
    public var boughtCategory: [Timestamp] = []
    /// For ``Profile/viewedProducts``.
    public var viewed: [Timestamp] = []
    /// For ``Profile/viewedCategories``.
    public var viewedCategory: [Timestamp] = []
    /// For ``Profile/openedCampaigns``.
    public var opened: [Timestamp] = []
    /// For ``Profile/offers``.
    public var offered: [Timestamp] = []

    /// No times.
    public init() {}

    subscript(kind: ListKind) -> [Timestamp] {
        get {
            switch kind {
            case .bought: bought
            case .boughtCategory: boughtCategory
            case .viewed: viewed
            case .viewedCategory: viewedCategory
            case .opened: opened
            case .offered: offered
            }
        }
        set {
            switch kind {
            case .bought: bought = newValue
            case .boughtCategory: boughtCategory = newValue
            case .viewed: viewed = newValue
            case .viewedCategory: viewedCategory = newValue
            case .opened: opened = newValue
            case .offered: offered = newValue
            }
        }
    }
}

extension Profile {
    /// Whole years since ``Attributes/birthday`` as of ``asOf`` (UTC dates; a 29 February birthday
    /// counts on 28 February in other years); `nil` without a birthday or before it.
    public var age: Int? { attributes.birthday.flatMap(Birthday.init)?.age(asOf: asOf.millisecondsSinceEpoch) }
    /// The month of ``Attributes/birthday``, 1–12.
    public var birthMonth: Int? { attributes.birthday.flatMap(Birthday.init).map { Int($0.month) } }
    /// Days from the UTC date of ``asOf`` to the next birthday: 0 on the day, at most 365; a 29
    /// February birthday is on 28 February in years without one.
    public var daysToBirthday: Int? { attributes.birthday.flatMap(Birthday.init)?.daysToNext(asOf: asOf.millisecondsSinceEpoch) }
    /// (T − newest abandoned cart) in days.
    public var daysSinceCartAbandon: Double? { days(since: lastCartAbandon) }
    /// (T − newest product view) in days.
    public var daysSinceView: Double? { days(since: lastView) }
    /// (T − newest event of any type) in days.
    public var daysSinceSeen: Double { Classifier.days(from: lastSeen.millisecondsSinceEpoch, to: asOf.millisecondsSinceEpoch) }
    /// (T − newest offer) in days.
    public var daysSinceOffer: Double? { days(since: lastOffer) }

    private func days(since time: Timestamp?) -> Double? {
        time.map { Classifier.days(from: $0.millisecondsSinceEpoch, to: asOf.millisecondsSinceEpoch) }
    }

    /// The time of the newest event that put `name` in the list `field` (`bought`,
    /// `bought_category`, `viewed`, `viewed_category`, `opened` or `offered`), or `nil`.
    public func lastTime(of name: String, in field: FilterField) -> Timestamp? {
        guard let kind = field.timedList else { return nil }
        let names = field.list(of: self), times = listTimes[kind]
        guard let k = names.firstIndex(of: name), k < times.count else { return nil }
        return times[k]
    }

    /// The fields issue 19 added, from `f`: times, consent, and the lists named with their times
    /// when `lists` (and the snapshot's evaluation names them); the numbered lists when a filter
    /// binding is set.
    mutating func addMarketingFields(_ f: CustomerFacts, lists: Bool, names: Snapshot) throws {
        lastView = ts(f.lastView)
        lastOffer = ts(f.lastOffer)
        attributes.emailConsent = f.emailConsent
        attributes.adsConsent = f.adsConsent
        if let binding = names.evaluation.binding, lists {
            numbered = NumberedLists(lists: f.lists, binding: binding, named: names.evaluation.namesLists)
        }
        guard lists, names.evaluation.namesLists else { return }
        for kind in ListKind.allCases {
            let entries = f[kind].sorted
            // Through the snapshot: a tick's writing snapshot must not fill the store's name cache.
            let (sorted, order) = try names.sortedNamesAndOrder(kind.nameKind, entries.map(\.number))
            listTimes[kind] = order.map { Timestamp(millisecondsSinceEpoch: entries[$0].time) }
            switch kind {
            case .bought: boughtProducts = sorted
            case .boughtCategory: boughtCategories = sorted
            case .viewed: viewedProducts = sorted
            case .viewedCategory: viewedCategories = sorted
            case .opened: openedCampaigns = sorted
            case .offered: offers = sorted
            }
        }
    }
}

extension FilterField {
    /// The numbers of issue 19's fields (money in minor units), `nil` when missing.
    func marketingNumber(of p: Profile) -> Double? {
        switch self {
        case .age: p.age.map(Double.init)
        case .birthMonth: p.birthMonth.map(Double.init)
        case .daysToBirthday: p.daysToBirthday.map(Double.init)
        case .daysSinceCartAbandon: p.daysSinceCartAbandon
        case .lastCartValue: p.lastCartValue.map { Double($0.minorUnits) }
        case .daysSinceView: p.daysSinceView
        case .daysSinceSeen: p.daysSinceSeen
        case .daysSinceOffer: p.daysSinceOffer
        default: nil
        }
    }

    /// A boolean field's value, `nil` when missing (consent never given nor withdrawn).
    func flag(of p: Profile) -> Bool? {
        switch self {
        case .hasEmail: p.email != nil
        case .hasPhone: p.phone != nil
        case .emailConsent: p.attributes.emailConsent
        case .adsConsent: p.attributes.adsConsent
        default: nil
        }
    }

    /// A date field's value as `YYYY-MM-DD`.
    func date(of p: Profile) -> String? {
        self == .birthday ? p.attributes.birthday : nil
    }
}
