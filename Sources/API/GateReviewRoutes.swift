import Governance
import HTTP1
import HTTPServer
import JSON
import Postgres
import Store
import Telemetry

/// Gate reviews and decisions (API.md section 6): request, evaluate, decide, resubmit, withdraw,
/// and the approver queues.
struct GateReviewRoutes {
    let api: APIRouter

    func register(in router: inout Router) {
        let store = api.store

        api.route(
            .get, "/v1/use-cases/{id}/evaluation",
            { context in
                let id = context.parameter("id")
                let requested = try context.query["target_stage"].map { text throws(Problem) -> Stage in
                    guard let stage = Stage(rawValue: text), Stage.gated.contains(stage) else {
                        throw Problem(status: .badRequest, detail: "target_stage must be one of pilot, production, scaled.")
                    }
                    return stage
                }
                guard IDKind.useCase.isValid(id) else { throw Problem.notFound("use case") }
                let body = try store.read { connection -> JSONValue in
                    guard let useCase = try UseCaseQueries.find(id, on: connection) else { throw Problem.notFound("use case") }
                    guard let target = requested ?? useCase.stage.next else {
                        throw Problem.conflict(
                            "A \(useCase.stage.rawValue) use case has no next gate; name target_stage.", slug: "invalid-state")
                    }
                    let (snapshot, policy) = try GateWorkflow.snapshot(of: useCase, into: target, on: connection)
                    return GateWorkflow.data(
                        ("use_case_id", .string(id)), ("target_stage", .string(target.rawValue)),
                        ("policy_version", .number(JSONNumber(policy.version))), ("snapshot_hash", .string(snapshot.hash)),
                        ("evaluation", snapshot.evaluationJSON),
                        (
                            "required",
                            .array(
                                snapshot.evaluation.required.map {
                                    GateWorkflow.data(("function", .string($0.function.rawValue)), ("min", .number(JSONNumber($0.min))))
                                })
                        ))
                }
                return Responses.resource(body, request: context.request)
            }, in: &router)

        api.route(
            .post, "/v1/use-cases/{id}/gate-reviews",
            { context in
                let id = context.parameter("id")
                var body = BodyReader(try context.jsonObject())
                body.allowOnly(["target_stage", "requested_funding_cents", "justification"])
                let target = body.enumValue("target_stage", Stage.self, required: true)
                let funding = body.integer("requested_funding_cents", in: 0...Limits.maxCents) ?? 0
                let justification = body.requiredString("justification", length: 1...4000)
                try body.finish()
                guard IDKind.useCase.isValid(id) else { throw Problem.notFound("use case") }
                let (review, _) = try store.write(actor: context.caller.principalID, requestID: context.http.requestID, at: context.now) {
                    connection, journal in
                    guard let useCase = try UseCaseQueries.find(id, on: connection, forUpdate: true) else {
                        throw Problem.notFound("use case")
                    }
                    let role = try PodQueries.role(of: context.caller.principalID, in: useCase.podID, on: connection)
                    try context.require(Authorization.requestGateReview(by: context.principal, podRole: role))
                    guard useCase.stage != .retired else {
                        throw Problem.conflict("A retired use case has no gates.", slug: "invalid-state")
                    }
                    guard let target, target == useCase.stage.next else {
                        let next = useCase.stage.next.map { "the next stage is \($0.rawValue)" } ?? "scaled is the last stage"
                        throw Problem.validation([("/target_stage", "must be the use case's next stage; \(next)")])
                    }
                    if let open = try GateWorkflow.openReview(of: useCase, journal: &journal, on: connection) {
                        throw Problem.conflict("The use case has an open review already: \(open.id).")
                    }
                    let (snapshot, policy) = try GateWorkflow.snapshot(of: useCase, into: target, on: connection)
                    var review = GateReviewRecord(
                        id: Identifiers.make(.gateReview), useCaseID: id, targetStage: target,
                        status: snapshot.evaluation.passed ? .pending : .criteriaFailed, requestedFundingCents: funding,
                        justification: justification ?? "", requestedBy: context.caller.principalID, policyVersion: policy.version,
                        round: 1,
                        snapshot: snapshot, createdAt: context.now, expiresAt: context.now)
                    if review.status == .criteriaFailed { review.closedAt = context.now }
                    review.expiresAt = try GateReviewQueries.insert(review, ttlDays: policy.policy.reviewTTLDays, on: connection)
                    let json = review.json(at: context.now)
                    journal.audit("gate_review.requested", entityType: "gate_review", entityID: review.id, before: nil, after: json)
                    journal.event("gate_review.requested", data: GateWorkflow.data(("gate_review", json), ("use_case", useCase.json)))
                    if review.status == .criteriaFailed {
                        journal.event(
                            "gate_review.criteria_failed", data: GateWorkflow.data(("gate_review", json), ("use_case", useCase.json)))
                    }
                    return json
                }
                let reviewID = review.objectValue?["id"]?.stringValue ?? ""
                return Responses.resource(.created, review, request: context.request, headers: ["Location": "/v1/gate-reviews/\(reviewID)"])
            }, in: &router)

        api.route(
            .get, "/v1/use-cases/{id}/gate-reviews",
            { context in
                let id = context.parameter("id")
                let list = try ListQuery(context.query)
                guard IDKind.useCase.isValid(id) else { throw Problem.notFound("use case") }
                let rows = try store.read { connection in
                    guard try UseCaseQueries.exists(id, on: connection) else { throw Problem.notFound("use case") }
                    return try GateReviewQueries.list(
                        GateReviewFilter(useCaseID: id), now: context.now, after: list.cursor?.position, limit: list.limit, on: connection)
                }
                let page = list.page(rows)
                return Responses.list(
                    page.items.map { $0.json(at: context.now) }, next: page.next, request: context.request, limit: list.limit)
            }, in: &router)

        api.route(
            .get, "/v1/gate-reviews",
            { context in
                let query = context.query
                let list = try ListQuery(query)
                var filter = GateReviewFilter()
                filter.status = try query.enumValue("status", ReviewStatus.self)
                filter.function = try query.enumValue("function", BusinessFunction.self)
                if let text = query["use_case_id"] {
                    guard IDKind.useCase.isValid(text) else {
                        throw Problem(status: .badRequest, detail: "use_case_id is not a use case id.")
                    }
                    filter.useCaseID = text
                }
                let rows = try store.read {
                    try GateReviewQueries.list(filter, now: context.now, after: list.cursor?.position, limit: list.limit, on: $0)
                }
                let page = list.page(rows)
                return Responses.list(
                    page.items.map { $0.json(at: context.now) }, next: page.next, request: context.request, limit: list.limit)
            }, in: &router)

        api.route(
            .get, "/v1/gate-reviews/{id}",
            { context in
                let id = context.parameter("id")
                guard IDKind.gateReview.isValid(id), let review = try store.read({ try GateReviewQueries.find(id, on: $0) }) else {
                    throw Problem.notFound("gate review")
                }
                return Responses.resource(review.json(at: context.now), request: context.request)
            }, in: &router)

        registerDecisions(in: &router)
        registerResubmitAndWithdraw(in: &router)
    }

