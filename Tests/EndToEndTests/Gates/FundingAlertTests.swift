import Foundation
import TestSupport
import Testing

extension OneAtATime {
    /// Budget alerts and the envelope at the moments other than a usage report: an approval that
    /// funds spending already made, and settings that add a threshold already passed; and
    /// concurrent policy changes.
    @Suite("Budget alerts at approvals and settings changes; concurrent policy versions")
    struct FundingAlertTests {
        /// A use case through the pilot gate with no funding, then spending 153,615 (one report).
        static func spentWithoutFunding(_ f: GateFixtures) throws -> (useCaseID: String, memberKey: String) {
            let (podID, member) = try f.pod()
            let finance = try f.principal("Fiona Finance", functions: ["finance"])
            let useCaseID = try f.useCase(podID: podID, key: member.key)
            let reviewID = try #require(
                try f.requestReview(useCaseID, key: member.key, target: "pilot", funding: 0).object["id"] as? String)
            #expect(try f.decide(reviewID, key: finance.key, function: "finance").status == 201)
            #expect(try f.report(useCaseID, key: member.key, period: "2026-09").status == 201)  // 153,615 spent, nothing funded
            return (useCaseID, member.key)
        }

        @Test("an approval that funds spending already past a threshold alerts it, after funding.approved")
        func approvalCrossesThreshold() throws {
            let app = try TestApp()
            let f = GateFixtures(app: app)
            let (useCaseID, memberKey) = try Self.spentWithoutFunding(f)
            #expect(try f.eventTypes().contains("budget.threshold_crossed") == false, "no alert while funding is 0")
            let approvers = try ["finance", "risk", "security"].map { try f.principal("Approver \($0)", functions: [$0]) }
            // 153,615 of 180,000 is 85.3 %: past 80, short of 100.
            let reviewID = try #require(
                try f.requestReview(useCaseID, key: memberKey, target: "production", funding: 180_000).object["id"] as? String)
            let start = try f.lastSeq()
            for (function, approver) in zip(["finance", "risk", "security"], approvers) {
                #expect(try f.decide(reviewID, key: approver.key, function: function).status == 201)
            }
            let events = try app.call("GET", "/v1/events?after=\(start)&limit=100").object["events"] as? [[String: Any]] ?? []
            #expect(
                events.map { $0["type"] as? String } == [
                    "gate_review.decision_recorded", "gate_review.decision_recorded", "gate_review.decision_recorded",
                    "gate_review.approved",
                    "use_case.stage_changed", "funding.approved", "budget.threshold_crossed",
                ])
            let alert = (events.last?["data"] as? [String: Any]) ?? [:]
            #expect(alert["threshold_pct"] as? Int == 80)
            #expect(alert["approved_funding_cents"] as? Int == 180_000)
            // The next report passes 100 % (307,230 of 180,000) and alerts 100 only.
            let before = try f.lastSeq()
            #expect(try f.report(useCaseID, key: memberKey, period: "2026-10").status == 201)
            let later = try app.call("GET", "/v1/events?after=\(before)&limit=100").object["events"] as? [[String: Any]] ?? []
            #expect(
                later.filter { $0["type"] as? String == "budget.threshold_crossed" }.map {
                    ($0["data"] as? [String: Any])?["threshold_pct"] as? Int
                } == [100])
            #expect(try f.auditChainIsValid())
        }

        @Test("settings that add a threshold spending already passed alert it in the same change")
        func settingsAddThreshold() throws {
            let app = try TestApp()
            let f = GateFixtures(app: app)
            let (podID, member) = try f.pod()
            let finance = try f.principal("Fiona Finance", functions: ["finance"])
            let useCaseID = try f.useCase(podID: podID, key: member.key)
            let reviewID = try #require(
                try f.requestReview(useCaseID, key: member.key, target: "pilot", funding: 256_025).object["id"] as? String)
            #expect(try f.decide(reviewID, key: finance.key, function: "finance").status == 201)
            #expect(try f.report(useCaseID, key: member.key, period: "2026-09").status == 201)  // 153,615 of 256,025 = 60 %
            #expect(try f.eventTypes().contains("budget.threshold_crossed") == false)
            let start = try f.lastSeq()
            let put = try app.call(
                "PUT", "/v1/settings",
                json:
                    #"{"currency": "USD", "horizon_years": 3, "discount_rate_pct": 10, "budget_alert_thresholds_pct": [50, 80, 100], "envelope_tolerance_pct": 20}"#
            )
            #expect(put.status == 200, "\(put.bodyText)")
            let events = try app.call("GET", "/v1/events?after=\(start)&limit=100").object["events"] as? [[String: Any]] ?? []
            #expect(events.map { $0["type"] as? String } == ["budget.threshold_crossed"])
            #expect((events.first?["data"] as? [String: Any])?["threshold_pct"] as? Int == 50)
            // Putting the same settings again alerts nothing more.
            let again = try app.call(
                "PUT", "/v1/settings",
                json:
                    #"{"currency": "USD", "horizon_years": 3, "discount_rate_pct": 10, "budget_alert_thresholds_pct": [50, 80, 100], "envelope_tolerance_pct": 20}"#
            )
            #expect(again.status == 200)
            #expect(try f.eventTypes(after: start).count == 1)
        }

        @Test("a new approval lets a period announce a breach of the new envelope again")
        func breachRearmedByApproval() throws {
            let app = try TestApp()
            let f = GateFixtures(app: app)
            let (podID, member) = try f.pod()
            let finance = try f.principal("Fiona Finance", functions: ["finance"])
            let useCaseID = try f.useCase(podID: podID, key: member.key)
            let first = try #require(try f.requestReview(useCaseID, key: member.key, target: "pilot").object["id"] as? String)
            #expect(try f.decide(first, key: finance.key, function: "finance").status == 201)
            // Monthly envelope 153,615; a month of 300,000 infra breaches it (once).
            #expect(try f.report(useCaseID, key: member.key, period: "2026-09", infraCost: 300_000).status == 201)
            let approvers = try ["finance", "risk", "security"].map { try f.principal("Approver \($0)", functions: [$0]) }
            let second = try #require(try f.requestReview(useCaseID, key: member.key, target: "production").object["id"] as? String)
            for (function, approver) in zip(["finance", "risk", "security"], approvers) {
                #expect(try f.decide(second, key: approver.key, function: function).status == 201)
            }
            #expect(
                try app.call("GET", "/v1/use-cases/\(useCaseID)").object["envelope_breached"] as? Bool == false, "a new approval clears it")
            // The same period, still beyond the (same-sized) new envelope, announces again: it is a breach of the new one.
            let start = try f.lastSeq()
            #expect(try f.report(useCaseID, key: member.key, period: "2026-09", infraCost: 310_000).status == 200)
            #expect(try f.eventTypes(after: start) == ["usage.reported", "use_case.envelope_breached"])
            #expect(try app.call("GET", "/v1/use-cases/\(useCaseID)").object["envelope_breached"] as? Bool == true)
        }

        @Test("two policy PUTs at the same moment make two versions", arguments: 0..<5)
        func concurrentPolicyVersions(round: Int) throws {
            let app = try TestApp()
            let body = #"{"approvals": [{"function": "finance", "min": 1}], "criteria": {"max_payback_months": 36}, "review_ttl_days": 30}"#
            let (a, b) = try race(
                { try app.call("PUT", "/v1/gate-policies/pilot", json: body) },
                { try app.call("PUT", "/v1/gate-policies/pilot", json: body) })
            #expect(Set([a.object["version"] as? Int ?? 0, b.object["version"] as? Int ?? 0]) == Set([2, 3]))
            #expect(Set([a.object["version"] as? Int, b.object["version"] as? Int]) == [2, 3])
            #expect(try app.call("GET", "/v1/gate-policies/pilot").object["version"] as? Int == 3)
        }
    }
}
