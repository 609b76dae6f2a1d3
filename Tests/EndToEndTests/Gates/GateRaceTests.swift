import Foundation
import TestSupport
import Testing

/// Holds threads until all have arrived, then lets them go together.
final class StartingLine: @unchecked Sendable {  // state guarded by `condition`
    private let condition = NSCondition()
    private var waiting: Int

    init(parties: Int) { waiting = parties }

    func arriveAndWait() {
        condition.lock()
        waiting -= 1
        if waiting == 0 {
            condition.broadcast()
        } else {
            while waiting > 0 { condition.wait() }
        }
        condition.unlock()
    }
}

/// Sends `first` and `second` from two threads released at the same moment; returns both answers.
func race(
    _ first: @escaping @Sendable () throws -> ParsedResponse, _ second: @escaping @Sendable () throws -> ParsedResponse
) throws -> (ParsedResponse, ParsedResponse) {
    let line = StartingLine(parties: 2)
    let results = Locked<[Int: Result<ParsedResponse, any Error>]>([:])
    let threads = [first, second].enumerated().map { index, request in
        TestThread.start {
            line.arriveAndWait()
            let result = Result { try request() }
            results.withLock { $0[index] = result }
        }
    }
    guard threads.allSatisfy({ $0.join(within: .seconds(30)) }) else { throw ClientError("a racing request did not finish") }
    let answers = results.withLock { $0 }
    return (try answers[0]!.get(), try answers[1]!.get())
}

/// Whether `event` is about the use case `useCaseID` (directly, or through its review or report).
private func concerns(_ event: [String: Any], _ useCaseID: String) -> Bool {
    let data = event["data"] as? [String: Any] ?? [:]
    return (data["use_case"] as? [String: Any])?["id"] as? String == useCaseID
        || (data["gate_review"] as? [String: Any])?["use_case_id"] as? String == useCaseID
        || (data["usage_report"] as? [String: Any])?["use_case_id"] as? String == useCaseID
}

/// Counts events by type.
private func tally(_ events: [[String: Any]]) -> [String: Int] {
    events.reduce(into: [:]) { $0[$1["type"] as? String ?? "?", default: 0] += 1 }
}

extension OneAtATime {
    @Suite("Gate races: one outcome each, and a valid audit chain")
    struct GateRaceTests {
        /// The events after `seq` about `useCaseID`, and the newest seq seen (to start the next round from).
        static func events(_ f: GateFixtures, after seq: Int, about useCaseID: String) throws -> ([[String: Any]], Int) {
            let events = try f.allEvents(after: seq)
            return (events.filter { concerns($0, useCaseID) }, events.last?["seq"] as? Int ?? seq)
        }

        @Test("finance and risk approving at once complete the review exactly once, on one instance or two (50 rounds)")
        func finalApprovalsRace() throws {
            let app = try TestApp()
            let other = try TestApp.sharing(app)
            let f = GateFixtures(app: app)
            let g = GateFixtures(app: other)
            let (podID, member) = try f.pod()
            let finance = try f.principal("Fiona Finance", functions: ["finance"])
            let risk = try f.principal("Rick Risk", functions: ["risk"])
            var seq = try f.newestSeq()
            for round in 0..<50 {
                let funding = 1_000_000 + round
                let useCaseID = try f.useCase(podID: podID, key: member.key, riskTier: "high")
                let requested = try f.requestReview(useCaseID, key: member.key, target: "pilot", funding: funding)
                try #require(requested.status == 201 && requested.object["status"] as? String == "pending", "\(requested.bodyText)")
                let reviewID = try #require(requested.object["id"] as? String)
                let required = (requested.object["required"] as? [[String: Any]] ?? []).compactMap { $0["function"] as? String }
                try #require(Set(required) == ["finance", "risk"], "round \(round): \(required)")
                let riskSide = round % 2 == 0 ? g : f  // every other round, the risk approver reaches the second instance
                let (byFinance, byRisk) = try race(
                    { try f.decide(reviewID, key: finance.key, function: "finance") },
                    { try riskSide.decide(reviewID, key: risk.key, function: "risk") })
                #expect(byFinance.status == 201, "round \(round): \(byFinance.bodyText)")
                #expect(byRisk.status == 201, "round \(round): \(byRisk.bodyText)")
                let seen = [byFinance, byRisk].map { ($0.object["gate_review"] as? [String: Any])?["status"] as? String }
                #expect(seen.filter { $0 == "approved" }.count == 1, "round \(round): the later decision completes it: \(seen)")
                #expect(seen.filter { $0 == "pending" }.count == 1, "round \(round): \(seen)")

                let review = try app.call("GET", "/v1/gate-reviews/\(reviewID)").object
                #expect(review["status"] as? String == "approved", "round \(round)")
                let decisions = review["decisions"] as? [[String: Any]] ?? []
                #expect(decisions.count == 2 && decisions.allSatisfy { $0["counted"] as? Bool == true }, "round \(round)")
                let useCase = try app.call("GET", "/v1/use-cases/\(useCaseID)").object
                #expect(useCase["stage"] as? String == "pilot", "round \(round)")
                #expect(useCase["approved_funding_cents"] as? Int == funding, "round \(round): funded once, not twice")

                let (events, newest) = try Self.events(f, after: seq, about: useCaseID)
                seq = newest
                let counts = tally(events)
                #expect(counts["gate_review.decision_recorded"] == 2, "round \(round): \(counts)")
                #expect(counts["gate_review.approved"] == 1, "round \(round): \(counts)")
                #expect(counts["use_case.stage_changed"] == 1, "round \(round): \(counts)")
                #expect(counts["funding.approved"] == 1, "round \(round): \(counts)")
                let amounts = events.filter { $0["type"] as? String == "funding.approved" }.map {
                    ($0["data"] as? [String: Any])?["amount_cents"] as? Int
                }
                #expect(amounts == [funding], "round \(round)")
                #expect(try f.auditChainIsValid(), "round \(round)")
            }
            withExtendedLifetime(other) {}
        }

