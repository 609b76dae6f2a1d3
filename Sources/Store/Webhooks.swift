import Foundation
import JSON
import Postgres

/// A webhook subscription as the API shows it (never with its secret).
public struct WebhookRecord: Sendable, Equatable {
    public let id: String
    public var url: String
    public var eventTypes: [String]
    public var description: String
    public var enabled: Bool
    public var disabledReason: String?
    public var version: Int
    public let createdAt: String
    public var updatedAt: String

    public init(
        id: String, url: String, eventTypes: [String], description: String, enabled: Bool = true, disabledReason: String? = nil,
        version: Int = 1, createdAt: String, updatedAt: String
    ) {
        (self.id, self.url, self.eventTypes, self.description, self.enabled) = (id, url, eventTypes, description, enabled)
        (self.disabledReason, self.version, self.createdAt, self.updatedAt) = (disabledReason, version, createdAt, updatedAt)
    }

    public var json: JSONValue {
        .object(
            JSONObject([
                ("id", .string(id)), ("url", .string(url)), ("event_types", .array(eventTypes.map { .string($0) })),
                ("description", .string(description)), ("enabled", .bool(enabled)), ("disabled_reason", JSONValue(disabledReason)),
                ("version", .number(JSONNumber(version))), ("created_at", .string(createdAt)), ("updated_at", .string(updatedAt)),
            ]))
    }

    /// Whether an event of `type` matches `patterns`: an exact type, or `prefix.*`.
    public static func matches(_ patterns: [String], _ type: String) -> Bool {
        patterns.contains { pattern in
            pattern.hasSuffix(".*") ? type.hasPrefix(pattern.dropLast()) : pattern == type
        }
    }
}

/// One attempt of a delivery.
public struct DeliveryAttempt: Sendable, Equatable {
    public let at: String
    public let responseStatus: Int?
    public let error: String?
    public let durationMS: Int

    public init(at: String, responseStatus: Int?, error: String?, durationMS: Int) {
        (self.at, self.responseStatus, self.error, self.durationMS) = (at, responseStatus, error, durationMS)
    }

    var json: JSONValue {
        .object(
            JSONObject([
                ("at", .string(at)), ("response_status", responseStatus.map { .number(JSONNumber($0)) } ?? .null),
                ("error", JSONValue(error)), ("duration_ms", .number(JSONNumber(durationMS))),
            ]))
    }
}

/// A delivery with every attempt.
public struct DeliveryRecord: Sendable, Equatable {
    public let id: String
    public let webhookID: String
    public let eventID: String
    public let eventType: String
    public var status: String
    public var attempts: [DeliveryAttempt]
    public var nextAttemptAt: String?
    public let createdAt: String
    public var updatedAt: String

    public var json: JSONValue {
        .object(
            JSONObject([
                ("id", .string(id)), ("webhook_id", .string(webhookID)), ("event_id", .string(eventID)), ("event_type", .string(eventType)),
                ("status", .string(status)), ("attempts", .array(attempts.map(\.json))), ("next_attempt_at", JSONValue(nextAttemptAt)),
                ("created_at", .string(createdAt)), ("updated_at", .string(updatedAt)),
            ]))
    }
}

/// SQL for webhook subscriptions and their deliveries.
public enum WebhookQueries {
    static let columns: Query = """
        id, url, array_to_string(event_types, ',') AS event_types, description, enabled, disabled_reason, version,
        \(SQLFragments.timestamp("created_at")) AS created_at, \(SQLFragments.timestamp("updated_at")) AS updated_at, list_seq
        """

    static func record(_ row: PostgresRow) throws -> WebhookRecord {
        WebhookRecord(
            id: try row.decode("id", as: String.self), url: try row.decode("url", as: String.self),
            eventTypes: try row.decode("event_types", as: String.self).split(separator: ",").map(String.init),
            description: try row.decode("description", as: String.self), enabled: try row.decode("enabled", as: Bool.self),
            disabledReason: try row.decode("disabled_reason", as: String?.self), version: try row.decode("version", as: Int.self),
            createdAt: try row.decode("created_at", as: String.self), updatedAt: try row.decode("updated_at", as: String.self))
    }

