import Governance
import HTTP1
import HTTPServer
import JSON
import Postgres
import Store

/// `/v1/pods` and their members (API.md section 2).
struct PodRoutes {
    let api: APIRouter

    static let writable: Set<String> = ["name", "business_unit", "description"]
    static let readOnly: Set<String> = ["id", "members", "version", "created_at", "updated_at"]

    func register(in router: inout Router) {
        let store = api.store

        api.route(
            .post, "/v1/pods",
            { context in
                try context.require(Authorization.createPod(by: context.principal))
                var body = BodyReader(try context.jsonObject())
                body.allowOnly(Self.writable, readOnly: Self.readOnly)
                let name = body.requiredString("name", length: 1...200)
                let businessUnit = body.requiredString("business_unit", length: 1...200)
                let description = body.string("description", length: 0...4000, nullable: true)
                try body.finish()
                let record = PodRecord(
                    id: Identifiers.make(.pod), name: name ?? "", businessUnit: businessUnit ?? "", description: description ?? nil,
                    members: [], version: 1, createdAt: context.now, updatedAt: context.now)
                do {
                    _ = try store.write(actor: context.caller.principalID, requestID: context.http.requestID, at: context.now) {
                        connection, journal in
                        guard try !PodQueries.exists(named: record.name, on: connection) else { throw Self.nameTaken(record.name) }
                        try PodQueries.insert(record, on: connection)
                        journal.audit("pod.created", entityType: "pod", entityID: record.id, before: nil, after: record.json)
                    }
                } catch let error as PostgresError where error.code == .uniqueViolation && error.constraint == PodQueries.nameConstraint {
                    throw Self.nameTaken(record.name)  // a concurrent creation won between our check and our insert
                }
                return Responses.resource(.created, record.json, request: context.request, headers: ["Location": "/v1/pods/\(record.id)"])
            }, in: &router)

        api.route(
            .get, "/v1/pods",
            { context in
                try context.require(Authorization.read(by: context.principal))
                let list = try ListQuery(context.query)
                let rows = try store.read { try PodQueries.list(after: list.cursor?.position, limit: list.limit, on: $0) }
                let page = list.page(rows)
                return Responses.list(page.items.map(\.json), next: page.next, request: context.request, limit: list.limit)
            }, in: &router)

        api.route(
            .get, "/v1/pods/{id}",
            { context in
                try context.require(Authorization.read(by: context.principal))
                let id = context.parameter("id")
                guard IDKind.pod.isValid(id), let record = try store.read({ try PodQueries.find(id, on: $0) }) else {
                    throw Problem.notFound("pod")
                }
                return Responses.resource(record.json, request: context.request)
            }, in: &router)

        api.route(
            .put, "/v1/pods/{id}/members/{principal_id}",
            { context in
                let id = context.parameter("id"), principalID = context.parameter("principal_id")
                guard IDKind.pod.isValid(id) else { throw Problem.notFound("pod") }
                guard IDKind.principal.isValid(principalID) else { throw Problem.notFound("principal") }
                // Judged only once the caller may manage this pod, so the body reveals nothing to others.
                let requestedRole = Result { () throws(Problem) in try context.jsonObject() }.flatMap(Self.role(from:))
                let (updated, _) = try store.write(actor: context.caller.principalID, requestID: context.http.requestID, at: context.now) {
                    connection, journal in
                    let current = try Self.podForMemberChange(id, context: context, on: connection)
                    let role = try requestedRole.get()
                    guard try PrincipalQueries.find(principalID, on: connection) != nil else { throw Problem.notFound("principal") }
                    guard current.role(of: principalID) != role else { return current }
                    try PodQueries.setMember(principalID, role: role, in: id, at: context.now, on: connection)
                    let next = try Self.markChanged(current, at: context.now, on: connection)
                    journal.audit("pod.member_set", entityType: "pod", entityID: id, before: current.json, after: next.json)
                    return next
                }
                return Responses.resource(updated.json, request: context.request)
            }, in: &router)

        api.route(
            .delete, "/v1/pods/{id}/members/{principal_id}",
            { context in
                let id = context.parameter("id"), principalID = context.parameter("principal_id")
                guard IDKind.pod.isValid(id) else { throw Problem.notFound("pod") }
                guard IDKind.principal.isValid(principalID) else { throw Problem.notFound("member") }
                _ = try store.write(actor: context.caller.principalID, requestID: context.http.requestID, at: context.now) {
                    connection, journal in
                    let current = try Self.podForMemberChange(id, context: context, on: connection)
                    guard try PodQueries.removeMember(principalID, from: id, on: connection) else {
                        throw Problem(status: .notFound, detail: "That principal is not a member of this pod.")
                    }
                    let next = try Self.markChanged(current, at: context.now, on: connection)
                    journal.audit("pod.member_removed", entityType: "pod", entityID: id, before: current.json, after: next.json)
                }
                return Responses.noContent()
            }, in: &router)
    }

    static func nameTaken(_ name: String) -> Problem {
        Problem.conflict("A pod named \"\(name)\" exists already; pod names are unique.")
    }

    /// `{"role": "lead" | "member"}`, or the 422 to answer.
    static func role(from object: JSONObject) -> Result<PodRole, Problem> {
        var body = BodyReader(object)
        body.allowOnly(["role"], readOnly: ["principal_id"])
        let role = body.enumValue("role", PodRole.self, required: true)
        guard body.errors.isEmpty, let role else { return .failure(.validation(body.errors)) }
        return .success(role)
    }

    /// The pod, locked for the rest of the transaction, once the caller may manage its members:
    /// 404 for an unknown pod, 403 unless the caller is an admin or a lead of this very pod.
    static func podForMemberChange(_ id: String, context: APIContext, on connection: PostgresConnection) throws -> PodRecord {
        guard let pod = try PodQueries.find(id, on: connection, forUpdate: true) else { throw Problem.notFound("pod") }
        let callerRole = try PodQueries.role(of: context.caller.principalID, in: id, on: connection)
        try context.require(Authorization.managePodMembers(by: context.principal, podRole: callerRole))
        return pod
    }

    /// Bumps the pod's version and `updated_at`, and reads it back as it now stands.
    static func markChanged(_ pod: PodRecord, at now: String, on connection: PostgresConnection) throws -> PodRecord {
        try PodQueries.markChanged(pod.id, version: pod.version + 1, at: now, on: connection)
        guard let next = try PodQueries.find(pod.id, on: connection) else { throw Problem.notFound("pod") }
        return next
    }
}
