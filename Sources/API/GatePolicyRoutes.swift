import Governance
import HTTP1
import HTTPServer
import JSON
import Store

/// `/v1/gate-policies`: the gates' policies as versioned data (API.md section 6).
struct GatePolicyRoutes {
    let api: APIRouter

    /// The `{stage}` of a policy route: a gated stage, else 404 (there is no such policy).
    static func stage(_ context: APIContext) throws(Problem) -> Stage {
        guard let stage = Stage(rawValue: context.parameter("stage")), Stage.gated.contains(stage) else {
            throw Problem(status: .notFound, detail: "Gates guard pilot, production and scaled; there is no gate policy for that stage.")
        }
        return stage
    }

    func register(in router: inout Router) {
        let store = api.store
        api.route(
            .get, "/v1/gate-policies",
            { context in
                let list = try ListQuery(context.query)
                let policies = try store.read { try GatePolicyQueries.current(on: $0) }
                // In gate order; a cursor's position is the gate's place in that order, counted from 1.
                let rows = policies.enumerated().map { ($1, Int64($0 + 1)) }.filter { $0.1 > (list.cursor?.position ?? 0) }
                let page = list.page(rows)
                return Responses.list(page.items.map(\.json), next: page.next, request: context.request, limit: list.limit)
            }, in: &router)

        api.route(
            .get, "/v1/gate-policies/{stage}",
            { context in
                let stage = try Self.stage(context)
                var version: Int?
                if let text = context.query["version"] {
                    guard let number = Int(text), number >= 1 else {
                        throw Problem(status: .badRequest, detail: "version must be a whole number from 1.")
                    }
                    version = number
                }
                guard let policy = try store.read({ try GatePolicyQueries.find(stage, version: version, on: $0) }) else {
                    throw Problem(status: .notFound, detail: "The \(stage.rawValue) gate has no policy version \(version ?? 0).")
                }
                return Responses.resource(policy.json, request: context.request)
            }, in: &router)

        api.route(
            .put, "/v1/gate-policies/{stage}",
            { context in
                try context.require(Authorization.putGatePolicy(by: context.principal))
                let stage = try Self.stage(context)
                let policy: GatePolicy
                do {
                    policy = try GatePolicy(stage: stage, document: try context.jsonObject())
                } catch let error as ValidationError {
                    throw Problem.validation(error.errors.map { ($0.pointer, $0.detail) })
                }
                let (stored, _) = try store.write(actor: context.caller.principalID, requestID: context.http.requestID, at: context.now) {
                    connection, journal in
                    let previous = try GatePolicyQueries.lockCurrent(stage, on: connection)
                    let stored = try GatePolicyQueries.addVersion(
                        policy, after: previous, by: context.caller.principalID, at: context.now, on: connection)
                    journal.audit(
                        "gate_policy.updated", entityType: "gate_policy", entityID: stage.rawValue, before: previous.json,
                        after: stored.json)
                    return stored
                }
                return Responses.resource(stored.json, request: context.request)
            }, in: &router)
    }
}