    /// Locks a review's use case, then the review: the lock order every gate writer keeps.
    static func lockReview(_ id: String, on connection: PostgresConnection) throws -> (UseCaseRecord, GateReviewRecord) {
        guard IDKind.gateReview.isValid(id), let useCaseID = try GateReviewQueries.useCaseID(ofReview: id, on: connection),
            let useCase = try UseCaseQueries.find(useCaseID, on: connection, forUpdate: true),
            let review = try GateReviewQueries.find(id, on: connection, forUpdate: true)
        else { throw Problem.notFound("gate review") }
        return (useCase, review)
    }

    private func registerDecisions(in router: inout Router) {
        let store = api.store
        api.route(
            .post, "/v1/gate-reviews/{id}/decisions",
            { context in
                let id = context.parameter("id")
                var body = BodyReader(try context.jsonObject())
                body.allowOnly(["function", "decision", "comment", "snapshot_hash"])
                let function = body.enumValue("function", BusinessFunction.self, required: true)
                let kind = body.enumValue("decision", DecisionKind.self, required: true)
                let comment = (body.string("comment", length: 0...4000, nullable: true) ?? nil) ?? ""
                let sentHash = body.string("snapshot_hash", length: 1...128) ?? nil
                if let kind, kind.needsComment, comment.allSatisfy({ $0.isWhitespace }) {
                    body.fail("comment", "is required to \(kind == .reject ? "reject" : "request changes")")
                }
                try body.finish()
                guard let function, let kind else { throw Problem.validation([("/decision", "is required")]) }

                let (result, _) = try store.write(actor: context.caller.principalID, requestID: context.http.requestID, at: context.now) {
                    connection, journal -> JSONValue in
                    var (useCase, review) = try Self.lockReview(id, on: connection)
                    let role = try PodQueries.role(of: context.caller.principalID, in: useCase.podID, on: connection)
                    let access = Authorization.decideGateReview(
                        by: context.principal, function: function, requesterID: review.requestedBy, podRole: role)
                    // API.md's order: the function held (403), required here (422), separation of duties (403),
                    // the snapshot current and a first decision (409 conflict), the review pending (409 invalid-state).
                    if access == .deny(.functionNotHeld(function)) { try context.require(access) }
                    guard review.required.contains(where: { $0.function == function }) else {
                        throw Problem.validation([("/function", "is not required on this review")])
                    }
                    try context.require(access)
                    if let sentHash, sentHash != review.snapshotHash {
                        throw Problem.conflict("The review changed since you read it (snapshot_hash differs); read it again.")
                    }
                    if review.decisions.contains(where: { $0.round == review.round && $0.principalID == context.caller.principalID }) {
                        throw Problem.conflict("You have decided on this review already.")
                    }
                    // Expiry by the clock after the locks: waiting for them never stretches a review's time.
                    let status = review.effectiveStatus(at: Swift.max(context.now, Timestamp.nowRFC3339()))
                    guard status == .pending else {
                        throw Problem.conflict(
                            "The review is \(status.rawValue); only a pending review takes decisions.", slug: "invalid-state")
                    }

                    let before = review.json(at: context.now)
                    let decision = DecisionRecord(
                        id: Identifiers.make(.decision), gateReviewID: id, round: review.round, principalID: context.caller.principalID,
                        function: function, decision: kind, comment: comment, snapshotHash: review.snapshotHash, createdAt: context.now)
                    try GateReviewQueries.insert(decision, on: connection)
                    review.decisions.append(decision)
                    review.updatedAt = context.now
                    let previousUseCase = useCase
                    var crossed: [Int] = []
                    switch kind {
                    case .reject: review.close(.rejected, at: context.now)
                    case .requestChanges: review.status = .changesRequested
                    case .approve:
                        if review.progress.isComplete {
                            review.close(.approved, at: context.now)
                            crossed = try Self.fund(&useCase, by: review, at: context.now, on: connection)
                        }
                    }
                    _ = try GateReviewQueries.update(review, on: connection)

                    let after = review.json(at: context.now)
                    let decisionJSON = decision.json(currentRound: review.round)
                    journal.audit("gate_review.decision_recorded", entityType: "gate_review", entityID: id, before: before, after: after)
                    journal.event(
                        "gate_review.decision_recorded", data: GateWorkflow.data(("decision", decisionJSON), ("gate_review", after)))
                    switch review.status {
                    case .rejected:
                        journal.event("gate_review.rejected", data: GateWorkflow.data(("gate_review", after), ("use_case", useCase.json)))
                    case .changesRequested:
                        journal.event(
                            "gate_review.changes_requested", data: GateWorkflow.data(("gate_review", after), ("use_case", useCase.json)))
                    case .approved:
                        journal.audit(
                            "use_case.stage_changed", entityType: "use_case", entityID: useCase.id, before: previousUseCase.json,
                            after: useCase.json)
                        journal.event("gate_review.approved", data: GateWorkflow.data(("gate_review", after), ("use_case", useCase.json)))
                        journal.event(
                            "use_case.stage_changed",
                            data: GateWorkflow.data(
                                ("use_case", useCase.json), ("from", .string(previousUseCase.stage.rawValue)),
                                ("to", .string(useCase.stage.rawValue)), ("gate_review_id", .string(id))))
                        journal.event(
                            "funding.approved",
                            data: GateWorkflow.data(
                                ("use_case", useCase.json), ("gate_review", after),
                                ("amount_cents", .number(JSONNumber(review.requestedFundingCents)))))
                        GateWorkflow.budgetEvents(crossed, useCase: useCase, journal: &journal)
                    default: break
                    }
                    var response = decisionJSON.objectValue?.members.map { ($0.key, $0.value) } ?? []
                    response.append(("gate_review", after))
                    return .object(JSONObject(response))
                }
                return Responses.json(.created, result)
            }, in: &router)
    }

