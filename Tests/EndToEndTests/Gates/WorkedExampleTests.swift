import Foundation
import Testing

/// The events after `seq`, whole.
private func events(_ f: GateFixtures, after seq: Int) throws -> [[String: Any]] {
    try f.app.call("GET", "/v1/events?after=\(seq)&limit=200").object["events"] as? [[String: Any]] ?? []
}

/// The `data` of the first event of `type` after `seq`.
private func eventData(_ f: GateFixtures, _ type: String, after seq: Int) throws -> [String: Any] {
    try events(f, after: seq).first { $0["type"] as? String == type }?["data"] as? [String: Any] ?? [:]
}

extension OneAtATime {
    /// The "Done when" list, each flow end to end with its figures worked out by hand.
    @Suite("Gates: the issue's worked examples")
    struct WorkedExampleTests {
        /// ROI just short of the production gate's 20 %, every other criterion met:
        /// tokens 100M x 500 / 1e6 = 50,000 + infra 200,000 = 250,000 a month, so run cost 3,000,000 a year;
        /// net benefit 4,000,000 - 3,000,000 = 1,000,000 a year; total cost 1,500,000 + 3 x 3,000,000 = 10,500,000;
        /// ROI (3 x 4,000,000 - 10,500,000) / 10,500,000 = 14.2857 -> 14.29 %;
        /// payback 1,500,000 / (1,000,000 / 12) = 18 months (<= 24, and <= 36 for the pilot);
        /// NPV -1,500,000 + 1,000,000 x (1/1.1 + 1/1.21 + 1/1.331) = 986,851.99 -> 986,852 (>= 0).
        static let thinROI = """
            {"one_time_cost_cents": 1500000, "expected_annual_benefit_cents": 4000000, "monthly_tokens": 100000000,
             "price_per_million_tokens_cents": 500, "monthly_infra_cost_cents": 200000, "monthly_energy_kwh": 0,
             "energy_price_cents_per_kwh": 0, "grid_carbon_g_per_kwh": 0}
            """

