extension EventDraft {
    /// Checks every rule of the event format (DESIGN.md §1), fills defaults (quantity 1, total =
    /// Σ price × quantity) and normalizes (country upper case).
    /// - Throws: ``FieldError`` for the first rule broken, in field order.
    package mutating func validate(currency: Currency) throws(FieldError) {
        guard let type else {
            throw FieldError(field: "type", expected: "one of \(EventScanText.typeNames)", found: "nothing")
        }
        try requireID(id, "id")
        try requireID(customer, "customer")
        guard time != nil else {
            throw FieldError(field: "time", expected: "an RFC 3339 time with offset or integer epoch milliseconds", found: "nothing")
        }
        switch type {
        case .signup, .profile:
            try validateContact(attributes: true)
        case .productView:
            try requireName(product, "product", "a product id (required for product_view)")
            try checkInterned(product, "product")
            try checkName(category, "category")
        case .cartAbandon:
            try validateItems(type)
            try resolveTotal()
        case .purchase:
            try requireName(order, "order", "an order id (required for purchase)")
            try validateItems(type)
            try resolveTotal()
            try validateCurrency(currency)
            try validateContact(attributes: false)
        case .refund:
            try requireName(order, "order", "an order id (required for refund)")
            guard let total, total > 0 else {
                throw FieldError(field: "total", expected: "an amount > 0 (required for refund)",
                                 found: total.map { Money(minorUnits: Int128($0)).decimalString(exponent: currency.exponent) } ?? "nothing")
            }
            try validateCurrency(currency)
        case .emailOpen:
            try checkName(campaign, "campaign")
        case .offer:
            try requireName(offer, "offer", "an offer or campaign name (required for offer)")
            try checkInterned(offer, "offer")
            try checkName(channel, "channel")
        case .unsubscribe:
            try validateUnsubscribe()
        }
        idHash = withBytes(id!) { stableHash64($0) }
        customerHash = withBytes(customer!) { tableHash64($0) }
    }

    private func requireID(_ slice: ByteSlice?, _ field: String) throws(FieldError) {
        guard let slice, slice.count > 0 else {
            throw FieldError(field: field, expected: "a non-empty string of at most \(Limits.idBytesMax) bytes", found: slice == nil ? "nothing" : "\"\"")
        }
        guard slice.count <= Limits.idBytesMax else {
            throw FieldError(field: field, expected: "at most \(Limits.idBytesMax) bytes", found: "\(slice.count) bytes")
        }
    }

    // Field names are autoclosures: an item's ("items[3].product") is only made for an error.
    @inline(__always)
    private func requireName(_ slice: ByteSlice?, _ field: @autoclosure () -> String, _ what: String) throws(FieldError) {
        guard let slice, slice.count > 0 else { throw FieldError(field: field(), expected: what, found: slice == nil ? "nothing" : "\"\"") }
    }

    /// An optional name (category, campaign) must not be empty when given.
    @inline(__always)
    private func checkName(_ slice: ByteSlice?, _ field: @autoclosure () -> String) throws(FieldError) {
        if let slice, slice.count == 0 { throw FieldError(field: field(), expected: "a non-empty string or no field", found: "\"\"") }
        try checkInterned(slice, field())
    }

    /// A name the store interns is a key of its `names` database: checked here against LMDB's key
    /// limit, for JSONL and Swift events alike, so that it fails its line, not the whole write.
    @inline(__always)
    private func checkInterned(_ slice: ByteSlice?, _ field: @autoclosure () -> String) throws(FieldError) {
        if let slice, slice.count > Limits.nameBytesMax { throw Self.nameTooLong(field(), slice.count) }
    }

    private static func nameTooLong(_ field: String, _ count: Int32) -> FieldError {
        FieldError(field: field, expected: "a name of at most \(Limits.nameBytesMax) bytes", found: "\(count) bytes")
    }

    private mutating func validateItems(_ type: EventType) throws(FieldError) {
        guard !items.isEmpty else {
            throw FieldError(field: "items", expected: "at least one line item (required for \(type.name))", found: "nothing")
        }
        for k in items.indices {
            try requireName(items[k].product, "items[\(k)].product", "a product id")
            try checkInterned(items[k].product, "items[\(k)].product")
            try checkName(items[k].category, "items[\(k)].category")
            guard items[k].price != nil else { throw FieldError(field: "items[\(k)].price", expected: "a decimal ≥ 0", found: "nothing") }
            if items[k].quantity == nil { items[k].quantity = 1 }
        }
    }