        @Test("two finance approvers racing on a review that needs one: one 201, one 409 invalid-state, funded once (20 rounds)")
        func sameFunctionRace() throws {
            let app = try TestApp()
            let other = try TestApp.sharing(app)
            let f = GateFixtures(app: app)
            let g = GateFixtures(app: other)
            let (podID, member) = try f.pod()
            let fiona = try f.principal("Fiona Finance", functions: ["finance"])
            let frank = try f.principal("Frank Finance", functions: ["finance"])
            var seq = try f.newestSeq()
            for round in 0..<20 {
                let funding = 2_000_000 + round
                let useCaseID = try f.useCase(podID: podID, key: member.key)
                let requested = try f.requestReview(useCaseID, key: member.key, target: "pilot", funding: funding)
                try #require(requested.status == 201 && requested.object["status"] as? String == "pending", "\(requested.bodyText)")
                let reviewID = try #require(requested.object["id"] as? String)
                let frankSide = round % 2 == 0 ? g : f
                let (a, b) = try race(
                    { try f.decide(reviewID, key: fiona.key, function: "finance") },
                    { try frankSide.decide(reviewID, key: frank.key, function: "finance") })
                #expect([a.status, b.status].sorted() == [201, 409], "round \(round): \(a.bodyText) / \(b.bodyText)")
                let loser = a.status == 409 ? a : b
                #expect(loser.problemSlug == "invalid-state", "round \(round): \(loser.bodyText)")

                let review = try app.call("GET", "/v1/gate-reviews/\(reviewID)").object
                #expect(review["status"] as? String == "approved", "round \(round)")
                #expect((review["decisions"] as? [Any])?.count == 1, "round \(round)")
                let useCase = try app.call("GET", "/v1/use-cases/\(useCaseID)").object
                #expect(useCase["stage"] as? String == "pilot", "round \(round)")
                #expect(useCase["approved_funding_cents"] as? Int == funding, "round \(round)")
                let (events, newest) = try Self.events(f, after: seq, about: useCaseID)
                seq = newest
                let counts = tally(events)
                #expect(counts["gate_review.decision_recorded"] == 1, "round \(round): \(counts)")
                #expect(counts["gate_review.approved"] == 1, "round \(round): \(counts)")
                #expect(counts["use_case.stage_changed"] == 1, "round \(round): \(counts)")
                #expect(counts["funding.approved"] == 1, "round \(round): \(counts)")
                #expect(try f.auditChainIsValid(), "round \(round)")
            }
            withExtendedLifetime(other) {}
        }

