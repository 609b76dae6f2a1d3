import Foundation
import Governance
import HTTP1
import HTTPServer
import JSON
import Postgres
import Store

/// `/v1/use-cases`: create, read, list with filters, merge-patch, retire (API.md section 3).
struct UseCaseRoutes {
    let api: APIRouter

    static let writable: Set<String> = [
        "title", "summary", "business_unit", "risk_tier", "data_classification", "deployment", "model_sourcing", "estimates",
    ]
    static let readOnly: Set<String> = [
        "id", "pod_id", "stage", "metrics", "approved_funding_cents", "spent_cents", "envelope_breached", "version", "created_at",
        "updated_at",
    ]

    func register(in router: inout Router) {
        let store = api.store

        api.route(
            .post, "/v1/use-cases",
            { context in
                var body = BodyReader(try context.jsonObject())
                body.allowOnly(Self.writable.union(["pod_id"]), readOnly: Self.readOnly.subtracting(["pod_id"]))
                let title = body.requiredString("title", length: 1...200)
                let summary = body.string("summary", length: 0...4000) ?? nil
                let podID = body.requiredString("pod_id", length: 1...64)
                let businessUnit = body.string("business_unit", length: 1...200) ?? nil
                let riskTier = body.enumValue("risk_tier", RiskTier.self, required: true)
                let classification = body.enumValue("data_classification", DataClassification.self, required: true)
                let deployment = body.enumValue("deployment", Deployment.self, required: true)
                let sourcing = body.enumValue("model_sourcing", ModelSourcing.self, required: true)
                let estimates = UseCaseRoutes.estimates(&body, patching: nil, required: true)
                try body.finish()
                guard let podID, IDKind.pod.isValid(podID) else { throw Problem.validation([("/pod_id", "is not a pod id")]) }

                let (useCase, _) = try store.write(actor: context.caller.principalID, requestID: context.http.requestID, at: context.now) {
                    connection, journal in
                    let found = try UseCaseQueries.creationContext(podID: podID, principalID: context.caller.principalID, on: connection)
                    guard let pod = found else { throw Problem.validation([("/pod_id", "no such pod")]) }
                    try context.require(Authorization.createUseCase(by: context.principal, podRole: pod.role))
                    let settings = pod.settings
                    let estimates = estimates ?? .zero
                    let record = UseCaseRecord(
                        id: Identifiers.make(.useCase), title: title ?? "", summary: summary ?? "", podID: podID,
                        businessUnit: businessUnit ?? pod.businessUnit, stage: .proposed, riskTier: riskTier ?? .minimal,
                        dataClassification: classification ?? .internal, deployment: deployment ?? .cloud,
                        modelSourcing: sourcing ?? .proprietary,
                        estimates: estimates, metrics: FinancialMetrics.compute(estimates: estimates, settings: settings, usage: []).json,
                        createdAt: context.now, updatedAt: context.now)
                    try UseCaseQueries.insert(record, on: connection)
                    journal.audit("use_case.created", entityType: "use_case", entityID: record.id, before: nil, after: record.json)
                    journal.event("use_case.created", data: .object(JSONObject([("use_case", record.json)])))
                    return record
                }
                return Responses.resource(
                    .created, useCase.json, request: context.request, headers: ["Location": "/v1/use-cases/\(useCase.id)"])
            }, in: &router)

        api.route(
            .get, "/v1/use-cases",
            { context in
                let query = context.query
                let list = try ListQuery(query)
                var filter = UseCaseFilter()
                filter.stage = try query.enumValue("stage", Stage.self)
                filter.riskTier = try query.enumValue("risk_tier", RiskTier.self)
                if let text = query["pod_id"] {
                    guard IDKind.pod.isValid(text) else { throw Problem(status: .badRequest, detail: "pod_id is not a pod id.") }
                    filter.podID = text
                }
                if let text = query["business_unit"] {
                    guard (1...200).contains(text.count) else {
                        throw Problem(status: .badRequest, detail: "business_unit must be 1 to 200 characters.")
                    }
                    filter.businessUnit = text
                }
                if let text = query["q"] {
                    guard (1...200).contains(text.count) else {
                        throw Problem(status: .badRequest, detail: "q must be 1 to 200 characters.")
                    }
                    filter.text = text
                }
                let rows = try store.read { try UseCaseQueries.list(filter, after: list.cursor?.position, limit: list.limit, on: $0) }
                let page = list.page(rows)
                return Responses.list(page.items.map(\.json), next: page.next, request: context.request, limit: list.limit)
            }, in: &router)

        api.route(
            .get, "/v1/use-cases/{id}",
            { context in
                let id = context.parameter("id")
                guard IDKind.useCase.isValid(id), let stored = try store.read({ try UseCaseQueries.representation(id, on: $0) }) else {
                    throw Problem.notFound("use case")
                }
                return Responses.resource(.ok, body: stored.body, tag: EntityTag(quoted: stored.etag), request: context.request)
            }, in: &router)

        api.route(
            .patch, "/v1/use-cases/{id}",
            { context in
                let id = context.parameter("id")
                guard IDKind.useCase.isValid(id) else { throw Problem.notFound("use case") }
                let patch = try context.jsonObject(allowMergePatch: true)
                let (updated, _) = try store.write(actor: context.caller.principalID, requestID: context.http.requestID, at: context.now) {
                    connection, journal in
                    guard let current = try UseCaseQueries.find(id, on: connection, forUpdate: true) else {
                        throw Problem.notFound("use case")
                    }
                    let role = try PodQueries.role(of: context.caller.principalID, in: current.podID, on: connection)
                    try context.require(Authorization.updateUseCase(by: context.principal, podRole: role))
                    try context.requireIfMatch(current.json)
                    guard current.stage != .retired else {
                        throw Problem.conflict("A retired use case cannot be changed.", slug: "invalid-state")
                    }
                    var next = try UseCaseRoutes.apply(patch, to: current)
                    guard next != current else { return current }
                    next.metrics = try GateWorkflow.metrics(of: next, on: connection).2
                    next.version += 1
                    next.updatedAt = context.now
                    try UseCaseQueries.update(next, on: connection)
                    journal.audit("use_case.updated", entityType: "use_case", entityID: id, before: current.json, after: next.json)
                    journal.event("use_case.updated", data: .object(JSONObject([("use_case", next.json)])))
                    // A material change resets a pending review: what the approvers saw is no longer the use case.
                    if next.estimatesJSON != current.estimatesJSON || next.riskTier != current.riskTier
                        || next.dataClassification != current.dataClassification || next.deployment != current.deployment
                    {
                        try GateWorkflow.resetPendingReview(of: next, journal: &journal, on: connection)
                    }
                    return next
                }
                return Responses.resource(updated.json, request: context.request)
            }, in: &router)

        api.route(
            .post, "/v1/use-cases/{id}/retire",
            { context in
                let id = context.parameter("id")
                guard IDKind.useCase.isValid(id) else { throw Problem.notFound("use case") }
                var body = BodyReader(try context.jsonObject())
                body.allowOnly(["reason"])
                let reason = body.requiredString("reason", length: 1...2000)
                try body.finish()
                let (retired, _) = try store.write(actor: context.caller.principalID, requestID: context.http.requestID, at: context.now) {
                    connection, journal in
                    guard let current = try UseCaseQueries.find(id, on: connection, forUpdate: true) else {
                        throw Problem.notFound("use case")
                    }
                    let role = try PodQueries.role(of: context.caller.principalID, in: current.podID, on: connection)
                    try context.require(Authorization.retireUseCase(by: context.principal, podRole: role))
                    guard current.stage != .retired else {
                        throw Problem.conflict("The use case is retired already.", slug: "invalid-state")
                    }
                    try GateWorkflow.withdrawOpenReview(of: current, journal: &journal, on: connection)
                    var next = current
                    next.stage = .retired
                    next.version += 1
                    next.updatedAt = context.now
                    try UseCaseQueries.update(next, retiredReason: reason, on: connection)
                    journal.audit("use_case.retired", entityType: "use_case", entityID: id, before: current.json, after: next.json)
                    journal.event(
                        "use_case.retired", data: .object(JSONObject([("use_case", next.json), ("reason", .string(reason ?? ""))])))
                    return next
                }
                return Responses.resource(retired.json, request: context.request)
            }, in: &router)
    }

