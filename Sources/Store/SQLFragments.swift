import Postgres

/// SQL shared by the store's queries. Fragments hold no data: values are always bound.
enum SQLFragments {
    /// Formats a timestamptz column as the API's RFC 3339, UTC, millisecond text.
    static func timestamp(_ column: String) -> Query {
        Query(unsafeSQL: "to_char(\(column) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')")
    }
}