        @Test("a decision racing a PATCH that resets approvals: counted then reset, or refused as stale (20 rounds)")
        func decisionRacesReset() throws {
            let app = try TestApp()
            let f = GateFixtures(app: app)
            let (podID, member) = try f.pod()
            let finance = try f.principal("Fiona Finance", functions: ["finance"])
            var seq = try f.newestSeq()
            var outcomes: [String: Int] = [:]
            for round in 0..<20 {
                let useCaseID = try f.useCase(podID: podID, key: member.key, riskTier: "high")  // needs finance and risk
                let requested = try f.requestReview(useCaseID, key: member.key, target: "pilot")
                try #require(requested.status == 201 && requested.object["status"] as? String == "pending", "\(requested.bodyText)")
                let reviewID = try #require(requested.object["id"] as? String)
                let readHash = try #require(requested.object["snapshot_hash"] as? String)
                let tag = try #require(try app.call("GET", "/v1/use-cases/\(useCaseID)", key: member.key).header("ETag"))
                let (decision, patch) = try race(
                    { try f.decide(reviewID, key: finance.key, function: "finance", hash: readHash) },
                    {
                        try app.call(
                            "PATCH", "/v1/use-cases/\(useCaseID)", key: member.key,
                            json: #"{"estimates": {"monthly_infra_cost_cents": \#(100_001 + round)}}"#,
                            contentType: "application/merge-patch+json", headers: ["If-Match: \(tag)"])
                    })
                #expect(
                    patch.status == 200,
                    "round \(round): a decision that does not complete the review leaves the use case alone: \(patch.bodyText)")

                let review = try app.call("GET", "/v1/gate-reviews/\(reviewID)").object
                #expect(review["status"] as? String == "pending", "round \(round)")
                let newHash = review["snapshot_hash"] as? String
                #expect(newHash != nil && newHash != readHash, "round \(round): the PATCH re-evaluated the review")
                let approvals = (review["required"] as? [[String: Any]] ?? []).map { $0["approvals"] as? Int }
                #expect(approvals == [0, 0], "round \(round): a new round starts with no approvals: \(approvals)")
                let decisions = review["decisions"] as? [[String: Any]] ?? []
                let (events, newest) = try Self.events(f, after: seq, about: useCaseID)
                seq = newest
                let types = events.compactMap { $0["type"] as? String }.filter {
                    !["use_case.created", "gate_review.requested"].contains($0)
                }
                if decision.status == 201 {
                    outcomes["decision first", default: 0] += 1
                    #expect(decision.object["counted"] as? Bool == true, "round \(round)")
                    #expect(decisions.count == 1 && decisions.first?["counted"] as? Bool == false, "round \(round): \(decisions)")
                    #expect(decisions.first?["snapshot_hash"] as? String == readHash, "round \(round)")
                    #expect(
                        types == ["gate_review.decision_recorded", "use_case.updated", "gate_review.approvals_reset"],
                        "round \(round): \(types)")
                } else {
                    outcomes["reset first", default: 0] += 1
                    #expect(decision.status == 409 && decision.problemSlug == "conflict", "round \(round): \(decision.bodyText)")
                    #expect(decisions.isEmpty, "round \(round): \(decisions)")
                    #expect(types == ["use_case.updated", "gate_review.approvals_reset"], "round \(round): \(types)")
                }
                // Either way the approver can decide again on what is now under review.
                let again = try f.decide(reviewID, key: finance.key, function: "finance", hash: newHash)
                #expect(again.status == 201 && again.object["counted"] as? Bool == true, "round \(round): \(again.bodyText)")
                seq = try Self.events(f, after: seq, about: useCaseID).1
                #expect(try f.auditChainIsValid(), "round \(round)")
            }
            #expect(outcomes.values.reduce(0, +) == 20, "\(outcomes)")
        }

        @Test("a decision racing a withdraw: approved or withdrawn, never both; the stage moves only when approved (20 rounds)")
        func decisionRacesWithdraw() throws {
            let app = try TestApp()
            let other = try TestApp.sharing(app)
            let f = GateFixtures(app: app)
            let (podID, member) = try f.pod()
            let finance = try f.principal("Fiona Finance", functions: ["finance"])
            var seq = try f.newestSeq()
            for round in 0..<20 {
                let funding = 3_000_000 + round
                let useCaseID = try f.useCase(podID: podID, key: member.key)
                let requested = try f.requestReview(useCaseID, key: member.key, target: "pilot", funding: funding)
                try #require(requested.status == 201 && requested.object["status"] as? String == "pending", "\(requested.bodyText)")
                let reviewID = try #require(requested.object["id"] as? String)
                let withdrawSide = round % 2 == 0 ? other : app
                let (decision, withdraw) = try race(
                    { try f.decide(reviewID, key: finance.key, function: "finance") },
                    { try withdrawSide.call("POST", "/v1/gate-reviews/\(reviewID)/withdraw", key: member.key, json: "{}") })
                let review = try app.call("GET", "/v1/gate-reviews/\(reviewID)").object
                let useCase = try app.call("GET", "/v1/use-cases/\(useCaseID)").object
                let (events, newest) = try Self.events(f, after: seq, about: useCaseID)
                seq = newest
                let counts = tally(events)
                if decision.status == 201 {
                    #expect(withdraw.status == 409 && withdraw.problemSlug == "invalid-state", "round \(round): \(withdraw.bodyText)")
                    #expect(review["status"] as? String == "approved", "round \(round)")
                    #expect(useCase["stage"] as? String == "pilot", "round \(round)")
                    #expect(useCase["approved_funding_cents"] as? Int == funding, "round \(round)")
                    #expect(counts["gate_review.approved"] == 1 && counts["use_case.stage_changed"] == 1, "round \(round): \(counts)")
                    #expect(counts["funding.approved"] == 1 && counts["gate_review.withdrawn"] == nil, "round \(round): \(counts)")
                } else {
                    #expect(decision.status == 409 && decision.problemSlug == "invalid-state", "round \(round): \(decision.bodyText)")
                    #expect(withdraw.status == 200, "round \(round): \(withdraw.bodyText)")
                    #expect(review["status"] as? String == "withdrawn", "round \(round)")
                    #expect(useCase["stage"] as? String == "proposed", "round \(round)")
                    #expect(useCase["approved_funding_cents"] as? Int == 0, "round \(round)")
                    #expect(counts["gate_review.withdrawn"] == 1, "round \(round): \(counts)")
                    #expect(
                        counts["gate_review.approved"] == nil && counts["use_case.stage_changed"] == nil
                            && counts["funding.approved"] == nil,
                        "round \(round): \(counts)")
                }
                #expect(try f.auditChainIsValid(), "round \(round)")
            }
            withExtendedLifetime(other) {}
        }

        @Test("two usage reports crossing budget thresholds at once: one alert per threshold, spending the sum (20 rounds)")
        func usageReportsRace() throws {
            let app = try TestApp()
            let other = try TestApp.sharing(app)
            let f = GateFixtures(app: app)
            let g = GateFixtures(app: other)
            let (podID, member) = try f.pod()
            let finance = try f.principal("Fiona Finance", functions: ["finance"])
            var seq = try f.newestSeq()
            for round in 0..<20 {
                // Each report costs 153,615. Even rounds: each alone is 51 % of 300,000, both 102 %.
                // Odd rounds: each alone is 85 % of 180,000 (the first crosses 80), both 171 %.
                let funding = round % 2 == 0 ? 300_000 : 180_000
                let useCaseID = try f.useCase(podID: podID, key: member.key)
                let reviewID = try #require(
                    try f.requestReview(useCaseID, key: member.key, target: "pilot", funding: funding).object["id"] as? String)
                try #require(try f.decide(reviewID, key: finance.key, function: "finance").status == 201)
                seq = try Self.events(f, after: seq, about: useCaseID).1
                let secondSide = round % 4 < 2 ? g : f
                let (january, february) = try race(
                    { try f.report(useCaseID, key: member.key, period: "2026-01") },
                    { try secondSide.report(useCaseID, key: member.key, period: "2026-02") })
                #expect(january.status == 201 && february.status == 201, "round \(round): \(january.bodyText) / \(february.bodyText)")
                let useCase = try app.call("GET", "/v1/use-cases/\(useCaseID)").object
                #expect(useCase["spent_cents"] as? Int == 307_230, "round \(round)")
                #expect(useCase["approved_funding_cents"] as? Int == funding, "round \(round)")
                let (events, newest) = try Self.events(f, after: seq, about: useCaseID)
                seq = newest
                let counts = tally(events)
                #expect(counts["usage.reported"] == 2, "round \(round): \(counts)")
                let alerts = events.filter { $0["type"] as? String == "budget.threshold_crossed" }.map {
                    $0["data"] as? [String: Any] ?? [:]
                }
                #expect(alerts.compactMap { $0["threshold_pct"] as? Int }.sorted() == [80, 100], "round \(round): \(alerts)")
                let atHundred = alerts.first { $0["threshold_pct"] as? Int == 100 }
                #expect(atHundred?["spent_cents"] as? Int == 307_230, "round \(round): 100 % is crossed only with both reports in")
                #expect(counts["use_case.envelope_breached"] == nil, "round \(round): \(counts)")
                #expect(try f.auditChainIsValid(), "round \(round)")
            }
            withExtendedLifetime(other) {}
        }
    }
}
