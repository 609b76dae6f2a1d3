import Foundation
import Postgres
import Synchronization
import TestSupport
import Testing

extension OneAtATime {
    /// The summary's totals are kept by triggers in the writing transactions (migration 0006);
    /// these tests hold them against a recount from the tables themselves.
    @Suite("The portfolio summary's kept totals")
    struct PortfolioFiguresTests {
        /// The totals as the triggers keep them, and as a recount from the tables finds them.
        struct Totals: Equatable, CustomStringConvertible {
            var byStageAndTier: [String: [String]]
            var byPeriod: [String: [String]]
            var description: String {
                "by stage and tier \(byStageAndTier.sorted { $0.key < $1.key }), by period \(byPeriod.sorted { $0.key < $1.key })"
            }
        }

        static func kept(_ app: TestApp) throws -> Totals {
            let connection = try app.databaseConnection()
            defer { connection.close() }
            return try totals(
                connection,
                useCases: """
                    SELECT stage || '/' || risk_tier AS key, use_cases::text AS a, approved_funding_cents::text AS b, spent_cents::text AS c,
                           expected_annual_benefit_cents::text AS d
                    FROM portfolio_use_case_figures
                    WHERE use_cases <> 0 OR approved_funding_cents <> 0 OR spent_cents <> 0 OR expected_annual_benefit_cents <> 0
                    """,
                periods: """
                    SELECT period AS key, reports::text AS a, tokens::text AS b, energy_kwh::text AS c, co2e_g::text AS d,
                           realized_benefit_cents::text AS e
                    FROM portfolio_period_figures WHERE reports <> 0
                    """)
        }

        static func recounted(_ app: TestApp) throws -> Totals {
            let connection = try app.databaseConnection()
            defer { connection.close() }
            return try totals(
                connection,
                useCases: """
                    SELECT stage || '/' || risk_tier AS key, count(*)::text AS a, sum(approved_funding_cents)::text AS b,
                           sum(spent_cents)::text AS c,
                           sum(CASE WHEN stage = 'retired' THEN 0
                                    ELSE coalesce((estimates ->> 'expected_annual_benefit_cents')::numeric, 0) END)::text AS d
                    FROM use_cases GROUP BY stage, risk_tier
                    """,
                periods: """
                    SELECT period AS key, count(*)::text AS a, sum(tokens_input + tokens_output)::text AS b, sum(energy_kwh)::text AS c,
                           sum(co2e_g)::text AS d, sum(realized_benefit_cents)::text AS e
                    FROM usage_reports GROUP BY period
                    """)
        }

        /// Numbers compared as decimals (`120.50` and `120.5` are one amount).
        private static func totals(_ connection: PostgresConnection, useCases: String, periods: String) throws -> Totals {
            func rows(_ sql: String, _ columns: [String]) throws -> [String: [String]] {
                var result: [String: [String]] = [:]
                for row in try connection.query(Query(unsafeSQL: sql)) {
                    result[try row.decode("key", as: String.self)] = try columns.map {
                        "\(Decimal(string: try row.decode($0, as: String.self)) ?? -1)"
                    }
                }
                return result
            }
            return Totals(
                byStageAndTier: try rows(useCases, ["a", "b", "c", "d"]), byPeriod: try rows(periods, ["a", "b", "c", "d", "e"]))
        }

