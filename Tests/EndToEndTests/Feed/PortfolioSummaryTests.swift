import Foundation
import TestSupport
import Testing

extension OneAtATime {
    @Suite("GET /v1/portfolio/summary")
    struct PortfolioSummaryTests {
        @Test("the figures of a worked portfolio")
        func figures() throws {
            let app = try TestApp()
            let f = GateFixtures(app: app)
            let (podID, member) = try f.pod()
            let finance = try f.principal("Fiona Finance", functions: ["finance"])
            let risk = try f.principal("Rick Risk", functions: ["risk"])
            // A: pilot, funded 500,000, two months reported. B: high risk, pilot review pending (needs finance and risk). C: proposed.
            let a = try f.useCase(podID: podID, key: member.key)
            let reviewA = try #require(try f.requestReview(a, key: member.key, target: "pilot", funding: 500_000).object["id"] as? String)
            #expect(try f.decide(reviewA, key: finance.key, function: "finance").status == 201)
            #expect(try f.report(a, key: member.key, period: "2026-09", benefit: 400_000).status == 201)  // cost 153,615
            #expect(try f.report(a, key: member.key, period: "2026-10", infraCost: 50_000, benefit: 600_000).status == 201)  // cost 103,615
            let b = try f.useCase(podID: podID, key: member.key, riskTier: "high")
            #expect(try f.requestReview(b, key: member.key, target: "pilot").status == 201)
            _ = try f.useCase(podID: podID, key: member.key, riskTier: "minimal")
            _ = risk

            let summary = try app.call("GET", "/v1/portfolio/summary")
            #expect(summary.status == 200, "\(summary.bodyText)")
            let s = summary.object
            let useCases = try #require(s["use_cases"] as? [String: Any])
            #expect(useCases["total"] as? Int == 3)
            #expect((useCases["by_stage"] as? [String: Int]) == ["proposed": 2, "pilot": 1, "production": 0, "scaled": 0, "retired": 0])
            #expect((useCases["by_risk_tier"] as? [String: Int]) == ["minimal": 1, "limited": 1, "high": 1, "unacceptable": 0])
            let reviews = try #require(s["gate_reviews"] as? [String: Any])
            #expect(reviews["pending"] as? Int == 1)
            let byFunction = try #require(reviews["pending_by_function"] as? [String: [String: Any]])
            #expect(byFunction["finance"]?["count"] as? Int == 1)
            #expect(byFunction["risk"]?["count"] as? Int == 1)
            #expect(byFunction["legal"]?["count"] as? Int == 0)
            #expect(byFunction["finance"]?["oldest_age_seconds"] as? Int != nil)
            let funding = try #require(s["funding"] as? [String: Any])
            #expect(funding["approved_cents"] as? Int == 500_000)
            #expect(funding["spent_cents"] as? Int == 257_230)
            #expect((funding["utilization_pct"] as? NSNumber)?.doubleValue == 51.45)  // 257,230 / 500,000
            let value = try #require(s["value"] as? [String: Any])
            #expect(value["expected_annual_benefit_cents"] as? Int == 36_000_000)  // 3 x 12,000,000
            #expect(value["realized_benefit_cents_last_3_periods"] as? Int == 1_000_000)
            let tokens = try #require(s["tokens"] as? [String: Any])
            #expect(tokens["last_period"] as? String == "2026-10")
            #expect(tokens["tokens_last_period"] as? Int == 200_000_000)
            let energy = try #require(s["energy"] as? [String: Any])
            #expect((energy["kwh_last_period"] as? NSNumber)?.doubleValue == 120.5)
            #expect((energy["co2e_kg_last_period"] as? NSNumber)?.doubleValue == 48.2)  // 120.5 kWh x 400 g / 1000
            #expect(s["as_of_seq"] as? Int == (try f.lastSeq()))
        }

        @Test("the ETag holds across reads and answers 304; every kind of write that changes a figure changes it")
        func etag() throws {
            let app = try TestApp()
            let f = GateFixtures(app: app)
            let (podID, member) = try f.pod()
            let finance = try f.principal("Fiona Finance", functions: ["finance"])
            func tag() throws -> String { try #require(try app.call("GET", "/v1/portfolio/summary").header("ETag")) }
            var current = try tag()
            #expect(try tag() == current)
            #expect(try app.call("GET", "/v1/portfolio/summary", headers: ["If-None-Match: \(current)"]).status == 304)
            _ = try app.call("GET", "/v1/use-cases")  // an unrelated read
            #expect(try tag() == current)
            let writes: [(String, () throws -> Void)] = [
                ("a use case", { _ = try f.useCase(podID: podID, key: member.key) }),
                (
                    "a review",
                    {
                        let id = try app.call("GET", "/v1/use-cases").object["items"].flatMap {
                            ($0 as? [[String: Any]])?.first?["id"] as? String
                        }
                        _ = try f.requestReview(id ?? "", key: member.key, target: "pilot")
                    }
                ),
                (
                    "an approval",
                    {
                        let pending = try app.call("GET", "/v1/gate-reviews?status=pending").object["items"] as? [[String: Any]] ?? []
                        _ = try f.decide(pending.first?["id"] as? String ?? "", key: finance.key, function: "finance")
                    }
                ),
                (
                    "a usage report",
                    {
                        let id = try app.call("GET", "/v1/use-cases?stage=pilot").object["items"].flatMap {
                            ($0 as? [[String: Any]])?.first?["id"] as? String
                        }
                        _ = try f.report(id ?? "", key: member.key, period: "2026-09")
                    }
                ),
            ]
            for (what, write) in writes {
                try write()
                let next = try tag()
                #expect(next != current, "\(what) changes the summary")
                #expect(try tag() == next)
                current = next
            }
            // Two instances agree on the document of one seq.
            let other = try TestApp.sharing(app)
            #expect(try #require(try other.call("GET", "/v1/portfolio/summary").header("ETag")) == current)
        }
    }
}