    /// Event type patterns as a PostgreSQL array literal (patterns are `[a-z_]+(.[a-z_*]+)?`: no quoting needed).
    static func arrayLiteral(_ items: [String]) -> String { "{" + items.joined(separator: ",") + "}" }

    public static func insert(_ w: WebhookRecord, secret: String, on connection: PostgresConnection) throws {
        try connection.query(
            """
            INSERT INTO webhooks (id, url, event_types, description, enabled, secret, version, created_at, updated_at)
            VALUES (\(w.id), \(w.url), \(arrayLiteral(w.eventTypes))::text[], \(w.description), \(w.enabled), \(secret), \(w.version),
                    \(w.createdAt)::timestamptz, \(w.updatedAt)::timestamptz)
            """)
    }

    public static func find(_ id: String, on connection: PostgresConnection, forUpdate: Bool = false) throws -> WebhookRecord? {
        let lock: Query = forUpdate ? " FOR UPDATE" : ""
        return try connection.query("SELECT \(columns) FROM webhooks WHERE id = \(id) AND deleted_at IS NULL\(lock)").first.map(record)
    }

    public static func list(after cursor: Int64?, limit: Int, on connection: PostgresConnection) throws -> [(WebhookRecord, Int64)] {
        try connection.query(
            """
            SELECT \(columns) FROM webhooks WHERE deleted_at IS NULL AND (\(cursor == nil) OR list_seq < \(cursor ?? 0))
            ORDER BY list_seq DESC LIMIT \(limit + 1)
            """
        ).map { (try record($0), try $0.decode("list_seq", as: Int64.self)) }
    }

    /// Writes the subscription's mutable fields. Enabling it again clears the failure clock.
    public static func update(_ w: WebhookRecord, on connection: PostgresConnection) throws {
        try connection.query(
            """
            UPDATE webhooks SET url = \(w.url), event_types = \(arrayLiteral(w.eventTypes))::text[], description = \(w.description),
                failing_since = CASE WHEN \(w.enabled) AND NOT enabled THEN NULL ELSE failing_since END,
                enabled = \(w.enabled), disabled_reason = \(w.disabledReason), version = \(w.version), updated_at = \(w.updatedAt)::timestamptz
            WHERE id = \(w.id)
            """)
    }

    public static func delete(_ id: String, at: String, on connection: PostgresConnection) throws {
        try connection.query("UPDATE webhooks SET deleted_at = \(at)::timestamptz, enabled = false WHERE id = \(id)")
    }

    /// A new secret; the current one keeps signing beside it until `previousUntil`.
    public static func rotateSecret(_ id: String, to secret: String, previousUntil: String, on connection: PostgresConnection) throws {
        try connection.query(
            """
            UPDATE webhooks SET previous_secret = secret, previous_secret_expires_at = \(previousUntil)::timestamptz, secret = \(secret)
            WHERE id = \(id)
            """)
    }

    /// The subscriptions that receive events now: enabled and not deleted.
    public static func subscriptions(on connection: PostgresConnection) throws -> [(id: String, eventTypes: [String])] {
        try connection.query(
            "SELECT id, array_to_string(event_types, ',') AS event_types FROM webhooks WHERE enabled AND deleted_at IS NULL"
        ).map {
            (try $0.decode("id", as: String.self), try $0.decode("event_types", as: String.self).split(separator: ",").map(String.init))
        }
    }
}

/// SQL for deliveries and their attempts.
public enum DeliveryQueries {
    static let columns: Query = """
        d.id, d.webhook_id, d.event_id, e.type AS event_type, d.status,
        \(SQLFragments.timestamp("d.next_attempt_at")) AS next_attempt_at,
        \(SQLFragments.timestamp("d.created_at")) AS created_at, \(SQLFragments.timestamp("d.updated_at")) AS updated_at, d.list_seq
        """

    static func record(_ row: PostgresRow) throws -> DeliveryRecord {
        DeliveryRecord(
            id: try row.decode("id", as: String.self), webhookID: try row.decode("webhook_id", as: String.self),
            eventID: try row.decode("event_id", as: String.self), eventType: try row.decode("event_type", as: String.self),
            status: try row.decode("status", as: String.self), attempts: [],
            nextAttemptAt: try row.decode("next_attempt_at", as: String?.self), createdAt: try row.decode("created_at", as: String.self),
            updatedAt: try row.decode("updated_at", as: String.self))
    }