        /// A portfolio touched by every kind of write the totals follow; returns its pod's member.
        static func buildPortfolio(_ app: TestApp) throws -> (podID: String, member: (id: String, key: String)) {
            let f = GateFixtures(app: app)
            let (podID, member) = try f.pod()
            let finance = try f.approver("finance")
            let a = try f.useCase(podID: podID, key: member.key)
            try f.passGate(a, key: member.key, target: "pilot", funding: 700_000, approvers: [("finance", finance.key)])
            #expect(try f.report(a, key: member.key, period: "2026-08").status == 201)
            #expect(try f.report(a, key: member.key, period: "2026-09", benefit: 300_000).status == 201)
            #expect(try f.report(a, key: member.key, period: "2026-09", infraCost: 7_000, benefit: 250_000).status == 200)  // replaced
            let b = try f.useCase(podID: podID, key: member.key, riskTier: "high")
            #expect(try f.requestReview(b, key: member.key, target: "pilot").status == 201)
            let c = try f.useCase(podID: podID, key: member.key, riskTier: "minimal")
            #expect(
                try f.patchUseCase(c, key: member.key, json: #"{"estimates": {"expected_annual_benefit_cents": 99000000}}"#).status == 200)
            #expect(try f.report(c, key: member.key, period: "2026-09").status == 201)
            let retired = try app.call("POST", "/v1/use-cases/\(c)/retire", key: member.key, json: #"{"reason": "Superseded"}"#)
            #expect(retired.status == 200, "\(retired.bodyText)")
            return (podID, member)
        }

        @Test("after every kind of write, concurrent ones included, the kept totals equal a recount and the summary shows them")
        func totalsMatchARecount() throws {
            let app = try TestApp()
            let f = GateFixtures(app: app)
            let (podID, member) = try Self.buildPortfolio(app)
            // Concurrent writers on the same totals: use cases created and reports for one period, from 8
            // clients, while the deltas are folded into the totals again and again.
            let useCases = try (0..<8).map { _ in try f.useCase(podID: podID, key: member.key) }
            let failures = Atomic<Int>(0)
            DispatchQueue.concurrentPerform(iterations: 9) { i in
                if i == 8 {
                    for _ in 0..<40 {
                        app.app.foldPortfolioFigures()
                        usleep(5_000)
                    }
                    return
                }
                do {
                    for round in 0..<5 {
                        _ = try f.useCase(podID: podID, key: member.key, riskTier: round % 2 == 0 ? "limited" : "high")
                        let put = try f.report(useCases[i], key: member.key, period: "2026-10", benefit: 1_000 * (round + 1))
                        if put.status != 201 && put.status != 200 { failures.add(1, ordering: .relaxed) }
                    }
                } catch {
                    failures.add(1, ordering: .relaxed)
                }
            }
            #expect(failures.load(ordering: .relaxed) == 0)

            let kept = try Self.kept(app)
            #expect(kept == (try Self.recounted(app)))
            #expect(kept.byPeriod["2026-10"]?.first == "8")
            app.app.foldPortfolioFigures()
            #expect(try Self.kept(app) == kept)
            let connection = try app.databaseConnection()
            defer { connection.close() }
            let left = try connection.query(
                "SELECT (SELECT count(*) FROM portfolio_use_case_deltas) + (SELECT count(*) FROM portfolio_period_deltas) AS n")
            #expect(try left.first?.decode("n", as: Int.self) == 0, "the fold leaves no delta behind")

            let summary = try app.call("GET", "/v1/portfolio/summary").object
            let counts = try #require(summary["use_cases"] as? [String: Any])
            #expect(counts["total"] as? Int == 3 + 8 + 40)
            #expect((counts["by_stage"] as? [String: Int])?["retired"] == 1)
            let value = try #require(summary["value"] as? [String: Any])
            // Not retired: A and B at 120,000.00 a year, the 48 later ones too; C's 990,000.00 left with its retirement.
            #expect(value["expected_annual_benefit_cents"] as? Int == 50 * 12_000_000)
            // The last three periods: 2026-08 (1,000,000), 2026-09 (250,000 + 1,000,000), 2026-10 (8 x 5,000).
            #expect(value["realized_benefit_cents_last_3_periods"] as? Int == 2_250_000 + 40_000)
            let tokens = try #require(summary["tokens"] as? [String: Any])
            #expect(tokens["last_period"] as? String == "2026-10")
            #expect(tokens["tokens_last_period"] as? Int == 8 * 200_000_000)
        }

        @Test("a report's emissions are at the grid carbon of its time: a later estimate changes only later reports")
        func emissionsAtTheTimeOfTheReport() throws {
            let app = try TestApp()
            let f = GateFixtures(app: app)
            let (podID, member) = try f.pod()
            let a = try f.useCase(podID: podID, key: member.key)
            #expect(try f.report(a, key: member.key, period: "2026-09").status == 201)  // 120.5 kWh at 400 g
            func co2e() throws -> Double? {
                let energy = try app.call("GET", "/v1/portfolio/summary").object["energy"] as? [String: Any]
                return (energy?["co2e_kg_last_period"] as? NSNumber)?.doubleValue
            }
            #expect(try co2e() == 48.2)
            #expect(try f.patchUseCase(a, key: member.key, json: #"{"estimates": {"grid_carbon_g_per_kwh": 800}}"#).status == 200)
            #expect(try co2e() == 48.2)
            #expect(try f.report(a, key: member.key, period: "2026-09", benefit: 5).status == 200)  // reported again, now at 800 g
            #expect(try co2e() == 96.4)
            #expect(try Self.kept(app) == (try Self.recounted(app)))
        }

        @Test("writes that change no figure leave the summary, its as_of_seq and its ETag as they were")
        func onlyFigureChangesMoveTheSummary() throws {
            let app = try TestApp()
            let f = GateFixtures(app: app)
            let (podID, member) = try f.pod()
            let a = try f.useCase(podID: podID, key: member.key)
            let before = try app.call("GET", "/v1/portfolio/summary")
            let tag = try #require(before.header("ETag"))
            let asOf = try #require(before.object["as_of_seq"] as? Int)
            #expect(asOf == (try f.lastSeq()))

            _ = try f.pod()  // a pod, a principal, a membership
            #expect(try f.patchUseCase(a, key: member.key, json: #"{"title": "Invoice triage, renamed"}"#).status == 200)
            #expect(try f.lastSeq() > asOf)
            let after = try app.call("GET", "/v1/portfolio/summary")
            #expect(after.header("ETag") == tag)
            #expect(after.body == before.body)
            #expect(try app.call("GET", "/v1/portfolio/summary", headers: ["If-None-Match: \(tag)"]).status == 304)
            // Another instance, which never saw the earlier document, agrees.
            #expect(try TestApp.sharing(app).call("GET", "/v1/portfolio/summary").header("ETag") == tag)

            #expect(try f.patchUseCase(a, key: member.key, json: #"{"estimates": {"expected_annual_benefit_cents": 1}}"#).status == 200)
            let changed = try app.call("GET", "/v1/portfolio/summary")
            #expect(changed.header("ETag") != tag)
            #expect(changed.object["as_of_seq"] as? Int == (try f.lastSeq()))
        }

        @Test("a correction to a period older than the three the summary shows leaves it as it was; one to a shown period moves it")
        func olderPeriodsMoveNothingShown() throws {
            let app = try TestApp()
            let f = GateFixtures(app: app)
            let (podID, member) = try f.pod()
            let a = try f.useCase(podID: podID, key: member.key)
            for period in ["2020-01", "2026-07", "2026-08", "2026-09"] {
                #expect(try f.report(a, key: member.key, period: period, tokenCost: 0, infraCost: 0, energyCost: 0).status == 201)
            }
            let before = try app.call("GET", "/v1/portfolio/summary")
            let tag = try #require(before.header("ETag"))
            #expect(try f.report(a, key: member.key, period: "2020-01", tokens: 5, tokenCost: 0, infraCost: 0, energyCost: 0).status == 200)
            #expect(try app.call("GET", "/v1/portfolio/summary").header("ETag") == tag)
            #expect(
                try f.report(a, key: member.key, period: "2026-07", tokenCost: 0, infraCost: 0, energyCost: 0, benefit: 1).status == 200)
            let after = try app.call("GET", "/v1/portfolio/summary")
            #expect(after.header("ETag") != tag)
            #expect((after.object["value"] as? [String: Any])?["realized_benefit_cents_last_3_periods"] as? Int == 2_000_001)
        }

        @Test("a writer that knows nothing of the summary (an older server in a rolling deploy) still moves it")
        func writersOfEveryVersionMoveTheSummary() throws {
            let app = try TestApp()
            let f = GateFixtures(app: app)
            let (podID, member) = try f.pod()
            let a = try f.useCase(podID: podID, key: member.key)
            let tag = try #require(try app.call("GET", "/v1/portfolio/summary").header("ETag"))
            // What a server without the summary's journal step writes: the change and its event, nothing more.
            let connection = try app.databaseConnection()
            defer { connection.close() }
            try connection.execute(
                unsafeScript: """
                    BEGIN;
                    UPDATE use_cases SET approved_funding_cents = 500000 WHERE id = '\(a)';
                    INSERT INTO events (seq, id, type, occurred_at, data)
                    VALUES (nextval('event_seq'), 'evt_older_server_write', 'funding.approved', now(), '{}');
                    SELECT pg_notify('tollgate_events', currval('event_seq')::text);
                    COMMIT;
                    """)
            let newest = try f.lastSeq()
            var summary: ParsedResponse?
            for _ in 0..<100 {  // the NOTIFY reaches this instance within moments
                summary = try app.call("GET", "/v1/portfolio/summary")
                if summary?.header("ETag") != tag { break }
                usleep(20_000)
            }
            #expect(summary?.header("ETag") != tag)
            #expect(summary?.object["as_of_seq"] as? Int == newest)
            #expect((summary?.object["funding"] as? [String: Any])?["approved_cents"] as? Int == 500_000)
            // Another instance, which never saw the earlier document, agrees byte for byte.
            #expect(try TestApp.sharing(app).call("GET", "/v1/portfolio/summary").body == summary?.body)
        }

        @Test("migration 0006 counts what exists already, and the triggers carry on from there")
        func theMigrationCountsAnExistingPortfolio() throws {
            let app = try TestApp()
            let (podID, member) = try Self.buildPortfolio(app)
            let counted = try Self.kept(app)
            let newest = try GateFixtures(app: app).lastSeq()
            // Back to the schema before 0006, with the portfolio in it; then migrate again.
            let connection = try app.databaseConnection()
            try connection.execute(
                unsafeScript: """
                    DROP FUNCTION portfolio_use_case_changed, portfolio_usage_report_changed, portfolio_gate_review_changed,
                                  usage_report_co2e, portfolio_benefit, portfolio_fold, portfolio_figures_advance CASCADE;
                    DROP VIEW portfolio_use_case_figures, portfolio_period_figures;
                    DROP TABLE portfolio_use_case_totals, portfolio_period_totals, portfolio_use_case_deltas, portfolio_period_deltas,
                               portfolio_figures;
                    DROP INDEX gate_reviews_pending_created;
                    ALTER TABLE usage_reports DROP COLUMN co2e_g;
                    DELETE FROM schema_migrations WHERE version = 6;
                    """)
            connection.close()
            let folder = try #require(Migrator.locateDirectory())
            let applied = try Migrator(directory: folder, logger: TestApp.logger).migrate(using: app.database)
            #expect(applied.map(\.version) == [6])
            #expect(try Self.kept(app) == counted)
            #expect(try Self.kept(app) == (try Self.recounted(app)))
            let summary = try app.call("GET", "/v1/portfolio/summary").object
            #expect(summary["as_of_seq"] as? Int == newest)

            _ = try GateFixtures(app: app).useCase(podID: podID, key: member.key)
            #expect(try Self.kept(app) == (try Self.recounted(app)))
            #expect((try app.call("GET", "/v1/portfolio/summary").object["use_cases"] as? [String: Any])?["total"] as? Int == 4)
        }

        @Test("answered from memory, the summary still refuses a revoked key at once and keeps to the rate limit")
        func theMemoryPathAuthenticatesAndLimits() throws {
            let app = try TestApp {
                $0.rateLimitPerSecond = 1
                $0.rateLimitBurst = 4  // the admin's four calls below; the reader's fifth is one too many
            }
            let f = GateFixtures(app: app)
            let reader = try f.principal("Dana Dashboard")
            let second = try app.call("POST", "/v1/principals/\(reader.id)/keys", json: #"{"name": "wall screen"}"#).object
            let keyID = try #require(second["id"] as? String)
            let key = try #require(second["key"] as? String)
            let first = try app.call("GET", "/v1/portfolio/summary", key: key)
            #expect(first.status == 200)
            let tag = try #require(first.header("ETag"))
            #expect(try app.call("GET", "/v1/portfolio/summary", key: key, headers: ["If-None-Match: \(tag)"]).status == 304)
            #expect(try app.call("HEAD", "/v1/portfolio/summary", key: key).status == 200)
            #expect(try app.call("GET", "/v1/portfolio/summary", key: key, headers: ["If-None-Match: \(tag)"]).status == 304)
            let limited = try app.call("GET", "/v1/portfolio/summary", key: key, headers: ["If-None-Match: \(tag)"])
            #expect(limited.status == 429)
            #expect(limited.header("Retry-After") != nil)

            #expect(try app.call("DELETE", "/v1/principals/\(reader.id)/keys/\(keyID)").status == 204)
            let refused = try app.call("GET", "/v1/portfolio/summary", key: key, headers: ["If-None-Match: \(tag)"])
            #expect(refused.status == 401)
            #expect(refused.header("WWW-Authenticate") == "Bearer")
        }
    }
}
