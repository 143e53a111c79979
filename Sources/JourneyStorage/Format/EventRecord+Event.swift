extension EventRecord {
    /// Decodes the whole record into a public ``Event``; `name` turns interned numbers back into names.
    package func event(name: (NameKind, UInt32) throws -> String) throws -> Event {
        let (idBytes, payloadStart) = try idAndPayload()
        var r = payloadStart
        let payload: Event.Payload
        switch type {
        case .signup, .profile:
            let mask = try r.varint()
            guard mask & ~ConsentBits.maskBits == 0 else { throw RecordReader.corrupt }
            var values = [String?](repeating: nil, count: AttributeField.allCases.count)
            for k in values.indices where mask & (1 << UInt64(k)) != 0 {
                values[k] = String(decoding: try r.string(), as: UTF8.self)
            }
            var interests: [String]?
            if mask & Self.interestsBit != 0 {
                let count = Int(try r.varint32())
                var list: [String] = []
                for _ in 0..<count { list.append(String(decoding: try r.string(), as: UTF8.self)) }
                interests = list
            }
            let contact = Contact(email: values[0], phone: values[1])
            let attributes = Attributes(firstName: values[2], lastName: values[3], gender: values[4], birthday: values[5],
                                        city: values[6], region: values[7], zip: values[8], country: values[9],
                                        interests: interests, emailConsent: ConsentBits.email(mask), adsConsent: ConsentBits.ads(mask))
            payload = type == .signup ? .signup(contact, attributes) : .profile(contact, attributes)
        case .productView:
            let product = try name(.product, try r.varint32())
            let category = try r.varint32()
            payload = .productView(product: product, category: category == 0 ? nil : try name(.category, category))
        case .cartAbandon:
            let total = try r.amount()
            payload = .cartAbandon(items: try items(&r, name: name), total: Money(minorUnits: Int128(total)))
        case .purchase:
            let order = String(decoding: try r.string(), as: UTF8.self)
            let total = try r.amount()
            let lines = try items(&r, name: name)
            let mask = try r.varint()
            let email = mask & 1 != 0 ? String(decoding: try r.string(), as: UTF8.self) : nil
            let phone = mask & 2 != 0 ? String(decoding: try r.string(), as: UTF8.self) : nil
            payload = .purchase(order: order, items: lines, total: Money(minorUnits: Int128(total)), contact: Contact(email: email, phone: phone))
        case .refund:
            let order = String(decoding: try r.string(), as: UTF8.self)
            payload = .refund(order: order, total: Money(minorUnits: Int128(try r.amount())))
        case .emailOpen:
            let campaign = try r.varint32()
            payload = .emailOpen(campaign: campaign == 0 ? nil : try name(.campaign, campaign))
        case .offer:
            let offer = try name(.campaign, try r.varint32())
            let channel = try r.string()
            payload = .offer(offer: offer, channel: channel.isEmpty ? nil : String(decoding: channel, as: UTF8.self))
        case .unsubscribe:
            guard let channel = ConsentChannel(rawValue: try r.u8()) else { throw RecordReader.corrupt }
            payload = .unsubscribe(channel: channel)
        }
        return Event(id: String(decoding: idBytes, as: UTF8.self), customer: try name(.customer, customer),
                     time: Timestamp(millisecondsSinceEpoch: time), payload: payload)
    }

    private func items(_ r: inout RecordReader, name: (NameKind, UInt32) throws -> String) throws -> [LineItem] {
        let count = Int(try r.varint32())
        guard count <= Limits.itemsMax else { throw RecordReader.corrupt }
        var out: [LineItem] = []
        out.reserveCapacity(count)
        for _ in 0..<count {
            let product = try name(.product, try r.varint32())
            let category = try r.varint32()
            let price = try r.amount()
            let quantity = try r.varint32()
            out.append(LineItem(product: product, category: category == 0 ? nil : try name(.category, category),
                                price: Money(minorUnits: Int128(price)), quantity: Int(quantity)))
        }
        return out
    }
}