    /// The approval that completes a review: the use case moves to the review's stage, its
    /// funding grows by what was requested, the snapshot becomes its envelope (and every period may
    /// announce a breach of it again), and budget thresholds are measured against the new funding:
    /// those spending no longer reaches are armed again, those it reaches for the first time alert.
    /// - Returns: the thresholds crossed, for `budget.threshold_crossed` events.
    static func fund(_ useCase: inout UseCaseRecord, by review: GateReviewRecord, at now: String, on connection: PostgresConnection) throws
        -> [Int]
    {
        guard useCase.stage.next == review.targetStage else {
            throw Problem.conflict("The use case is \(useCase.stage.rawValue); this review cannot move it.", slug: "invalid-state")
        }
        let (funding, overflow) = useCase.approvedFundingCents.addingReportingOverflow(review.requestedFundingCents)
        guard !overflow else { throw Problem.validation([("/requested_funding_cents", "would overflow the approved funding")]) }
        let metrics = review.snapshot.objectValue?["metrics"]?.objectValue
        useCase.stage = review.targetStage
        useCase.approvedFundingCents = funding
        useCase.envelope = Envelope.approved(
            costPerMillionTokensCents: metrics?["cost_per_million_tokens_cents"]?.int64Value,
            annualRunCostCents: metrics?["annual_run_cost_cents"]?.int64Value ?? 0)
        useCase.envelopeBreached = false
        useCase.budgetAlertedPct = BudgetAlerts.stillCrossed(
            spentCents: useCase.spentCents, fundingCents: funding, alerted: useCase.budgetAlertedPct)
        let crossed = GateWorkflow.crossThresholds(&useCase, settings: try SettingsQueries.load(on: connection).settings)
        useCase.version += 1
        useCase.updatedAt = now
        try UseCaseQueries.update(useCase, on: connection)
        try UsageReportQueries.rearmBreachAlerts(forUseCase: useCase.id, on: connection)
        return crossed
    }

