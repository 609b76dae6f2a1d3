import Foundation
import Testing

/// Keys sorted, no whitespace: two JSON values read alike when their canonical texts are equal.
private func canonical(_ value: Any?) -> String {
    guard let value else { return "null" }
    return (try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed]))
        .map { String(decoding: $0, as: UTF8.self) } ?? "<not JSON>"
}

private func parse(_ text: String) -> Any? { try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed]) }

/// A policy without its `created_at`, for comparing documents.
private func document(_ policy: [String: Any]) -> String {
    var copy = policy
    copy["created_at"] = nil
    return canonical(copy)
}

extension OneAtATime {
    @Suite("Gate policies (API.md section 6)")
    struct GatePolicyTests {
        /// API.md section 6's table, every criterion spelled out (null: not checked).
        static let seeded: [String: String] = [
            "pilot": """
            {"stage": "pilot", "version": 1, "review_ttl_days": 30,
             "approvals": [{"function": "finance", "min": 1}, {"function": "risk", "min": 1, "when": {"risk_tier": ["high"]}}],
             "criteria": {"min_roi_pct": null, "max_payback_months": 36, "min_npv_cents": null, "max_annual_co2e_kg": null,
                          "max_cost_per_million_tokens_cents": null, "min_usage_months": null, "min_realized_roi_pct": null,
                          "forbidden_risk_tiers": ["unacceptable"]}}
            """,
            "production": """
            {"stage": "production", "version": 1, "review_ttl_days": 30,
             "approvals": [{"function": "finance", "min": 1}, {"function": "risk", "min": 1}, {"function": "security", "min": 1},
                           {"function": "legal", "min": 1, "when": {"data_classification": ["restricted"]}}],
             "criteria": {"min_roi_pct": 20, "max_payback_months": 24, "min_npv_cents": 0, "max_annual_co2e_kg": null,
                          "max_cost_per_million_tokens_cents": null, "min_usage_months": 0, "min_realized_roi_pct": null,
                          "forbidden_risk_tiers": ["unacceptable"]}}
            """,
            "scaled": """
            {"stage": "scaled", "version": 1, "review_ttl_days": 30,
             "approvals": [{"function": "finance", "min": 2}, {"function": "risk", "min": 1}, {"function": "executive", "min": 1}],
             "criteria": {"min_roi_pct": null, "max_payback_months": null, "min_npv_cents": null, "max_annual_co2e_kg": null,
                          "max_cost_per_million_tokens_cents": null, "min_usage_months": 3, "min_realized_roi_pct": 25,
                          "forbidden_risk_tiers": ["unacceptable"]}}
            """,
        ]

        static let pilotBody =
            #"{"approvals": [{"function": "finance", "min": 1}], "criteria": {"max_payback_months": 36}, "review_ttl_days": 30}"#

        @Test("the seeded policies are exactly API.md's table, listed pilot, production, scaled")
        func seededDefaults() throws {
            let app = try TestApp()
            let (_, member) = try GateFixtures(app: app).pod()
            let list = try app.call("GET", "/v1/gate-policies", key: member.key)
            #expect(list.status == 200, "\(list.bodyText)")
            #expect(list.object.keys.contains("next_cursor") && list.object["next_cursor"] is NSNull)
            let items = list.object["items"] as? [[String: Any]] ?? []
            #expect(items.map { $0["stage"] as? String } == ["pilot", "production", "scaled"])
            for item in items {
                let stage = item["stage"] as? String ?? "?"
                #expect(document(item) == canonical(parse(Self.seeded[stage] ?? "")), "\(stage)")
                #expect(item["created_at"] is String)
                let one = try app.call("GET", "/v1/gate-policies/\(stage)", key: member.key)
                #expect(one.status == 200)
                #expect(canonical(one.object) == canonical(item), "\(stage): the list and the single GET agree")
            }
        }