extension EventDraft {
    /// Loads the Swift ``Event`` at `event`, so that it goes through the same validation and encoding
    /// as JSONL. Read in place: passed by value from a buffer, the whole event was copied (its strings
    /// retained and released) per event.
    /// Amounts past 64 bits are clamped: validation refuses anything past ``Limits/moneyMinorUnitsMax``.
    package mutating func load(_ event: UnsafePointer<Event>) {
        reset()
        type = event.pointee.type
        id = store(event.pointee.id)
        customer = store(event.pointee.customer)
        time = event.pointee.time.millisecondsSinceEpoch
        func loadContact(_ c: Contact) {
            fields[AttributeField.email.rawValue] = c.email.map { store($0) }
            fields[AttributeField.phone.rawValue] = c.phone.map { store($0) }
        }
        func loadItems(_ list: [LineItem]) {
            for item in list {
                items.append(DraftItem(product: store(item.product), category: item.category.map { store($0) },
                                       price: Int64(clamping: item.price.minorUnits), quantity: Int64(clamping: item.quantity)))
            }
        }
        switch event.pointee.payload {
        case .signup(let c, let a), .profile(let c, let a):
            loadContact(c)
            fields[AttributeField.firstName.rawValue] = a.firstName.map { store($0) }
            fields[AttributeField.lastName.rawValue] = a.lastName.map { store($0) }
            fields[AttributeField.gender.rawValue] = a.gender.map { store($0) }
            fields[AttributeField.birthday.rawValue] = a.birthday.map { store($0) }
            fields[AttributeField.city.rawValue] = a.city.map { store($0) }
            fields[AttributeField.region.rawValue] = a.region.map { store($0) }
            fields[AttributeField.zip.rawValue] = a.zip.map { store($0) }
            fields[AttributeField.country.rawValue] = a.country.map { store($0) }
            if let list = a.interests {
                hasInterests = true
                for interest in list { interests.append(store(interest)) }
            }
            emailConsent = a.emailConsent
            adsConsent = a.adsConsent
        case .productView(let p, let c):
            product = store(p)
            category = c.map { store($0) }
        case .cartAbandon(let list, let t):
            loadItems(list)
            total = Int64(clamping: t.minorUnits)
        case .purchase(let o, let list, let t, let c):
            order = store(o)
            loadItems(list)
            total = Int64(clamping: t.minorUnits)
            loadContact(c)
        case .refund(let o, let t):
            order = store(o)
            total = Int64(clamping: t.minorUnits)
        case .emailOpen(let c):
            campaign = c.map { store($0) }
        case .offer(let o, let c):
            offer = store(o)
            channel = c.map { store($0) }
        case .unsubscribe(let c):
            channel = store(c.name)
        }
    }

    /// Loads the Swift ``Event`` at `event` into the draft at `draft` and checks it by the rules a
    /// JSONL line follows: the limits the scanner enforces, then validation (which hashes its ids).
    @inline(__always)
    package static func loadValidated(_ event: UnsafePointer<Event>, into draft: UnsafeMutablePointer<EventDraft>,
                              currency: Currency) throws(FieldError) {
        draft.pointee.load(event)
        try checkScannedLimits(draft)
        try draft.pointee.validate(currency: currency)
    }

    /// Checks the rules the JSONL scanner enforces while scanning, for events built in Swift.
    /// (Reads the draft through a pointer: as a method, even inlined, it copied the whole draft.)
    package static func checkScannedLimits(_ d: UnsafePointer<EventDraft>) throws(FieldError) {
        // Names are autoclosures: made only for an error (making them per event was a third of the
        // API append's time).
        func fieldLength(_ s: ByteSlice?, _ name: @autoclosure () -> String) throws(FieldError) {
            if let s, s.count > Limits.fieldBytesMax {
                throw FieldError(field: name(), expected: "a string of at most \(Limits.fieldBytesMax) bytes", found: "\(s.count) bytes")
            }
        }
        // Products, categories and campaigns are checked by validation, against the key limit.
        try fieldLength(d.pointee.order, "order")
        try fieldLength(d.pointee.channel, "channel")
        for field in AttributeField.allCases { try fieldLength(d.pointee.fields[field.rawValue], field.path) }
        guard d.pointee.items.count <= Limits.itemsMax else { throw FieldError(field: "items", expected: "at most \(Limits.itemsMax) line items") }
        guard d.pointee.interests.count <= Limits.interestsMax else {
            throw FieldError(field: "attributes.interests", expected: "at most \(Limits.interestsMax) entries")
        }
        for (k, item) in d.pointee.items.enumerated() {
            if let price = item.price, price < 0 || price > Limits.moneyMinorUnitsMax {
                throw FieldError(field: "items[\(k)].price", expected: "an amount from 0 to \(Limits.moneyMinorUnitsMax) minor units", found: String(price))
            }
            if let q = item.quantity, q < 1 || q > Int64(Limits.quantityMax) {
                throw FieldError(field: "items[\(k)].quantity", expected: "an integer from 1 to \(Limits.quantityMax)", found: String(q))
            }
        }
        if let t = d.pointee.total, t < 0 || t > Limits.moneyMinorUnitsMax {
            throw FieldError(field: "total", expected: "an amount from 0 to \(Limits.moneyMinorUnitsMax) minor units", found: String(t))
        }
        if let t = d.pointee.time, t < 0 || t > Timestamp.max.millisecondsSinceEpoch {
            throw FieldError(field: "time", expected: "a time from 1970-01-01 to 9999-12-31")
        }
    }
}