    static func withAttempts(_ deliveries: [DeliveryRecord], on connection: PostgresConnection) throws -> [DeliveryRecord] {
        guard !deliveries.isEmpty else { return [] }
        let ids = "{" + deliveries.map(\.id).joined(separator: ",") + "}"  // ids are [a-z0-9_] only
        let rows = try connection.query(
            """
            SELECT delivery_id, \(SQLFragments.timestamp("at")) AS at, response_status, error, duration_ms
            FROM webhook_attempts WHERE delivery_id = ANY(\(ids)::text[]) ORDER BY delivery_id, attempt
            """)
        var byDelivery: [String: [DeliveryAttempt]] = [:]
        for row in rows {
            byDelivery[try row.decode("delivery_id", as: String.self), default: []].append(
                DeliveryAttempt(
                    at: try row.decode("at", as: String.self), responseStatus: try row.decode("response_status", as: Int?.self),
                    error: try row.decode("error", as: String?.self), durationMS: try row.decode("duration_ms", as: Int.self)))
        }
        return deliveries.map { delivery in
            var delivery = delivery
            delivery.attempts = byDelivery[delivery.id] ?? []
            return delivery
        }
    }

    public static func list(webhookID: String, status: String?, after cursor: Int64?, limit: Int, on connection: PostgresConnection)
        throws -> [(DeliveryRecord, Int64)]
    {
        let rows = try connection.query(
            """
            SELECT \(columns) FROM webhook_deliveries d JOIN events e ON e.id = d.event_id
            WHERE d.webhook_id = \(webhookID) AND (\(status == nil) OR d.status = \(status ?? ""))
              AND (\(cursor == nil) OR d.list_seq < \(cursor ?? 0))
            ORDER BY d.list_seq DESC LIMIT \(limit + 1)
            """)
        let deliveries = try rows.map { (try record($0), try $0.decode("list_seq", as: Int64.self)) }
        return zip(try withAttempts(deliveries.map(\.0), on: connection), deliveries).map { ($0, $1.1) }
    }

    public static func find(_ id: String, webhookID: String, on connection: PostgresConnection, forUpdate: Bool = false) throws
        -> DeliveryRecord?
    {
        let lock: Query = forUpdate ? " FOR UPDATE OF d" : ""
        guard
            let delivery = try connection.query(
                """
                SELECT \(columns) FROM webhook_deliveries d JOIN events e ON e.id = d.event_id
                WHERE d.id = \(id) AND d.webhook_id = \(webhookID)\(lock)
                """
            ).first.map(record)
        else { return nil }
        return try withAttempts([delivery], on: connection).first
    }

    /// Makes a finished delivery due again now, with a fresh retry schedule.
    public static func redeliver(_ id: String, at: String, on connection: PostgresConnection) throws {
        try connection.query(
            """
            UPDATE webhook_deliveries SET status = 'pending', attempts_in_round = 0, next_attempt_at = \(at)::timestamptz,
                lease_until = NULL, lease_token = NULL, updated_at = \(at)::timestamptz
            WHERE id = \(id)
            """)
    }

    /// How many deliveries of live subscriptions wait to be attempted (due or not): the queue depth.
    public static func pendingCount(on connection: PostgresConnection) throws -> Int {
        try connection.query(
            """
            SELECT count(*) AS n FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id
            WHERE d.status = 'pending' AND w.deleted_at IS NULL
            """
        ).first?.decode("n", as: Int.self) ?? 0
    }
}

/// A delivery claimed for an attempt, with what sending it needs.
public struct ClaimedDelivery: Sendable {
    public let id: String
    public let leaseToken: String
    public let webhookID: String
    public let url: String
    /// The current secret, then the previous one while a rotation's 24 hours last.
    public let secrets: [String]
    public let attemptsInRound: Int
    public let eventID: String
    public let eventType: String
    public let occurredAt: String
    public let seq: Int64
    /// The event's `data` as stored (a JSON object).
    public let data: String

