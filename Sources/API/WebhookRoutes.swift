import Foundation
import Governance
import HTTP1
import HTTPServer
import JSON
import Postgres
import Store
import Telemetry
import Webhooks

/// `/v1/webhooks` (admin): subscriptions, secrets, test events, deliveries (API.md section 7).
struct WebhookRoutes {
    let api: APIRouter

    static let writable: Set<String> = ["url", "event_types", "description"]

    /// The webhook `{id}`, locked, or 404; the caller must be an admin (403 first).
    static func webhook(_ context: APIContext, on connection: PostgresConnection, forUpdate: Bool = false) throws -> WebhookRecord {
        let id = context.parameter("id")
        guard IDKind.webhook.isValid(id), let webhook = try WebhookQueries.find(id, on: connection, forUpdate: forUpdate) else {
            throw Problem.notFound("webhook")
        }
        return webhook
    }

    /// Checks a URL: http or https, and (unless private targets are allowed) an address the guard accepts.
    static func checkURL(_ url: String, allowPrivate: Bool, body: inout BodyReader) {
        switch WebhookTarget.parse(url) {
        case .failure(let error): body.fail("url", error.description)
        case .success(let target):
            guard !allowPrivate else { return }
            if case .failure(let error) = AddressGuard.check(target) { body.fail("url", error.description) }
        }
    }

    static func eventTypes(_ body: inout BodyReader) -> [String]? {
        guard let list = body.object["event_types"] else { return nil }
        guard let items = list.arrayValue, (1...50).contains(items.count) else {
            body.fail("event_types", "must be an array of 1 to 50 event types or prefix.* patterns")
            return nil
        }
        var types: [String] = []
        for (index, item) in items.enumerated() {
            guard let text = item.stringValue, EventRoutes.isTypeFilter(text) else {
                body.fail(at: body.base.appending("event_types").appending(index), "must be an event type or a prefix.* pattern")
                continue
            }
            if !types.contains(text) { types.append(text) }
        }
        return types
    }

