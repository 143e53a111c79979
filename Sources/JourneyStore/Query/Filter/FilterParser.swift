@_spi(Storage) import JourneyStorage
/// A recursive-descent parser from tokens to a type-checked ``FilterNode``.
///
/// ```
/// filter     := or
/// or         := and ("or" and)*
/// and        := unary ("and" unary)*
/// unary      := "not" unary | "(" or ")" | comparison
/// comparison := FIELD (OP value | "~=" value | "in" "(" value ("," value)* ")"
///               | ("has" | "~=") value ("within" NUMBER "days")?)?          -- bare: booleans only
/// ```
/// Recursion follows only `not` and `(`, at most ``Filter/nestingMax`` deep; chains of `and` and `or`
/// become one flat node.
struct FilterParser {
    let tokens: [FilterToken]
    /// Decimal digits of the currency, by which `spend` and `aov` literals are scaled to minor units.
    let moneyExponent: Int
    private var k = 0
    private var depth = 0

    init(tokens: [FilterToken], moneyExponent: Int) {
        self.tokens = tokens
        self.moneyExponent = moneyExponent
    }

    private var current: FilterToken { tokens[k] }

    private func fail(_ expected: String, at token: FilterToken? = nil) -> JourneyError {
        let t = token ?? current
        return JourneyError(.invalidArgument, "column \(t.column): expected \(expected), found \(t.shown)")
    }

    private func isKeyword(_ word: String) -> Bool {
        if case .word(let w) = current.kind { return w.lowercased() == word }
        return false
    }

    mutating func parse() throws(JourneyError) -> FilterNode {
        guard current.kind != .end else { throw fail("a condition such as phase = lapsed") }
        let node = try parseOr()
        guard current.kind == .end else { throw fail("\"and\", \"or\" or end of filter") }
        return node
    }

    private mutating func parseOr() throws(JourneyError) -> FilterNode {
        var operands: [FilterNode] = []
        repeat {
            if !operands.isEmpty { k += 1 }
            switch try parseAnd() {
            case .or(let inner): operands += inner
            case let node: operands.append(node)
            }
        } while isKeyword("or")
        return operands.count == 1 ? operands[0] : .or(operands)
    }

    private mutating func parseAnd() throws(JourneyError) -> FilterNode {
        var operands: [FilterNode] = []
        repeat {
            if !operands.isEmpty { k += 1 }
            switch try parseUnary() {
            case .and(let inner): operands += inner
            case let node: operands.append(node)
            }
        } while isKeyword("and")
        return operands.count == 1 ? operands[0] : .and(operands)
    }

    private mutating func parseUnary() throws(JourneyError) -> FilterNode {
        guard isKeyword("not") || current.kind == .open else { return try parseComparison() }
        depth += 1
        defer { depth -= 1 }
        guard depth <= Filter.nestingMax else {
            throw JourneyError(.invalidArgument, "column \(current.column): more than \(Filter.nestingMax) nested parentheses or \"not\"s")
        }
        if isKeyword("not") {
            k += 1
            return .not(try parseUnary())
        }
        k += 1
        let node = try parseOr()
        guard current.kind == .close else { throw fail("\")\"") }
        k += 1
        return node
    }

    private mutating func parseComparison() throws(JourneyError) -> FilterNode {
        guard case .word(let name) = current.kind else { throw fail("a field name (\(FilterField.names))") }
        guard let field = FilterField(rawValue: name) else {
            throw JourneyError(.invalidArgument, "column \(current.column): unknown field \"\(name)\"; fields are \(FilterField.names)")
        }
        let fieldToken = current
        k += 1
        if isKeyword("within") { throw misplacedWithin(name) }
        let node = try parseTest(field, fieldToken)
        // A list test took its own `within`; any other is misplaced.
        if isKeyword("within") { throw misplacedWithin(name) }
        return node
    }

    private func misplacedWithin(_ name: String) -> JourneyError {
        JourneyError(.invalidArgument, "column \(current.column): \"within\" follows a list test such as viewed_category has \"cameras\" within 30 days; \(name) is not a list (lists: \(FilterField.listNames))")
    }

