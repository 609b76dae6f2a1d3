import Governance
import HTTP1
import HTTPServer
import JSON
import Postgres
import Store

/// `/v1/me`, `/v1/principals` and their keys (API.md section 2).
struct PrincipalRoutes {
    let api: APIRouter

    static let writable: Set<String> = ["name", "email", "functions", "admin"]
    static let readOnly: Set<String> = ["id", "version", "created_at", "updated_at"]

    func register(in router: inout Router) {
        let store = api.store
        let authenticator = api.authenticator

        api.route(
            .get, "/v1/me",
            { context in
                guard let me = try store.read({ try PrincipalQueries.find(context.caller.principalID, on: $0) }) else {
                    throw Problem.unauthenticated("The API key's principal no longer exists.")
                }
                return Responses.resource(me.json, request: context.request)
            }, in: &router)

        api.route(
            .post, "/v1/principals",
            { context in
                try context.require(Authorization.createPrincipal(by: context.principal))
                var body = BodyReader(try context.jsonObject())
                body.allowOnly(Self.writable, readOnly: Self.readOnly)
                let name = body.requiredString("name", length: 1...200)
                let email = PrincipalRoutes.email(&body)
                let functions = body.enumSet("functions", BusinessFunction.self, required: true)
                let admin = body.bool("admin") ?? false
                try body.finish()
                let record = PrincipalRecord(
                    id: Identifiers.make(.principal), name: name ?? "", email: email ?? nil, functions: functions ?? [], admin: admin,
                    version: 1, createdAt: context.now, updatedAt: context.now)
                _ = try store.write(actor: context.caller.principalID, requestID: context.http.requestID, at: context.now) {
                    connection, journal in
                    try PrincipalQueries.insert(record, on: connection)
                    journal.audit("principal.created", entityType: "principal", entityID: record.id, before: nil, after: record.json)
                }
                return Responses.resource(
                    .created, record.json, request: context.request, headers: ["Location": "/v1/principals/\(record.id)"])
            }, in: &router)

        api.route(
            .get, "/v1/principals",
            { context in
                let list = try ListQuery(context.query)
                let rows = try store.read { try PrincipalQueries.list(after: list.cursor?.position, limit: list.limit, on: $0) }
                let page = list.page(rows)
                return Responses.list(page.items.map(\.json), next: page.next, request: context.request, limit: list.limit)
            }, in: &router)

        api.route(
            .get, "/v1/principals/{id}",
            { context in
                let id = context.parameter("id")
                guard IDKind.principal.isValid(id), let record = try store.read({ try PrincipalQueries.find(id, on: $0) }) else {
                    throw Problem.notFound("principal")
                }
                return Responses.resource(record.json, request: context.request)
            }, in: &router)

        api.route(
            .patch, "/v1/principals/{id}",
            { context in
                try context.require(Authorization.updatePrincipal(by: context.principal))
                let id = context.parameter("id")
                guard IDKind.principal.isValid(id) else { throw Problem.notFound("principal") }
                var body = BodyReader(try context.jsonObject(allowMergePatch: true))
                body.allowOnly(Self.writable, readOnly: Self.readOnly)
                let name = body.has("name") ? body.requiredString("name", length: 1...200) : nil
                let email = PrincipalRoutes.email(&body)
                let functions = body.has("functions") ? body.enumSet("functions", BusinessFunction.self, required: true) : nil
                let admin = body.has("admin") ? body.bool("admin", required: true) : nil
                try body.finish()
                let (updated, _) = try store.write(actor: context.caller.principalID, requestID: context.http.requestID, at: context.now) {
                    connection, journal in
                    guard let current = try PrincipalQueries.find(id, on: connection, forUpdate: true) else {
                        throw Problem.notFound("principal")
                    }
                    try context.requireIfMatch(current.json)
                    var next = current
                    if let name { next.name = name }
                    if let email { next.email = email }
                    if let functions { next.functions = functions }
                    if let admin { next.admin = admin }
                    guard next != current else { return current }
                    next.version += 1
                    next.updatedAt = context.now
                    try PrincipalQueries.update(next, on: connection)
                    journal.audit("principal.updated", entityType: "principal", entityID: id, before: current.json, after: next.json)
                    return next
                }
                authenticator.invalidateAll()
                return Responses.resource(updated.json, request: context.request)
            }, in: &router)

        api.route(
            .post, "/v1/principals/{id}/keys",
            { context in
                try context.require(Authorization.createKey(by: context.principal))
                let id = context.parameter("id")
                guard IDKind.principal.isValid(id) else { throw Problem.notFound("principal") }
                var body = BodyReader(try context.jsonObject())
                body.allowOnly(["name", "expires_at"])
                let name = body.requiredString("name", length: 1...200)
                let expiresAt = PrincipalRoutes.timestamp(&body, "expires_at", after: context.now)
                try body.finish()
                let secret = APIKeyMaterial.generate()
                let key = APIKeyRecord(
                    id: Identifiers.make(.apiKey), principalID: id, name: name ?? "", prefix: APIKeyMaterial.displayPrefix(secret),
                    createdAt: context.now, expiresAt: expiresAt)
                _ = try store.write(actor: context.caller.principalID, requestID: context.http.requestID, at: context.now) {
                    connection, journal in
                    guard try PrincipalQueries.find(id, on: connection) != nil else { throw Problem.notFound("principal") }
                    try PrincipalQueries.insertKey(key, hash: APIKeyMaterial.hash(secret), on: connection)
                    journal.audit("api_key.created", entityType: "api_key", entityID: key.id, before: nil, after: key.json)
                }
                let shown = JSONValue.object(
                    JSONObject([
                        ("id", .string(key.id)), ("name", .string(key.name)), ("key", .string(secret)), ("prefix", .string(key.prefix)),
                        ("created_at", .string(key.createdAt)), ("expires_at", JSONValue(key.expiresAt)),
                    ]))
                return Responses.json(
                    .created, shown, headers: ["Location": "/v1/principals/\(id)/keys/\(key.id)", "Cache-Control": "no-store"])
            }, in: &router)

        api.route(
            .delete, "/v1/principals/{id}/keys/{key_id}",
            { context in
                try context.require(Authorization.revokeKey(by: context.principal))
                let id = context.parameter("id"), keyID = context.parameter("key_id")
                guard IDKind.principal.isValid(id), IDKind.apiKey.isValid(keyID) else { throw Problem.notFound("key") }
                _ = try store.write(actor: context.caller.principalID, requestID: context.http.requestID, at: context.now) {
                    connection, journal in
                    guard let revoked = try PrincipalQueries.revokeKey(keyID, of: id, at: context.now, on: connection) else {
                        throw Problem.notFound("key")
                    }
                    journal.audit("api_key.revoked", entityType: "api_key", entityID: keyID, before: revoked.json, after: nil)
                }
                authenticator.invalidateAll()  // at once here; other instances hear it through NOTIFY
                return Responses.noContent()
            }, in: &router)
    }

