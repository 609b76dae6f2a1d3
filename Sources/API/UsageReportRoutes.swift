import Foundation
import Governance
import HTTP1
import HTTPServer
import JSON
import Postgres
import Store

/// Usage reports and budgets (API.md section 5): `PUT` a period's report; spending, the realized
/// metrics, budget alerts and the envelope follow in the same transaction.
struct UsageReportRoutes {
    let api: APIRouter

    static let fields = [
        "tokens_input", "tokens_output", "token_cost_cents", "infra_cost_cents", "energy_cost_cents", "energy_kwh",
        "realized_benefit_cents",
    ]

    static let badPeriod = Problem(status: .badRequest, detail: "The period in the path must be a month, written YYYY-MM.")

    func register(in router: inout Router) {
        let store = api.store

        api.route(
            .put, "/v1/use-cases/{id}/usage-reports/{period}",
            { context in
                let id = context.parameter("id")
                guard let period = UsagePeriod(context.parameter("period")) else { throw Self.badPeriod }
                var body = BodyReader(try context.jsonObject())
                body.allowOnly(Set(Self.fields), readOnly: ["use_case_id", "period", "created_at", "updated_at"])
                let cents = 0...Limits.maxCents
                let tokensInput = body.integer("tokens_input", in: 0...Limits.maxTokens, required: true)
                let tokensOutput = body.integer("tokens_output", in: 0...Limits.maxTokens, required: true)
                let tokenCost = body.integer("token_cost_cents", in: cents, required: true)
                let infraCost = body.integer("infra_cost_cents", in: cents, required: true)
                let energyCost = body.integer("energy_cost_cents", in: cents, required: true)
                let kwh = body.decimal("energy_kwh", in: 0...Limits.maxEnergyKwh, required: true)
                let benefit = body.integer("realized_benefit_cents", in: cents, required: true)
                try body.finish()
                let report: UsageReport
                do {
                    report = try UsageReport(
                        period: period, tokensInput: tokensInput ?? 0, tokensOutput: tokensOutput ?? 0, tokenCostCents: tokenCost ?? 0,
                        infraCostCents: infraCost ?? 0, energyCostCents: energyCost ?? 0, energyKwh: kwh ?? 0,
                        realizedBenefitCents: benefit ?? 0)
                } catch let error as ValidationError {
                    throw Problem.validation(error.errors.map { ($0.pointer, $0.detail) })
                }
                guard IDKind.useCase.isValid(id) else { throw Problem.notFound("use case") }

                let (outcome, _) = try store.write(actor: context.caller.principalID, requestID: context.http.requestID, at: context.now) {
                    connection, journal -> (StoredUsageReport, Bool) in
                    guard var useCase = try UseCaseQueries.find(id, on: connection, forUpdate: true) else {
                        throw Problem.notFound("use case")
                    }
                    let role = try PodQueries.role(of: context.caller.principalID, in: useCase.podID, on: connection)
                    try context.require(Authorization.reportUsage(by: context.principal, podRole: role))
                    guard useCase.stage != .retired else {
                        throw Problem.conflict("A retired use case takes no usage reports.", slug: "invalid-state")
                    }
                    return try UsageReportRoutes.record(report, on: &useCase, journal: &journal, at: context.now, connection: connection)
                }
                let (stored, created) = outcome
                var headers = HTTPHeaders()
                if created { headers.add(name: "Location", value: "/v1/use-cases/\(id)/usage-reports/\(period)") }
                return Responses.resource(created ? .created : .ok, stored.json, request: context.request, headers: headers)
            }, in: &router)

        api.route(
            .get, "/v1/use-cases/{id}/usage-reports",
            { context in
                let id = context.parameter("id")
                let list = try ListQuery(context.query)
                guard IDKind.useCase.isValid(id) else { throw Problem.notFound("use case") }
                let rows = try store.read { connection in
                    guard try UseCaseQueries.exists(id, on: connection) else { throw Problem.notFound("use case") }
                    return try UsageReportQueries.list(forUseCase: id, before: list.cursor?.position, limit: list.limit, on: connection)
                }
                let page = list.page(rows)
                return Responses.list(page.items.map(\.json), next: page.next, request: context.request, limit: list.limit)
            }, in: &router)

        api.route(
            .get, "/v1/use-cases/{id}/usage-reports/{period}",
            { context in
                let id = context.parameter("id")
                guard let period = UsagePeriod(context.parameter("period")) else { throw Self.badPeriod }
                guard IDKind.useCase.isValid(id),
                    let found = try store.read({ try UsageReportQueries.all(forUseCase: id, on: $0) }).first(where: {
                        $0.report.period == period
                    })
                else { throw Problem.notFound("usage report") }
                return Responses.resource(found.json, request: context.request)
            }, in: &router)
    }

    /// Stores `report` and brings the use case along: `spent_cents`, the metrics, the budget
    /// alerts crossed, and the envelope. The caller holds the use case's lock.
    /// - Returns: the stored report, and whether the period was new.
    static func record(
        _ report: UsageReport, on useCase: inout UseCaseRecord, journal: inout Journal, at now: String, connection: PostgresConnection
    ) throws -> (StoredUsageReport, Bool) {
        var reports = try UsageReportQueries.all(forUseCase: useCase.id, on: connection)
        let previous = reports.first { $0.report.period == report.period }
        var stored = StoredUsageReport(
            useCaseID: useCase.id, report: report, breachAlerted: previous?.breachAlerted ?? false,
            createdAt: previous?.createdAt ?? now, updatedAt: now)
        reports.removeAll { $0.report.period == report.period }
        reports.append(stored)
        guard let spent = UsageReport.spentCents(reports.map(\.report)) else {
            throw Problem.validation([("", "the use case's total spending would exceed what the server can count")])
        }
        let settings = try SettingsQueries.load(on: connection).settings
        let before = useCase

        useCase.spentCents = spent
        useCase.metrics = FinancialMetrics.compute(estimates: try useCase.estimates, settings: settings, usage: reports.map(\.report)).json
        let crossed = GateWorkflow.crossThresholds(&useCase, settings: settings)
        var breachAnnounced = false
        if let envelope = useCase.envelope {
            let breached = envelope.isBreached(by: report, tolerancePct: settings.envelopeTolerancePct)
            if breached && !stored.breachAlerted {
                stored.breachAlerted = true
                breachAnnounced = true
            }
            // The flag follows the latest period; a late report for an earlier month does not clear it.
            if report.period >= (reports.map(\.report.period).max() ?? report.period) { useCase.envelopeBreached = breached }
        }
        if useCase != before {
            useCase.version += 1
            useCase.updatedAt = now
            try UseCaseQueries.update(useCase, on: connection)
        }
        try UsageReportQueries.upsert(stored, on: connection)

        let entityID = "\(useCase.id)/\(report.period)"
        journal.audit(
            previous == nil ? "usage_report.created" : "usage_report.replaced", entityType: "usage_report", entityID: entityID,
            before: previous?.json, after: stored.json)
        if useCase != before {
            journal.audit("use_case.usage_recorded", entityType: "use_case", entityID: useCase.id, before: before.json, after: useCase.json)
        }
        journal.event("usage.reported", data: GateWorkflow.data(("use_case", useCase.json), ("usage_report", stored.json)))
        GateWorkflow.budgetEvents(crossed, useCase: useCase, journal: &journal)
        if breachAnnounced {
            journal.event("use_case.envelope_breached", data: GateWorkflow.data(("use_case", useCase.json), ("usage_report", stored.json)))
        }
        return (stored, previous == nil)
    }
}