    /// `total` defaults to Σ price × quantity.
    private mutating func resolveTotal() throws(FieldError) {
        if total != nil { return }
        var sum: Int64 = 0
        for item in items {
            let (line, o1) = item.price!.multipliedReportingOverflow(by: item.quantity!)
            let (next, o2) = sum.addingReportingOverflow(line)
            guard !o1, !o2, next <= Limits.moneyMinorUnitsMax else {
                throw FieldError(field: "total", expected: "Σ price × quantity of at most \(Limits.moneyMinorUnitsMax) minor units")
            }
            sum = next
        }
        total = sum
    }

    private func validateCurrency(_ currency: Currency) throws(FieldError) {
        guard let slice = self.currency else { return }
        // Compared as bytes, ASCII letters in any case (no String per event).
        let same = withBytes(slice) { given in
            given.elementsEqual(currency.code.utf8) { g, c in g == c || (g >= 97 && g <= 122 && g - 32 == c) }
        }
        guard same else {
            throw FieldError(field: "currency", expected: "the store's currency \(currency.code)", found: "\"\(string(slice))\"")
        }
    }

    private mutating func validateContact(attributes: Bool) throws(FieldError) {
        for field in AttributeField.allCases where attributes || field.rawValue < 2 {
            guard let slice = fields[field.rawValue] else { continue }
            if slice.count == 0 { fields[field.rawValue] = nil; continue }
            switch field {
            case .email:
                let ok = withBytes(slice) { $0.contains(UInt8(ascii: "@")) }
                if !ok { throw FieldError(field: field.path, expected: "an email address with @", found: "\"\(string(slice))\"") }
            case .phone:
                let ok = withBytes(slice) { b in
                    b.contains { $0 &- Byte.zero < 10 } && b.allSatisfy { $0 &- Byte.zero < 10 || " +-().".utf8.contains($0) }
                }
                if !ok { throw FieldError(field: field.path, expected: "a phone number of digits, spaces and + - ( ) .", found: "\"\(string(slice))\"") }
            case .birthday:
                try validateBirthday(slice)
            case .country:
                let ok = slice.count == 2 && withBytes(slice) { $0.allSatisfy { ($0 | 0x20) >= 97 && ($0 | 0x20) <= 122 } }
                if !ok { throw FieldError(field: field.path, expected: "an ISO 3166 alpha-2 code such as US", found: "\"\(string(slice))\"") }
                for k in Int(slice.start)..<Int(slice.start + slice.count) { scratch[k] &= 0xDF }
            default:
                break
            }
        }
        if !attributes { hasInterests = false; emailConsent = nil; adsConsent = nil }
    }

    /// The earliest birthday accepted, as a year.
    package static let birthYearMin: Int64 = 1900

    /// A birthday is a date from 1900-01-01 to the event's own date (UTC): a later one is in the
    /// future as of the event.
    private func validateBirthday(_ slice: ByteSlice) throws(FieldError) {
        let what = "a date YYYY-MM-DD from \(Self.birthYearMin)-01-01 to the event's date"
        guard let day = withBytes(slice, Timestamp.dayNumber(ofDate:)) else {
            throw FieldError(field: AttributeField.birthday.path, expected: what, found: "\"\(string(slice))\"")
        }
        let eventDay = time! >= 0 ? time! / 86_400_000 : (time! - 86_399_999) / 86_400_000
        guard day >= Timestamp.days(year: Self.birthYearMin, month: 1, day: 1), day <= eventDay else {
            throw FieldError(field: AttributeField.birthday.path, expected: what, found: "\"\(string(slice))\"")
        }
    }

    private mutating func validateUnsubscribe() throws(FieldError) {
        let what = "email, ads or sms (required for unsubscribe)"
        guard let slice = channel else { throw FieldError(field: "channel", expected: what, found: "nothing") }
        let known = withBytes(slice) { bytes in ConsentChannel.allCases.first { $0.name.utf8.elementsEqual(bytes) } }
        guard let known else { throw FieldError(field: "channel", expected: what, found: "\"\(string(slice))\"") }
        unsubscribeChannel = known
    }
}