    /// Applies a JSON merge patch (RFC 7396) of the writable fields; read-only and unknown fields are 422.
    static func apply(_ patch: JSONObject, to current: UseCaseRecord) throws -> UseCaseRecord {
        var body = BodyReader(patch)
        body.allowOnly(writable, readOnly: readOnly)
        var next = current
        if body.has("title") { next.title = body.requiredString("title", length: 1...200) ?? next.title }
        if body.has("summary") { next.summary = (body.string("summary", length: 0...4000, nullable: true) ?? nil) ?? "" }
        if body.has("business_unit") { next.businessUnit = body.requiredString("business_unit", length: 1...200) ?? next.businessUnit }
        if body.has("risk_tier") { next.riskTier = body.enumValue("risk_tier", RiskTier.self, required: true) ?? next.riskTier }
        if body.has("data_classification") {
            next.dataClassification =
                body.enumValue("data_classification", DataClassification.self, required: true) ?? next.dataClassification
        }
        if body.has("deployment") { next.deployment = body.enumValue("deployment", Deployment.self, required: true) ?? next.deployment }
        if body.has("model_sourcing") {
            next.modelSourcing = body.enumValue("model_sourcing", ModelSourcing.self, required: true) ?? next.modelSourcing
        }
        if body.has("estimates"), let patched = estimates(&body, patching: try current.estimates, required: true) {
            next.setEstimates(patched)
        }
        try body.finish()
        return next
    }

    /// Reads `estimates`: every field a number >= 0 within its limit; missing fields are 0 on create,
    /// unchanged on a patch (where `null` resets one to 0, as merge patch deletes it).
    static func estimates(_ body: inout BodyReader, patching current: Estimates?, required: Bool) -> Estimates? {
        guard let object = body.object("estimates", required: required) else { return nil }
        var reader = BodyReader(object, at: body.base.appending("estimates"))
        reader.allowOnly(Set(Estimates.fieldNames))
        var merged = current?.json.objectValue.map { $0.members.map { ($0.key, $0.value) } } ?? []
        for key in Estimates.fieldNames where reader.has(key) {
            guard let value = object[key] else { continue }
            merged.removeAll { $0.0 == key }
            if value.isNull { continue }  // merge patch: null removes the member, and a missing estimate is 0
            if Estimates.decimalFields.contains(key) {
                _ = reader.decimal(key, in: 0...Decimal(string: "1e15")!)
            } else {
                _ = reader.integer(key, in: 0...1_000_000_000_000_000)
            }
            merged.append((key, value))
        }
        guard reader.errors.isEmpty else {
            body.merge(reader)
            return nil
        }
        do {
            return try Estimates(json: JSONObject(merged))
        } catch {
            for field in error.errors { body.fail(at: JSONPointer(reader.base.description + field.pointer) ?? reader.base, field.detail) }
            return nil
        }
    }
}