        @Test("GET one policy, by version; 404 for proposed, retired, unknown stage or version; 400 for a non-numeric version")
        func getOneAndByVersion() throws {
            let app = try TestApp()
            let current = try app.call("GET", "/v1/gate-policies/production")
            #expect(current.status == 200)
            #expect(current.header("ETag") != nil)
            let first = try app.call("GET", "/v1/gate-policies/production?version=1")
            #expect(first.status == 200)
            #expect(canonical(first.object) == canonical(current.object))
            for path in [
                "/v1/gate-policies/proposed", "/v1/gate-policies/retired", "/v1/gate-policies/staging", "/v1/gate-policies/pilot?version=2",
            ] {
                let missing = try app.call("GET", path)
                #expect(missing.status == 404, "\(path): \(missing.bodyText)")
                #expect(missing.problemSlug == "not-found", "\(path)")
            }
            for version in ["abc", "1.5", "0", "-1"] {
                let bad = try app.call("GET", "/v1/gate-policies/pilot?version=\(version)")
                #expect(bad.status == 400, "version=\(version): \(bad.bodyText)")
                #expect(bad.problemSlug == "malformed-request")
            }
            #expect(try app.call("PUT", "/v1/gate-policies/proposed", json: Self.pilotBody).status == 404)
        }

        @Test("every PUT makes a new version (twice -> 3), older versions stay readable; non-admins 403; audit, no event")
        func putMakesNewVersions() throws {
            let app = try TestApp()
            let f = GateFixtures(app: app)
            let (_, member) = try f.pod()
            let finance = try f.approver("finance")
            let start = try f.lastSeq()
            let body2 = """
                {"approvals": [{"function": "finance", "min": 2}, {"function": "security", "min": 1, "when": {"deployment": ["edge"]}}],
                 "criteria": {"max_payback_months": 30.5, "forbidden_risk_tiers": ["unacceptable", "high"]}, "review_ttl_days": 14}
                """
            let second = try app.call("PUT", "/v1/gate-policies/pilot", json: body2)
            #expect(second.status == 200, "\(second.bodyText)")
            #expect(second.object["version"] as? Int == 2)
            #expect(second.object["stage"] as? String == "pilot")
            #expect(second.object["review_ttl_days"] as? Int == 14)
            let criteria = second.object["criteria"] as? [String: Any] ?? [:]
            #expect(GateFixtures.number(criteria["max_payback_months"]) == 30.5)
            #expect(criteria["min_roi_pct"] is NSNull, "left out: null")
            #expect(criteria.count == 8, "every criterion is listed")
            #expect(criteria["forbidden_risk_tiers"] as? [String] == ["unacceptable", "high"])
            let third = try app.call("PUT", "/v1/gate-policies/pilot", json: body2)
            #expect(third.status == 200)
            #expect(third.object["version"] as? Int == 3, "an identical PUT is still a new version")

            #expect(try f.object("/v1/gate-policies/pilot")["version"] as? Int == 3)
            #expect(document(try f.object("/v1/gate-policies/pilot?version=1")) == canonical(parse(Self.seeded["pilot"] ?? "")))
            var expected = second.object
            expected["version"] = 3
            #expect(document(try f.object("/v1/gate-policies/pilot?version=3")) == document(expected))
            #expect(try f.object("/v1/gate-policies/production")["version"] as? Int == 1, "other gates untouched")

            for (who, key) in [("a pod member", member.key), ("a finance approver", finance.key)] {
                let refused = try app.call("PUT", "/v1/gate-policies/pilot", key: key, json: Self.pilotBody)
                #expect(refused.status == 403, "\(who): \(refused.bodyText)")
                #expect(refused.problemSlug == "forbidden")
            }
            #expect(try f.object("/v1/gate-policies/pilot")["version"] as? Int == 3)

            #expect(try f.eventTypes(after: start) == [], "policies emit no event")
            let audit = try f.items("/v1/audit?entity_id=pilot")
            #expect(audit.map { $0["action"] as? String } == ["gate_policy.updated", "gate_policy.updated"])
            #expect(try f.audit().valid)
        }

