@_spi(Storage) import JourneyStorage

extension JourneyStore {
    /// Saves audience `name` as the customers matching `filter`: from the next tick on, customers
    /// entering or leaving it are `audience` transitions. Saving a name that exists replaces its
    /// filter from the next tick (its members' transitions then follow the new filter).
    /// - Throws: ``JourneyError`` `.invalidArgument` for a bad name or filter (nothing is saved), or
    ///   past 1,024 saved audiences.
    public func saveAudience(_ name: String, where filter: String) throws {
        try SavedAudience.checkName(name)
        _ = try Filter(filter, currency: currency)
        try changeAudiences { all, nextTick in
            let live = all.filter { $0.untilTick == 0 }
            guard live.count < JourneyState.audiencesMax || live.contains(where: { $0.name == name }) else {
                throw JourneyError(.invalidArgument, "a store follows at most \(JourneyState.audiencesMax) saved audiences; drop one first")
            }
            var changed = live.filter { $0.name == name }.map { old in
                var ended = old
                ended.untilTick = nextTick
                return ended
            }
            changed.append(SavedAudience(name: name, filter: filter, number: (all.map(\.number).max() ?? 0) + 1, fromTick: nextTick))
            return changed
        }
    }

    /// Stops following audience `name` from the next tick (its members leave it silently: no exit
    /// transitions).
    /// - Throws: ``JourneyError`` `.notFound` when no audience has that name.
    public func dropAudience(_ name: String) throws {
        try changeAudiences { all, nextTick in
            let live = all.filter { $0.untilTick == 0 && $0.name == name }
            guard !live.isEmpty else { throw JourneyError(.notFound, "no saved audience \"\(name)\"") }
            return live.map { old in
                var ended = old
                ended.untilTick = nextTick
                return ended
            }
        }
    }

    /// The saved audiences that are followed (or will be from the next tick), by name.
    public func savedAudiences() throws -> [SavedAudience] {
        try translatingStorageErrors {
            try env.read { txn in
                try schema.savedAudiences(in: txn).filter { $0.untilTick == 0 }.sorted { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
            }
        }
    }

    /// Stores the audiences `change` returns (new or ended ones), given every saved audience and the
    /// number of the next tick.
    private func changeAudiences(_ change: ([SavedAudience], UInt64) throws -> [SavedAudience]) throws {
        try translatingStorageErrors {
            try log.withWriter { _ in
                try env.write { txn in
                    let nextTick = (try schema.lastTick(in: txn)?.number ?? 0) + 1
                    for audience in try change(try schema.savedAudiences(in: txn), nextTick) {
                        _ = try schema.audiences.put(audience.number, audience.encoded, in: txn)
                    }
                }
            }
        }
    }
}
