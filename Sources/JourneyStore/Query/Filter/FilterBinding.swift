@_spi(Storage) import JourneyStorage

/// A filter's list values resolved to the name numbers of one snapshot (`viewed_category has
/// "cameras"` → category 7; `~= "camaras"` → every category whose name folds to it), so that the
/// store tests the facts' numbered lists without naming every customer's products and categories:
/// an export of a million customers with such a filter stays a matter of integer searches.
/// Immutable, made once per export or plan (``Snapshot/bind(_:)``).
final class FilterBinding: Sendable {
    struct Key: Hashable {
        var kind: UInt8
        var value: String
        var folded: Bool
    }

    /// Sorted numbers per value; a value no name has maps to none.
    private let numbers: [Key: [UInt32]]

    init(numbers: [Key: [UInt32]]) { self.numbers = numbers }

    /// The numbers of `value` in lists of `kind`, or `nil` when the binding was made without it.
    func numbers(_ kind: ListKind, _ value: String, folded: Bool) -> [UInt32]? {
        numbers[Key(kind: kind.nameKind.rawValue, value: value, folded: folded)]
    }
}

/// A profile's lists by name number and the binding of the filter being run.
struct NumberedLists: Hashable, Sendable {
    let lists: [TimedNumberSet]
    let binding: FilterBinding
    /// Whether the profile's lists were named too (then a value the binding lacks is tested by name).
    let named: Bool

    /// Not part of a profile's value: profiles are equal whatever numbers their names have.
    static func == (a: NumberedLists, b: NumberedLists) -> Bool { true }
    func hash(into hasher: inout Hasher) {}
}

/// What a snapshot's profiles carry for the filters the store runs: the binding, and whether the
/// lists are named (an export that prints none of them only tests their numbers).
struct FilterEvaluation: Sendable {
    var binding: FilterBinding?
    var namesLists = true
}

extension Snapshot {
    /// Resolves the list values of `filters` to this snapshot's name numbers.
    func bind(_ filters: [Filter]) throws -> FilterBinding {
        var numbers: [FilterBinding.Key: [UInt32]] = [:]
        var folds: [UInt8: [(String, UInt32)]] = [:]
        func visit(_ node: FilterNode) throws {
            switch node {
            case .and(let operands), .or(let operands): for o in operands { try visit(o) }
            case .not(let a): try visit(a)
            case .has(let field, let value): try add(field, value, folded: false)
            case .listMatch(let m): try add(m.field, m.value, folded: m.folded)
            default: break
            }
        }
        func add(_ field: FilterField, _ value: String, folded: Bool) throws {
            guard let kind = field.timedList?.nameKind else { return }
            let key = FilterBinding.Key(kind: kind.rawValue, value: value, folded: folded)
            guard numbers[key] == nil else { return }
            if !folded {
                numbers[key] = try schema.number(kind, value, in: txn).map { [$0] } ?? []
                return
            }
            if folds[kind.rawValue] == nil {
                var all: [(String, UInt32)] = []
                try schema.forEachName(of: kind, in: txn) { name, n in
                    all.append((TextFolding.fold(String(decoding: name, as: UTF8.self)), n))
                }
                folds[kind.rawValue] = all
            }
            numbers[key] = folds[kind.rawValue]!.filter { $0.0 == value }.map(\.1).sorted()
        }
        for filter in filters { try visit(filter.root) }
        return FilterBinding(numbers: numbers)
    }

    /// Runs `body` with profiles built for `filters`: their list values bound to this snapshot,
    /// lists named only when `namesLists`. Inside another evaluation (a plan's, which binds all its
    /// filters at once) it keeps that one.
    func evaluating<R>(_ filters: [Filter], namesLists: Bool, _ body: () throws -> R) throws -> R {
        guard evaluation.binding == nil else { return try body() }
        let saved = evaluation
        defer { evaluation = saved }
        evaluation = FilterEvaluation(binding: try bind(filters), namesLists: namesLists)
        return try body()
    }
}

extension Profile {
    /// `field has value`: by number when the store bound the value, else by name.
    func listContains(_ field: FilterField, _ value: String) -> Bool {
        if let kind = field.timedList, let n = numbered {
            if let numbers = n.binding.numbers(kind, value, folded: false) {
                return numbers.contains { n.lists[kind.rawValue].lastTime(of: $0) != nil }
            }
            precondition(n.named, "filter invariant: a filter the store runs on unnamed lists is bound")
        }
        return field.list(of: self).contains(value)
    }

    /// `field has value within N days`, `field ~= value` (and `within`).
    func listMatches(_ m: ListMatch) -> Bool {
        let t = asOf.millisecondsSinceEpoch
        func inWindow(_ last: Int64) -> Bool {
            guard let days = m.withinDays else { return true }
            return last <= t && Double(last) > Double(t) - days * 86_400_000
        }
        if let kind = m.field.timedList, let n = numbered {
            if let numbers = n.binding.numbers(kind, m.value, folded: m.folded) {
                return numbers.contains { n.lists[kind.rawValue].lastTime(of: $0).map(inWindow) ?? false }
            }
            precondition(n.named, "filter invariant: a filter the store runs on unnamed lists is bound")
        }
        let names = m.field.list(of: self)
        let times = m.field.timedList.map { listTimes[$0] } ?? []
        for (k, name) in names.enumerated() where m.folded ? TextFolding.fold(name) == m.value : name == m.value {
            if m.withinDays == nil { return true }
            if k < times.count, inWindow(times[k].millisecondsSinceEpoch) { return true }
        }
        return false
    }
}