        @Test("invalid policies are 422 validation-failed with a pointer to the fault, and make no version")
        func validation() throws {
            let app = try TestApp()
            let f = GateFixtures(app: app)
            let finance = #"{"function": "finance", "min": 1}"#
            let cases: [(String, String)] = [
                (#"{"approvals": [\#(finance)], "review_ttl_days": 30, "x": 1}"#, "/x"),
                (#"{"approvals": [\#(finance)], "review_ttl_days": 30, "stage": "pilot"}"#, "/stage"),
                (#"{"approvals": [\#(finance)], "review_ttl_days": 30, "version": 7}"#, "/version"),
                (#"{"review_ttl_days": 30}"#, "/approvals"),
                (#"{"approvals": [], "review_ttl_days": 30}"#, "/approvals"),
                (#"{"approvals": {"function": "finance", "min": 1}, "review_ttl_days": 30}"#, "/approvals"),
                (
                    #"{"approvals": [{"function": "finance", "min": 1, "when": {"risk_tier": ["high"]}}], "review_ttl_days": 30}"#,
                    "/approvals"
                ),
                (#"{"approvals": [\#(finance), {"function": "finance", "min": 2}], "review_ttl_days": 30}"#, "/approvals/1/function"),
                (#"{"approvals": [{"function": "finance", "min": 0}], "review_ttl_days": 30}"#, "/approvals/0/min"),
                (#"{"approvals": [{"function": "finance", "min": 21}], "review_ttl_days": 30}"#, "/approvals/0/min"),
                (#"{"approvals": [{"function": "finance", "min": 1.5}], "review_ttl_days": 30}"#, "/approvals/0/min"),
                (#"{"approvals": [{"function": "finance"}], "review_ttl_days": 30}"#, "/approvals/0/min"),
                (#"{"approvals": [{"function": "ceo", "min": 1}], "review_ttl_days": 30}"#, "/approvals/0/function"),
                (#"{"approvals": [{"function": "finance", "min": 1, "weight": 2}], "review_ttl_days": 30}"#, "/approvals/0/weight"),
                (
                    #"{"approvals": [\#(finance), {"function": "risk", "min": 1, "when": {"stage": ["pilot"]}}], "review_ttl_days": 30}"#,
                    "/approvals/1/when/stage"
                ),
                (
                    #"{"approvals": [\#(finance), {"function": "risk", "min": 1, "when": {"risk_tier": []}}], "review_ttl_days": 30}"#,
                    "/approvals/1/when/risk_tier"
                ),
                (
                    #"{"approvals": [\#(finance), {"function": "risk", "min": 1, "when": {"risk_tier": ["extreme"]}}], "review_ttl_days": 30}"#,
                    "/approvals/1/when/risk_tier/0"
                ),
                (
                    #"{"approvals": [\#(finance), {"function": "risk", "min": 1, "when": {"deployment": ["cloud", "moon"]}}], "review_ttl_days": 30}"#,
                    "/approvals/1/when/deployment/1"
                ),
                (
                    #"{"approvals": [\#(finance), {"function": "risk", "min": 1, "when": {}}], "review_ttl_days": 30}"#,
                    "/approvals/1/when"
                ),
                (
                    #"{"approvals": [\#(finance)], "criteria": {"forbidden_risk_tiers": ["bogus"]}, "review_ttl_days": 30}"#,
                    "/criteria/forbidden_risk_tiers/0"
                ),
                (#"{"approvals": [\#(finance)], "criteria": {"min_irr_pct": 5}, "review_ttl_days": 30}"#, "/criteria/min_irr_pct"),
                (#"{"approvals": [\#(finance)], "criteria": {"min_roi_pct": "20"}, "review_ttl_days": 30}"#, "/criteria/min_roi_pct"),
                (#"{"approvals": [\#(finance)], "criteria": {"min_npv_cents": 1.5}, "review_ttl_days": 30}"#, "/criteria/min_npv_cents"),
                (
                    #"{"approvals": [\#(finance)], "criteria": {"min_usage_months": -1}, "review_ttl_days": 30}"#,
                    "/criteria/min_usage_months"
                ),
                (
                    #"{"approvals": [\#(finance)], "criteria": {"max_payback_months": -1}, "review_ttl_days": 30}"#,
                    "/criteria/max_payback_months"
                ),
                (#"{"approvals": [\#(finance)], "criteria": [], "review_ttl_days": 30}"#, "/criteria"),
                (#"{"approvals": [\#(finance)]}"#, "/review_ttl_days"),
                (#"{"approvals": [\#(finance)], "review_ttl_days": "30"}"#, "/review_ttl_days"),
                (#"{"approvals": [\#(finance)], "review_ttl_days": 0}"#, "/review_ttl_days"),
                (#"{"approvals": [\#(finance)], "review_ttl_days": 366}"#, "/review_ttl_days"),
            ]
            let start = try f.lastSeq()
            let entries = try f.audit().entries
            for (body, pointer) in cases {
                let refused = try app.call("PUT", "/v1/gate-policies/pilot", json: body)
                #expect(refused.status == 422, "\(body): \(refused.bodyText)")
                #expect(refused.problemSlug == "validation-failed", "\(body)")
                #expect(Set(refused.pointers) == [pointer], "\(body): \(refused.bodyText)")  // one field may carry two reasons
            }
            #expect(try f.object("/v1/gate-policies/pilot")["version"] as? Int == 1)
            #expect(try f.eventTypes(after: start) == [])
            #expect(try f.audit().entries == entries)
            // The bounds themselves are accepted.
            let edges = #"{"approvals": [{"function": "finance", "min": 20}], "review_ttl_days": 365}"#
            #expect(try app.call("PUT", "/v1/gate-policies/pilot", json: edges).status == 200)
            let low = #"{"approvals": [{"function": "finance", "min": 1}], "review_ttl_days": 1, "criteria": {}}"#
            #expect(try app.call("PUT", "/v1/gate-policies/pilot", json: low).status == 200)
        }

        @Test("a pending review keeps its policy_version after a PUT; a new review, or a reset, uses the new version")
        func reviewKeepsItsPolicyVersion() throws {
            let app = try TestApp()
            let f = GateFixtures(app: app)
            let (podID, member) = try f.pod()
            let finance = try f.approver("finance")
            let business = try f.approver("business")
            let older = try f.useCase(podID: podID, key: member.key)
            let olderReview = try f.requestReview(older, key: member.key, target: "pilot").object
            let olderID = try #require(olderReview["id"] as? String)
            let resetCase = try f.useCase(podID: podID, key: member.key)
            let resetID = try #require(try f.requestReview(resetCase, key: member.key, target: "pilot").object["id"] as? String)
            #expect(olderReview["policy_version"] as? Int == 1)

            let put = try app.call(
                "PUT", "/v1/gate-policies/pilot",
                json:
                    #"{"approvals": [{"function": "finance", "min": 1}, {"function": "business", "min": 1}], "criteria": {"max_payback_months": 36}, "review_ttl_days": 30}"#
            )
            #expect(put.object["version"] as? Int == 2, "\(put.bodyText)")

            let kept = try f.object("/v1/gate-reviews/\(olderID)")
            #expect(kept["policy_version"] as? Int == 1)
            #expect((kept["snapshot"] as? [String: Any])?["policy_version"] as? Int == 1)
            #expect(kept["snapshot_hash"] as? String == olderReview["snapshot_hash"] as? String)
            #expect(GateFixtures.approvals(kept) == ["finance": 0], "still the version-1 approvals")
            let approved = try f.decide(olderID, key: finance.key, function: "finance")
            #expect((approved.object["gate_review"] as? [String: Any])?["status"] as? String == "approved", "\(approved.bodyText)")

            let newer = try f.useCase(podID: podID, key: member.key)
            let newerReview = try f.requestReview(newer, key: member.key, target: "pilot").object
            #expect(newerReview["policy_version"] as? Int == 2)
            #expect((newerReview["snapshot"] as? [String: Any])?["policy_version"] as? Int == 2)
            #expect(GateFixtures.approvals(newerReview) == ["finance": 0, "business": 0])
            let newerID = try #require(newerReview["id"] as? String)
            let half = try f.decide(newerID, key: finance.key, function: "finance")
            #expect((half.object["gate_review"] as? [String: Any])?["status"] as? String == "pending", "business must approve too")
            #expect(try f.decide(newerID, key: business.key, function: "business").status == 201)
            #expect(try f.object("/v1/gate-reviews/\(newerID)")["status"] as? String == "approved")

            // A reset re-evaluates under the current version.
            #expect(
                try f.patchUseCase(resetCase, key: member.key, json: #"{"estimates": {"monthly_infra_cost_cents": 90000}}"#).status == 200)
            let reset = try f.object("/v1/gate-reviews/\(resetID)")
            #expect(reset["policy_version"] as? Int == 2)
            #expect(GateFixtures.approvals(reset) == ["finance": 0, "business": 0])
            #expect(try f.audit().valid)
        }

        @Test("a `when` rule on deployment applies only when the deployment (and every other listed field) matches")
        func whenOnDeployment() throws {
            let app = try TestApp()
            let f = GateFixtures(app: app)
            let (podID, member) = try f.pod()
            let put = try app.call(
                "PUT", "/v1/gate-policies/pilot",
                json: """
                    {"approvals": [{"function": "finance", "min": 1},
                                   {"function": "security", "min": 1, "when": {"deployment": ["on_prem", "edge"]}},
                                   {"function": "legal", "min": 1, "when": {"deployment": ["edge"], "data_classification": ["restricted"]}}],
                     "criteria": {"max_payback_months": 36}, "review_ttl_days": 30}
                    """)
            #expect(put.status == 200, "\(put.bodyText)")
            let expectations: [(String, String, [String: Int])] = [
                ("cloud", "restricted", ["finance": 1]),
                ("hybrid", "confidential", ["finance": 1]),
                ("on_prem", "restricted", ["finance": 1, "security": 1]),
                ("edge", "confidential", ["finance": 1, "security": 1]),
                ("edge", "restricted", ["finance": 1, "security": 1, "legal": 1]),
            ]
            for (deployment, classification, required) in expectations {
                let id = try f.useCaseDeployed(podID: podID, key: member.key, deployment: deployment, classification: classification)
                let evaluation = try f.object("/v1/use-cases/\(id)/evaluation")
                #expect(GateFixtures.requiredMins(evaluation) == required, "evaluation, \(deployment) \(classification)")
                let review = try f.requestReview(id, key: member.key, target: "pilot").object
                #expect(GateFixtures.requiredMins(review) == required, "review, \(deployment) \(classification)")
            }
            // Changing the deployment of a pending review recomputes what it needs.
            let moving = try f.useCaseDeployed(podID: podID, key: member.key, deployment: "cloud")
            let movingID = try #require(try f.requestReview(moving, key: member.key, target: "pilot").object["id"] as? String)
            #expect(try f.patchUseCase(moving, key: member.key, json: #"{"deployment": "on_prem"}"#).status == 200)
            #expect(GateFixtures.requiredMins(try f.object("/v1/gate-reviews/\(movingID)")) == ["finance": 1, "security": 1])
        }

        @Test("a PUT that changes the criteria changes what the evaluation says")
        func criteriaChangeEvaluation() throws {
            let app = try TestApp()
            let f = GateFixtures(app: app)
            let (podID, member) = try f.pod()
            let useCaseID = try f.useCase(podID: podID, key: member.key)
            // Healthy estimates: payback = 5,000,000 / (10,156,620 / 12) = 5.9075 -> 5.91 months; ROI 241.88 %.
            let before = try f.object("/v1/use-cases/\(useCaseID)/evaluation")
            let beforeEvaluation = before["evaluation"] as? [String: Any] ?? [:]
            #expect(beforeEvaluation["passed"] as? Bool == true)
            #expect(
                (beforeEvaluation["criteria"] as? [[String: Any]] ?? []).map { $0["name"] as? String } == [
                    "max_payback_months", "forbidden_risk_tiers",
                ])

            let put = try app.call(
                "PUT", "/v1/gate-policies/pilot",
                json:
                    #"{"approvals": [{"function": "finance", "min": 1}], "criteria": {"max_payback_months": 3, "min_roi_pct": 300}, "review_ttl_days": 30}"#
            )
            #expect(put.status == 200, "\(put.bodyText)")
            let after = try f.object("/v1/use-cases/\(useCaseID)/evaluation")
            #expect(after["policy_version"] as? Int == 2)
            #expect(after["snapshot_hash"] as? String != before["snapshot_hash"] as? String, "the policy version is part of the snapshot")
            let afterEvaluation = after["evaluation"] as? [String: Any] ?? [:]
            #expect(afterEvaluation["passed"] as? Bool == false)
            let criteria = afterEvaluation["criteria"] as? [[String: Any]] ?? []
            #expect(
                criteria.map { $0["name"] as? String } == ["min_roi_pct", "max_payback_months"], "only non-null criteria, in key order")
            let roi = try #require(GateFixtures.criterion("min_roi_pct", in: after))
            #expect(GateFixtures.number(roi["threshold"]) == 300)
            #expect(GateFixtures.number(roi["actual"]) == 241.88)
            #expect(roi["passed"] as? Bool == false)
            let payback = try #require(GateFixtures.criterion("max_payback_months", in: after))
            #expect(GateFixtures.number(payback["threshold"]) == 3)
            #expect(GateFixtures.number(payback["actual"]) == 5.91)
            #expect(payback["passed"] as? Bool == false)

            let review = try f.requestReview(useCaseID, key: member.key, target: "pilot").object
            #expect(review["status"] as? String == "criteria_failed")
            #expect(review["snapshot_hash"] as? String == after["snapshot_hash"] as? String)
        }
    }
}