        @Test("a pilot approved by finance alone: stage pilot, funding added, events in order")
        func pilotApprovedByFinance() throws {
            let app = try TestApp()
            let f = GateFixtures(app: app)
            let (podID, member) = try f.pod()
            let finance = try f.approver("finance")
            let useCaseID = try f.useCase(podID: podID, key: member.key)
            let start = try f.lastSeq()
            let requested = try f.requestReview(useCaseID, key: member.key, target: "pilot", funding: 2_500_000)
            #expect(requested.status == 201, "\(requested.bodyText)")
            let review = requested.object
            let reviewID = try #require(review["id"] as? String)
            #expect(review["status"] as? String == "pending")
            #expect(review["requested_by"] as? String == member.id)
            #expect(review["requested_funding_cents"] as? Int == 2_500_000)
            #expect(GateFixtures.approvals(review) == ["finance": 0])
            #expect(GateFixtures.requiredMins(review) == ["finance": 1], "limited risk: no risk approval on the pilot gate")

            // Healthy estimates: token 200M x 250 / 1e6 = 50,000, infra 100,000, energy 120.5 x 30 = 3,615 a month;
            // run cost 12 x 153,615 = 1,843,380 a year; net benefit 12,000,000 - 1,843,380 = 10,156,620;
            // total cost 5,000,000 + 3 x 1,843,380 = 10,530,140; ROI (36,000,000 - 10,530,140) / 10,530,140 = 241.88 %;
            // payback 5,000,000 / (10,156,620 / 12) = 5.91 months; NPV -5,000,000 + 10,156,620 x 2.48685 = 20,258,011;
            // CO2e 12 x 120.5 x 400 / 1000 = 578.4 kg; cost per million tokens 153,615 / 200 = 768.08 -> 768.
            let metrics = (review["evaluation"] as? [String: Any])?["metrics"] as? [String: Any] ?? [:]
            #expect(metrics["annual_run_cost_cents"] as? Int == 1_843_380)
            #expect(metrics["annual_net_benefit_cents"] as? Int == 10_156_620)
            #expect(metrics["total_cost_cents"] as? Int == 10_530_140)
            #expect(GateFixtures.number(metrics["roi_pct"]) == 241.88)
            #expect(GateFixtures.number(metrics["payback_months"]) == 5.91)
            #expect(metrics["npv_cents"] as? Int == 20_258_011)
            #expect(GateFixtures.number(metrics["annual_co2e_kg"]) == 578.4)
            #expect(metrics["cost_per_million_tokens_cents"] as? Int == 768)
            let payback = try #require(GateFixtures.criterion("max_payback_months", in: review))
            #expect(GateFixtures.number(payback["threshold"]) == 36)
            #expect(GateFixtures.number(payback["actual"]) == 5.91)
            #expect(payback["passed"] as? Bool == true)

            let decided = try f.decide(reviewID, key: finance.key, function: "finance", comment: "Fine by finance")
            #expect(decided.status == 201, "\(decided.bodyText)")
            #expect(decided.object["principal_id"] as? String == finance.id)
            #expect(decided.object["function"] as? String == "finance")
            #expect(decided.object["decision"] as? String == "approve")
            #expect(decided.object["counted"] as? Bool == true)
            let after = decided.object["gate_review"] as? [String: Any] ?? [:]
            #expect(after["status"] as? String == "approved")
            #expect(after["closed_at"] is String)
            #expect(GateFixtures.approvals(after) == ["finance": 1])

            let useCase = try f.object("/v1/use-cases/\(useCaseID)")
            #expect(useCase["stage"] as? String == "pilot")
            #expect(useCase["approved_funding_cents"] as? Int == 2_500_000)
            #expect(useCase["version"] as? Int == 2, "the approval bumps the version")
            #expect(
                try f.eventTypes(after: start) == [
                    "gate_review.requested", "gate_review.decision_recorded", "gate_review.approved", "use_case.stage_changed",
                    "funding.approved",
                ])
            let stageChanged = try eventData(f, "use_case.stage_changed", after: start)
            #expect(stageChanged["from"] as? String == "proposed")
            #expect(stageChanged["to"] as? String == "pilot")
            #expect(stageChanged["gate_review_id"] as? String == reviewID)
            #expect((stageChanged["use_case"] as? [String: Any])?["stage"] as? String == "pilot")
            let funding = try eventData(f, "funding.approved", after: start)
            #expect(funding["amount_cents"] as? Int == 2_500_000)
            #expect((funding["gate_review"] as? [String: Any])?["id"] as? String == reviewID)
            let recorded = try eventData(f, "gate_review.decision_recorded", after: start)
            #expect((recorded["decision"] as? [String: Any])?["principal_id"] as? String == finance.id)
            #expect(try f.audit().valid)
        }