    /// The body a receiver gets: `{"type", "timestamp", "data"}`, data as in the event plus `seq`.
    public var body: [UInt8] {
        var data = Array(data.utf8)
        if data.last == UInt8(ascii: "}") {  // always an object: splice `seq` in as its last member
            data.removeLast()
            data += Array((data.count > 1 ? #","seq":\#(seq)}"# : #""seq":\#(seq)}"#).utf8)
        }
        var body = JSONValue.object(JSONObject([("type", .string(eventType)), ("timestamp", .string(occurredAt))])).encoded()
        body.removeLast()
        return body + Array(#","data":"#.utf8) + data + [UInt8(ascii: "}")]
    }
}

extension DeliveryQueries {
    /// Claims up to `limit` due deliveries of enabled subscriptions for `leaseSeconds`: rows
    /// another dispatcher holds are skipped (`SKIP LOCKED`), and a claim whose lease ran out (its
    /// dispatcher died mid-attempt) is due again. Commits on its own, so the lease is visible at once.
    public static func claim(limit: Int, leaseSeconds: Int, token: String, on connection: PostgresConnection) throws -> [ClaimedDelivery] {
        try connection.query(
            """
            WITH due AS (
                SELECT d.id FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id
                WHERE d.status = 'pending' AND d.next_attempt_at <= now() AND (d.lease_until IS NULL OR d.lease_until < now())
                  AND w.enabled AND w.deleted_at IS NULL
                ORDER BY d.next_attempt_at LIMIT \(limit)
                FOR UPDATE OF d SKIP LOCKED)
            UPDATE webhook_deliveries d
            SET lease_until = now() + make_interval(secs => \(leaseSeconds)::integer), lease_token = \(token)
            FROM due, webhooks w, events e
            WHERE d.id = due.id AND w.id = d.webhook_id AND e.id = d.event_id
            RETURNING d.id, d.webhook_id, d.attempts_in_round, w.url, w.secret,
                      CASE WHEN w.previous_secret_expires_at > now() THEN w.previous_secret END AS previous_secret,
                      e.id AS event_id, e.type, \(SQLFragments.timestamp("e.occurred_at")) AS occurred_at, e.seq, e.data::text AS data
            """
        ).map { row in
            ClaimedDelivery(
                id: try row.decode("id", as: String.self), leaseToken: token, webhookID: try row.decode("webhook_id", as: String.self),
                url: try row.decode("url", as: String.self),
                secrets: [try row.decode("secret", as: String.self)]
                    + [try row.decode("previous_secret", as: String?.self)].compactMap { $0 },
                attemptsInRound: try row.decode("attempts_in_round", as: Int.self), eventID: try row.decode("event_id", as: String.self),
                eventType: try row.decode("type", as: String.self), occurredAt: try row.decode("occurred_at", as: String.self),
                seq: try row.decode("seq", as: Int64.self), data: try row.decode("data", as: String.self))
        }
    }

    /// Whether the claim is still this dispatcher's (locks the row to the transaction's end).
    public static func holdsLease(_ id: String, token: String, on connection: PostgresConnection) throws -> Bool {
        try !connection.query("SELECT id FROM webhook_deliveries WHERE id = \(id) AND lease_token = \(token) FOR UPDATE").isEmpty
    }

    public static func recordAttempt(_ id: String, _ attempt: DeliveryAttempt, on connection: PostgresConnection) throws {
        try connection.query(
            """
            INSERT INTO webhook_attempts (delivery_id, attempt, at, response_status, error, duration_ms)
            VALUES (\(id), (SELECT coalesce(max(attempt), 0) + 1 FROM webhook_attempts WHERE delivery_id = \(id)), \(attempt.at)::timestamptz,
                    \(attempt.responseStatus), \(attempt.error), \(attempt.durationMS))
            """)
    }

    /// The delivery's state after an attempt: the next attempt `retryInSeconds` from now by the
    /// database's clock (the one claims compare with), nil for a final status.
    public static func settle(
        _ id: String, status: String, attemptsInRound: Int, retryInSeconds: Double?, at: String, on connection: PostgresConnection
    ) throws {
        try connection.query(
            """
            UPDATE webhook_deliveries SET status = \(status), attempts_in_round = \(attemptsInRound),
                next_attempt_at = CASE WHEN \(retryInSeconds != nil) THEN now() + make_interval(secs => \(retryInSeconds ?? 0)) END,
                lease_until = NULL, lease_token = NULL, updated_at = \(at)::timestamptz
            WHERE id = \(id)
            """)
    }

    /// Renews the lease of the claimed deliveries still held by `token` (after a slow preparation)
    /// and returns their ids: a delivery whose lease ran out meanwhile is not sent by this claim.
    public static func renewLeases(_ ids: [String], token: String, leaseSeconds: Int, on connection: PostgresConnection) throws
        -> Set<String>
    {
        guard !ids.isEmpty else { return [] }
        let list = "{" + ids.joined(separator: ",") + "}"  // ids are [a-z0-9_] only
        return Set(
            try connection.query(
                """
                UPDATE webhook_deliveries SET lease_until = now() + make_interval(secs => \(leaseSeconds)::integer)
                WHERE id = ANY(\(list)::text[]) AND lease_token = \(token) AND status = 'pending'
                RETURNING id
                """
            ).map { try $0.decode("id", as: String.self) })
    }
}

extension WebhookQueries {
    /// Notes a failed attempt: the failure clock starts, if it is not running (a success stops it,
    /// in `DeliveryQueries.recordSuccesses`). Returns whether the subscription has now been failing,
    /// without a success, for at least `seconds`, by the database's clock.
    public static func noteFailure(_ id: String, at: String, failingFor seconds: Int, on connection: PostgresConnection) throws -> Bool {
        try connection.query(
            """
            UPDATE webhooks SET failing_since = coalesce(failing_since, \(at)::timestamptz) WHERE id = \(id)
            RETURNING failing_since <= now() - make_interval(secs => \(seconds)::integer) AS too_long
            """
        ).first?.decode("too_long", as: Bool.self) ?? false
    }
}

extension DeliveryQueries {
    /// A successful attempt, for `recordSuccesses`.
    public struct Success: Sendable {
        public let deliveryID: String
        public let leaseToken: String
        public let webhookID: String
        public let at: String
        public let status: Int
        public let durationMS: Int

        public init(deliveryID: String, leaseToken: String, webhookID: String, at: String, status: Int, durationMS: Int) {
            (self.deliveryID, self.leaseToken, self.webhookID, self.at, self.status, self.durationMS) =
                (deliveryID, leaseToken, webhookID, at, status, durationMS)
        }
    }

    /// Records many successful attempts in three statements (the common case, kept cheap): the
    /// attempts, the deliveries whose lease is still the claim's turned `succeeded`, and their
    /// subscriptions' failure clocks stopped.
    public static func recordSuccesses(_ items: [Success], at now: String, on connection: PostgresConnection) throws {
        guard !items.isEmpty else { return }
        // Array literals of ids, RFC 3339 times and integers: characters that need no quoting.
        func array(_ values: [String]) -> String { "{" + values.joined(separator: ",") + "}" }
        let ids = array(items.map(\.deliveryID))
        try connection.query(
            """
            INSERT INTO webhook_attempts (delivery_id, attempt, at, response_status, error, duration_ms)
            SELECT x.id, coalesce((SELECT max(a.attempt) FROM webhook_attempts a WHERE a.delivery_id = x.id), 0) + 1,
                   x.at::timestamptz, x.status, NULL, x.ms
            FROM unnest(\(ids)::text[], \(array(items.map(\.at)))::text[], \(array(items.map { String($0.status) }))::integer[],
                        \(array(items.map { String($0.durationMS) }))::integer[]) AS x(id, at, status, ms)
            """)
        try connection.query(
            """
            UPDATE webhook_deliveries d SET status = 'succeeded', attempts_in_round = d.attempts_in_round + 1, next_attempt_at = NULL,
                lease_until = NULL, lease_token = NULL, updated_at = \(now)::timestamptz
            FROM unnest(\(ids)::text[], \(array(items.map(\.leaseToken)))::text[]) AS x(id, token)
            WHERE d.id = x.id AND d.lease_token = x.token
            """)
        try connection.query(
            """
            UPDATE webhooks SET failing_since = NULL
            WHERE id = ANY(\(array(Array(Set(items.map(\.webhookID))).sorted()))::text[]) AND failing_since IS NOT NULL
            """)
    }
}
