import Foundation
import Governance
import JSON
import Postgres

/// A usage report as stored: the validated report and its bookkeeping.
public struct StoredUsageReport: Sendable, Equatable {
    public let useCaseID: String
    public let report: UsageReport
    /// Whether this period's envelope breach has been announced (once per period).
    public var breachAlerted: Bool
    public let createdAt: String
    public var updatedAt: String

    public init(useCaseID: String, report: UsageReport, breachAlerted: Bool, createdAt: String, updatedAt: String) {
        (self.useCaseID, self.report, self.breachAlerted, self.createdAt, self.updatedAt) =
            (useCaseID, report, breachAlerted, createdAt, updatedAt)
    }

    public var json: JSONValue {
        let r = report
        return .object(
            JSONObject([
                ("use_case_id", .string(useCaseID)), ("period", .string(r.period.description)),
                ("tokens_input", .number(JSONNumber(r.tokensInput))), ("tokens_output", .number(JSONNumber(r.tokensOutput))),
                ("token_cost_cents", .number(JSONNumber(r.tokenCostCents))), ("infra_cost_cents", .number(JSONNumber(r.infraCostCents))),
                ("energy_cost_cents", .number(JSONNumber(r.energyCostCents))), ("energy_kwh", JSONValue(r.energyKwh)),
                ("realized_benefit_cents", .number(JSONNumber(r.realizedBenefitCents))), ("created_at", .string(createdAt)),
                ("updated_at", .string(updatedAt)),
            ]))
    }
}

/// SQL for usage reports.
public enum UsageReportQueries {
    static let columns: Query = """
        use_case_id, period, tokens_input, tokens_output, token_cost_cents, infra_cost_cents, energy_cost_cents,
        energy_kwh::text AS energy_kwh, realized_benefit_cents, envelope_breach_alerted,
        \(SQLFragments.timestamp("created_at")) AS created_at, \(SQLFragments.timestamp("updated_at")) AS updated_at
        """

    static func stored(_ row: PostgresRow) throws -> StoredUsageReport {
        guard let period = UsagePeriod(try row.decode("period", as: String.self)),
            let kwh = Decimal(string: try row.decode("energy_kwh", as: String.self))
        else { throw StoreError.corrupt("usage_reports") }
        let report: UsageReport
        do {
            report = try UsageReport(
                period: period, tokensInput: try row.decode("tokens_input", as: Int64.self),
                tokensOutput: try row.decode("tokens_output", as: Int64.self),
                tokenCostCents: try row.decode("token_cost_cents", as: Int64.self),
                infraCostCents: try row.decode("infra_cost_cents", as: Int64.self),
                energyCostCents: try row.decode("energy_cost_cents", as: Int64.self), energyKwh: kwh,
                realizedBenefitCents: try row.decode("realized_benefit_cents", as: Int64.self))
        } catch {
            throw StoreError.corrupt("usage_reports")
        }
        return StoredUsageReport(
            useCaseID: try row.decode("use_case_id", as: String.self), report: report,
            breachAlerted: try row.decode("envelope_breach_alerted", as: Bool.self),
            createdAt: try row.decode("created_at", as: String.self),
            updatedAt: try row.decode("updated_at", as: String.self))
    }

    /// Every report of one use case, oldest period first.
    public static func all(forUseCase id: String, on connection: PostgresConnection) throws -> [StoredUsageReport] {
        try connection.query("SELECT \(columns) FROM usage_reports WHERE use_case_id = \(id) ORDER BY period").map(stored)
    }

    /// Every report, grouped by use case: for recomputing every use case's metrics.
    public static func allByUseCase(on connection: PostgresConnection) throws -> [String: [UsageReport]] {
        let reports = try connection.query("SELECT \(columns) FROM usage_reports ORDER BY use_case_id, period").map(stored)
        return Dictionary(grouping: reports, by: \.useCaseID).mapValues { $0.map(\.report) }
    }

    /// One page, newest period first; the cursor position is the period as year * 12 + month.
    public static func list(forUseCase id: String, before cursor: Int64?, limit: Int, on connection: PostgresConnection) throws
        -> [(StoredUsageReport, Int64)]
    {
        let before = cursor.map { UsagePeriod(year: Int(($0 - 1) / 12), month: Int(($0 - 1) % 12) + 1)?.description ?? "" }
        return try connection.query(
            """
            SELECT \(columns) FROM usage_reports
            WHERE use_case_id = \(id) AND (\(before == nil) OR period < \(before ?? ""))
            ORDER BY period DESC LIMIT \(limit + 1)
            """
        ).map { row in
            let stored = try stored(row)
            return (stored, Int64(stored.report.period.year * 12 + stored.report.period.month))
        }
    }

    /// After a new envelope: every period may announce a breach of it again.
    public static func rearmBreachAlerts(forUseCase id: String, on connection: PostgresConnection) throws {
        try connection.query(
            "UPDATE usage_reports SET envelope_breach_alerted = false WHERE use_case_id = \(id) AND envelope_breach_alerted")
    }

    /// Inserts or replaces the period's report.
    public static func upsert(_ r: StoredUsageReport, on connection: PostgresConnection) throws {
        let u = r.report
        try connection.query(
            """
            INSERT INTO usage_reports (use_case_id, period, tokens_input, tokens_output, token_cost_cents, infra_cost_cents,
                                       energy_cost_cents, energy_kwh, realized_benefit_cents, envelope_breach_alerted, created_at, updated_at)
            VALUES (\(r.useCaseID), \(u.period.description), \(u.tokensInput), \(u.tokensOutput), \(u.tokenCostCents), \(u.infraCostCents),
                    \(u.energyCostCents), \(u.energyKwh.description)::numeric, \(u.realizedBenefitCents), \(r.breachAlerted),
                    \(r.createdAt)::timestamptz, \(r.updatedAt)::timestamptz)
            ON CONFLICT (use_case_id, period) DO UPDATE SET
                tokens_input = excluded.tokens_input, tokens_output = excluded.tokens_output,
                token_cost_cents = excluded.token_cost_cents, infra_cost_cents = excluded.infra_cost_cents,
                energy_cost_cents = excluded.energy_cost_cents, energy_kwh = excluded.energy_kwh,
                realized_benefit_cents = excluded.realized_benefit_cents,
                envelope_breach_alerted = excluded.envelope_breach_alerted, updated_at = excluded.updated_at
            """)
    }
}
