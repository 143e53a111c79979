@_spi(Storage) import JourneyStorage

extension JourneyStore {
    /// The store's classification policy.
    public var policy: Policy {
        get throws { try translatingStorageErrors { try env.read { txn in try storedPolicy(in: txn) } } }
    }

    /// The policy `txn` sees; parsed once per distinct stored text.
    func storedPolicy(in txn: some ReadableTransaction) throws -> Policy {
        let text = try schema.metaString(MetaKey.policy, in: txn) ?? ""
        if let (cachedText, policy) = policyCache.withLock({ $0 }), cachedText == text { return policy }
        let policy = try Policy(text: text, currency: currency)
        policyCache.withLock { $0 = (text, policy) }
        return policy
    }

    /// Stores a new policy. When stored facts or their indexes depend on what changed (the lapse
    /// threshold, the declining rule's days and latency factor — the rhythm index `by_due` — the
    /// affinity half-life or weights: ``Policy/changesFacts(comparedTo:)``), the projections are
    /// rebuilt in the same transaction.
    /// - Returns: whether a rebuild was needed.
    @discardableResult
    public func setPolicy(_ policy: Policy) throws -> Bool {
        try translatingStorageErrors {
            try log.withWriter { (w: inout LogWriter) in
                try env.write { txn in
                    let old = try storedPolicy(in: txn)
                    try schema.setMeta(MetaKey.policy, policy.text, in: txn)
                    _ = try w.begin(txn)
                    guard policy.changesFacts(comparedTo: old) else { return false }
                    // `begin` made the projections of the policy just stored.
                    let fold = try LogFold(schema: schema, in: txn, helper: env)
                    _ = try log.writeProjections(fold, of: w.projector.projections, in: txn)
                    return true
                }
            }
        }
    }
}
