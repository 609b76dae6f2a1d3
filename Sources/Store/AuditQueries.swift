import JSON
import Postgres

/// Reading the audit chain.
public enum AuditQueries {
    /// Entries ascending by seq after `after`, optionally for one entity; `limit + 1` rows at most.
    public static func list(entityID: String?, after: Int64, limit: Int, on connection: PostgresConnection) throws -> [(AuditEntry, String)]
    {
        let rows = try connection.query(
            """
            SELECT seq, \(SQLFragments.timestamp("at")) AS at, actor_principal_id, action, entity_type, entity_id,
                   request_id, before::text AS before, after::text AS after, prev_hash, hash
            FROM audit_log
            WHERE seq > \(after) AND (\(entityID == nil) OR entity_id = \(entityID ?? ""))
            ORDER BY seq LIMIT \(limit + 1)
            """)
        return try rows.map { (try AuditEntry(row: $0), try $0.decode("hash", as: String.self)) }
    }
}

/// Reading the event log.
public enum EventQueries {
    public struct StoredEvent: Sendable {
        public let seq: Int64
        public let id: String
        public let type: String
        public let occurredAt: String
        /// The event's `data`, as rendered when it was written.
        public let dataJSON: String
    }

    /// Events with `seq > after`, ascending, of the given types (exact names or `prefix.*`).
    public static func list(after: Int64, limit: Int, types: [String], on connection: PostgresConnection) throws -> [StoredEvent] {
        let exact = types.filter { !$0.hasSuffix(".*") }
        let prefixes = types.filter { $0.hasSuffix(".*") }.map { String($0.dropLast(1)) }
        let rows = try connection.query(
            """
            SELECT seq, id, type, \(SQLFragments.timestamp("occurred_at")) AS occurred_at, data::text AS data
            FROM events
            WHERE seq > \(after)
              AND (\(types.isEmpty) OR type = ANY(string_to_array(\(exact.joined(separator: ",")), ','))
                   OR EXISTS (SELECT 1 FROM unnest(string_to_array(\(prefixes.joined(separator: ",")), ',')) AS p(prefix)
                              WHERE starts_with(type, p.prefix)))
            ORDER BY seq LIMIT \(limit)
            """)
        return try rows.map {
            StoredEvent(
                seq: try $0.decode("seq", as: Int64.self), id: try $0.decode("id", as: String.self),
                type: try $0.decode("type", as: String.self),
                occurredAt: try $0.decode("occurred_at", as: String.self), dataJSON: try $0.decode("data", as: String.self))
        }
    }
}
