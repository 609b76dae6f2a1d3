import Governance
import HTTP1
import HTTPServer
import JSON
import Store

/// `GET /v1/audit` and `GET /v1/audit/verify` (API.md section 8), for admins and executives.
struct AuditRoutes {
    let api: APIRouter

    func register(in router: inout Router) {
        let store = api.store
        api.route(
            .get, "/v1/audit",
            { context in
                try context.require(Authorization.readAudit(by: context.principal))
                let query = context.query
                let list = try ListQuery(query)
                var after = list.cursor?.position ?? 0
                if let text = query["after"] {
                    guard let value = Int64(text), value >= 0 else {
                        throw Problem(status: .badRequest, detail: "after must be a non-negative seq.")
                    }
                    after = max(after, value)
                }
                let entityID = query["entity_id"]
                if let entityID, entityID.isEmpty || entityID.count > 64 {
                    throw Problem(status: .badRequest, detail: "entity_id is not an id.")
                }
                let rows = try store.read { try AuditQueries.list(entityID: entityID, after: after, limit: list.limit, on: $0) }
                let page = Array(rows.prefix(list.limit))
                let items = page.map { entry, hash -> JSONValue in
                    var members = entry.json.objectValue.map { Array($0.members.map { ($0.key, $0.value) }) } ?? []
                    members.append(("hash", .string(hash)))
                    return .object(JSONObject(members))
                }
                let next = rows.count > list.limit ? page.last.map { Cursor(position: $0.0.seq) } : nil
                return Responses.list(items, next: next, request: context.request, limit: list.limit)
            }, in: &router)

        api.route(
            .get, "/v1/audit/verify",
            { context in
                try context.require(Authorization.verifyAudit(by: context.principal))
                let verdict = try store.read { try AuditChain.verify(on: $0) }
                switch verdict {
                case .valid(let entries):
                    return Responses.json(.ok, .object(JSONObject([("valid", .bool(true)), ("entries", .number(JSONNumber(entries)))])))
                case .invalid(let seq):
                    return Responses.json(
                        .ok, .object(JSONObject([("valid", .bool(false)), ("first_invalid_seq", .number(JSONNumber(seq)))])))
                }
            }, in: &router)
    }
}
