import Governance
import HTTPServer
import JSON
import Postgres
import Store
import Telemetry

/// The steps of the gate workflow that several routes share (API.md sections 5 and 6). Each step
/// runs inside the caller's transaction, after the caller has locked the use case's row (the
/// sweep, `expireDue`, takes its own): every writer of a use case or its reviews locks the use case
/// first, then the review, so two writers of one use case always serialise in the same order, on
/// one server or many.
enum GateWorkflow {
    /// `{"gate_review": ..., "use_case": ...}` and the other event bodies of section 7.
    static func data(_ members: (String, JSONValue)...) -> JSONValue { .object(JSONObject(members)) }

    /// The use case's metrics from its estimates, the settings and every usage report.
    static func metrics(of useCase: UseCaseRecord, on connection: PostgresConnection) throws -> (Settings, [UsageReport], JSONValue) {
        let settings = try SettingsQueries.load(on: connection).settings
        let usage = try UsageReportQueries.all(forUseCase: useCase.id, on: connection).map(\.report)
        return (settings, usage, FinancialMetrics.compute(estimates: try useCase.estimates, settings: settings, usage: usage).json)
    }

    /// What the gate into `target` says about `useCase` now, under the gate's current policy.
    static func snapshot(of useCase: UseCaseRecord, into target: Stage, on connection: PostgresConnection) throws -> (
        GateSnapshot, StoredGatePolicy
    ) {
        guard let policy = try GatePolicyQueries.find(target, on: connection) else { throw StoreError.corrupt("no policy for \(target)") }
        let (settings, usage, _) = try metrics(of: useCase, on: connection)
        return (try GateSnapshot(useCase: useCase, target: target, policy: policy, settings: settings, usage: usage), policy)
    }

    /// The use case's open review, locked; a pending one past its expiry is expired first (in
    /// this transaction), so what is returned is really open.
    static func openReview(of useCase: UseCaseRecord, journal: inout Journal, on connection: PostgresConnection) throws
        -> GateReviewRecord?
    {
        guard var review = try GateReviewQueries.open(forUseCase: useCase.id, on: connection) else { return nil }
        guard review.effectiveStatus(at: journal.at) == .expired else { return review }
        try expire(&review, useCase: useCase, journal: &journal, on: connection)
        return nil
    }

    /// Writes down the expiry of a pending review past its time.
    static func expire(_ review: inout GateReviewRecord, useCase: UseCaseRecord, journal: inout Journal, on connection: PostgresConnection)
        throws
    {
        let before = review.json(at: review.updatedAt)
        review.close(.expired, at: journal.at)
        review.closedAt = review.expiresAt  // the moment it expired, as reads showed it before this sweep
        _ = try GateReviewQueries.update(review, on: connection)
        let after = review.json(at: journal.at)
        journal.audit("gate_review.expired", entityType: "gate_review", entityID: review.id, before: before, after: after)
        journal.event("gate_review.expired", data: data(("gate_review", after), ("use_case", useCase.json)))
    }

    /// A material change to a use case (estimates or classification) while a review is pending:
    /// the review is evaluated again, its required approvals recomputed, and earlier decisions
    /// stop counting. Called after the use case's row is written.
    static func resetPendingReview(of useCase: UseCaseRecord, journal: inout Journal, on connection: PostgresConnection) throws {
        guard var review = try openReview(of: useCase, journal: &journal, on: connection), review.status == .pending else { return }
        let before = review.json(at: journal.at)
        let (snapshot, policy) = try snapshot(of: useCase, into: review.targetStage, on: connection)
        review.reevaluate(snapshot, policyVersion: policy.version, at: journal.at)
        review.expiresAt = try GateReviewQueries.update(review, on: connection)
        let after = review.json(at: journal.at)
        journal.audit("gate_review.approvals_reset", entityType: "gate_review", entityID: review.id, before: before, after: after)
        journal.event("gate_review.approvals_reset", data: data(("gate_review", after), ("use_case", useCase.json)))
        if review.status == .criteriaFailed {
            journal.event("gate_review.criteria_failed", data: data(("gate_review", after), ("use_case", useCase.json)))
        }
    }