    /// What follows a field: `in (…)`, `has VALUE`, `~= VALUE`, an operator and a value, or nothing (booleans).
    private mutating func parseTest(_ field: FilterField, _ fieldToken: FilterToken) throws(JourneyError) -> FilterNode {
        let name = field.rawValue
        if isKeyword("in") {
            k += 1
            return try parseIn(field)
        }
        if isKeyword("has") {
            let hasToken = current
            k += 1
            guard case .list = field.kind else {
                throw JourneyError(.invalidArgument, "column \(hasToken.column): \"has\" needs a list field (\(FilterField.listNames)), not \(name)")
            }
            return try parseListTail(field, try stringValue(after: "has"), folded: false)
        }
        if current.kind == .like {
            let likeToken = current
            k += 1
            switch field.kind {
            case .text: return .like(field, TextFolding.fold(try stringValue(after: "~=")))
            case .list: return try parseListTail(field, try stringValue(after: "~="), folded: true)
            default:
                throw JourneyError(.invalidArgument, "column \(likeToken.column): \"~=\" compares text (gender, city, region, zip, country) or a list, not \(name)")
            }
        }
        guard case .op(let op) = current.kind else {
            if case .boolean = field.kind { return .boolean(field, true) }
            throw fail("an operator (= != < <= > >= ~=), \"in\" or \"has\" after \(name)")
        }
        let opToken = current
        k += 1
        return try parseValue(field, op, opToken, fieldToken)
    }

    /// The value after `field op`, as the field's kind takes it.
    private mutating func parseValue(_ field: FilterField, _ op: FilterOperator, _ opToken: FilterToken,
                                     _ fieldToken: FilterToken) throws(JourneyError) -> FilterNode {
        let name = field.rawValue
        switch field.kind {
        case .enumeration(let values):
            guard op == .equal || op == .notEqual else {
                throw JourneyError(.invalidArgument, "column \(opToken.column): \(name) takes =, != or in, not \(op.rawValue)")
            }
            return .equals(field, try enumValue(field, values, after: op.rawValue), negated: op == .notEqual)
        case .ordered(let values):
            let value = try enumValue(field, values, after: op.rawValue)
            return .compare(field, op, Double(values.firstIndex(of: value)! + 1))
        case .number:
            return .compare(field, op, try numberValue(after: op.rawValue))
        case .money:
            return .compare(field, op, try moneyValue(after: op.rawValue))
        case .boolean:
            guard op == .equal || op == .notEqual, case .word(let w) = current.kind, w == "true" || w == "false" else {
                throw fail("true or false after \"\(op.rawValue)\"")
            }
            k += 1
            return .boolean(field, (w == "true") == (op == .equal))
        case .text:
            guard op == .equal || op == .notEqual else {
                throw JourneyError(.invalidArgument, "column \(opToken.column): \(name) takes =, !=, ~= or in, not \(op.rawValue)")
            }
            return .equals(field, try textValue(after: op.rawValue), negated: op == .notEqual)
        case .date:
            return .date(field, op, try dateValue(after: op.rawValue))
        case .list:
            throw JourneyError(.invalidArgument, "column \(fieldToken.column): \(name) is a list: use \(name) has \"value\"")
        }
    }

    /// The optional `within N days` after a list test.
    private mutating func parseListTail(_ field: FilterField, _ value: String, folded: Bool) throws(JourneyError) -> FilterNode {
        guard isKeyword("within") else {
            return folded ? .listMatch(ListMatch(field: field, value: TextFolding.fold(value), folded: true, withinDays: nil))
                          : .has(field, value)
        }
        guard field.timedList != nil else {
            throw JourneyError(.invalidArgument, "column \(current.column): \"within\" needs a list with times (\(FilterField.timedListNames)), not \(field.rawValue)")
        }
        k += 1
        let days = try numberValue(after: "within")
        guard days >= 0, days <= Filter.withinDaysMax else {
            throw JourneyError(.invalidArgument, "column \(tokens[k - 1].column): expected a number of days from 0 to \(Int(Filter.withinDaysMax)) after \"within\", found \(tokens[k - 1].shown)")
        }
        guard isKeyword("days") || isKeyword("day") else { throw fail("\"days\" after the number") }
        k += 1
        return .listMatch(ListMatch(field: field, value: folded ? TextFolding.fold(value) : value, folded: folded, withinDays: days))
    }

