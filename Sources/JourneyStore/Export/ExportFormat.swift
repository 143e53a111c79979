@_spi(Storage) import JourneyStorage
/// The file formats of an audience export.
public enum ExportFormat: String, CaseIterable, Sendable {
    /// A CSV with a header, for email tools.
    case csv
    /// One profile JSON object per line (as `journey profile --json`).
    case jsonl
    /// Meta custom audience file: lowercase headers, SHA-256 of normalized values, `extern_id` clear.
    case meta
    /// Google Ads Customer Match CSV: `Email,Phone,First Name,Last Name,Country,Zip`, hashed but for
    /// country and zip.
    case google

    /// The file extension of an audience's file in `journey plan`'s output directory.
    public var fileExtension: String {
        switch self {
        case .csv, .meta, .google: "csv"
        case .jsonl: "jsonl"
        }
    }

    /// Whether lines show the bought and viewed lists (only `jsonl` does).
    var printsLists: Bool { self == .jsonl }

    /// Whether a customer without a usable email or phone is left out (ad platforms match on them).
    var needsIdentifier: Bool { self == .meta || self == .google }

    /// The header line, if the format has one.
    var header: String? {
        switch self {
        case .csv: "customer,email,phone,first_name,last_name,phase,segment,tier,top_percent,orders,spend,aov,last_purchase,days_since_purchase,affinity"
        case .jsonl: nil
        case .meta: "email,phone,fn,ln,ct,st,zip,country,extern_id"
        case .google: "Email,Phone,First Name,Last Name,Country,Zip"
        }
    }

    /// The line for `p`, or `nil` when the format needs an identifier `p` lacks.
    func line(_ p: Profile, currency: Currency) -> String? {
        typealias N = ContactNormalization
        let a = p.attributes
        switch self {
        case .csv:
            var w = CSVLineWriter()
            w.add(p.customer); w.add(p.email); w.add(p.phone); w.add(a.firstName); w.add(a.lastName)
            w.add(p.phase.name); w.add(p.segment.name); w.add(p.tier?.name); w.add(p.topPercent.map(String.init))
            w.add(String(p.orders)); w.add(p.spend.decimalString(exponent: currency.exponent))
            w.add(p.aov?.decimalString(exponent: currency.exponent)); w.add(p.lastPurchase?.rfc3339)
            w.add(p.daysSincePurchase.map(Profile.formatDays)); w.add(p.affinity.joined(separator: "|"))
            return w.line
        case .jsonl:
            return p.json(currency: currency)
        case .meta:
            let email = N.email(p.email), phone = N.phoneDigits(p.phone, country: a.country)
            guard email != nil || phone != nil else { return nil }
            var w = CSVLineWriter()
            for value in [email, phone, N.name(a.firstName), N.name(a.lastName), N.name(a.city).map { $0.replacingAll(" ", with: "") },
                          N.name(a.region), N.zip(a.zip, country: a.country), N.name(a.country)] {
                w.add(value.map(N.sha256Hex))
            }
            w.add(p.customer)
            return w.line
        case .google:
            let email = N.googleEmail(p.email), phone = N.e164(p.phone, country: a.country)
            guard email != nil || phone != nil else { return nil }
            var w = CSVLineWriter()
            for value in [email, phone, N.name(a.firstName), N.name(a.lastName)] { w.add(value.map(N.sha256Hex)) }
            w.add(a.country)
            w.add(N.zip(a.zip, country: a.country))
            return w.line
        }
    }
}

enum CSV {
    /// A CSV field, quoted when it holds a comma, quote or line break (RFC 4180).
    static func field(_ s: String) -> String {
        guard s.utf8.contains(where: { $0 == 0x2C || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D }) else { return s }
        return "\"" + s.replacingAll("\"", with: "\"\"") + "\""
    }
}

/// One CSV line built in a single string (fields quoted when needed, `nil` as empty).
struct CSVLineWriter {
    private(set) var line = ""
    private var first = true

    init() { line.reserveCapacity(256) }

    mutating func add(_ field: String?) {
        if !first { line += "," }
        first = false
        if let field { line += CSV.field(field) }
    }
}
