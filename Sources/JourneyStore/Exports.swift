// The event model (Event, Money, Timestamp, Currency), JourneyError, the ingest options and the
// generator are defined with the formats they belong to in JourneyStorage; users import
// JourneyStore alone. Everything else in JourneyStorage is `package`, not public.
@_exported import JourneyStorage