    func register(in router: inout Router) {
        let store = api.store
        let allowPrivate = api.webhookAllowPrivate

        api.route(
            .post, "/v1/webhooks",
            { context in
                try context.require(Authorization.manageWebhooks(by: context.principal))
                var body = BodyReader(try context.jsonObject())
                body.allowOnly(
                    Self.writable, readOnly: ["id", "enabled", "secret", "version", "created_at", "updated_at", "disabled_reason"])
                let url = body.requiredString("url", length: 1...2048)
                let types = Self.eventTypes(&body)
                if !body.has("event_types") { body.fail("event_types", "is required") }
                let description = body.string("description", length: 0...1000) ?? nil
                if let url { Self.checkURL(url, allowPrivate: allowPrivate, body: &body) }
                try body.finish()
                let secret = WebhookSignature.newSecret()
                let (webhook, _) = try store.write(actor: context.caller.principalID, requestID: context.http.requestID, at: context.now) {
                    connection, journal in
                    let webhook = WebhookRecord(
                        id: Identifiers.make(.webhook), url: url ?? "", eventTypes: types ?? [], description: description ?? "",
                        createdAt: context.now, updatedAt: context.now)
                    try WebhookQueries.insert(webhook, secret: secret, on: connection)
                    journal.audit("webhook.created", entityType: "webhook", entityID: webhook.id, before: nil, after: webhook.json)
                    return webhook
                }
                return Responses.json(
                    .created, Self.withSecret(webhook.json, secret),
                    headers: ["Location": "/v1/webhooks/\(webhook.id)", "Cache-Control": "no-store"])
            }, in: &router)

        api.route(
            .get, "/v1/webhooks",
            { context in
                try context.require(Authorization.manageWebhooks(by: context.principal))
                let list = try ListQuery(context.query)
                let rows = try store.read { try WebhookQueries.list(after: list.cursor?.position, limit: list.limit, on: $0) }
                let page = list.page(rows)
                return Responses.list(page.items.map(\.json), next: page.next, request: context.request, limit: list.limit)
            }, in: &router)

        api.route(
            .get, "/v1/webhooks/{id}",
            { context in
                try context.require(Authorization.manageWebhooks(by: context.principal))
                return Responses.resource(try store.read { try Self.webhook(context, on: $0) }.json, request: context.request)
            }, in: &router)

        api.route(
            .patch, "/v1/webhooks/{id}",
            { context in
                try context.require(Authorization.manageWebhooks(by: context.principal))
                var body = BodyReader(try context.jsonObject(allowMergePatch: true))
                body.allowOnly(
                    Self.writable.union(["enabled"]), readOnly: ["id", "secret", "version", "created_at", "updated_at", "disabled_reason"])
                let url = body.has("url") ? body.requiredString("url", length: 1...2048) : nil
                let types = Self.eventTypes(&body)
                let description =
                    body.has("description") ? (body.string("description", length: 0...1000, nullable: true) ?? nil) ?? "" : nil
                let enabled = body.has("enabled") ? body.bool("enabled", required: true) : nil
                if let url { Self.checkURL(url, allowPrivate: allowPrivate, body: &body) }
                try body.finish()
                let (webhook, _) = try store.write(actor: context.caller.principalID, requestID: context.http.requestID, at: context.now) {
                    connection, journal in
                    let current = try Self.webhook(context, on: connection, forUpdate: true)
                    try context.requireIfMatch(current.json)
                    var next = current
                    if let url { next.url = url }
                    if let types { next.eventTypes = types }
                    if let description { next.description = description }
                    if let enabled {
                        next.enabled = enabled
                        if enabled { next.disabledReason = nil } else if current.enabled { next.disabledReason = "disabled by an admin" }
                    }
                    guard next != current else { return current }
                    next.version += 1
                    next.updatedAt = context.now
                    try WebhookQueries.update(next, on: connection)
                    journal.audit("webhook.updated", entityType: "webhook", entityID: next.id, before: current.json, after: next.json)
                    return next
                }
                return Responses.resource(webhook.json, request: context.request)
            }, in: &router)

        api.route(
            .delete, "/v1/webhooks/{id}",
            { context in
                try context.require(Authorization.manageWebhooks(by: context.principal))
                _ = try store.write(actor: context.caller.principalID, requestID: context.http.requestID, at: context.now) {
                    connection, journal in
                    let current = try Self.webhook(context, on: connection, forUpdate: true)
                    try WebhookQueries.delete(current.id, at: context.now, on: connection)
                    journal.audit("webhook.deleted", entityType: "webhook", entityID: current.id, before: current.json, after: nil)
                }
                return Responses.noContent()
            }, in: &router)

        api.route(
            .post, "/v1/webhooks/{id}/rotate-secret",
            { context in
                try context.require(Authorization.manageWebhooks(by: context.principal))
                var body = BodyReader(try context.optionalJSONObject())
                body.allowOnly([])
                try body.finish()
                let secret = WebhookSignature.newSecret()
                let (webhook, _) = try store.write(actor: context.caller.principalID, requestID: context.http.requestID, at: context.now) {
                    connection, journal in
                    var webhook = try Self.webhook(context, on: connection, forUpdate: true)
                    let before = webhook.json
                    let until = Timestamp.rfc3339(seconds: Int(Date().timeIntervalSince1970) + 86_400, milliseconds: 0)
                    try WebhookQueries.rotateSecret(webhook.id, to: secret, previousUntil: until, on: connection)
                    webhook.version += 1
                    webhook.updatedAt = context.now
                    try WebhookQueries.update(webhook, on: connection)
                    // The audit entry says a rotation happened; secrets never enter the audit log.
                    journal.audit(
                        "webhook.secret_rotated", entityType: "webhook", entityID: webhook.id, before: before, after: webhook.json)
                    return webhook
                }
                return Responses.json(.ok, Self.withSecret(webhook.json, secret), headers: ["Cache-Control": "no-store"])
            }, in: &router)

        api.route(
            .post, "/v1/webhooks/{id}/test",
            { context in
                try context.require(Authorization.manageWebhooks(by: context.principal))
                var body = BodyReader(try context.optionalJSONObject())
                body.allowOnly([])
                try body.finish()
                let (webhook, events) = try store.write(
                    actor: context.caller.principalID, requestID: context.http.requestID, at: context.now
                ) { connection, journal in
                    let webhook = try Self.webhook(context, on: connection)
                    journal.event("webhook.test", data: .object(JSONObject([("webhook", webhook.json)])), onlyTo: webhook.id)
                    return webhook
                }
                api.wakeDispatcher()
                return Responses.json(
                    .accepted,
                    .object(
                        JSONObject([
                            ("webhook_id", .string(webhook.id)), ("event_id", .string(events.first?.id ?? "")),
                            ("event_type", .string("webhook.test")),
                        ])))
            }, in: &router)

        api.route(
            .get, "/v1/webhooks/{id}/deliveries",
            { context in
                try context.require(Authorization.manageWebhooks(by: context.principal))
                let list = try ListQuery(context.query)
                let status = context.query["status"]
                if let status, !["pending", "succeeded", "failed"].contains(status) {
                    throw Problem(status: .badRequest, detail: "status must be one of pending, succeeded, failed.")
                }
                let rows = try store.read { connection in
                    let webhook = try Self.webhook(context, on: connection)
                    return try DeliveryQueries.list(
                        webhookID: webhook.id, status: status, after: list.cursor?.position, limit: list.limit, on: connection)
                }
                let page = list.page(rows)
                return Responses.list(page.items.map(\.json), next: page.next, request: context.request, limit: list.limit)
            }, in: &router)

        api.route(
            .post, "/v1/webhooks/{id}/deliveries/{delivery}/redeliver",
            { context in
                try context.require(Authorization.manageWebhooks(by: context.principal))
                var body = BodyReader(try context.optionalJSONObject())
                body.allowOnly([])
                try body.finish()
                let (delivery, _) = try store.write(actor: context.caller.principalID, requestID: context.http.requestID, at: context.now) {
                    connection, journal -> DeliveryRecord in
                    let webhook = try Self.webhook(context, on: connection)
                    let id = context.parameter("delivery")
                    guard IDKind.delivery.isValid(id),
                        let delivery = try DeliveryQueries.find(id, webhookID: webhook.id, on: connection, forUpdate: true)
                    else { throw Problem.notFound("delivery") }
                    guard delivery.status != "pending" else {
                        throw Problem.conflict("The delivery is pending already; it will be attempted.", slug: "invalid-state")
                    }
                    try DeliveryQueries.redeliver(id, at: context.now, on: connection)
                    let after = try DeliveryQueries.find(id, webhookID: webhook.id, on: connection) ?? delivery
                    journal.audit("webhook.redelivered", entityType: "delivery", entityID: id, before: delivery.json, after: after.json)
                    return after
                }
                api.wakeDispatcher()
                return Responses.json(.accepted, delivery.json)
            }, in: &router)
    }

    /// The representation with the secret: only in the answers to create and rotate.
    static func withSecret(_ json: JSONValue, _ secret: String) -> JSONValue {
        var members = json.objectValue?.members.map { ($0.key, $0.value) } ?? []
        members.append(("secret", .string(secret)))
        return .object(JSONObject(members))
    }
}
