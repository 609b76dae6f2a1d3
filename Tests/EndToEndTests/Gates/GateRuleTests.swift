import Foundation
import Postgres
import TestSupport
import Testing

/// Keys sorted, no whitespace: two JSON values read alike when their canonical texts are equal.
private func canonical(_ value: Any?) -> String {
    guard let value else { return "null" }
    return (try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed]))
        .map { String(decoding: $0, as: UTF8.self) } ?? "<not JSON>"
}

/// What a refused request must leave alone: the change feed and the audit log.
private struct NothingWritten {
    let f: GateFixtures
    let seq: Int
    let entries: Int

    init(_ f: GateFixtures) throws {
        self.f = f
        seq = try f.lastSeq()
        entries = try f.audit().entries
    }

    func check(sourceLocation: SourceLocation = #_sourceLocation) throws {
        #expect(try f.eventTypes(after: seq) == [], "no event", sourceLocation: sourceLocation)
        #expect(try f.audit().entries == entries, "no audit entry", sourceLocation: sourceLocation)
    }
}

extension OneAtATime {
    @Suite("Gate rules (API.md section 6)")
    struct GateRuleTests {
        // MARK: Requesting a review

        @Test("a review targets only the next stage: 422 validation-failed at /target_stage, and nothing is written")
        func nextStageOnly() throws {
            let app = try TestApp()
            let f = GateFixtures(app: app)
            let (podID, member) = try f.pod()
            let finance = try f.approver("finance")
            let useCaseID = try f.useCase(podID: podID, key: member.key)
            let quiet = try NothingWritten(f)
            for target in ["production", "scaled", "proposed", "retired"] {
                let refused = try f.requestReview(useCaseID, key: member.key, target: target)
                #expect(refused.status == 422, "\(target): \(refused.bodyText)")
                #expect(refused.problemSlug == "validation-failed")
                #expect(refused.pointers == ["/target_stage"], "\(target)")
            }
            try quiet.check()
            #expect(try f.items("/v1/use-cases/\(useCaseID)/gate-reviews").isEmpty)
            #expect(try f.object("/v1/use-cases/\(useCaseID)")["stage"] as? String == "proposed")

            try f.passGate(useCaseID, key: member.key, target: "pilot", approvers: [("finance", finance.key)])
            let again = try f.requestReview(useCaseID, key: member.key, target: "pilot")
            #expect(again.status == 422)
            #expect(again.pointers == ["/target_stage"], "pilot is behind a pilot use case")
            #expect(try f.requestReview(useCaseID, key: member.key, target: "production").status == 201)
            #expect(try f.audit().valid)
        }