        @Test("a high-risk pilot also needs risk: finance alone leaves it pending, risk completes it")
        func highRiskPilot() throws {
            let app = try TestApp()
            let f = GateFixtures(app: app)
            let (podID, member) = try f.pod()
            let finance = try f.approver("finance")
            let risk = try f.approver("risk")
            let useCaseID = try f.useCase(podID: podID, key: member.key, riskTier: "high")
            var start = try f.lastSeq()
            let requested = try f.requestReview(useCaseID, key: member.key, target: "pilot", funding: 1_200_000)
            let reviewID = try #require(requested.object["id"] as? String, "\(requested.bodyText)")
            #expect(requested.object["status"] as? String == "pending")
            #expect(GateFixtures.requiredMins(requested.object) == ["finance": 1, "risk": 1])
            #expect(try f.eventTypes(after: start) == ["gate_review.requested"])

            start = try f.lastSeq()
            let byFinance = try f.decide(reviewID, key: finance.key, function: "finance")
            #expect(byFinance.status == 201, "\(byFinance.bodyText)")
            let half = byFinance.object["gate_review"] as? [String: Any] ?? [:]
            #expect(half["status"] as? String == "pending")
            #expect(GateFixtures.approvals(half) == ["finance": 1, "risk": 0])
            #expect(try f.eventTypes(after: start) == ["gate_review.decision_recorded"])
            var useCase = try f.object("/v1/use-cases/\(useCaseID)")
            #expect(useCase["stage"] as? String == "proposed")
            #expect(useCase["approved_funding_cents"] as? Int == 0)
            #expect(try f.ids("/v1/gate-reviews?function=risk&status=pending") == [reviewID])
            #expect(try f.ids("/v1/gate-reviews?function=finance&status=pending").isEmpty)

            start = try f.lastSeq()
            let byRisk = try f.decide(reviewID, key: risk.key, function: "risk")
            #expect(byRisk.status == 201, "\(byRisk.bodyText)")
            #expect((byRisk.object["gate_review"] as? [String: Any])?["status"] as? String == "approved")
            #expect(
                try f.eventTypes(after: start) == [
                    "gate_review.decision_recorded", "gate_review.approved", "use_case.stage_changed", "funding.approved",
                ])
            useCase = try f.object("/v1/use-cases/\(useCaseID)")
            #expect(useCase["stage"] as? String == "pilot")
            #expect(useCase["approved_funding_cents"] as? Int == 1_200_000)
            #expect(try f.audit().valid)
        }

        @Test("a production gate failing on ROI: criteria_failed with the failing criterion's threshold and actual")
        func productionFailsOnROI() throws {
            let app = try TestApp()
            let f = GateFixtures(app: app)
            let (podID, member) = try f.pod()
            let finance = try f.approver("finance")
            let useCaseID = try f.useCase(podID: podID, key: member.key, estimates: Self.thinROI)
            // The pilot gate checks payback only: 18 <= 36.
            try f.passGate(useCaseID, key: member.key, target: "pilot", funding: 700_000, approvers: [("finance", finance.key)])

            let start = try f.lastSeq()
            let requested = try f.requestReview(useCaseID, key: member.key, target: "production", funding: 3_000_000)
            #expect(requested.status == 201, "\(requested.bodyText)")
            let review = requested.object
            #expect(review["status"] as? String == "criteria_failed")
            #expect((review["evaluation"] as? [String: Any])?["passed"] as? Bool == false)
            let criteria = (review["evaluation"] as? [String: Any])?["criteria"] as? [[String: Any]] ?? []
            #expect(
                criteria.map { $0["name"] as? String } == [
                    "min_roi_pct", "max_payback_months", "min_npv_cents", "min_usage_months", "forbidden_risk_tiers",
                ])
            #expect(criteria.map { $0["passed"] as? Bool } == [false, true, true, true, true], "ROI is the only failure")
            let roi = try #require(GateFixtures.criterion("min_roi_pct", in: review))
            #expect(GateFixtures.number(roi["threshold"]) == 20)
            #expect(GateFixtures.number(roi["actual"]) == 14.29)
            let payback = try #require(GateFixtures.criterion("max_payback_months", in: review))
            #expect(GateFixtures.number(payback["threshold"]) == 24)
            #expect(GateFixtures.number(payback["actual"]) == 18)
            let npv = try #require(GateFixtures.criterion("min_npv_cents", in: review))
            #expect(npv["threshold"] as? Int == 0)
            #expect(npv["actual"] as? Int == 986_852)
            #expect(try f.eventTypes(after: start) == ["gate_review.requested", "gate_review.criteria_failed"])
            let failedData = try eventData(f, "gate_review.criteria_failed", after: start)
            #expect((failedData["gate_review"] as? [String: Any])?["status"] as? String == "criteria_failed")

            let useCase = try f.object("/v1/use-cases/\(useCaseID)")
            #expect(useCase["stage"] as? String == "pilot")
            #expect(useCase["approved_funding_cents"] as? Int == 700_000, "no funding from a failed gate")
            #expect(try f.audit().valid)
        }

        @Test("a restricted-data production gate needs legal: finance, risk and security leave it pending; legal completes it")
        func restrictedProductionNeedsLegal() throws {
            let app = try TestApp()
            let f = GateFixtures(app: app)
            let (podID, member) = try f.pod()
            let finance = try f.approver("finance")
            let risk = try f.approver("risk")
            let security = try f.approver("security")
            let legal = try f.approver("legal")
            let useCaseID = try f.useCase(podID: podID, key: member.key, classification: "restricted")
            // The pilot gate has no legal rule.
            let pilot = try f.requestReview(useCaseID, key: member.key, target: "pilot", funding: 1_000_000).object
            #expect(GateFixtures.requiredMins(pilot) == ["finance": 1])
            #expect(try f.decide(pilot["id"] as? String ?? "", key: finance.key, function: "finance").status == 201)

            var start = try f.lastSeq()
            let requested = try f.requestReview(useCaseID, key: member.key, target: "production", funding: 4_000_000)
            #expect(requested.status == 201, "\(requested.bodyText)")
            let reviewID = try #require(requested.object["id"] as? String)
            #expect(requested.object["status"] as? String == "pending")
            #expect(GateFixtures.requiredMins(requested.object) == ["finance": 1, "risk": 1, "security": 1, "legal": 1])
            // Healthy estimates pass: ROI 241.88 >= 20, payback 5.91 <= 24, NPV 20,258,011 >= 0.
            #expect(
                ((requested.object["evaluation"] as? [String: Any])?["criteria"] as? [[String: Any]] ?? []).allSatisfy {
                    $0["passed"] as? Bool == true
                })
            #expect(try f.eventTypes(after: start) == ["gate_review.requested"])

            start = try f.lastSeq()
            for (function, key) in [("finance", finance.key), ("risk", risk.key), ("security", security.key)] {
                let decided = try f.decide(reviewID, key: key, function: function)
                #expect(decided.status == 201, "\(function): \(decided.bodyText)")
                #expect((decided.object["gate_review"] as? [String: Any])?["status"] as? String == "pending", "after \(function)")
            }
            #expect(try f.eventTypes(after: start) == Array(repeating: "gate_review.decision_recorded", count: 3))
            #expect(
                GateFixtures.approvals(try f.object("/v1/gate-reviews/\(reviewID)")) == [
                    "finance": 1, "risk": 1, "security": 1, "legal": 0,
                ])
            #expect(try f.ids("/v1/gate-reviews?function=legal&status=pending") == [reviewID])
            var useCase = try f.object("/v1/use-cases/\(useCaseID)")
            #expect(useCase["stage"] as? String == "pilot")
            #expect(useCase["approved_funding_cents"] as? Int == 1_000_000)

            start = try f.lastSeq()
            let byLegal = try f.decide(reviewID, key: legal.key, function: "legal")
            #expect(byLegal.status == 201, "\(byLegal.bodyText)")
            #expect((byLegal.object["gate_review"] as? [String: Any])?["status"] as? String == "approved")
            #expect(
                try f.eventTypes(after: start) == [
                    "gate_review.decision_recorded", "gate_review.approved", "use_case.stage_changed", "funding.approved",
                ])
            let stageChanged = try eventData(f, "use_case.stage_changed", after: start)
            #expect(stageChanged["from"] as? String == "pilot")
            #expect(stageChanged["to"] as? String == "production")
            #expect(try eventData(f, "funding.approved", after: start)["amount_cents"] as? Int == 4_000_000)
            useCase = try f.object("/v1/use-cases/\(useCaseID)")
            #expect(useCase["stage"] as? String == "production")
            #expect(useCase["approved_funding_cents"] as? Int == 5_000_000, "1,000,000 (pilot) + 4,000,000 (production)")
            #expect(try f.ids("/v1/gate-reviews?function=legal&status=pending").isEmpty)
            #expect(try f.audit().valid)
        }

        /// A use case in production (pilot funded 1,000,000, production 2,000,000) with `months` usage reports of
        /// cost 50,000 + 100,000 + 0 = 150,000 and realized benefit 200,000 each.
        private static func inProduction(_ f: GateFixtures, months: [String]) throws -> (
            useCaseID: String, member: (id: String, key: String), finance: (id: String, key: String)
        ) {
            let (podID, member) = try f.pod()
            let finance = try f.approver("finance")
            let risk = try f.approver("risk")
            let security = try f.approver("security")
            let useCaseID = try f.useCase(podID: podID, key: member.key)
            try f.passGate(useCaseID, key: member.key, target: "pilot", funding: 1_000_000, approvers: [("finance", finance.key)])
            try f.passGate(
                useCaseID, key: member.key, target: "production", funding: 2_000_000,
                approvers: [("finance", finance.key), ("risk", risk.key), ("security", security.key)])
            let start = try f.lastSeq()
            for period in months {
                let report = try f.report(
                    useCaseID, key: member.key, period: period, tokenCost: 50_000, infraCost: 100_000, energyCost: 0, benefit: 200_000)
                #expect(report.status == 201, "\(period): \(report.bodyText)")
            }
            // Spent 150,000 a month against 3,000,000 funded stays under 80 %; 750 cents per million tokens and 150,000 a month
            // stay inside the envelope (768 and 153,615, +20 %): no other event.
            #expect(try f.eventTypes(after: start) == Array(repeating: "usage.reported", count: months.count))
            return (useCaseID, member, finance)
        }

        @Test("a scale gate passes on three months of realized usage (realized ROI 33.33 % >= 25 %) and completes with its approvals")
        func scaleGatePassesOnThreeMonths() throws {
            let app = try TestApp()
            let f = GateFixtures(app: app)
            let (useCaseID, member, finance) = try Self.inProduction(f, months: ["2026-01", "2026-02", "2026-03"])
            let secondFinance = try f.approver("finance")
            let risk = try f.approver("risk")
            let executive = try f.approver("executive")
            #expect(try f.object("/v1/use-cases/\(useCaseID)")["spent_cents"] as? Int == 450_000)

            // Realized over the latest 3 periods: cost 150,000, benefit 200,000 a month;
            // ROI (200,000 - 150,000) / 150,000 = 33.33 %.
            let evaluation = try f.object("/v1/use-cases/\(useCaseID)/evaluation")
            #expect(evaluation["target_stage"] as? String == "scaled")
            let metrics = (evaluation["evaluation"] as? [String: Any])?["metrics"] as? [String: Any] ?? [:]
            #expect(metrics["usage_months"] as? Int == 3)
            #expect(metrics["realized_monthly_cost_cents"] as? Int == 150_000)
            #expect(metrics["realized_monthly_benefit_cents"] as? Int == 200_000)
            #expect(GateFixtures.number(metrics["realized_roi_pct"]) == 33.33)

            var start = try f.lastSeq()
            let requested = try f.requestReview(useCaseID, key: member.key, target: "scaled", funding: 3_000_000)
            #expect(requested.status == 201, "\(requested.bodyText)")
            let reviewID = try #require(requested.object["id"] as? String)
            #expect(requested.object["status"] as? String == "pending")
            #expect(requested.object["snapshot_hash"] as? String == evaluation["snapshot_hash"] as? String)
            let usage = try #require(GateFixtures.criterion("min_usage_months", in: requested.object))
            #expect(usage["threshold"] as? Int == 3)
            #expect(usage["actual"] as? Int == 3)
            #expect(usage["passed"] as? Bool == true)
            let realized = try #require(GateFixtures.criterion("min_realized_roi_pct", in: requested.object))
            #expect(GateFixtures.number(realized["threshold"]) == 25)
            #expect(GateFixtures.number(realized["actual"]) == 33.33)
            #expect(realized["passed"] as? Bool == true)
            #expect(GateFixtures.requiredMins(requested.object) == ["finance": 2, "risk": 1, "executive": 1])
            #expect(try f.eventTypes(after: start) == ["gate_review.requested"])

            start = try f.lastSeq()
            for (function, key) in [("finance", finance.key), ("finance", secondFinance.key), ("risk", risk.key)] {
                let decided = try f.decide(reviewID, key: key, function: function)
                #expect(decided.status == 201, "\(function): \(decided.bodyText)")
                #expect((decided.object["gate_review"] as? [String: Any])?["status"] as? String == "pending")
            }
            #expect(GateFixtures.approvals(try f.object("/v1/gate-reviews/\(reviewID)")) == ["finance": 2, "risk": 1, "executive": 0])
            let byExecutive = try f.decide(reviewID, key: executive.key, function: "executive")
            #expect(byExecutive.status == 201, "\(byExecutive.bodyText)")
            #expect((byExecutive.object["gate_review"] as? [String: Any])?["status"] as? String == "approved")
            #expect(
                try f.eventTypes(after: start) == [
                    "gate_review.decision_recorded", "gate_review.decision_recorded", "gate_review.decision_recorded",
                    "gate_review.decision_recorded", "gate_review.approved", "use_case.stage_changed", "funding.approved",
                ])
            let useCase = try f.object("/v1/use-cases/\(useCaseID)")
            #expect(useCase["stage"] as? String == "scaled")
            #expect(useCase["approved_funding_cents"] as? Int == 6_000_000, "1,000,000 + 2,000,000 + 3,000,000")
            let noNext = try app.call("GET", "/v1/use-cases/\(useCaseID)/evaluation")
            #expect(noNext.status == 409, "scaled has no next gate: \(noNext.bodyText)")
            #expect(noNext.problemSlug == "invalid-state")
            #expect(try f.audit().valid)
        }

        @Test("a scale gate fails on two months of usage (min_usage_months 3, actual 2); a third month lets a new request pass")
        func scaleGateFailsOnTwoMonths() throws {
            let app = try TestApp()
            let f = GateFixtures(app: app)
            let (useCaseID, member, _) = try Self.inProduction(f, months: ["2026-01", "2026-02"])

            let start = try f.lastSeq()
            let requested = try f.requestReview(useCaseID, key: member.key, target: "scaled", funding: 3_000_000)
            #expect(requested.status == 201, "\(requested.bodyText)")
            #expect(requested.object["status"] as? String == "criteria_failed")
            let criteria = (requested.object["evaluation"] as? [String: Any])?["criteria"] as? [[String: Any]] ?? []
            #expect(criteria.map { $0["name"] as? String } == ["min_usage_months", "min_realized_roi_pct", "forbidden_risk_tiers"])
            #expect(criteria.map { $0["passed"] as? Bool } == [false, true, true])
            let usage = try #require(GateFixtures.criterion("min_usage_months", in: requested.object))
            #expect(usage["threshold"] as? Int == 3)
            #expect(usage["actual"] as? Int == 2)
            // Two months of 150,000 cost and 200,000 benefit: realized ROI still 33.33 %.
            #expect(GateFixtures.number(GateFixtures.criterion("min_realized_roi_pct", in: requested.object)?["actual"]) == 33.33)
            #expect(try f.eventTypes(after: start) == ["gate_review.requested", "gate_review.criteria_failed"])
            let useCase = try f.object("/v1/use-cases/\(useCaseID)")
            #expect(useCase["stage"] as? String == "production")
            #expect(useCase["approved_funding_cents"] as? Int == 3_000_000)

            let third = try f.report(
                useCaseID, key: member.key, period: "2026-03", tokenCost: 50_000, infraCost: 100_000, energyCost: 0, benefit: 200_000)
            #expect(third.status == 201)
            let retried = try f.requestReview(useCaseID, key: member.key, target: "scaled", funding: 3_000_000)
            #expect(retried.status == 201, "criteria_failed is terminal and does not block: \(retried.bodyText)")
            #expect(retried.object["status"] as? String == "pending")
            #expect(GateFixtures.criterion("min_usage_months", in: retried.object)?["actual"] as? Int == 3)
            #expect(try f.audit().valid)
        }
    }
}
