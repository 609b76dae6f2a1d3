import Foundation
import Testing

extension OneAtATime {
    @Suite("Usage reports, budgets and the envelope")
    struct UsageBudgetTests {
        /// A report body with every field; `extra` is spliced in before the closing brace.
        static func body(
            tokensInput: String = "100000000", tokensOutput: String = "100000000", tokenCost: String = "50000",
            infraCost: String = "100000",
            energyCost: String = "3615", kwh: String = "120.5", benefit: String = "1000000"
        ) -> String {
            """
            {"tokens_input": \(tokensInput), "tokens_output": \(tokensOutput), "token_cost_cents": \(tokenCost),
             "infra_cost_cents": \(infraCost), "energy_cost_cents": \(energyCost), "energy_kwh": \(kwh), "realized_benefit_cents": \(benefit)}
            """
        }

        /// A use case in a fresh pod, approved into pilot with `funding` by a finance approver.
        static func approvedPilot(_ f: GateFixtures, funding: Int) throws -> (
            useCaseID: String, member: (id: String, key: String), finance: (id: String, key: String)
        ) {
            let (podID, member) = try f.pod()
            let finance = try f.principal("Fiona Finance", functions: ["finance"])
            let useCaseID = try f.useCase(podID: podID, key: member.key)
            let requested = try f.requestReview(useCaseID, key: member.key, target: "pilot", funding: funding)
            let reviewID = try #require(requested.object["id"] as? String, "\(requested.bodyText)")
            let decided = try f.decide(reviewID, key: finance.key, function: "finance")
            try #require(decided.status == 201, "\(decided.bodyText)")
            return (useCaseID, member, finance)
        }

        /// Moves a pilot use case into production with `funding` (finance, risk and security approve).
        static func approveProduction(_ f: GateFixtures, _ useCaseID: String, memberKey: String, financeKey: String, funding: Int) throws {
            let risk = try f.principal("Rick Risk \(UUID().uuidString.prefix(4))", functions: ["risk"])
            let security = try f.principal("Sam Security \(UUID().uuidString.prefix(4))", functions: ["security"])
            let requested = try f.requestReview(useCaseID, key: memberKey, target: "production", funding: funding)
            try #require(requested.object["status"] as? String == "pending", "\(requested.bodyText)")
            let reviewID = try #require(requested.object["id"] as? String)
            #expect(try f.decide(reviewID, key: financeKey, function: "finance").status == 201)
            #expect(try f.decide(reviewID, key: risk.key, function: "risk").status == 201)
            let last = try f.decide(reviewID, key: security.key, function: "security")
            try #require((last.object["gate_review"] as? [String: Any])?["status"] as? String == "approved", "\(last.bodyText)")
        }

        /// The thresholds of the budget alerts after `seq`, in order.
        static func alerts(_ f: GateFixtures, after seq: Int) throws -> [Int] {
            try f.allEvents(after: seq).filter { $0["type"] as? String == "budget.threshold_crossed" }.compactMap {
                ($0["data"] as? [String: Any])?["threshold_pct"] as? Int
            }
        }

        /// The periods of the envelope breaches announced after `seq`, in order.
        static func breaches(_ f: GateFixtures, after seq: Int) throws -> [String] {
            try f.allEvents(after: seq).filter { $0["type"] as? String == "use_case.envelope_breached" }.compactMap {
                (($0["data"] as? [String: Any])?["usage_report"] as? [String: Any])?["period"] as? String
            }
        }

        static func metrics(_ app: TestApp, _ useCaseID: String) throws -> [String: Any] {
            try app.call("GET", "/v1/use-cases/\(useCaseID)").object["metrics"] as? [String: Any] ?? [:]
        }

        static func settings(thresholds: String = "[80, 100]", tolerance: Int = 20, horizon: Int = 3) -> String {
            #"{"currency": "USD", "horizon_years": \#(horizon), "discount_rate_pct": 10, "budget_alert_thresholds_pct": \#(thresholds), "envelope_tolerance_pct": \#(tolerance)}"#
        }

