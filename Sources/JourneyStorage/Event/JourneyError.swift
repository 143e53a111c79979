/// An error of the store: what went wrong, for a person, with a code to react to.
///
/// ```swift
/// do { try store.ingestJSONL(atPath: "events.jsonl") }
/// catch let error as JourneyError where error.code == .invalidEvent { print(error.message) }
/// ```
public struct JourneyError: Error, CustomStringConvertible, Sendable {
    /// The kind of error; extensible.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The code's name, as messages and logs show it (`invalid event`).
        public let name: String
        /// A code named `name`: how a new kind of error is added.
        public init(_ name: String) { self.name = name }
        /// The code's ``name``.
        public var description: String { name }

        /// An event broke a rule of the event format; the message names the line and field.
        public static let invalidEvent = Code("invalid event")
        /// A caller's argument is not acceptable (a bad currency, time or option).
        public static let invalidArgument = Code("invalid argument")
        /// The store was written by a newer version of JourneyStore.
        public static let newerFormat = Code("newer format")
        /// The store was written by an older, unreadable layout (before a 1.0 release, layouts change
        /// without migration: the events must be ingested into a new store).
        public static let olderFormat = Code("older format")
        /// The store's data is not what this version wrote.
        public static let corrupted = Code("corrupted")
        /// A file could not be read or written.
        public static let io = Code("i/o")
        /// A request names something that is not in the store (a customer id).
        public static let notFound = Code("not found")
        /// The disk holding the store is full: the write was not committed.
        public static let diskFull = Code("disk full")
        /// A write was asked of a store opened read-only (``JourneyStore/Options/readOnly``).
        public static let readOnly = Code("read-only")
        /// LMDB reported an error (see ``JourneyError/underlying``).
        public static let storage = Code("storage")
    }

    /// What kind of error it is, to react to (`error.code == .invalidEvent`).
    public let code: Code
    /// One line for a person, saying what to do where possible.
    public let message: String
    /// The error this one wraps, if any.
    public let underlying: (any Error & Sendable)?

    /// An error of kind `code` with a message for a person, wrapping `underlying` if given.
    public init(_ code: Code, _ message: String, underlying: (any Error & Sendable)? = nil) {
        self.code = code
        self.message = message
        self.underlying = underlying
    }

    /// The ``message``.
    public var description: String { message }

    package static func invalidArgument(_ message: String) -> JourneyError { JourneyError(.invalidArgument, message) }
}