    private mutating func parseIn(_ field: FilterField) throws(JourneyError) -> FilterNode {
        guard current.kind == .open else { throw fail("\"(\" after \"in\"") }
        k += 1
        var texts: [String] = [], numbers: [Double] = []
        while true {
            switch field.kind {
            case .enumeration(let values), .ordered(let values): texts.append(try enumValue(field, values, after: texts.isEmpty ? "(" : ","))
            case .text: texts.append(try textValue(after: texts.isEmpty ? "(" : ","))
            case .number: numbers.append(try numberValue(after: numbers.isEmpty ? "(" : ","))
            case .money: numbers.append(try moneyValue(after: numbers.isEmpty ? "(" : ","))
            case .list, .boolean, .date:
                throw JourneyError(.invalidArgument, "column \(current.column): \"in\" needs a field with single values, not \(field.rawValue)")
            }
            if current.kind == .comma { k += 1; continue }
            guard current.kind == .close else { throw fail("\",\" or \")\" in the list") }
            k += 1
            return texts.isEmpty ? .memberNumber(field, numbers) : .member(field, texts)
        }
    }

    private mutating func enumValue(_ field: FilterField, _ values: [String], after: String) throws(JourneyError) -> String {
        let token = current
        let text: String
        switch token.kind {
        case .word(let w): text = w
        case .string(let s): text = s
        default: throw fail("a value after \"\(after)\"")
        }
        guard values.contains(text) else {
            throw JourneyError(.invalidArgument, "column \(token.column): unknown \(field.rawValue) \"\(text)\"; valid values are \(values.joined(separator: ", "))")
        }
        k += 1
        return text
    }

    private mutating func numberValue(after: String) throws(JourneyError) -> Double {
        try numberLiteral(after: after).value
    }

    private mutating func numberLiteral(after: String) throws(JourneyError) -> (value: Double, text: String) {
        guard case .number(let n) = current.kind else { throw fail("a number after \"\(after)\"") }
        guard let v = Double(n) else { throw fail("a number such as 90 or 12.5") }
        guard v.magnitude <= Filter.literalMagnitudeMax else {
            throw fail("a number between -\(Filter.literalMagnitudeMaxText) and \(Filter.literalMagnitudeMaxText)")
        }
        k += 1
        return (v, n)
    }

    /// A money literal in minor units, scaled in decimal: `1.10` is exactly 110 cents, where
    /// 1.1 × 100 is 110.00000000000001 and would miss a spend of $1.10.
    private mutating func moneyValue(after: String) throws(JourneyError) -> Double {
        let (v, n) = try numberLiteral(after: after)
        var mantissa = Substring(n), exponent = 0
        if let e = n.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            mantissa = n[..<e]
            // Out of Int's range only when the literal is 0 or rounds to it; scaling is then moot.
            guard let parsed = Int(n[n.index(after: e)...]) else { return v }
            exponent = parsed
        }
        let (shifted, overflow) = exponent.addingReportingOverflow(moneyExponent)
        guard !overflow, let scaled = Double(mantissa + "e" + String(shifted)) else { return v }
        return scaled
    }

    /// A text field's value: a string in double quotes (a bare word would read as a field name).
    private mutating func textValue(after: String) throws(JourneyError) -> String {
        guard case .string(let s) = current.kind else { throw fail("a value in double quotes after \"\(after)\"") }
        k += 1
        return s
    }

    /// A date `"YYYY-MM-DD"`, checked.
    private mutating func dateValue(after: String) throws(JourneyError) -> String {
        guard case .string(let s) = current.kind else { throw fail("a date in double quotes (\"1990-05-31\") after \"\(after)\"") }
        guard Timestamp.isValidDate(s) else {
            throw fail("a date YYYY-MM-DD after \"\(after)\"")
        }
        k += 1
        return s
    }

    private mutating func stringValue(after: String) throws(JourneyError) -> String {
        switch current.kind {
        case .string(let s): k += 1; return s
        case .word(let w): k += 1; return w
        default: throw fail("a value in double quotes after \"\(after)\"")
        }
    }
}