        @Test("PUT creates a period's report (201 + Location), a second PUT replaces it (200); spent_cents is the sum of costs")
        func putAndReplace() throws {
            let app = try TestApp()
            let f = GateFixtures(app: app)
            let (podID, member) = try f.pod()
            let useCaseID = try f.useCase(podID: podID, key: member.key)
            let path = "/v1/use-cases/\(useCaseID)/usage-reports/2026-03"
            let created = try app.call("PUT", path, key: member.key, json: Self.body())
            #expect(created.status == 201, "\(created.bodyText)")
            #expect(created.header("Location") == path)
            #expect(created.object["period"] as? String == "2026-03")
            #expect(created.object["use_case_id"] as? String == useCaseID)
            #expect(created.object["tokens_input"] as? Int == 100_000_000)
            #expect(created.object["token_cost_cents"] as? Int == 50_000)
            #expect((created.object["energy_kwh"] as? Double).map { abs($0 - 120.5) < 1e-9 } == true)
            #expect(created.object["realized_benefit_cents"] as? Int == 1_000_000)
            var useCase = try app.call("GET", "/v1/use-cases/\(useCaseID)").object
            #expect(useCase["spent_cents"] as? Int == 153_615)

            #expect(try f.report(useCaseID, key: member.key, period: "2026-04", tokenCost: 1, infraCost: 20, energyCost: 300).status == 201)
            useCase = try app.call("GET", "/v1/use-cases/\(useCaseID)").object
            #expect(useCase["spent_cents"] as? Int == 153_615 + 321)

            let replaced = try app.call(
                "PUT", path, key: member.key, json: Self.body(tokenCost: "7", infraCost: "8", energyCost: "9", benefit: "10"))
            #expect(replaced.status == 200, "\(replaced.bodyText)")
            #expect(replaced.object["infra_cost_cents"] as? Int == 8)
            let one = try app.call("GET", path)
            #expect(one.status == 200)
            #expect(one.object["token_cost_cents"] as? Int == 7 && one.object["realized_benefit_cents"] as? Int == 10, "\(one.bodyText)")
            useCase = try app.call("GET", "/v1/use-cases/\(useCaseID)").object
            #expect(useCase["spent_cents"] as? Int == 24 + 321, "the replaced report counts once, with its new figures")
            let list = try app.call("GET", "/v1/use-cases/\(useCaseID)/usage-reports").object["items"] as? [Any]
            #expect(list?.count == 2)
            #expect(try f.auditChainIsValid())
        }

