import Foundation
import Governance
import HTTP1
import HTTPServer
import JSON
import Store

/// `GET /v1/settings` (any caller) and `PUT /v1/settings` (admin): API.md section 4.
struct SettingsRoutes {
    let api: APIRouter

    func register(in router: inout Router) {
        let store = api.store
        api.route(
            .get, "/v1/settings",
            { context in
                let stored = try store.read { try SettingsQueries.load(on: $0) }
                return Responses.resource(stored.json, request: context.request)
            }, in: &router)

        api.route(
            .put, "/v1/settings",
            { context in
                try context.require(Authorization.putSettings(by: context.principal))
                var body = BodyReader(try context.jsonObject())
                body.allowOnly(
                    ["currency", "horizon_years", "discount_rate_pct", "budget_alert_thresholds_pct", "envelope_tolerance_pct"],
                    readOnly: ["version", "updated_at"])
                // Types here; the ranges and rules are the domain's (Settings.init), reported together.
                let currency = body.requiredString("currency", length: 0...16)
                let horizon = body.integer("horizon_years", in: -1_000_000...1_000_000, required: true)
                let rate = body.decimal("discount_rate_pct", in: -1_000_000...1_000_000, required: true)
                let thresholds = body.integerList("budget_alert_thresholds_pct", in: -1_000_000...1_000_000, required: true)
                let tolerance = body.integer("envelope_tolerance_pct", in: -1_000_000...1_000_000, required: true)
                try body.finish()
                let settings: Settings
                do {
                    settings = try Settings(
                        currency: currency ?? "", horizonYears: Int(horizon ?? 0), discountRatePct: rate ?? 0,
                        budgetAlertThresholdsPct: (thresholds ?? []).map { Int($0) }, envelopeTolerancePct: Int(tolerance ?? 0))
                } catch let error as ValidationError {
                    throw Problem.validation(error.errors.map { ($0.pointer, $0.detail) })
                }
                let (stored, _) = try store.write(actor: context.caller.principalID, requestID: context.http.requestID, at: context.now) {
                    connection, journal in
                    let current = try SettingsQueries.load(on: connection, forUpdate: true)
                    guard current.settings != settings else { return current }
                    try SettingsQueries.save(settings, version: current.version + 1, at: context.now, on: connection)
                    let next = SettingsQueries.Stored(settings: settings, version: current.version + 1, updatedAt: context.now)
                    journal.audit("settings.updated", entityType: "settings", entityID: "settings", before: current.json, after: next.json)
                    // Every use case's metrics follow the settings, in the same transaction, and a threshold
                    // that spending already reaches alerts now. The use cases are locked before their
                    // reports are read, so a usage report in flight is either wholly before or after.
                    let useCases = try UseCaseQueries.allForRecompute(on: connection)
                    let usage = try UsageReportQueries.allByUseCase(on: connection)
                    for var useCase in useCases {
                        let before = useCase
                        useCase.metrics =
                            FinancialMetrics.compute(
                                estimates: try useCase.estimates, settings: settings, usage: usage[useCase.id] ?? []
                            ).json
                        let crossed = GateWorkflow.crossThresholds(&useCase, settings: settings)
                        guard useCase != before else { continue }
                        try UseCaseQueries.update(useCase, on: connection)
                        GateWorkflow.budgetEvents(crossed, useCase: useCase, journal: &journal)
                    }
                    return next
                }
                return Responses.resource(stored.json, request: context.request)
            }, in: &router)
    }
}

extension BodyReader {
    /// A number in `range` with at most 6 decimals, exactly as sent.
    mutating func decimal(_ key: String, in range: ClosedRange<Decimal>, required: Bool = false) -> Decimal? {
        guard let value = object[key] else {
            if required { fail(key, "is required") }
            return nil
        }
        guard let number = value.numberValue, let decimal = Decimal(string: number.literal), range.contains(decimal) else {
            fail(key, "must be a number from \(range.lowerBound) to \(range.upperBound)")
            return nil
        }
        return decimal
    }

    mutating func integerList(_ key: String, in range: ClosedRange<Int64>, required: Bool = false) -> [Int64]? {
        guard let value = object[key] else {
            if required { fail(key, "is required") }
            return nil
        }
        guard let items = value.arrayValue, items.count <= 20 else {
            fail(key, "must be an array of at most 20 integers")
            return nil
        }
        var result: [Int64] = []
        for (index, item) in items.enumerated() {
            guard let number = item.int64Value, range.contains(number) else {
                fail(at: base.appending(key).appending(index), "must be an integer from \(range.lowerBound) to \(range.upperBound)")
                continue
            }
            result.append(number)
        }
        return result
    }
}
