import Foundation
import Governance
import JSON
import Postgres

/// `GET /v1/portfolio/summary` (API.md section 7): the portfolio's figures as of one event seq.
///
/// Every figure is a function of the database as of `as_of_seq`, ages included: they are measured
/// at that event's time, so the same seq gives the same document (and ETag) on every instance,
/// and the document changes when, and only when, a write changes a figure.
public enum PortfolioSummaryQueries {
    /// The latest event: the summary's `as_of_seq` and the time ages are measured at.
    public static func head(on connection: PostgresConnection) throws -> (seq: Int64, at: String?) {
        guard
            let row = try connection.query(
                "SELECT seq, \(SQLFragments.timestamp("occurred_at")) AS at FROM events ORDER BY seq DESC LIMIT 1"
            ).first
        else { return (0, nil) }
        return (try row.decode("seq", as: Int64.self), try row.decode("at", as: String.self))
    }

    public static func compute(on connection: PostgresConnection) throws -> (seq: Int64, document: JSONValue) {
        let (seq, at) = try head(on: connection)
        let asOf = at ?? "1970-01-01T00:00:00.000Z"
        func int(_ row: PostgresRow, _ column: String) throws -> Int64 { try row.decode(column, as: Int64?.self) ?? 0 }

        var byStage = Dictionary(uniqueKeysWithValues: Stage.allCases.map { ($0.rawValue, Int64(0)) })
        var byTier = Dictionary(uniqueKeysWithValues: RiskTier.allCases.map { ($0.rawValue, Int64(0)) })
        var total: Int64 = 0, approved: Int64 = 0, spent: Int64 = 0, benefit: Int64 = 0
        for row in try connection.query(
            """
            SELECT stage, risk_tier, count(*) AS n, sum(approved_funding_cents) AS approved, sum(spent_cents) AS spent,
                   sum((estimates->>'expected_annual_benefit_cents')::bigint) FILTER (WHERE stage <> 'retired') AS benefit
            FROM use_cases GROUP BY stage, risk_tier
            """)
        {
            let n = try int(row, "n")
            byStage[try row.decode("stage", as: String.self), default: 0] += n
            byTier[try row.decode("risk_tier", as: String.self), default: 0] += n
            total += n
            approved += try int(row, "approved")
            spent += try int(row, "spent")
            benefit += try int(row, "benefit")
        }

        let pending =
            try connection.query(
                "SELECT count(*) AS n FROM gate_reviews WHERE status = 'pending' AND expires_at > \(asOf)::timestamptz"
            ).first.map { try int($0, "n") } ?? 0
        var byFunction: [String: (count: Int64, oldest: String, age: Int64)] = [:]
        for row in try connection.query(
            """
            SELECT f AS function, count(*) AS n, \(SQLFragments.timestamp("min(created_at)")) AS oldest,
                   greatest(0, floor(extract(epoch FROM \(asOf)::timestamptz - min(created_at))))::bigint AS age
            FROM gate_reviews, unnest(needs) AS f
            WHERE status = 'pending' AND expires_at > \(asOf)::timestamptz
            GROUP BY f
            """)
        {
            byFunction[try row.decode("function", as: String.self)] = (
                try int(row, "n"), try row.decode("oldest", as: String.self), try int(row, "age")
            )
        }

        let lastPeriod = try connection.query("SELECT max(period) AS p FROM usage_reports").first?.decode("p", as: String?.self)
        var tokens: Int64 = 0
        var kwh = Decimal(0), co2e = Decimal(0)
        if let lastPeriod {
            if let row = try connection.query(
                """
                SELECT sum(r.tokens_input + r.tokens_output) AS tokens, sum(r.energy_kwh)::text AS kwh,
                       (sum(r.energy_kwh * coalesce((u.estimates->>'grid_carbon_g_per_kwh')::numeric, 0)) / 1000)::text AS co2e
                FROM usage_reports r JOIN use_cases u ON u.id = r.use_case_id WHERE r.period = \(lastPeriod)
                """
            ).first {
                tokens = try int(row, "tokens")
                kwh = Decimal(string: try row.decode("kwh", as: String?.self) ?? "0") ?? 0
                co2e = Decimal(string: try row.decode("co2e", as: String?.self) ?? "0") ?? 0
            }
        }
        let realized =
            try connection.query(
                """
                SELECT sum(realized_benefit_cents) AS n FROM usage_reports
                WHERE period IN (SELECT DISTINCT period FROM usage_reports ORDER BY period DESC LIMIT 3)
                """
            ).first.map { try int($0, "n") } ?? 0

        let functions: [(String, JSONValue)] = BusinessFunction.allCases.map { function in
            let found = byFunction[function.rawValue]
            return (
                function.rawValue,
                .object(
                    JSONObject([
                        ("count", .number(JSONNumber(found?.count ?? 0))),
                        ("oldest_age_seconds", found.map { .number(JSONNumber($0.age)) } ?? .null),
                        ("oldest_requested_at", found.map { .string($0.oldest) } ?? .null),
                    ]))
            )
        }
        let utilization: JSONValue =
            approved > 0 ? JSONValue(Money.roundToHundredths(Decimal(spent) * 100 / Decimal(approved))) : .null
        let document = JSONValue.object(
            JSONObject([
                (
                    "use_cases",
                    .object(
                        JSONObject([
                            ("total", .number(JSONNumber(total))),
                            (
                                "by_stage",
                                .object(JSONObject(Stage.allCases.map { ($0.rawValue, .number(JSONNumber(byStage[$0.rawValue] ?? 0))) }))
                            ),
                            (
                                "by_risk_tier",
                                .object(JSONObject(RiskTier.allCases.map { ($0.rawValue, .number(JSONNumber(byTier[$0.rawValue] ?? 0))) }))
                            ),
                        ]))
                ),
                (
                    "gate_reviews",
                    .object(
                        JSONObject([("pending", .number(JSONNumber(pending))), ("pending_by_function", .object(JSONObject(functions)))]))
                ),
                (
                    "funding",
                    .object(
                        JSONObject([
                            ("approved_cents", .number(JSONNumber(approved))), ("spent_cents", .number(JSONNumber(spent))),
                            ("utilization_pct", utilization),
                        ]))
                ),
                (
                    "value",
                    .object(
                        JSONObject([
                            ("expected_annual_benefit_cents", .number(JSONNumber(benefit))),
                            ("realized_benefit_cents_last_3_periods", .number(JSONNumber(realized))),
                        ]))
                ),
                (
                    "tokens",
                    .object(JSONObject([("last_period", JSONValue(lastPeriod)), ("tokens_last_period", .number(JSONNumber(tokens)))]))
                ),
                (
                    "energy",
                    .object(
                        JSONObject([
                            ("kwh_last_period", JSONValue(Money.roundToHundredths(kwh))),
                            ("co2e_kg_last_period", JSONValue(Money.roundToHundredths(co2e))),
                        ]))
                ),
                ("as_of_seq", .number(JSONNumber(seq))),
            ]))
        return (seq, document)
    }
}
