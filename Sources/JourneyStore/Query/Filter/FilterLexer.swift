@_spi(Storage) import JourneyStorage
/// One token of a filter, with the column (from 1) it starts at.
struct FilterToken: Equatable {
    enum Kind: Equatable {
        case word(String)
        case string(String)
        case number(String)
        case op(FilterOperator)
        /// `~=`: text compared without case and accents.
        case like
        case open, close, comma, end
    }
    var kind: Kind
    var column: Int

    /// The token as a person reads it in a message.
    var shown: String {
        switch kind {
        case .word(let w): "\"\(w)\""
        case .string(let s): "\"\\\"\(s)\\\"\""
        case .number(let n): n
        case .op(let o): "\"\(o.rawValue)\""
        case .like: "\"~=\""
        case .open: "\"(\""
        case .close: "\")\""
        case .comma: "\",\""
        case .end: "end of filter"
        }
    }
}

/// Splits filter text into tokens.
enum FilterLexer {
    static func tokens(_ text: String) throws(JourneyError) -> [FilterToken] {
        let chars = Array(text.unicodeScalars)
        var out: [FilterToken] = []
        var i = 0
        func fail(_ message: String) -> JourneyError { JourneyError(.invalidArgument, "column \(i + 1): \(message)") }
        while i < chars.count {
            let c = chars[i]
            let column = i + 1
            if c == " " || c == "\t" || c == "\n" || c == "\r" { i += 1; continue }
            if c == "(" { out.append(FilterToken(kind: .open, column: column)); i += 1; continue }
            if c == ")" { out.append(FilterToken(kind: .close, column: column)); i += 1; continue }
            if c == "," { out.append(FilterToken(kind: .comma, column: column)); i += 1; continue }
            if "=<>!~".unicodeScalars.contains(c) {
                let (kind, length) = try op(chars, i)
                out.append(FilterToken(kind: kind, column: column))
                i += length
                continue
            }
            if c == "\"" {
                var s = ""
                i += 1
                while i < chars.count && chars[i] != "\"" {
                    if chars[i] == "\\" && i + 1 < chars.count { i += 1 }
                    s.unicodeScalars.append(chars[i])
                    i += 1
                }
                guard i < chars.count else {
                    i = column - 1
                    throw fail("expected a closing \" for the string, found end of filter")
                }
                i += 1
                out.append(FilterToken(kind: .string(s), column: column))
                continue
            }
            if isDigit(c) || c == "-" || c == "." {
                // The whole run, well formed or not (`1.2.3`, `--5`), so that the parser names it in full.
                var s = String.UnicodeScalarView()
                while i < chars.count, continuesNumber(chars[i], after: s.last) {
                    s.append(chars[i])
                    i += 1
                }
                out.append(FilterToken(kind: .number(String(s)), column: column))
                continue
            }
            if c.properties.isAlphabetic || c == "_" {
                var s = ""
                while i < chars.count, chars[i].properties.isAlphabetic || chars[i] == "_" || (chars[i].isASCII && chars[i].properties.numericType != nil) {
                    s.unicodeScalars.append(chars[i])
                    i += 1
                }
                out.append(FilterToken(kind: .word(s), column: column))
                continue
            }
            throw fail("unexpected character \"\(c)\"")
        }
        out.append(FilterToken(kind: .end, column: chars.count + 1))
        return out
    }

    /// The operator at `i` (`=`, `!=`, `<`, `<=`, `>`, `>=`, `~=`) and its length.
    private static func op(_ chars: [Unicode.Scalar], _ i: Int) throws(JourneyError) -> (FilterToken.Kind, Int) {
        let c = chars[i]
        let two = i + 1 < chars.count && chars[i + 1] == "="
        if c == "~" {
            guard two else { throw JourneyError(.invalidArgument, "column \(i + 1): expected \"~=\", found \"~\"") }
            return (.like, 2)
        }
        guard let op = FilterOperator(rawValue: String(c) + (two ? "=" : "")) else {
            throw JourneyError(.invalidArgument, "column \(i + 1): expected \"!=\", found \"!\"")
        }
        return (.op(op), two ? 2 : 1)
    }

    private static func isDigit(_ c: Unicode.Scalar) -> Bool { c >= "0" && c <= "9" }

    /// Whether `c` extends a number token ending in `last`: digits, `.`, `-`, and an exponent
    /// (`1e23`, `2.5E-3`, `1e+6`): `e` after a digit or `.`, `+` after the `e`.
    private static func continuesNumber(_ c: Unicode.Scalar, after last: Unicode.Scalar?) -> Bool {
        if isDigit(c) || c == "." || c == "-" { return true }
        guard let last else { return false }
        if c == "e" || c == "E" { return isDigit(last) || last == "." }
        return c == "+" && (last == "e" || last == "E")
    }
}
