import JSON
import Postgres

/// What a mutation leaves besides its rows: audit entries and events. They are written at the
/// end of the mutation's own transaction, so a change, its audit entry and its events commit
/// together or not at all.
public struct Journal: Sendable {
    public let actorPrincipalID: String?
    public let requestID: String?
    /// The mutation's time, already at millisecond precision (RFC 3339, UTC).
    public let at: String
    var audits: [AuditDraft] = []
    var events: [EventDraft] = []

    public init(actorPrincipalID: String?, requestID: String?, at: String) {
        self.actorPrincipalID = actorPrincipalID
        self.requestID = requestID
        self.at = at
    }

    /// Records a change to one entity; `before` is nil for a creation, `after` nil for a deletion.
    public mutating func audit(_ action: String, entityType: String, entityID: String, before: JSONValue?, after: JSONValue?) {
        audits.append(AuditDraft(action: action, entityType: entityType, entityID: entityID, before: before, after: after))
    }

    /// Emits an event (API.md section 7) with the resources as the API returns them. It is
    /// delivered to every webhook subscription that wants its type, or only to `onlyTo`.
    public mutating func event(_ type: String, data: JSONValue, onlyTo webhookID: String? = nil) {
        events.append(EventDraft(type: type, data: data, onlyTo: webhookID))
    }

    public var isEmpty: Bool { audits.isEmpty && events.isEmpty }
}

struct AuditDraft: Sendable {
    let action: String
    let entityType: String
    let entityID: String
    let before: JSONValue?
    let after: JSONValue?
}

struct EventDraft: Sendable {
    let type: String
    let data: JSONValue
    let onlyTo: String?
}

/// An event as stored: its place in the log and its rendered form.
public struct CommittedEvent: Sendable {
    public let seq: Int64
    public let id: String
    public let type: String
}

enum JournalWriter {
    /// Appends `journal` on `connection`, inside the caller's transaction, as its last statements:
    /// the lock on the chain's head, then every audit row, event row, the new head and the wake-up
    /// notification in one statement. The lock is held to commit, which serialises the last step
    /// of every writing transaction: audit entries chain in one order and event `seq`s are drawn
    /// in commit order, so a reader paging by `seq` never skips a late commit.
    static func append(_ journal: Journal, on connection: PostgresConnection) throws -> [CommittedEvent] {
        guard !journal.isEmpty else { return [] }
        // Everything that does not depend on the chain's head is rendered before taking its lock.
        let rendered = journal.audits.map { draft in
            (draft, draft.before?.canonicalEncoded(), draft.after?.canonicalEncoded())
        }
        let eventData = journal.events.map { $0.data.encodedString() }
        let ids = journal.events.map { _ in Identifiers.make(.event) }

        // One statement takes the writers' lock and reads the chain's head: FOR UPDATE waits for the
        // previous holder to commit and then returns the row as that holder left it.
        guard let head = try connection.query("SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE").first else {
            throw StoreError.corrupt("audit_head")
        }
        // Each event's webhook deliveries, written with it (SERVER.md section 4: never lost). The
        // subscriptions are read under the lock: every subscription committed before this event's
        // seq is drawn is seen, so none misses an event that follows it in the log.
        let subscriptions = journal.events.contains { $0.onlyTo == nil } ? try WebhookQueries.subscriptions(on: connection) : []
        var deliveries: [(id: String, webhookID: String, eventID: String)] = []
        for (index, event) in journal.events.enumerated() {
            let targets = event.onlyTo.map { [$0] } ?? subscriptions.filter { WebhookRecord.matches($0.eventTypes, event.type) }.map(\.id)
            deliveries += targets.map { (Identifiers.make(.delivery), $0, ids[index]) }
        }
        var seq = try head.decode("seq", as: Int64.self)
        var previous = try head.decode("hash", as: String.self)
        var statement = Query(unsafeSQL: "WITH ")
        var parts = 0
        if !journal.audits.isEmpty {
            statement.append(
                """
                audit AS (INSERT INTO audit_log (seq, at, actor_principal_id, action, entity_type, entity_id, request_id,
                                                 before, after, prev_hash, hash) VALUES
                """)
            for (index, (draft, before, after)) in rendered.enumerated() {
                seq += 1
                let entry = AuditEntry(
                    seq: seq, at: journal.at, actorPrincipalID: journal.actorPrincipalID, action: draft.action,
                    entityType: draft.entityType, entityID: draft.entityID, requestID: journal.requestID,
                    before: draft.before, after: draft.after, prevHash: previous)
                let hash = AuditChain.hash(of: entry, before: before, after: after)
                if index > 0 { statement.append(", ") }
                statement.append(
                    """
                    (\(seq), \(entry.at)::timestamptz, \(entry.actorPrincipalID), \(entry.action), \(entry.entityType), \(entry.entityID),
                     \(entry.requestID), \(before.map { String(decoding: $0, as: UTF8.self) })::json,
                     \(after.map { String(decoding: $0, as: UTF8.self) })::json, \(entry.prevHash), \(hash))
                    """)
                previous = hash
            }
            statement.append("), head AS (UPDATE audit_head SET seq = \(seq), hash = \(previous) WHERE id = 1)")
            parts += 1
        }
        if !deliveries.isEmpty {
            if parts > 0 { statement.append(", ") }
            statement.append(
                "deliveries_added AS (INSERT INTO webhook_deliveries (id, webhook_id, event_id, status, next_attempt_at, created_at, updated_at) VALUES "
            )
            for (index, delivery) in deliveries.enumerated() {
                if index > 0 { statement.append(", ") }
                statement.append(
                    "(\(delivery.id), \(delivery.webhookID), \(delivery.eventID), 'pending', \(journal.at)::timestamptz, \(journal.at)::timestamptz, \(journal.at)::timestamptz)"
                )
            }
            statement.append(")")
            parts += 1
        }
        if !journal.events.isEmpty {
            if parts > 0 { statement.append(", ") }
            statement.append("events_added AS (INSERT INTO events (seq, id, type, occurred_at, data) VALUES ")
            for (index, draft) in journal.events.enumerated() {
                if index > 0 { statement.append(", ") }
                statement.append(
                    "(nextval('event_seq'), \(ids[index]), \(draft.type), \(journal.at)::timestamptz, \(eventData[index])::json)")
            }
            statement.append(" RETURNING seq, id, type)")
            statement.append(
                """
                SELECT seq, id, type, pg_notify('tollgate_events', (SELECT max(seq) FROM events_added)::text) AS notified
                FROM events_added ORDER BY seq
                """)
        } else {
            statement.append(" SELECT 1 AS done")
        }
        let rows = try connection.query(statement)
        guard !journal.events.isEmpty else { return [] }
        return try rows.map {
            CommittedEvent(
                seq: try $0.decode("seq", as: Int64.self), id: try $0.decode("id", as: String.self),
                type: try $0.decode("type", as: String.self))
        }
    }
}
