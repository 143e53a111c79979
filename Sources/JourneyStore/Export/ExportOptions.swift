@_spi(Storage) import JourneyStorage

/// What an export's list is for, which decides the consent a customer needs to be in it.
public enum ExportPurpose: String, CaseIterable, Sendable {
    /// Marketing email: customers need ``Attributes/emailConsent`` true.
    case email
    /// Advertising audiences: customers need ``Attributes/adsConsent`` true (`meta` and `google` always are).
    case ads
}

/// How an audience is written beyond its format: CSV columns and consent.
///
/// ```swift
/// let options = ExportOptions(columns: try ExportColumn.list("customer,email,first_name,days_to_birthday"), purpose: .email)
/// ```
/// Consent is opt-in: a customer who never gave it (no `email_consent` / `ads_consent` attribute)
/// is left out like one who withdrew it, unless `ignoreConsent`.
public struct ExportOptions: Hashable, Sendable {
    /// The columns of a CSV export; `nil`: ``ExportColumn/defaults``.
    public var columns: [ExportColumn]?
    /// What a `csv` or `jsonl` list is for; `meta` and `google` are for ads whatever this says.
    public var purpose: ExportPurpose?
    /// Writes customers without the consent the purpose needs (the caller answers for it).
    public var ignoreConsent: Bool

    /// Options; the defaults write the default columns and check consent only for ads formats.
    public init(columns: [ExportColumn]? = nil, purpose: ExportPurpose? = nil, ignoreConsent: Bool = false) {
        self.columns = columns
        self.purpose = purpose
        self.ignoreConsent = ignoreConsent
    }
}

/// Why a matching customer was not written.
enum ExportOutcome {
    case line(String)
    /// No email or phone the format can use.
    case withoutIdentifier
    /// Not the consent the list's purpose needs.
    case withoutConsent
}

/// A format with its options: the header and each customer's line or the reason it has none.
struct ExportWriter: Sendable {
    let format: ExportFormat
    let columns: [ExportColumn]
    /// What the list is for, and the consent each written customer needs (none with `ignoreConsent`).
    let purpose: ExportPurpose?
    let consent: ExportPurpose?

    /// - Throws: ``JourneyError`` `.invalidArgument` for columns with another format than csv.
    init(format: ExportFormat, options: ExportOptions = ExportOptions()) throws(JourneyError) {
        if options.columns != nil && format != .csv {
            throw JourneyError(.invalidArgument, "--columns: only csv exports take columns, not \(format.rawValue)")
        }
        self.format = format
        columns = options.columns ?? ExportColumn.defaults
        purpose = format == .meta || format == .google ? .ads : options.purpose
        consent = options.ignoreConsent ? nil : purpose
    }

    /// The channel an offer sent through this list goes by (`journey plan --record`).
    var channel: String? { purpose?.rawValue }

    var header: String? {
        format == .csv ? columns.map(\.rawValue).joined(separator: ",") : format.header
    }

    /// Whether lines show the product, category, campaign or offer lists (profiles then name them).
    var printsLists: Bool { format.printsLists || (format == .csv && columns.contains { $0.needsLists }) }

    /// The line for `p`, or why there is none: a customer with neither email nor phone for an ad
    /// platform counts as without an identifier, whatever the consent.
    func outcome(_ p: Profile, currency: Currency) -> ExportOutcome {
        let consented = switch consent {
        case .email: p.attributes.emailConsent == true
        case .ads: p.attributes.adsConsent == true
        case nil: true
        }
        guard consented else {
            return format.needsIdentifier && p.email == nil && p.phone == nil ? .withoutIdentifier : .withoutConsent
        }
        guard format == .csv else { return format.line(p, currency: currency).map { .line($0) } ?? .withoutIdentifier }
        var w = CSVLineWriter()
        for column in columns { w.add(column.value(p, currency: currency)) }
        return .line(w.line)
    }
}

/// Customers that matched but were not written, by reason.
public struct ExportSkips: Hashable, Sendable {
    /// Without an email or phone the format can use.
    public var withoutIdentifier = 0
    /// Without the consent the list's purpose needs.
    public var withoutConsent = 0

    mutating func count(_ outcome: ExportOutcome) {
        switch outcome {
        case .line: break
        case .withoutIdentifier: withoutIdentifier += 1
        case .withoutConsent: withoutConsent += 1
        }
    }
}
