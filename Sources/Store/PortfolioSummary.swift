import Foundation
import Governance
import JSON
import Postgres

/// `GET /v1/portfolio/summary` (API.md section 7): the portfolio's figures as of one event seq.
///
/// The totals are kept by triggers in the writing transactions (migration 0006), so computing
/// the document reads a few small rows whatever the portfolio's size. It is as of the last event
/// whose transaction changed a figure, ages included (measured at that event's time): the same
/// figures give the same document, and ETag, on every instance, and the document changes when,
/// and only when, a figure does.
public enum PortfolioSummaryQueries {
    /// The newest event seq, and the event the figures are as of: both from one snapshot.
    public static func seqs(on connection: PostgresConnection) throws -> (newest: Int64, figures: Int64) {
        guard
            let row = try connection.query(
                "SELECT coalesce((SELECT max(seq) FROM events), 0) AS newest, as_of_seq FROM portfolio_figures WHERE id = 1"
            ).first
        else { throw StoreError.corrupt("portfolio_figures") }
        return (try row.decode("newest", as: Int64.self), try row.decode("as_of_seq", as: Int64.self))
    }

    /// Moves the figures' deltas into their totals (migration 0006), keeping the summary's reads
    /// small; after a large fold, vacuums the delta tables, whose dead rows a read would still scan.
    /// - Returns: how many deltas moved.
    @discardableResult
    public static func fold(on connection: PostgresConnection) throws -> Int64 {
        let moved = try connection.query("SELECT portfolio_fold() AS moved").first?.decode("moved", as: Int64.self) ?? 0
        if moved >= 1_000 { try connection.query("VACUUM portfolio_use_case_deltas, portfolio_period_deltas") }
        return moved
    }

    /// The summary document as of `portfolio_figures` (its `as_of_seq` is in the document).
    public static func compute(on connection: PostgresConnection) throws -> JSONValue {
        guard
            let figures = try connection.query(
                "SELECT as_of_seq, \(SQLFragments.timestamp("coalesce(as_of, 'epoch')")) AS as_of FROM portfolio_figures WHERE id = 1"
            ).first
        else { throw StoreError.corrupt("portfolio_figures") }
        let seq = try figures.decode("as_of_seq", as: Int64.self)
        let asOf = try figures.decode("as_of", as: String.self)
        func int(_ row: PostgresRow, _ column: String) throws -> Int64 { try row.decode(column, as: Int64?.self) ?? 0 }

        var byStage = Dictionary(uniqueKeysWithValues: Stage.allCases.map { ($0.rawValue, Int64(0)) })
        var byTier = Dictionary(uniqueKeysWithValues: RiskTier.allCases.map { ($0.rawValue, Int64(0)) })
        var total: Int64 = 0, approved: Int64 = 0, spent: Int64 = 0, benefit: Int64 = 0
        for row in try connection.query(
            """
            SELECT stage, risk_tier, use_cases AS n, approved_funding_cents AS approved, spent_cents AS spent,
                   expected_annual_benefit_cents AS benefit
            FROM portfolio_use_case_figures
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

        // The last three periods with reports: the newest gives the period's figures, all three the benefit.
        let periods = try connection.query(
            """
            SELECT period, tokens, energy_kwh::text AS kwh, (co2e_g / 1000)::text AS co2e_kg, realized_benefit_cents AS realized
            FROM portfolio_period_figures WHERE reports > 0 ORDER BY period DESC LIMIT 3
            """)
        let lastPeriod = try periods.first?.decode("period", as: String.self)
        let tokens = try periods.first.map { try int($0, "tokens") } ?? 0
        let kwh = try periods.first.flatMap { Decimal(string: try $0.decode("kwh", as: String.self)) } ?? 0
        let co2e = try periods.first.flatMap { Decimal(string: try $0.decode("co2e_kg", as: String.self)) } ?? 0
        let realized = try periods.reduce(Int64(0)) { $0 + (try int($1, "realized")) }

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
        return document
    }
}