    static func email(_ body: inout BodyReader) -> String?? {
        guard body.has("email") else { return nil }
        guard let value = body.string("email", length: 3...320, nullable: true) else { return nil }
        if let text = value, !(text.contains("@") && !text.hasPrefix("@") && !text.hasSuffix("@") && !text.contains(" ")) {
            body.fail("email", "must be an email address")
            return nil
        }
        return value
    }

    /// An RFC 3339 time in the future, normalised to UTC milliseconds.
    static func timestamp(_ body: inout BodyReader, _ key: String, after now: String) -> String? {
        guard let value = body.string(key, length: 20...40, nullable: true), let text = value else { return nil }
        guard let normalised = RFC3339.normalise(text) else {
            body.fail(key, "must be an RFC 3339 time, e.g. 2027-01-31T00:00:00Z")
            return nil
        }
        guard normalised > now else {
            body.fail(key, "must be in the future")
            return nil
        }
        return normalised
    }
}

extension APIKeyRecord {
    /// The key's public fields; the secret is added only in the creation response.
    var json: JSONValue {
        .object(
            JSONObject([
                ("id", .string(id)), ("name", .string(name)), ("prefix", .string(prefix)),
                ("created_at", .string(createdAt)), ("expires_at", JSONValue(expiresAt)),
            ]))
    }
}