    private func registerResubmitAndWithdraw(in router: inout Router) {
        reviewAction("resubmit", authorize: Authorization.resubmitGateReview, in: &router) { review, useCase, journal, connection in
            guard review.status == .changesRequested else {
                throw Problem.conflict(
                    "The review is \(review.effectiveStatus(at: journal.at).rawValue); only one with changes requested can be resubmitted.",
                    slug: "invalid-state")
            }
            let before = review.json(at: journal.at)
            let (snapshot, policy) = try GateWorkflow.snapshot(of: useCase, into: review.targetStage, on: connection)
            review.reevaluate(snapshot, policyVersion: policy.version, at: journal.at)
            review.expiresAt = try GateReviewQueries.update(review, restartingTTLDays: policy.policy.reviewTTLDays, on: connection)
            let after = review.json(at: journal.at)
            journal.audit("gate_review.resubmitted", entityType: "gate_review", entityID: review.id, before: before, after: after)
            journal.event("gate_review.resubmitted", data: GateWorkflow.data(("gate_review", after), ("use_case", useCase.json)))
            if review.status == .criteriaFailed {
                journal.event("gate_review.criteria_failed", data: GateWorkflow.data(("gate_review", after), ("use_case", useCase.json)))
            }
        }

        reviewAction("withdraw", authorize: Authorization.withdrawGateReview, in: &router) { review, useCase, journal, connection in
            guard review.effectiveStatus(at: journal.at).isOpen else {
                throw Problem.conflict(
                    "The review is \(review.effectiveStatus(at: journal.at).rawValue); only an open review can be withdrawn.",
                    slug: "invalid-state")
            }
            try GateWorkflow.withdraw(&review, useCase: useCase, journal: &journal, on: connection)
        }
    }

    /// `POST /v1/gate-reviews/{id}/{action}`: no body (or `{}`); the use case and the review
    /// locked in order; the caller authorized by their role in the use case's pod; 200 with the
    /// review after `perform`.
    private func reviewAction(
        _ action: String, authorize: @escaping @Sendable (Principal, PodRole?) -> AccessDecision, in router: inout Router,
        _ perform: @escaping @Sendable (inout GateReviewRecord, UseCaseRecord, inout Journal, PostgresConnection) throws -> Void
    ) {
        let store = api.store
        api.route(
            .post, "/v1/gate-reviews/{id}/\(action)",
            { context in
                let id = context.parameter("id")
                var body = BodyReader(try context.optionalJSONObject())
                body.allowOnly([])
                try body.finish()
                let (review, _) = try store.write(actor: context.caller.principalID, requestID: context.http.requestID, at: context.now) {
                    connection, journal -> JSONValue in
                    var (useCase, review) = try Self.lockReview(id, on: connection)
                    let role = try PodQueries.role(of: context.caller.principalID, in: useCase.podID, on: connection)
                    try context.require(authorize(context.principal, role))
                    try perform(&review, useCase, &journal, connection)
                    return review.json(at: context.now)
                }
                return Responses.resource(review, request: context.request)
            }, in: &router)
    }
}