        @Test("bodies that break the schema are 422 with pointers; bad periods are 400")
        func validation() throws {
            let app = try TestApp()
            let f = GateFixtures(app: app)
            let (podID, member) = try f.pod()
            let useCaseID = try f.useCase(podID: podID, key: member.key)
            let path = "/v1/use-cases/\(useCaseID)/usage-reports/2026-01"
            func put(_ json: String) throws -> ParsedResponse { try app.call("PUT", path, key: member.key, json: json) }

            let empty = try put("{}")
            #expect(empty.status == 422 && empty.problemSlug == "validation-failed", "\(empty.bodyText)")
            #expect(
                Set(empty.pointers) == [
                    "/tokens_input", "/tokens_output", "/token_cost_cents", "/infra_cost_cents", "/energy_cost_cents", "/energy_kwh",
                    "/realized_benefit_cents",
                ], "\(empty.pointers)")
            let missing = try put(
                #"{"tokens_input": 1, "tokens_output": 1, "token_cost_cents": 1, "infra_cost_cents": 1, "energy_cost_cents": 1, "energy_kwh": 1}"#
            )
            #expect(missing.status == 422 && missing.pointers == ["/realized_benefit_cents"], "\(missing.bodyText)")
            let cases: [(String, String)] = [
                (Self.body(tokenCost: "-1"), "/token_cost_cents"),
                (Self.body(tokensInput: "-5"), "/tokens_input"),
                (Self.body(kwh: "-0.5"), "/energy_kwh"),
                (Self.body(benefit: "-100"), "/realized_benefit_cents"),
                (Self.body(tokensOutput: "1.5"), "/tokens_output"),
                (Self.body(infraCost: "10.25"), "/infra_cost_cents"),
                (Self.body(energyCost: #""12""#), "/energy_cost_cents"),
                (Self.body(benefit: "null"), "/realized_benefit_cents"),
                (String(Self.body().dropLast()) + #", "x": 1}"#, "/x"),
            ]
            for (json, pointer) in cases {
                let response = try put(json)
                #expect(response.status == 422 && response.problemSlug == "validation-failed", "\(pointer): \(response.bodyText)")
                #expect(response.pointers == [pointer], "\(pointer): \(response.pointers)")
            }
            #expect(try put(Self.body(kwh: "0.000001")).status == 201, "energy_kwh is a decimal")

            for period in ["2026-13", "2026-00", "26-01", "2026-1", "2026-011", "202601", "abcd-ef", "2026-1a"] {
                let response = try app.call("PUT", "/v1/use-cases/\(useCaseID)/usage-reports/\(period)", key: member.key, json: Self.body())
                #expect(response.status == 400 && response.problemSlug == "malformed-request", "\(period): \(response.bodyText)")
            }
            let list = try app.call("GET", "/v1/use-cases/\(useCaseID)/usage-reports").object["items"] as? [[String: Any]]
            #expect(list?.map { $0["period"] as? String } == ["2026-01"], "nothing refused was stored")
            #expect(try app.call("GET", "/v1/use-cases/\(useCaseID)").object["spent_cents"] as? Int == 153_615)
        }

        @Test("who may report: pod members and admins; others 403; unknown use case 404; retired 409 invalid-state")
        func access() throws {
            let app = try TestApp()
            let f = GateFixtures(app: app)
            let (podID, member) = try f.pod()
            let outsider = try f.principal("Fiona Finance", functions: ["finance"])
            let useCaseID = try f.useCase(podID: podID, key: member.key)
            let forbidden = try app.call("PUT", "/v1/use-cases/\(useCaseID)/usage-reports/2026-01", key: outsider.key, json: Self.body())
            #expect(forbidden.status == 403 && forbidden.problemSlug == "forbidden", "\(forbidden.bodyText)")
            let byAdmin = try app.call("PUT", "/v1/use-cases/\(useCaseID)/usage-reports/2026-01", json: Self.body())
            #expect(byAdmin.status == 201, "admin may report without being a member: \(byAdmin.bodyText)")
            #expect(
                try app.call("PUT", "/v1/use-cases/\(useCaseID)/usage-reports/2026-02", key: member.key, json: Self.body()).status == 201)

            let unknownID = "uc_" + String(repeating: "0", count: 26)
            for key in [TestApp.adminKey, member.key, outsider.key] {
                let response = try app.call("PUT", "/v1/use-cases/\(unknownID)/usage-reports/2026-01", key: key, json: Self.body())
                #expect(response.status == 404 && response.problemSlug == "not-found", "\(response.bodyText)")
            }
            #expect(try app.call("PUT", "/v1/use-cases/nonsense/usage-reports/2026-01", json: Self.body()).status == 404)
            #expect(try app.call("GET", "/v1/use-cases/\(unknownID)/usage-reports").status == 404)
            #expect(try app.call("GET", "/v1/use-cases/\(unknownID)/usage-reports/2026-01").status == 404)

            #expect(try app.call("POST", "/v1/use-cases/\(useCaseID)/retire", key: member.key, json: #"{"reason": "done"}"#).status == 200)
            let retired = try app.call("PUT", "/v1/use-cases/\(useCaseID)/usage-reports/2026-03", key: member.key, json: Self.body())
            #expect(retired.status == 409 && retired.problemSlug == "invalid-state", "\(retired.bodyText)")
            let replaceRetired = try app.call("PUT", "/v1/use-cases/\(useCaseID)/usage-reports/2026-01", json: Self.body())
            #expect(replaceRetired.status == 409 && replaceRetired.problemSlug == "invalid-state", "\(replaceRetired.bodyText)")
            #expect(try app.call("GET", "/v1/use-cases/\(useCaseID)").object["spent_cents"] as? Int == 2 * 153_615)
        }

        @Test("the list is newest period first and pages by cursor with a Link; one period reads alone")
        func listAndPaging() throws {
            let app = try TestApp()
            let f = GateFixtures(app: app)
            let (podID, member) = try f.pod()
            let useCaseID = try f.useCase(podID: podID, key: member.key)
            for period in ["2026-02", "2025-12", "2026-01"] {
                #expect(try f.report(useCaseID, key: member.key, period: period).status == 201)
            }
            let base = "/v1/use-cases/\(useCaseID)/usage-reports"
            let all = try app.call("GET", base)
            #expect(all.status == 200)
            #expect((all.object["items"] as? [[String: Any]])?.map { $0["period"] as? String } == ["2026-02", "2026-01", "2025-12"])
            #expect(all.object["next_cursor"] is NSNull, "\(all.bodyText)")
            #expect(all.header("Link") == nil)

            var seen: [String] = []
            var path = base + "?limit=1"
            for page in 0..<3 {
                let response = try app.call("GET", path, key: member.key)
                #expect(response.status == 200, "\(response.bodyText)")
                let items = response.object["items"] as? [[String: Any]] ?? []
                #expect(items.count == 1)
                seen += items.compactMap { $0["period"] as? String }
                if page < 2 {
                    let cursor = try #require(response.object["next_cursor"] as? String, "page \(page): \(response.bodyText)")
                    let link = try #require(response.header("Link"), "page \(page)")
                    #expect(link.contains("cursor=\(cursor)") && link.contains(#"rel="next""#), "\(link)")
                    path = base + "?limit=1&cursor=\(cursor)"
                } else {
                    #expect(response.object["next_cursor"] is NSNull)
                    #expect(response.header("Link") == nil)
                }
            }
            #expect(seen == ["2026-02", "2026-01", "2025-12"])
            #expect(try app.call("GET", base + "?limit=0").status == 400)
            #expect(try app.call("GET", base + "?cursor=not-a-cursor").status == 400)

            let one = try app.call("GET", base + "/2026-01")
            #expect(one.status == 200 && one.object["period"] as? String == "2026-01", "\(one.bodyText)")
            #expect(one.header("ETag") != nil)
            #expect(try app.call("GET", base + "/2026-03").status == 404)
        }

        @Test("realized metrics: months counted, averages and ROI over the latest 3 periods, replaced reports recomputed")
        func realizedMetrics() throws {
            let app = try TestApp()
            let f = GateFixtures(app: app)
            let (podID, member) = try f.pod()
            let useCaseID = try f.useCase(podID: podID, key: member.key)
            var m = try Self.metrics(app, useCaseID)
            #expect(m["usage_months"] as? Int == 0)
            for key in ["realized_monthly_cost_cents", "realized_monthly_benefit_cents", "realized_roi_pct"] {
                #expect(m[key] is NSNull, "\(key) is null without reports: \(m)")
            }
            // A zero-cost month: the averages exist, the ROI does not.
            #expect(
                try f.report(useCaseID, key: member.key, period: "2026-04", tokenCost: 0, infraCost: 0, energyCost: 0, benefit: 9).status
                    == 201)
            m = try Self.metrics(app, useCaseID)
            #expect(m["usage_months"] as? Int == 1)
            #expect(m["realized_monthly_cost_cents"] as? Int == 0 && m["realized_monthly_benefit_cents"] as? Int == 9, "\(m)")
            #expect(m["realized_roi_pct"] is NSNull, "\(m)")

            // Sent out of order; the oldest (2026-01, dear and worthless) falls outside the latest three.
            #expect(
                try f.report(
                    useCaseID, key: member.key, period: "2026-04", tokenCost: 30_000, infraCost: 50_000, energyCost: 10_001,
                    benefit: 101_000
                ).status == 200)
            #expect(
                try f.report(
                    useCaseID, key: member.key, period: "2026-02", tokenCost: 10_000, infraCost: 15_000, energyCost: 5_000, benefit: 50_000
                ).status == 201)
            #expect(
                try f.report(
                    useCaseID, key: member.key, period: "2026-03", tokenCost: 20_000, infraCost: 30_000, energyCost: 10_000, benefit: 70_000
                ).status == 201)
            #expect(
                try f.report(useCaseID, key: member.key, period: "2026-01", tokenCost: 0, infraCost: 1_000_000, energyCost: 0, benefit: 0)
                    .status == 201)
            m = try Self.metrics(app, useCaseID)
            // cost 30,000 + 60,000 + 90,001 = 180,001 -> 60,000.33; benefit 221,000 -> 73,666.67; ROI 40,999 / 180,001 = 22.777 %
            #expect(m["usage_months"] as? Int == 4, "\(m)")
            #expect(m["realized_monthly_cost_cents"] as? Int == 60_000, "\(m)")
            #expect(m["realized_monthly_benefit_cents"] as? Int == 73_667, "\(m)")
            #expect((m["realized_roi_pct"] as? Double).map { abs($0 - 22.78) < 0.000_1 } == true, "\(m)")
            #expect(try app.call("GET", "/v1/use-cases/\(useCaseID)").object["spent_cents"] as? Int == 1_180_001)

            // Replacing February: cost 45,000, benefit 20,000 -> 195,001 / 3 = 65,000.33; 191,000 / 3 = 63,666.67; ROI -2.05 %
            #expect(
                try f.report(
                    useCaseID, key: member.key, period: "2026-02", tokenCost: 15_000, infraCost: 25_000, energyCost: 5_000, benefit: 20_000
                ).status == 200)
            m = try Self.metrics(app, useCaseID)
            #expect(m["usage_months"] as? Int == 4, "a replaced period is still one month")
            #expect(m["realized_monthly_cost_cents"] as? Int == 65_000, "\(m)")
            #expect(m["realized_monthly_benefit_cents"] as? Int == 63_667, "\(m)")
            #expect((m["realized_roi_pct"] as? Double).map { abs($0 - -2.05) < 0.000_1 } == true, "\(m)")
            // The evaluation sees the same figures.
            let evaluation =
                try app.call("GET", "/v1/use-cases/\(useCaseID)/evaluation?target_stage=scaled").object["evaluation"] as? [String: Any]
            let evaluated = evaluation?["metrics"] as? [String: Any] ?? [:]
            #expect(evaluated["usage_months"] as? Int == 4 && evaluated["realized_monthly_cost_cents"] as? Int == 65_000, "\(evaluated)")
        }

        @Test("PUT /v1/settings recomputes every use case's metrics and keeps the realized figures")
        func settingsRecompute() throws {
            let app = try TestApp()
            let f = GateFixtures(app: app)
            let (podID, member) = try f.pod()
            let useCaseID = try f.useCase(podID: podID, key: member.key)
            #expect(try f.report(useCaseID, key: member.key, period: "2026-01", benefit: 200_000).status == 201)
            #expect(try f.report(useCaseID, key: member.key, period: "2026-02", infraCost: 146_385, benefit: 500_000).status == 201)
            let before = try Self.metrics(app, useCaseID)
            // cost 153,615 and 200,000 -> 176,807.5 -> 176,808; benefit 350,000; ROI 346,385 / 353,615 = 97.96 %
            #expect(before["realized_monthly_cost_cents"] as? Int == 176_808, "\(before)")
            #expect(before["realized_monthly_benefit_cents"] as? Int == 350_000)
            #expect((before["realized_roi_pct"] as? Double).map { abs($0 - 97.96) < 0.000_1 } == true, "\(before)")

            let put = try app.call("PUT", "/v1/settings", json: Self.settings(horizon: 5))
            #expect(put.status == 200, "\(put.bodyText)")
            let after = try Self.metrics(app, useCaseID)
            #expect(after["total_cost_cents"] as? Int != before["total_cost_cents"] as? Int, "the horizon changed the totals: \(after)")
            #expect(after["total_cost_cents"] as? Int == 5_000_000 + 5 * 1_843_380, "\(after)")
            for key in ["usage_months", "realized_monthly_cost_cents", "realized_monthly_benefit_cents"] {
                #expect(after[key] as? Int == before[key] as? Int, "\(key): \(after)")
            }
            #expect(after["realized_roi_pct"] as? Double == before["realized_roi_pct"] as? Double, "\(after)")
            #expect(try f.auditChainIsValid())
        }

        @Test("no budget alerts and no envelope check before any approval")
        func nothingBeforeApproval() throws {
            let app = try TestApp()
            let f = GateFixtures(app: app)
            let (podID, member) = try f.pod()
            let useCaseID = try f.useCase(podID: podID, key: member.key)
            let start = try f.newestSeq()
            #expect(try f.report(useCaseID, key: member.key, period: "2026-01", tokens: 1_000, infraCost: 5_000_000).status == 201)
            #expect(try f.report(useCaseID, key: member.key, period: "2026-02", tokens: 1_000, infraCost: 9_000_000).status == 201)
            #expect(try f.eventTypes(after: start) == ["usage.reported", "usage.reported"])
            let useCase = try app.call("GET", "/v1/use-cases/\(useCaseID)").object
            #expect(useCase["approved_funding_cents"] as? Int == 0)
            #expect(useCase["spent_cents"] as? Int == 14_107_230)
            #expect(useCase["envelope_breached"] as? Bool == false)
        }

        @Test("budget alerts: 80 then 100 once each; replacing does not re-alert; more funding re-arms a threshold spending fell below")
        func budgetAlerts() throws {
            let app = try TestApp()
            let f = GateFixtures(app: app)
            let (useCaseID, member, finance) = try Self.approvedPilot(f, funding: 1_000_000)
            var seq = try f.newestSeq()
            func put(_ period: String, cost: Int) throws -> [Int] {
                let response = try f.report(
                    useCaseID, key: member.key, period: period, tokens: 2_000_000_000, tokenCost: 0, infraCost: cost, energyCost: 0)
                #expect(response.status == 201 || response.status == 200, "\(period): \(response.bodyText)")
                let alerts = try Self.alerts(f, after: seq)
                seq = try f.allEvents(after: seq).last?["seq"] as? Int ?? seq
                return alerts
            }
            #expect(try put("2026-01", cost: 500_000) == [], "50 %")
            #expect(try put("2026-02", cost: 299_999) == [], "79.9999 %")
            #expect(try put("2026-02", cost: 300_000) == [80], "exactly 80 %, by replacing February")
            #expect(try put("2026-02", cost: 350_000) == [], "85 %: 80 alerted already")
            #expect(try put("2026-02", cost: 250_000) == [], "75 %: falling below does not re-arm without new funding")
            #expect(try put("2026-02", cost: 310_000) == [], "81 % again: still alerted once")
            #expect(try put("2026-03", cost: 190_000) == [100], "100 %")
            #expect(try put("2026-03", cost: 200_000) == [], "101 %: replaced, no re-alert")
            #expect(try put("2026-04", cost: 1_000) == [])
            var useCase = try app.call("GET", "/v1/use-cases/\(useCaseID)").object
            #expect(useCase["spent_cents"] as? Int == 1_011_000)

            // Production adds 1,000,000: 1,011,000 of 2,000,000 is 50.55 %, under both thresholds again.
            try Self.approveProduction(f, useCaseID, memberKey: member.key, financeKey: finance.key, funding: 1_000_000)
            seq = try f.newestSeq()
            useCase = try app.call("GET", "/v1/use-cases/\(useCaseID)").object
            #expect(useCase["approved_funding_cents"] as? Int == 2_000_000)
            #expect(try put("2026-05", cost: 589_000) == [80], "1,600,000 = 80 % of the new funding")
            #expect(try put("2026-06", cost: 399_999) == [], "99.99995 %")
            let last = try f.report(
                useCaseID, key: member.key, period: "2026-07", tokens: 2_000_000_000, tokenCost: 0, infraCost: 1, energyCost: 0)
            #expect(last.status == 201)
            let events = try f.allEvents(after: seq).filter { $0["type"] as? String == "budget.threshold_crossed" }
            #expect(events.count == 1)
            let data = events.first?["data"] as? [String: Any] ?? [:]
            #expect(data["threshold_pct"] as? Int == 100)
            #expect(data["spent_cents"] as? Int == 2_000_000)
            #expect(data["approved_funding_cents"] as? Int == 2_000_000)
            #expect((data["use_case"] as? [String: Any])?["id"] as? String == useCaseID)
            #expect(try f.auditChainIsValid())
        }

        @Test("more funding that leaves spending above a threshold keeps it alerted")
        func fundingGrowthKeepsCrossedThresholds() throws {
            let app = try TestApp()
            let f = GateFixtures(app: app)
            let (useCaseID, member, finance) = try Self.approvedPilot(f, funding: 1_000_000)
            let start = try f.newestSeq()
            #expect(
                try f.report(
                    useCaseID, key: member.key, period: "2026-01", tokens: 2_000_000_000, tokenCost: 0, infraCost: 1_000_000, energyCost: 0
                ).status == 201)
            #expect(try Self.alerts(f, after: start) == [80, 100], "one report crossing both: both, ascending")
            // +100,000: 1,000,000 of 1,100,000 is 90.9 %: 80 stays crossed, 100 is armed again.
            try Self.approveProduction(f, useCaseID, memberKey: member.key, financeKey: finance.key, funding: 100_000)
            let seq = try f.newestSeq()
            #expect(
                try f.report(
                    useCaseID, key: member.key, period: "2026-02", tokens: 2_000_000_000, tokenCost: 0, infraCost: 100_000, energyCost: 0
                ).status == 201)
            #expect(try Self.alerts(f, after: seq) == [100])
        }

        @Test(
            "the envelope: monthly cost or cost per million tokens beyond 120 % breaches, once per period; a later period inside clears it")
        func envelope() throws {
            let app = try TestApp()
            let f = GateFixtures(app: app)
            // Envelope from the healthy snapshot: monthly 153,615 (limit 184,338), 768 per million tokens (limit 921.6).
            let (useCaseID, member, finance) = try Self.approvedPilot(f, funding: 1_000_000_000)
            var seq = try f.newestSeq()
            func put(_ period: String, cost: Int, tokens: Int, status: Int = 201) throws -> (breaches: [String], breached: Bool?) {
                let response = try f.report(
                    useCaseID, key: member.key, period: period, tokens: tokens, tokenCost: 0, infraCost: cost, energyCost: 0)
                #expect(response.status == status, "\(period): \(response.bodyText)")
                let breaches = try Self.breaches(f, after: seq)
                seq = try f.allEvents(after: seq).last?["seq"] as? Int ?? seq
                let useCase = try app.call("GET", "/v1/use-cases/\(useCaseID)").object
                return (breaches, useCase["envelope_breached"] as? Bool)
            }
            var outcome = try put("2026-01", cost: 184_338, tokens: 400_000_000)
            #expect(outcome.breaches == [] && outcome.breached == false, "exactly 120 % of the monthly cost is inside")
            outcome = try put("2026-02", cost: 184_339, tokens: 400_000_000)
            #expect(outcome.breaches == ["2026-02"] && outcome.breached == true, "monthly cost over 120 %: \(outcome)")
            outcome = try put("2026-02", cost: 190_000, tokens: 400_000_000, status: 200)
            #expect(outcome.breaches == [] && outcome.breached == true, "the same period again: no second announcement")
            outcome = try put("2026-03", cost: 150_000, tokens: 200_000_000)
            #expect(outcome.breaches == [] && outcome.breached == false, "a later period inside clears the flag: \(outcome)")
            outcome = try put("2026-04", cost: 100_000, tokens: 108_000_000)  // 925.9 per million tokens
            #expect(outcome.breaches == ["2026-04"] && outcome.breached == true, "cost per million tokens over 120 %: \(outcome)")
            outcome = try put("2026-05", cost: 92_160, tokens: 100_000_000)  // exactly 921.6
            #expect(outcome.breaches == [] && outcome.breached == false, "exactly 120 % per million tokens is inside: \(outcome)")
            outcome = try put("2026-05", cost: 92_161, tokens: 100_000_000, status: 200)
            #expect(
                outcome.breaches == ["2026-05"] && outcome.breached == true,
                "a replaced report that now breaches announces once: \(outcome)")
            outcome = try put("2026-05", cost: 92_000, tokens: 100_000_000, status: 200)
            #expect(outcome.breaches == [] && outcome.breached == false, "replaced back inside: \(outcome)")
            outcome = try put("2026-05", cost: 95_000, tokens: 100_000_000, status: 200)
            #expect(outcome.breaches == [] && outcome.breached == true, "the period was announced already: \(outcome)")

            // A new approval clears the flag and sets the envelope again from its snapshot.
            try Self.approveProduction(f, useCaseID, memberKey: member.key, financeKey: finance.key, funding: 0)
            #expect(try app.call("GET", "/v1/use-cases/\(useCaseID)").object["envelope_breached"] as? Bool == false)
            seq = try f.newestSeq()
            outcome = try put("2026-06", cost: 200_000, tokens: 400_000_000)
            #expect(outcome.breaches == ["2026-06"] && outcome.breached == true, "\(outcome)")
            let event = try f.allEvents(after: 0).last { $0["type"] as? String == "use_case.envelope_breached" }
            let data = event?["data"] as? [String: Any] ?? [:]
            #expect((data["use_case"] as? [String: Any])?["envelope_breached"] as? Bool == true)
            #expect((data["usage_report"] as? [String: Any])?["infra_cost_cents"] as? Int == 200_000)
            #expect(try f.auditChainIsValid())
        }

        @Test("usage events come in order: usage.reported, thresholds ascending, then the envelope breach")
        func eventOrder() throws {
            let app = try TestApp()
            let f = GateFixtures(app: app)
            let (useCaseID, member, _) = try Self.approvedPilot(f, funding: 200_000)
            let start = try f.newestSeq()
            #expect(try f.report(useCaseID, key: member.key, period: "2026-01", infraCost: 400_000).status == 201)
            #expect(
                try f.eventTypes(after: start) == [
                    "usage.reported", "budget.threshold_crossed", "budget.threshold_crossed", "use_case.envelope_breached",
                ])
            #expect(try Self.alerts(f, after: start) == [80, 100])
        }

        @Test("settings change the rules: other thresholds alert, a wider tolerance lets more through")
        func settingsChangeRules() throws {
            let app = try TestApp()
            let f = GateFixtures(app: app)
            let put = try app.call("PUT", "/v1/settings", json: Self.settings(thresholds: "[50, 90]", tolerance: 50))
            #expect(put.status == 200, "\(put.bodyText)")
            #expect(put.object["envelope_tolerance_pct"] as? Int == 50)
            let (useCaseID, member, _) = try Self.approvedPilot(f, funding: 1_000_000)
            var seq = try f.newestSeq()
            // Monthly envelope 153,615; at 50 % tolerance the limit is 230,422.5.
            #expect(
                try f.report(
                    useCaseID, key: member.key, period: "2026-01", tokens: 400_000_000, tokenCost: 0, infraCost: 230_422, energyCost: 0
                ).status == 201)
            #expect(try Self.breaches(f, after: seq) == [], "inside at 50 % tolerance")
            #expect(try Self.alerts(f, after: seq) == [], "23 %")
            seq = try f.newestSeq()
            #expect(
                try f.report(
                    useCaseID, key: member.key, period: "2026-02", tokens: 400_000_000, tokenCost: 0, infraCost: 270_000, energyCost: 0
                ).status == 201)
            #expect(try Self.alerts(f, after: seq) == [50], "50.04 %: the 50 % threshold, not 80")
            #expect(try Self.breaches(f, after: seq) == ["2026-02"])
            seq = try f.newestSeq()
            #expect(
                try f.report(
                    useCaseID, key: member.key, period: "2026-03", tokens: 400_000_000, tokenCost: 0, infraCost: 230_000, energyCost: 0
                ).status == 201)
            #expect(try Self.alerts(f, after: seq) == [], "73 %: 80 is no threshold now")
            seq = try f.newestSeq()
            #expect(
                try f.report(
                    useCaseID, key: member.key, period: "2026-04", tokens: 400_000_000, tokenCost: 0, infraCost: 170_000, energyCost: 0
                ).status == 201)
            #expect(try Self.alerts(f, after: seq) == [90], "90.04 %")

            // Back to the defaults: the next report is judged by 20 % again.
            seq = try f.newestSeq()
            #expect(try app.call("PUT", "/v1/settings", json: Self.settings()).status == 200)
            #expect(try Self.alerts(f, after: seq) == [80], "90.04 % at the change: 80 never alerted, so it does with the settings")
            #expect(
                try f.report(
                    useCaseID, key: member.key, period: "2026-05", tokens: 400_000_000, tokenCost: 0, infraCost: 190_000, energyCost: 0
                ).status == 201)
            #expect(try Self.breaches(f, after: seq) == ["2026-05"])
            #expect(try Self.alerts(f, after: seq) == [80, 100], "then 109 %: 100 alerts with the report")
            #expect(try f.auditChainIsValid())
        }
    }
}