        @Test("the request body is checked first (422), then the use case (404)")
        func requestBodyAndNotFound() throws {
            let app = try TestApp()
            let f = GateFixtures(app: app)
            let (podID, member) = try f.pod()
            let useCaseID = try f.useCase(podID: podID, key: member.key)
            let quiet = try NothingWritten(f)
            let noJustification = try app.call(
                "POST", "/v1/use-cases/\(useCaseID)/gate-reviews", key: member.key, json: #"{"target_stage": "pilot"}"#)
            #expect(noJustification.status == 422)
            #expect(noJustification.pointers == ["/justification"])
            let unknownField = try app.call(
                "POST", "/v1/use-cases/\(useCaseID)/gate-reviews", key: member.key,
                json: #"{"target_stage": "pilot", "justification": "x", "stage": "pilot"}"#)
            #expect(unknownField.status == 422)
            #expect(unknownField.pointers == ["/stage"])
            let negative = try app.call(
                "POST", "/v1/use-cases/\(useCaseID)/gate-reviews", key: member.key,
                json: #"{"target_stage": "pilot", "justification": "x", "requested_funding_cents": -1}"#)
            #expect(negative.status == 422)
            #expect(negative.pointers == ["/requested_funding_cents"])
            let missing = try f.requestReview("uc_0000000000000000000000", key: member.key, target: "pilot")
            #expect(missing.status == 404)
            #expect(missing.problemSlug == "not-found")
            let badBodyAndMissing = try app.call(
                "POST", "/v1/use-cases/uc_0000000000000000000000/gate-reviews", key: member.key, json: #"{"target_stage": "pilot"}"#)
            #expect(badBodyAndMissing.status == 422, "the body is checked before the use case is looked up")
            try quiet.check()
        }

        @Test("one open review per use case: a second request is 409 conflict while one is pending or changes_requested")
        func oneOpenReview() throws {
            let app = try TestApp()
            let f = GateFixtures(app: app)
            let (podID, member) = try f.pod()
            let finance = try f.approver("finance")
            let useCaseID = try f.useCase(podID: podID, key: member.key)
            let first = try f.requestReview(useCaseID, key: member.key, target: "pilot")
            #expect(first.status == 201)
            #expect(first.header("Location") == "/v1/gate-reviews/\(first.object["id"] as? String ?? "?")")
            let reviewID = try #require(first.object["id"] as? String)
            let before = canonical(try f.object("/v1/gate-reviews/\(reviewID)"))
            var quiet = try NothingWritten(f)
            let second = try f.requestReview(useCaseID, key: member.key, target: "pilot")
            #expect(second.status == 409, "\(second.bodyText)")
            #expect(second.problemSlug == "conflict")
            try quiet.check()
            #expect(canonical(try f.object("/v1/gate-reviews/\(reviewID)")) == before)
            #expect(try f.ids("/v1/use-cases/\(useCaseID)/gate-reviews") == [reviewID])

            #expect(
                try f.decide(reviewID, key: finance.key, function: "finance", decision: "request_changes", comment: "Add a pilot plan")
                    .status == 201)
            quiet = try NothingWritten(f)
            let whileChangesRequested = try f.requestReview(useCaseID, key: member.key, target: "pilot")
            #expect(whileChangesRequested.status == 409)
            #expect(whileChangesRequested.problemSlug == "conflict")
            try quiet.check()

            #expect(try app.call("POST", "/v1/gate-reviews/\(reviewID)/withdraw", key: member.key).status == 200)
            #expect(try f.requestReview(useCaseID, key: member.key, target: "pilot").status == 201, "a withdrawn review is not open")
            #expect(try f.audit().valid)
        }

        @Test("a retired use case has no gates: 409 invalid-state, nothing written")
        func retired() throws {
            let app = try TestApp()
            let f = GateFixtures(app: app)
            let (podID, member) = try f.pod()
            let useCaseID = try f.useCase(podID: podID, key: member.key)
            #expect(
                try app.call("POST", "/v1/use-cases/\(useCaseID)/retire", key: member.key, json: #"{"reason": "Dropped"}"#).status == 200)
            let quiet = try NothingWritten(f)
            let refused = try f.requestReview(useCaseID, key: member.key, target: "pilot")
            #expect(refused.status == 409, "\(refused.bodyText)")
            #expect(refused.problemSlug == "invalid-state")
            try quiet.check()
            #expect(try f.items("/v1/use-cases/\(useCaseID)/gate-reviews").isEmpty)
        }

        @Test("only a member of the use case's pod requests a review: others 403 forbidden, the admin too")
        func nonMemberRequesting() throws {
            let app = try TestApp()
            let f = GateFixtures(app: app)
            let (podID, member) = try f.pod()
            let (_, otherPodMember) = try f.pod()
            let finance = try f.approver("finance")
            let useCaseID = try f.useCase(podID: podID, key: member.key)
            let quiet = try NothingWritten(f)
            for (who, key) in [
                ("an outsider", finance.key), ("a member of another pod", otherPodMember.key), ("the admin", TestApp.adminKey),
            ] {
                let refused = try f.requestReview(useCaseID, key: key, target: "pilot")
                #expect(refused.status == 403, "\(who): \(refused.bodyText)")
                #expect(refused.problemSlug == "forbidden", "\(who)")
            }
            try quiet.check()
            #expect(try f.items("/v1/use-cases/\(useCaseID)/gate-reviews").isEmpty)
        }

        @Test("a failing criterion makes the review criteria_failed at once (terminal, not open), with its events")
        func criteriaFailedOnCreate() throws {
            let app = try TestApp()
            let f = GateFixtures(app: app)
            let (podID, member) = try f.pod()
            let finance = try f.approver("finance")
            // Benefit 0: the run cost 1,843,380 a year is never paid back, so payback_months is null and fails max 36.
            let neverPaysBack = GateFixtures.healthyEstimates.replacingOccurrences(
                of: #""expected_annual_benefit_cents": 12000000"#, with: #""expected_annual_benefit_cents": 0"#)
            let useCaseID = try f.useCase(podID: podID, key: member.key, estimates: neverPaysBack)
            let start = try f.lastSeq()
            let failed = try f.requestReview(useCaseID, key: member.key, target: "pilot")
            #expect(failed.status == 201, "\(failed.bodyText)")
            #expect(failed.object["status"] as? String == "criteria_failed")
            #expect(failed.object["closed_at"] is String, "a criteria_failed review is closed")
            #expect((failed.object["evaluation"] as? [String: Any])?["passed"] as? Bool == false)
            let payback = try #require(GateFixtures.criterion("max_payback_months", in: failed.object))
            #expect(GateFixtures.number(payback["threshold"]) == 36)
            #expect(payback["actual"] is NSNull)
            #expect(payback["passed"] as? Bool == false)
            #expect(GateFixtures.criterion("forbidden_risk_tiers", in: failed.object)?["passed"] as? Bool == true)
            #expect(try f.eventTypes(after: start) == ["gate_review.requested", "gate_review.criteria_failed"])
            let reviewID = try #require(failed.object["id"] as? String)

            let quiet = try NothingWritten(f)
            let decided = try f.decide(reviewID, key: finance.key, function: "finance")
            #expect(decided.status == 409)
            #expect(decided.problemSlug == "invalid-state")
            try quiet.check()
            #expect(try f.object("/v1/use-cases/\(useCaseID)")["stage"] as? String == "proposed")
            let again = try f.requestReview(useCaseID, key: member.key, target: "pilot")
            #expect(again.status == 201, "criteria_failed is terminal, so it does not block a new request: \(again.bodyText)")

            // An unacceptable risk tier is forbidden on every gate.
            let forbiddenID = try f.useCase(podID: podID, key: member.key, riskTier: "unacceptable")
            let forbidden = try f.requestReview(forbiddenID, key: member.key, target: "pilot")
            #expect(forbidden.object["status"] as? String == "criteria_failed", "\(forbidden.bodyText)")
            let tier = try #require(GateFixtures.criterion("forbidden_risk_tiers", in: forbidden.object))
            #expect(tier["threshold"] as? [String] == ["unacceptable"])
            #expect(tier["actual"] as? String == "unacceptable")
            #expect(tier["passed"] as? Bool == false)
            #expect(try f.audit().valid)
        }

        // MARK: Deciding

        @Test("separation of duties: the requester and pod members who hold the function get 403 separation-of-duties")
        func separationOfDuties() throws {
            let app = try TestApp()
            let f = GateFixtures(app: app)
            let (podID, member) = try f.pod()
            let requester = try f.principal("Rita Requester", functions: ["engineering", "finance"])
            try f.addMember(requester.id, to: podID)
            let colleague = try f.principal("Colin Colleague", functions: ["finance"])
            try f.addMember(colleague.id, to: podID)
            let outsider = try f.approver("finance")
            let useCaseID = try f.useCase(podID: podID, key: member.key)
            let reviewID = try #require(try f.requestReview(useCaseID, key: requester.key, target: "pilot").object["id"] as? String)
            let before = canonical(try f.object("/v1/gate-reviews/\(reviewID)"))
            let quiet = try NothingWritten(f)

            for (who, key) in [("the requester", requester.key), ("a pod member holding finance", colleague.key)] {
                let refused = try f.decide(reviewID, key: key, function: "finance")
                #expect(refused.status == 403, "\(who): \(refused.bodyText)")
                #expect(refused.problemSlug == "separation-of-duties", "\(who)")
            }
            let lacking = try f.decide(reviewID, key: member.key, function: "finance")
            #expect(lacking.status == 403)
            #expect(lacking.problemSlug == "forbidden", "holding the function is checked before separation of duties")

            try quiet.check()

            // The requester stays barred after leaving the pod.
            #expect(try app.call("DELETE", "/v1/pods/\(podID)/members/\(requester.id)").status == 204)
            let quietAfterLeaving = try NothingWritten(f)
            let formerMember = try f.decide(reviewID, key: requester.key, function: "finance")
            #expect(formerMember.status == 403)
            #expect(formerMember.problemSlug == "separation-of-duties")
            try quietAfterLeaving.check()
            #expect(canonical(try f.object("/v1/gate-reviews/\(reviewID)")) == before)

            let approved = try f.decide(reviewID, key: outsider.key, function: "finance")
            #expect(approved.status == 201, "\(approved.bodyText)")
            #expect((approved.object["gate_review"] as? [String: Any])?["status"] as? String == "approved")
        }

        @Test("the caller must hold the function (403 forbidden, the admin too) and it must be required here (422 /function)")
        func functionHeldAndRequired() throws {
            let app = try TestApp()
            let f = GateFixtures(app: app)
            let (podID, member) = try f.pod()
            let risk = try f.approver("risk")
            let useCaseID = try f.useCase(podID: podID, key: member.key)  // limited risk: the pilot gate needs finance only
            let reviewID = try #require(try f.requestReview(useCaseID, key: member.key, target: "pilot").object["id"] as? String)
            let before = canonical(try f.object("/v1/gate-reviews/\(reviewID)"))
            let quiet = try NothingWritten(f)

            let notHeld = try f.decide(reviewID, key: risk.key, function: "finance")
            #expect(notHeld.status == 403)
            #expect(notHeld.problemSlug == "forbidden")
            let admin = try f.decide(reviewID, key: TestApp.adminKey, function: "finance")
            #expect(admin.status == 403, "admin is not a function: \(admin.bodyText)")
            #expect(admin.problemSlug == "forbidden")
            let notRequired = try f.decide(reviewID, key: risk.key, function: "risk")
            #expect(notRequired.status == 422, "\(notRequired.bodyText)")
            #expect(notRequired.problemSlug == "validation-failed")
            #expect(notRequired.pointers == ["/function"])
            let unknown = try f.decide(reviewID, key: risk.key, function: "ceo")
            #expect(unknown.status == 422)
            #expect(unknown.pointers == ["/function"])
            let badDecision = try f.decide(reviewID, key: risk.key, function: "risk", decision: "maybe")
            #expect(badDecision.status == 422)
            #expect(badDecision.pointers == ["/decision"])
            let noReview = try f.decide("gr_0000000000000000000000", key: risk.key, function: "risk")
            #expect(noReview.status == 404)
            try quiet.check()
            #expect(canonical(try f.object("/v1/gate-reviews/\(reviewID)")) == before)
        }

        @Test("one decision per principal per round: a second one is 409 conflict, even for another function it holds")
        func oneDecisionPerPrincipal() throws {
            let app = try TestApp()
            let f = GateFixtures(app: app)
            let (podID, member) = try f.pod()
            let finance = try f.approver("finance")
            let dual = try f.approver("finance", also: ["risk"])
            let useCaseID = try f.useCase(podID: podID, key: member.key)
            try f.passGate(useCaseID, key: member.key, target: "pilot", approvers: [("finance", finance.key)])
            let reviewID = try #require(try f.requestReview(useCaseID, key: member.key, target: "production").object["id"] as? String)
            #expect(try f.decide(reviewID, key: dual.key, function: "finance").status == 201)
            let before = canonical(try f.object("/v1/gate-reviews/\(reviewID)"))
            let quiet = try NothingWritten(f)
            for (function, decision, comment) in [("finance", "approve", nil), ("risk", "approve", nil), ("finance", "reject", "No")] {
                let again = try f.decide(reviewID, key: dual.key, function: function, decision: decision, comment: comment)
                #expect(again.status == 409, "\(function) \(decision): \(again.bodyText)")
                #expect(again.problemSlug == "conflict")
            }
            try quiet.check()
            let review = try f.object("/v1/gate-reviews/\(reviewID)")
            #expect(canonical(review) == before)
            #expect(GateFixtures.approvals(review) == ["finance": 1, "risk": 0, "security": 0])
            #expect((review["decisions"] as? [Any])?.count == 1)
        }

        @Test("reject and request_changes need a non-blank comment (422 /comment); reject closes the review as rejected")
        func commentRequiredAndReject() throws {
            let app = try TestApp()
            let f = GateFixtures(app: app)
            let (podID, member) = try f.pod()
            let finance = try f.approver("finance")
            let other = try f.approver("finance")
            let useCaseID = try f.useCase(podID: podID, key: member.key)
            let reviewID = try #require(try f.requestReview(useCaseID, key: member.key, target: "pilot").object["id"] as? String)
            let before = canonical(try f.object("/v1/gate-reviews/\(reviewID)"))
            let quiet = try NothingWritten(f)
            for (decision, comment) in [("reject", nil), ("reject", "   "), ("request_changes", nil), ("request_changes", "")]
                as [(String, String?)]
            {
                let refused = try f.decide(reviewID, key: finance.key, function: "finance", decision: decision, comment: comment)
                #expect(refused.status == 422, "\(decision) \(comment ?? "nil"): \(refused.bodyText)")
                #expect(refused.problemSlug == "validation-failed")
                #expect(refused.pointers == ["/comment"])
            }
            let nullComment = try app.call(
                "POST", "/v1/gate-reviews/\(reviewID)/decisions", key: finance.key,
                json: #"{"function": "finance", "decision": "reject", "comment": null}"#)
            #expect(nullComment.status == 422)
            #expect(nullComment.pointers == ["/comment"])
            try quiet.check()
            #expect(canonical(try f.object("/v1/gate-reviews/\(reviewID)")) == before)

            let start = try f.lastSeq()
            let rejected = try f.decide(reviewID, key: finance.key, function: "finance", decision: "reject", comment: "Payback too slow")
            #expect(rejected.status == 201, "\(rejected.bodyText)")
            #expect(rejected.object["decision"] as? String == "reject")
            #expect(rejected.object["comment"] as? String == "Payback too slow")
            #expect(rejected.object["counted"] as? Bool == true)
            #expect(rejected.object["gate_review_id"] as? String == reviewID)
            let review = try f.object("/v1/gate-reviews/\(reviewID)")
            #expect(review["status"] as? String == "rejected")
            #expect(review["closed_at"] is String)
            #expect(try f.eventTypes(after: start) == ["gate_review.decision_recorded", "gate_review.rejected"])
            let useCase = try f.object("/v1/use-cases/\(useCaseID)")
            #expect(useCase["stage"] as? String == "proposed")
            #expect(useCase["approved_funding_cents"] as? Int == 0)

            let late = try f.decide(reviewID, key: other.key, function: "finance")
            #expect(late.status == 409)
            #expect(late.problemSlug == "invalid-state")
            #expect(try f.requestReview(useCaseID, key: member.key, target: "pilot").status == 201, "rejected is terminal, not open")
            #expect(try f.audit().valid)
        }

        @Test("snapshot_hash binds a decision: a different one is 409 conflict, the current one is 201 and stored")
        func snapshotHash() throws {
            let app = try TestApp()
            let f = GateFixtures(app: app)
            let (podID, member) = try f.pod()
            let finance = try f.approver("finance")
            let useCaseID = try f.useCase(podID: podID, key: member.key)
            let requested = try f.requestReview(useCaseID, key: member.key, target: "pilot")
            let reviewID = try #require(requested.object["id"] as? String)
            let hash = try #require(requested.object["snapshot_hash"] as? String)
            #expect(hash.count == 64 && hash.allSatisfy { "0123456789abcdef".contains($0) }, "lowercase hex SHA-256: \(hash)")
            let before = canonical(try f.object("/v1/gate-reviews/\(reviewID)"))
            let quiet = try NothingWritten(f)
            let stale = try f.decide(reviewID, key: finance.key, function: "finance", hash: String(repeating: "0", count: 64))
            #expect(stale.status == 409, "\(stale.bodyText)")
            #expect(stale.problemSlug == "conflict")
            try quiet.check()
            #expect(canonical(try f.object("/v1/gate-reviews/\(reviewID)")) == before)
            let matching = try f.decide(reviewID, key: finance.key, function: "finance", hash: hash)
            #expect(matching.status == 201, "\(matching.bodyText)")
            #expect(matching.object["snapshot_hash"] as? String == hash)
            #expect((matching.object["gate_review"] as? [String: Any])?["status"] as? String == "approved")
        }

        @Test("decisions on a review that is not pending are 409 invalid-state and change nothing")
        func decisionsOnNonPendingReviews() throws {
            let app = try TestApp()
            let f = GateFixtures(app: app)
            let (podID, member) = try f.pod()
            let finance = try f.approver("finance")
            let late = try f.approver("finance")

            let approvedCase = try f.useCase(podID: podID, key: member.key)
            let approvedID = try f.passGate(approvedCase, key: member.key, target: "pilot", approvers: [("finance", finance.key)])
            let withdrawnCase = try f.useCase(podID: podID, key: member.key)
            let withdrawnID = try #require(try f.requestReview(withdrawnCase, key: member.key, target: "pilot").object["id"] as? String)
            #expect(try app.call("POST", "/v1/gate-reviews/\(withdrawnID)/withdraw", key: member.key).status == 200)
            let changesCase = try f.useCase(podID: podID, key: member.key)
            let changesID = try #require(try f.requestReview(changesCase, key: member.key, target: "pilot").object["id"] as? String)
            #expect(
                try f.decide(changesID, key: finance.key, function: "finance", decision: "request_changes", comment: "More data").status
                    == 201)

            let quiet = try NothingWritten(f)
            for (status, reviewID) in [("approved", approvedID), ("withdrawn", withdrawnID), ("changes_requested", changesID)] {
                let before = canonical(try f.object("/v1/gate-reviews/\(reviewID)"))
                #expect(try f.object("/v1/gate-reviews/\(reviewID)")["status"] as? String == status)
                let refused = try f.decide(reviewID, key: late.key, function: "finance")
                #expect(refused.status == 409, "\(status): \(refused.bodyText)")
                #expect(refused.problemSlug == "invalid-state", "\(status)")
                #expect(canonical(try f.object("/v1/gate-reviews/\(reviewID)")) == before)
            }
            try quiet.check()
            #expect(try f.object("/v1/use-cases/\(approvedCase)")["approved_funding_cents"] as? Int == 1_000_000)
        }

        @Test("concurrent final approvals on two server instances move the stage and add the funding exactly once")
        func concurrentFinalApprovals() throws {
            let app = try TestApp()
            let second = try TestApp.sharing(app)
            let f = GateFixtures(app: app)
            let (podID, member) = try f.pod()
            let finance = try f.approver("finance")
            let risk = try f.approver("risk")
            for round in 0..<3 {
                let useCaseID = try f.useCase(podID: podID, key: member.key)
                try f.passGate(useCaseID, key: member.key, target: "pilot", funding: 1_000_000, approvers: [("finance", finance.key)])
                let reviewID = try #require(
                    try f.requestReview(useCaseID, key: member.key, target: "production", funding: 2_000_000).object["id"] as? String)
                #expect(try f.decide(reviewID, key: finance.key, function: "finance").status == 201)
                #expect(try f.decide(reviewID, key: risk.key, function: "risk").status == 201)
                let securities = [try f.approver("security"), try f.approver("security")]
                let start = try f.lastSeq()
                let statuses = Locked<[Int]>([])
                let threads = [(app, securities[0].key), (second, securities[1].key)].map { instance, key in
                    TestThread.start {
                        let response = try? instance.call(
                            "POST", "/v1/gate-reviews/\(reviewID)/decisions", key: key,
                            json: #"{"function": "security", "decision": "approve"}"#)
                        statuses.withLock { $0.append(response?.status ?? 0) }
                    }
                }
                #expect(threads.allSatisfy { $0.join(within: .seconds(30)) })
                #expect(statuses.withLock { $0.sorted() } == [201, 409], "round \(round): one completes, the other finds it approved")
                let types = try f.eventTypes(after: start)
                #expect(types.filter { $0 == "gate_review.approved" }.count == 1, "round \(round): \(types)")
                #expect(types.filter { $0 == "use_case.stage_changed" }.count == 1)
                #expect(types.filter { $0 == "funding.approved" }.count == 1)
                let useCase = try f.object("/v1/use-cases/\(useCaseID)")
                #expect(useCase["stage"] as? String == "production")
                #expect(useCase["approved_funding_cents"] as? Int == 3_000_000)
            }
            #expect(try f.audit().valid)
        }

        // MARK: Changes requested, resubmit, withdraw

        @Test("request_changes -> changes_requested -> resubmit: a new round, old decisions counted:false, the approver may decide again")
        func requestChangesAndResubmit() throws {
            let app = try TestApp()
            let f = GateFixtures(app: app)
            let (podID, member) = try f.pod()
            let finance = try f.approver("finance")
            let useCaseID = try f.useCase(podID: podID, key: member.key)
            let requested = try f.requestReview(useCaseID, key: member.key, target: "pilot")
            let reviewID = try #require(requested.object["id"] as? String)
            let firstHash = try #require(requested.object["snapshot_hash"] as? String)

            let quietPending = try NothingWritten(f)
            let early = try app.call("POST", "/v1/gate-reviews/\(reviewID)/resubmit", key: member.key)
            #expect(early.status == 409, "resubmit from pending: \(early.bodyText)")
            #expect(early.problemSlug == "invalid-state")
            try quietPending.check()

            var start = try f.lastSeq()
            let changes = try f.decide(
                reviewID, key: finance.key, function: "finance", decision: "request_changes", comment: "Lower the cost")
            #expect(changes.status == 201, "\(changes.bodyText)")
            #expect((changes.object["gate_review"] as? [String: Any])?["status"] as? String == "changes_requested")
            #expect(try f.eventTypes(after: start) == ["gate_review.decision_recorded", "gate_review.changes_requested"])

            // The estimates change while changes are requested: no reset (only pending reviews are reset).
            start = try f.lastSeq()
            let patched = try f.patchUseCase(useCaseID, key: member.key, json: #"{"estimates": {"monthly_infra_cost_cents": 80000}}"#)
            #expect(patched.status == 200, "\(patched.bodyText)")
            #expect(try f.eventTypes(after: start) == ["use_case.updated"])

            let quiet = try NothingWritten(f)
            for (who, key) in [("an outsider", finance.key), ("the admin", TestApp.adminKey)] {
                let refused = try app.call("POST", "/v1/gate-reviews/\(reviewID)/resubmit", key: key)
                #expect(refused.status == 403, "\(who): \(refused.bodyText)")
                #expect(refused.problemSlug == "forbidden")
            }
            try quiet.check()

            start = try f.lastSeq()
            let resubmitted = try app.call("POST", "/v1/gate-reviews/\(reviewID)/resubmit", key: member.key, json: "{}")
            #expect(resubmitted.status == 200, "\(resubmitted.bodyText)")
            #expect(resubmitted.object["status"] as? String == "pending")
            #expect(resubmitted.object["snapshot_hash"] as? String != firstHash, "re-evaluated with today's estimates")
            let snapshot = resubmitted.object["snapshot"] as? [String: Any]
            #expect((snapshot?["estimates"] as? [String: Any])?["monthly_infra_cost_cents"] as? Int == 80_000)
            #expect(GateFixtures.approvals(resubmitted.object) == ["finance": 0])
            let decisions = resubmitted.object["decisions"] as? [[String: Any]] ?? []
            #expect(decisions.map { $0["counted"] as? Bool } == [false])
            #expect(try f.eventTypes(after: start) == ["gate_review.resubmitted"])
            #expect((resubmitted.object["expires_at"] as? String ?? "") >= (requested.object["expires_at"] as? String ?? "~"))

            let again = try app.call("POST", "/v1/gate-reviews/\(reviewID)/resubmit", key: member.key)
            #expect(again.status == 409, "pending again: resubmit is refused")
            #expect(again.problemSlug == "invalid-state")

            let approved = try f.decide(reviewID, key: finance.key, function: "finance")
            #expect(approved.status == 201, "the same approver decides again in the new round: \(approved.bodyText)")
            let review = try f.object("/v1/gate-reviews/\(reviewID)")
            #expect(review["status"] as? String == "approved")
            #expect((review["decisions"] as? [[String: Any]] ?? []).map { $0["counted"] as? Bool } == [false, true])
            #expect(try f.object("/v1/use-cases/\(useCaseID)")["stage"] as? String == "pilot")
            #expect(try f.audit().valid)
        }

        @Test("withdraw by a pod member or the admin; a second withdraw is 409 invalid-state; outsiders 403")
        func withdraw() throws {
            let app = try TestApp()
            let f = GateFixtures(app: app)
            let (podID, member) = try f.pod()
            let finance = try f.approver("finance")
            let first = try f.useCase(podID: podID, key: member.key)
            let second = try f.useCase(podID: podID, key: member.key)
            let firstID = try #require(try f.requestReview(first, key: member.key, target: "pilot").object["id"] as? String)
            let secondID = try #require(try f.requestReview(second, key: member.key, target: "pilot").object["id"] as? String)

            var quiet = try NothingWritten(f)
            let outsider = try app.call("POST", "/v1/gate-reviews/\(firstID)/withdraw", key: finance.key)
            #expect(outsider.status == 403)
            #expect(outsider.problemSlug == "forbidden")
            try quiet.check()

            var start = try f.lastSeq()
            let byMember = try app.call("POST", "/v1/gate-reviews/\(firstID)/withdraw", key: member.key)
            #expect(byMember.status == 200, "\(byMember.bodyText)")
            #expect(byMember.object["status"] as? String == "withdrawn")
            #expect(byMember.object["closed_at"] is String)
            #expect(try f.eventTypes(after: start) == ["gate_review.withdrawn"])

            // The admin withdraws a review with changes requested.
            #expect(
                try f.decide(secondID, key: finance.key, function: "finance", decision: "request_changes", comment: "Why?").status == 201)
            start = try f.lastSeq()
            let byAdmin = try app.call("POST", "/v1/gate-reviews/\(secondID)/withdraw", json: "{}")
            #expect(byAdmin.status == 200, "\(byAdmin.bodyText)")
            #expect(byAdmin.object["status"] as? String == "withdrawn")
            #expect(try f.eventTypes(after: start) == ["gate_review.withdrawn"])

            quiet = try NothingWritten(f)
            for reviewID in [firstID, secondID] {
                let twice = try app.call("POST", "/v1/gate-reviews/\(reviewID)/withdraw", key: member.key)
                #expect(twice.status == 409)
                #expect(twice.problemSlug == "invalid-state")
            }
            try quiet.check()
            #expect(try f.object("/v1/gate-reviews/\(firstID)")["status"] as? String == "withdrawn")
            #expect(try f.audit().valid)
        }

        // MARK: Changes to the use case under review

        @Test("a PATCH of estimates or classification while pending resets the review: new hash, approvals 0, events in order")
        func patchResetsApprovals() throws {
            let app = try TestApp()
            let f = GateFixtures(app: app)
            let (podID, member) = try f.pod()
            let finance = try f.approver("finance")
            let risk = try f.approver("risk")
            let useCaseID = try f.useCase(podID: podID, key: member.key)
            try f.passGate(useCaseID, key: member.key, target: "pilot", approvers: [("finance", finance.key)])
            let requested = try f.requestReview(useCaseID, key: member.key, target: "production")
            let reviewID = try #require(requested.object["id"] as? String)
            let firstHash = try #require(requested.object["snapshot_hash"] as? String)
            #expect(try f.decide(reviewID, key: finance.key, function: "finance").status == 201)
            #expect(try f.decide(reviewID, key: risk.key, function: "risk").status == 201)
            #expect(GateFixtures.approvals(try f.object("/v1/gate-reviews/\(reviewID)")) == ["finance": 1, "risk": 1, "security": 0])

            // A PATCH without If-Match is refused before anything happens.
            let noIfMatch = try app.call("PATCH", "/v1/use-cases/\(useCaseID)", key: member.key, json: #"{"title": "x"}"#)
            #expect(noIfMatch.status == 428)

            var start = try f.lastSeq()
            let patched = try f.patchUseCase(
                useCaseID, key: member.key, json: #"{"estimates": {"expected_annual_benefit_cents": 13000000}}"#)
            #expect(patched.status == 200, "\(patched.bodyText)")
            #expect(try f.eventTypes(after: start) == ["use_case.updated", "gate_review.approvals_reset"])
            var review = try f.object("/v1/gate-reviews/\(reviewID)")
            let secondHash = try #require(review["snapshot_hash"] as? String)
            #expect(secondHash != firstHash)
            #expect(review["status"] as? String == "pending")
            #expect(GateFixtures.approvals(review) == ["finance": 0, "risk": 0, "security": 0])
            #expect((review["decisions"] as? [[String: Any]] ?? []).map { $0["counted"] as? Bool } == [false, false])
            #expect(
                ((review["snapshot"] as? [String: Any])?["estimates"] as? [String: Any])?["expected_annual_benefit_cents"] as? Int
                    == 13_000_000)

            #expect(try f.ids("/v1/gate-reviews?function=finance&status=pending") == [reviewID], "back in the finance queue")
            #expect(try f.ids("/v1/gate-reviews?function=risk&status=pending") == [reviewID], "back in the risk queue")
            let stale = try f.decide(reviewID, key: finance.key, function: "finance", hash: firstHash)
            #expect(stale.status == 409, "the approver read the old snapshot: \(stale.bodyText)")
            #expect(stale.problemSlug == "conflict")
            #expect(try f.decide(reviewID, key: finance.key, function: "finance", hash: secondHash).status == 201, "a new round")

            // Classification: restricted data adds legal to the production gate.
            start = try f.lastSeq()
            #expect(try f.patchUseCase(useCaseID, key: member.key, json: #"{"data_classification": "restricted"}"#).status == 200)
            #expect(try f.eventTypes(after: start) == ["use_case.updated", "gate_review.approvals_reset"])
            review = try f.object("/v1/gate-reviews/\(reviewID)")
            #expect(GateFixtures.approvals(review) == ["finance": 0, "risk": 0, "security": 0, "legal": 0])
            #expect(review["snapshot_hash"] as? String != secondHash)

            // Estimates that fail a criterion end the review as criteria_failed.
            start = try f.lastSeq()
            #expect(
                try f.patchUseCase(useCaseID, key: member.key, json: #"{"estimates": {"expected_annual_benefit_cents": 0}}"#).status == 200)
            #expect(try f.eventTypes(after: start) == ["use_case.updated", "gate_review.approvals_reset", "gate_review.criteria_failed"])
            review = try f.object("/v1/gate-reviews/\(reviewID)")
            #expect(review["status"] as? String == "criteria_failed")
            #expect(try f.object("/v1/use-cases/\(useCaseID)")["stage"] as? String == "pilot")
            #expect(try f.audit().valid)
        }

        @Test("a PATCH of title or summary while pending does not reset the review")
        func patchTitleDoesNotReset() throws {
            let app = try TestApp()
            let f = GateFixtures(app: app)
            let (podID, member) = try f.pod()
            let finance = try f.approver("finance")
            let useCaseID = try f.useCase(podID: podID, key: member.key)
            try f.passGate(useCaseID, key: member.key, target: "pilot", approvers: [("finance", finance.key)])
            let reviewID = try #require(try f.requestReview(useCaseID, key: member.key, target: "production").object["id"] as? String)
            #expect(try f.decide(reviewID, key: finance.key, function: "finance").status == 201)
            let before = canonical(try f.object("/v1/gate-reviews/\(reviewID)"))
            let start = try f.lastSeq()
            let patched = try f.patchUseCase(
                useCaseID, key: member.key, json: #"{"title": "Invoice triage v2", "summary": "Now with OCR"}"#)
            #expect(patched.status == 200, "\(patched.bodyText)")
            #expect(try f.eventTypes(after: start) == ["use_case.updated"])
            let review = try f.object("/v1/gate-reviews/\(reviewID)")
            #expect(canonical(review) == before)
            #expect(GateFixtures.approvals(review)["finance"] == 1)
        }

        @Test("retiring a use case withdraws its open review: gate_review.withdrawn before use_case.retired")
        func retireWithdrawsOpenReview() throws {
            let app = try TestApp()
            let f = GateFixtures(app: app)
            let (podID, member) = try f.pod()
            let finance = try f.approver("finance")
            let useCaseID = try f.useCase(podID: podID, key: member.key)
            let reviewID = try #require(try f.requestReview(useCaseID, key: member.key, target: "pilot").object["id"] as? String)
            let start = try f.lastSeq()
            let retired = try app.call("POST", "/v1/use-cases/\(useCaseID)/retire", key: member.key, json: #"{"reason": "Dropped"}"#)
            #expect(retired.status == 200, "\(retired.bodyText)")
            #expect(try f.eventTypes(after: start) == ["gate_review.withdrawn", "use_case.retired"])
            let review = try f.object("/v1/gate-reviews/\(reviewID)")
            #expect(review["status"] as? String == "withdrawn")
            #expect(review["closed_at"] is String)
            let quiet = try NothingWritten(f)
            let decided = try f.decide(reviewID, key: finance.key, function: "finance")
            #expect(decided.status == 409)
            #expect(decided.problemSlug == "invalid-state")
            try quiet.check()
            #expect(try f.object("/v1/use-cases/\(useCaseID)")["stage"] as? String == "retired")

            // An open review with changes requested is withdrawn too.
            let other = try f.useCase(podID: podID, key: member.key)
            let otherReview = try #require(try f.requestReview(other, key: member.key, target: "pilot").object["id"] as? String)
            #expect(
                try f.decide(otherReview, key: finance.key, function: "finance", decision: "request_changes", comment: "Why?").status == 201
            )
            let otherStart = try f.lastSeq()
            #expect(try app.call("POST", "/v1/use-cases/\(other)/retire", json: #"{"reason": "Admin cleanup"}"#).status == 200)
            #expect(try f.eventTypes(after: otherStart) == ["gate_review.withdrawn", "use_case.retired"])
            #expect(try f.object("/v1/gate-reviews/\(otherReview)")["status"] as? String == "withdrawn")
            #expect(try f.audit().valid)
        }

        // MARK: Expiry

        @Test("a pending review past expires_at reads expired before the sweep, refuses decisions, and the sweep announces it once")
        func expiry() throws {
            let app = try TestApp()
            let f = GateFixtures(app: app)
            let (podID, member) = try f.pod()
            let finance = try f.approver("finance")
            let useCaseID = try f.useCase(podID: podID, key: member.key)
            let requested = try f.requestReview(useCaseID, key: member.key, target: "pilot")
            let reviewID = try #require(requested.object["id"] as? String)
            // Seeded TTL 30 days: expires_at is 30 days after created_at.
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            let created = try #require((requested.object["created_at"] as? String).flatMap(formatter.date(from:)))
            let expires = try #require((requested.object["expires_at"] as? String).flatMap(formatter.date(from:)))
            #expect(abs(expires.timeIntervalSince(created) - 30 * 86_400) < 1, "\(created) -> \(expires)")

            let connection = try app.databaseConnection()
            defer { connection.close() }
            try connection.query("UPDATE gate_reviews SET expires_at = now() - interval '1 second' WHERE id = \(reviewID)")

            let quiet = try NothingWritten(f)
            let read = try f.object("/v1/gate-reviews/\(reviewID)")
            #expect(read["status"] as? String == "expired", "reads as expired before the sweep")
            #expect(read["closed_at"] is String)
            #expect(try f.ids("/v1/gate-reviews?status=expired") == [reviewID])
            #expect(try f.ids("/v1/gate-reviews?status=pending").isEmpty)
            #expect(try f.ids("/v1/gate-reviews?function=finance&status=pending").isEmpty, "an expired review leaves the queue")
            #expect(try f.items("/v1/use-cases/\(useCaseID)/gate-reviews").first?["status"] as? String == "expired")
            let decided = try f.decide(reviewID, key: finance.key, function: "finance")
            #expect(decided.status == 409, "\(decided.bodyText)")
            #expect(decided.problemSlug == "invalid-state")
            for action in ["withdraw", "resubmit"] {
                let refused = try app.call("POST", "/v1/gate-reviews/\(reviewID)/\(action)", key: member.key)
                #expect(refused.status == 409, "\(action) of an expired review: \(refused.bodyText)")
                #expect(refused.problemSlug == "invalid-state", "\(action)")
            }
            try quiet.check()
            #expect(try f.object("/v1/use-cases/\(useCaseID)")["stage"] as? String == "proposed")
            #expect((try f.object("/v1/gate-reviews/\(reviewID)")["decisions"] as? [Any])?.isEmpty == true)

            let start = try f.lastSeq()
            let swept = app.app.expireDueReviews() + app.app.expireDueReviews()
            #expect(swept <= 1)
            #expect(try f.eventTypes(after: start) == ["gate_review.expired"], "announced exactly once")
            #expect(try f.object("/v1/gate-reviews/\(reviewID)")["status"] as? String == "expired")
            let stored = try connection.query("SELECT status FROM gate_reviews WHERE id = \(reviewID)")
            #expect(try stored.first?.decode("status", as: String.self) == "expired", "the sweep wrote it down")

            let next = try f.requestReview(useCaseID, key: member.key, target: "pilot")
            #expect(next.status == 201, "\(next.bodyText)")
            #expect(next.object["status"] as? String == "pending")
            #expect(try f.audit().valid)
        }

        @Test("an expired pending review does not block a new request: it is expired on the spot, then the new one requested")
        func expiredOnTheSpot() throws {
            let app = try TestApp()
            let f = GateFixtures(app: app)
            let (podID, member) = try f.pod()
            let useCaseID = try f.useCase(podID: podID, key: member.key)
            let reviewID = try #require(try f.requestReview(useCaseID, key: member.key, target: "pilot").object["id"] as? String)
            let connection = try app.databaseConnection()
            defer { connection.close() }
            try connection.query("UPDATE gate_reviews SET expires_at = now() - interval '1 second' WHERE id = \(reviewID)")
            let start = try f.lastSeq()
            let next = try f.requestReview(useCaseID, key: member.key, target: "pilot")
            #expect(next.status == 201, "\(next.bodyText)")
            #expect(try f.eventTypes(after: start) == ["gate_review.expired", "gate_review.requested"])
            let afterSweep = try f.lastSeq()
            _ = app.app.expireDueReviews()
            #expect(try f.eventTypes(after: afterSweep) == [], "not announced twice")
            let statuses = try f.items("/v1/use-cases/\(useCaseID)/gate-reviews").map { $0["status"] as? String }
            #expect(statuses == ["pending", "expired"])
            #expect(try f.audit().valid)
        }

        // MARK: Lists and queues

        @Test("approver queues list pending reviews still short of the function; they move as approvals arrive")
        func approverQueues() throws {
            let app = try TestApp()
            let f = GateFixtures(app: app)
            let (podID, member) = try f.pod()
            let finance = try f.approver("finance")
            let otherFinance = try f.approver("finance")

            // B reaches pilot first; then A asks for pilot, B for production, C fails its pilot criteria.
            let caseB = try f.useCase(podID: podID, key: member.key)
            let pilotB = try f.passGate(caseB, key: member.key, target: "pilot", approvers: [("finance", finance.key)])
            let caseA = try f.useCase(podID: podID, key: member.key)
            let pilotA = try #require(try f.requestReview(caseA, key: member.key, target: "pilot").object["id"] as? String)
            let productionB = try #require(try f.requestReview(caseB, key: member.key, target: "production").object["id"] as? String)
            let caseC = try f.useCase(podID: podID, key: member.key, riskTier: "unacceptable")
            let failedC = try #require(try f.requestReview(caseC, key: member.key, target: "pilot").object["id"] as? String)

            #expect(try f.ids("/v1/gate-reviews?function=finance&status=pending") == [productionB, pilotA])
            #expect(try f.ids("/v1/gate-reviews?function=finance") == [productionB, pilotA], "a queue holds pending reviews only")
            #expect(try f.ids("/v1/gate-reviews?function=risk&status=pending") == [productionB])
            #expect(try f.ids("/v1/gate-reviews?function=security&status=pending") == [productionB])
            #expect(try f.ids("/v1/gate-reviews?function=legal&status=pending").isEmpty)
            #expect(try f.ids("/v1/gate-reviews?function=executive").isEmpty)

            #expect(try f.decide(productionB, key: otherFinance.key, function: "finance").status == 201)
            #expect(try f.ids("/v1/gate-reviews?function=finance&status=pending") == [pilotA], "finance is done with B")
            #expect(try f.ids("/v1/gate-reviews?function=risk&status=pending") == [productionB], "B still needs risk")
            #expect(try f.ids("/v1/gate-reviews?function=security&status=pending") == [productionB])

            // Status and use case filters, newest first.
            #expect(try f.ids("/v1/gate-reviews") == [failedC, productionB, pilotA, pilotB])
            #expect(try f.ids("/v1/gate-reviews?status=pending") == [productionB, pilotA])
            #expect(try f.ids("/v1/gate-reviews?status=approved") == [pilotB])
            #expect(try f.ids("/v1/gate-reviews?status=criteria_failed") == [failedC])
            #expect(try f.ids("/v1/gate-reviews?status=rejected").isEmpty)
            #expect(try f.ids("/v1/gate-reviews?use_case_id=\(caseB)") == [productionB, pilotB])
            #expect(try f.ids("/v1/gate-reviews?use_case_id=\(caseB)&status=approved") == [pilotB])
            #expect(try f.ids("/v1/use-cases/\(caseB)/gate-reviews") == [productionB, pilotB])
            #expect(try f.ids("/v1/use-cases/\(caseA)/gate-reviews") == [pilotA])

            // Paging: limit 1 walks the same order.
            let firstPage = try app.call("GET", "/v1/gate-reviews?status=pending&limit=1")
            #expect((firstPage.object["items"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == [productionB])
            let cursor = try #require(firstPage.object["next_cursor"] as? String)
            #expect(try f.ids("/v1/gate-reviews?status=pending&limit=1&cursor=\(cursor)") == [pilotA])
        }

        @Test("bad filter values are 400 malformed-request; an unknown use case's review list is 404")
        func badFilters() throws {
            let app = try TestApp()
            for query in ["status=open", "status=PENDING", "function=ceo", "use_case_id=pod_123", "use_case_id=nonsense"] {
                let refused = try app.call("GET", "/v1/gate-reviews?\(query)")
                #expect(refused.status == 400, "\(query): \(refused.bodyText)")
                #expect(refused.problemSlug == "malformed-request", "\(query)")
            }
            #expect(try app.call("GET", "/v1/use-cases/uc_0000000000000000000000/gate-reviews").status == 404)
            #expect(try app.call("GET", "/v1/gate-reviews/gr_0000000000000000000000").status == 404)
        }

        // MARK: Evaluation

        @Test("the evaluation endpoint writes nothing and says what a review then records (same snapshot_hash)")
        func evaluationHasNoSideEffect() throws {
            let app = try TestApp()
            let f = GateFixtures(app: app)
            let (podID, member) = try f.pod()
            let useCaseID = try f.useCase(podID: podID, key: member.key, riskTier: "high")
            let quiet = try NothingWritten(f)
            let evaluation = try app.call("GET", "/v1/use-cases/\(useCaseID)/evaluation", key: member.key)
            #expect(evaluation.status == 200, "\(evaluation.bodyText)")
            #expect(evaluation.object["use_case_id"] as? String == useCaseID)
            #expect(evaluation.object["target_stage"] as? String == "pilot", "the next stage by default")
            #expect(evaluation.object["policy_version"] as? Int == 1)
            #expect(GateFixtures.requiredMins(evaluation.object) == ["finance": 1, "risk": 1], "high risk: the pilot gate needs risk too")
            let explicit = try app.call("GET", "/v1/use-cases/\(useCaseID)/evaluation?target_stage=pilot")
            #expect(explicit.object["snapshot_hash"] as? String == evaluation.object["snapshot_hash"] as? String)
            let production = try app.call("GET", "/v1/use-cases/\(useCaseID)/evaluation?target_stage=production")
            #expect(production.status == 200)
            #expect(
                ((production.object["evaluation"] as? [String: Any])?["criteria"] as? [[String: Any]] ?? []).map { $0["name"] as? String }
                    == [
                        "min_roi_pct", "max_payback_months", "min_npv_cents", "min_usage_months", "forbidden_risk_tiers",
                    ])
            try quiet.check()
            #expect(try f.items("/v1/use-cases/\(useCaseID)/gate-reviews").isEmpty)

            let review = try f.requestReview(useCaseID, key: member.key, target: "pilot").object
            #expect(review["snapshot_hash"] as? String == evaluation.object["snapshot_hash"] as? String)
            #expect(review["policy_version"] as? Int == 1)
            #expect(canonical(review["evaluation"]) == canonical(evaluation.object["evaluation"]))
            #expect(GateFixtures.requiredMins(review) == GateFixtures.requiredMins(evaluation.object))

            for bad in ["proposed", "retired", "nonsense"] {
                let refused = try app.call("GET", "/v1/use-cases/\(useCaseID)/evaluation?target_stage=\(bad)")
                #expect(refused.status == 400, "\(bad): \(refused.bodyText)")
            }
            #expect(try app.call("GET", "/v1/use-cases/uc_0000000000000000000000/evaluation").status == 404)
            let retiredCase = try f.useCase(podID: podID, key: member.key)
            #expect(try app.call("POST", "/v1/use-cases/\(retiredCase)/retire", key: member.key, json: #"{"reason": "x"}"#).status == 200)
            let noNext = try app.call("GET", "/v1/use-cases/\(retiredCase)/evaluation")
            #expect(noNext.status == 409, "\(noNext.bodyText)")
            #expect(noNext.problemSlug == "invalid-state")
            #expect(try f.audit().valid)
        }
    }
}