    /// Retirement withdraws the open review, if any.
    static func withdrawOpenReview(of useCase: UseCaseRecord, journal: inout Journal, on connection: PostgresConnection) throws {
        guard var review = try openReview(of: useCase, journal: &journal, on: connection) else { return }
        try withdraw(&review, useCase: useCase, journal: &journal, on: connection)
    }

    static func withdraw(
        _ review: inout GateReviewRecord, useCase: UseCaseRecord, journal: inout Journal, on connection: PostgresConnection
    )
        throws
    {
        let before = review.json(at: journal.at)
        review.close(.withdrawn, at: journal.at)
        _ = try GateReviewQueries.update(review, on: connection)
        let after = review.json(at: journal.at)
        journal.audit("gate_review.withdrawn", entityType: "gate_review", entityID: review.id, before: before, after: after)
        journal.event("gate_review.withdrawn", data: data(("gate_review", after), ("use_case", useCase.json)))
    }

    /// The budget thresholds spending has reached at the use case's funding that have not alerted
    /// yet (API.md section 5), now marked alerted on `useCase`; the caller writes the row and then
    /// emits `budgetEvents` for them.
    static func crossThresholds(_ useCase: inout UseCaseRecord, settings: Settings) -> [Int] {
        let crossed = BudgetAlerts.newlyCrossed(
            spentCents: useCase.spentCents, fundingCents: useCase.approvedFundingCents, thresholdsPct: settings.budgetAlertThresholdsPct,
            alerted: useCase.budgetAlertedPct)
        useCase.budgetAlertedPct.formUnion(crossed)
        return crossed
    }

    /// One `budget.threshold_crossed` per threshold, ascending.
    static func budgetEvents(_ crossed: [Int], useCase: UseCaseRecord, journal: inout Journal) {
        for threshold in crossed {
            journal.event(
                "budget.threshold_crossed",
                data: data(
                    ("use_case", useCase.json), ("threshold_pct", .number(JSONNumber(threshold))),
                    ("spent_cents", .number(JSONNumber(useCase.spentCents))),
                    ("approved_funding_cents", .number(JSONNumber(useCase.approvedFundingCents)))))
        }
    }

    /// The sweep: every pending review past its expiry becomes `expired`, one transaction each.
    /// - Returns: how many were expired.
    @discardableResult
    static func expireDue(store: Store, now: () -> String, failures: (String, any Error) -> Void) throws -> Int {
        var expired = 0
        while true {
            let due = try store.read { try GateReviewQueries.expiredPending(now: now(), limit: 100, on: $0) }
            guard !due.isEmpty else { return expired }
            var failed = 0
            for id in due {
                let at = now()
                do {
                    let (done, _) = try store.write(actor: nil, requestID: nil, at: at) { connection, journal -> Bool in
                        guard let useCaseID = try GateReviewQueries.useCaseID(ofReview: id, on: connection),
                            let useCase = try UseCaseQueries.find(useCaseID, on: connection, forUpdate: true),
                            var review = try GateReviewQueries.find(id, on: connection, forUpdate: true),
                            review.effectiveStatus(at: at) == .expired, review.status == .pending
                        else { return false }  // decided, withdrawn or reset meanwhile
                        try expire(&review, useCase: useCase, journal: &journal, on: connection)
                        return true
                    }
                    if done { expired += 1 }
                } catch let error as PostgresPoolError {
                    throw error  // the database is away: the next round tries again
                } catch {
                    // One review that cannot be expired must not hold up the others; it is retried next round.
                    failures(id, error)
                    failed += 1
                }
            }
            if due.count < 100 || failed == due.count { return expired }
        }
    }
}

extension APIContext {
    /// An optional JSON object body: an empty body reads as `{}`.
    func optionalJSONObject() throws(Problem) -> JSONObject {
        request.body.isEmpty ? JSONObject([]) : try jsonObject()
    }
}

/// Background work of the gate workflow, for the application's maintenance thread.
public enum GateMaintenance {
    /// Expires every pending review past its TTL; see `GateWorkflow.expireDue`.
    public static func expireDueReviews(store: Store, failures: (String, any Error) -> Void) throws -> Int {
        try GateWorkflow.expireDue(store: store, now: { Timestamp.nowRFC3339() }, failures: failures)
    }
}
