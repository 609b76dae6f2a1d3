import Crypto
import Foundation
import Governance
import JSON
import Postgres

/// What a review reviews: the use case's estimates, metrics and classification under one policy
/// version, and the SHA-256 of its canonical JSON, which decisions are bound to.
public struct GateSnapshot: Sendable, Equatable {
    public let json: JSONValue
    public let hash: String
    public let metrics: Metrics
    public let evaluation: GateEvaluation

    /// Evaluates the gate into `target` for `useCase` as it is now.
    public init(useCase: UseCaseRecord, target: Stage, policy: StoredGatePolicy, settings: Settings, usage: [UsageReport]) throws {
        let metrics = FinancialMetrics.compute(estimates: try useCase.estimates, settings: settings, usage: usage)
        let classification = Classification(
            riskTier: useCase.riskTier, dataClassification: useCase.dataClassification, deployment: useCase.deployment)
        self.metrics = metrics
        evaluation = GateEvaluator.evaluate(policy: policy.policy, classification: classification, metrics: metrics)
        json = .object(
            JSONObject([
                ("use_case_id", .string(useCase.id)), ("target_stage", .string(target.rawValue)),
                ("policy_version", .number(JSONNumber(policy.version))), ("risk_tier", .string(useCase.riskTier.rawValue)),
                ("data_classification", .string(useCase.dataClassification.rawValue)),
                ("deployment", .string(useCase.deployment.rawValue)), ("estimates", useCase.estimatesJSON), ("metrics", metrics.json),
            ]))
        hash = AuditChain.hex(Array(SHA256.hash(data: json.canonicalEncoded())))
    }

    /// `{passed, criteria: [{name, threshold, actual, passed}], metrics}`.
    public var evaluationJSON: JSONValue {
        .object(
            JSONObject([
                ("passed", .bool(evaluation.passed)),
                (
                    "criteria",
                    .array(
                        evaluation.criteria.map {
                            .object(
                                JSONObject([
                                    ("name", .string($0.name)), ("threshold", $0.threshold.json), ("actual", $0.actual.json),
                                    ("passed", .bool($0.passed)),
                                ]))
                        })
                ),
                ("metrics", metrics.json),
            ]))
    }
}

extension CriterionValue {
    var json: JSONValue {
        switch self {
        case .decimal(let value): JSONValue(value)
        case .integer(let value): .number(JSONNumber(value))
        case .riskTier(let tier): .string(tier.rawValue)
        case .riskTiers(let tiers): .array(tiers.map { .string($0.rawValue) })
        case .null: .null
        }
    }
}

/// One approver's decision on a review.
public struct DecisionRecord: Sendable, Equatable {
    public let id: String
    public let gateReviewID: String
    public let round: Int
    public let principalID: String
    public let function: BusinessFunction
    public let decision: DecisionKind
    public let comment: String
    public let snapshotHash: String
    public let createdAt: String

    public init(
        id: String, gateReviewID: String, round: Int, principalID: String, function: BusinessFunction, decision: DecisionKind,
        comment: String, snapshotHash: String, createdAt: String
    ) {
        (self.id, self.gateReviewID, self.round, self.principalID, self.function) = (id, gateReviewID, round, principalID, function)
        (self.decision, self.comment, self.snapshotHash, self.createdAt) = (decision, comment, snapshotHash, createdAt)
    }

    /// `counted`: whether it counts in the review's current round (a resubmit or a reset ends that).
    public func json(currentRound: Int) -> JSONValue {
        .object(
            JSONObject([
                ("id", .string(id)), ("gate_review_id", .string(gateReviewID)), ("principal_id", .string(principalID)),
                ("function", .string(function.rawValue)), ("decision", .string(decision.rawValue)), ("comment", .string(comment)),
                ("snapshot_hash", .string(snapshotHash)), ("counted", .bool(round == currentRound)), ("created_at", .string(createdAt)),
            ]))
    }
}

/// A gate review as stored, with its decisions.
public struct GateReviewRecord: Sendable, Equatable {
    public let id: String
    public let useCaseID: String
    public let targetStage: Stage
    public var status: ReviewStatus
    public let requestedFundingCents: Int64
    public let justification: String
    public let requestedBy: String
    public var policyVersion: Int
    public var round: Int
    public var snapshot: JSONValue
    public var snapshotHash: String
    public var evaluation: JSONValue
    public var required: [RequiredApproval]
    public let createdAt: String
    public var updatedAt: String
    public var expiresAt: String
    public var closedAt: String?
    public var decisions: [DecisionRecord]

    public init(
        id: String, useCaseID: String, targetStage: Stage, status: ReviewStatus, requestedFundingCents: Int64, justification: String,
        requestedBy: String, policyVersion: Int, round: Int, snapshot: GateSnapshot, createdAt: String, expiresAt: String
    ) {
        (self.id, self.useCaseID, self.targetStage, self.status) = (id, useCaseID, targetStage, status)
        (self.requestedFundingCents, self.justification, self.requestedBy) = (requestedFundingCents, justification, requestedBy)
        (self.policyVersion, self.round) = (policyVersion, round)
        (self.snapshot, self.snapshotHash, self.evaluation, self.required) =
            (snapshot.json, snapshot.hash, snapshot.evaluationJSON, snapshot.evaluation.required)
        (self.createdAt, self.updatedAt, self.expiresAt, self.closedAt, self.decisions) = (createdAt, createdAt, expiresAt, nil, [])
    }

    /// Replaces what is under review with `snapshot` and starts a new round: earlier decisions
    /// stop counting. The status follows the criteria: `pending` or `criteria_failed`.
    public mutating func reevaluate(_ snapshot: GateSnapshot, policyVersion: Int, at now: String) {
        self.snapshot = snapshot.json
        snapshotHash = snapshot.hash
        evaluation = snapshot.evaluationJSON
        required = snapshot.evaluation.required
        self.policyVersion = policyVersion
        round += 1
        status = snapshot.evaluation.passed ? .pending : .criteriaFailed
        updatedAt = now
        if status == .criteriaFailed { closedAt = now }
    }

    /// Ends the review in a terminal `status`.
    public mutating func close(_ status: ReviewStatus, at now: String) {
        self.status = status
        updatedAt = now
        closedAt = now
    }

    /// The approvals that count, per required function.
    public var progress: [ApprovalProgress] {
        ApprovalProgress.tally(
            required, approvingFunctions: decisions.filter { $0.round == round && $0.decision == .approve }.map(\.function))
    }

    /// A pending review past its time is expired, even before the sweep has written it down.
    public func effectiveStatus(at now: String) -> ReviewStatus {
        status == .pending && expiresAt <= now ? .expired : status
    }

    /// The functions still short of approvals: the approver queues. Empty unless pending.
    public var needs: [BusinessFunction] { status == .pending ? progress.stillNeeded : [] }

    public func json(at now: String) -> JSONValue {
        let status = effectiveStatus(at: now)
        return .object(
            JSONObject([
                ("id", .string(id)), ("use_case_id", .string(useCaseID)), ("target_stage", .string(targetStage.rawValue)),
                ("status", .string(status.rawValue)), ("requested_funding_cents", .number(JSONNumber(requestedFundingCents))),
                ("justification", .string(justification)), ("requested_by", .string(requestedBy)),
                ("policy_version", .number(JSONNumber(policyVersion))), ("snapshot_hash", .string(snapshotHash)),
                ("snapshot", snapshot), ("evaluation", evaluation),
                (
                    "required",
                    .array(
                        progress.map {
                            .object(
                                JSONObject([
                                    ("function", .string($0.required.function.rawValue)), ("min", .number(JSONNumber($0.required.min))),
                                    ("approvals", .number(JSONNumber($0.approvals))),
                                ]))
                        })
                ),
                ("decisions", .array(decisions.map { $0.json(currentRound: round) })),
                ("created_at", .string(createdAt)), ("updated_at", .string(updatedAt)), ("expires_at", .string(expiresAt)),
                ("closed_at", status == .expired && closedAt == nil ? .string(expiresAt) : JSONValue(closedAt)),
            ]))
    }
}

/// Filters of `GET /v1/gate-reviews`.
public struct GateReviewFilter: Sendable {
    public var status: ReviewStatus?
    /// Reviews that still need an approval from this function (so pending ones).
    public var function: BusinessFunction?
    public var useCaseID: String?

    public init(status: ReviewStatus? = nil, function: BusinessFunction? = nil, useCaseID: String? = nil) {
        (self.status, self.function, self.useCaseID) = (status, function, useCaseID)
    }
}

/// SQL for gate reviews and decisions.
public enum GateReviewQueries {
    static let columns: Query = """
        id, use_case_id, target_stage, status, requested_funding_cents, justification, requested_by, policy_version, round,
        snapshot::text AS snapshot, snapshot_hash, evaluation::text AS evaluation, required::text AS required,
        \(SQLFragments.timestamp("created_at")) AS created_at, \(SQLFragments.timestamp("updated_at")) AS updated_at,
        \(SQLFragments.timestamp("expires_at")) AS expires_at, \(SQLFragments.timestamp("closed_at")) AS closed_at, list_seq
        """

    static func record(_ row: PostgresRow) throws -> GateReviewRecord {
        func json(_ column: String) throws -> JSONValue { try JSONParser.parse(Array(try row.decode(column, as: String.self).utf8)) }
        guard let stage = Stage(rawValue: try row.decode("target_stage", as: String.self)),
            let status = ReviewStatus(rawValue: try row.decode("status", as: String.self)),
            let requiredList = try json("required").arrayValue
        else { throw StoreError.corrupt("gate_reviews") }
        let required = try requiredList.map { item -> RequiredApproval in
            guard let function = item.objectValue?["function"]?.stringValue.flatMap(BusinessFunction.init(rawValue:)),
                let min = item.objectValue?["min"]?.int64Value
            else { throw StoreError.corrupt("gate_reviews.required") }
            return RequiredApproval(function: function, min: Int(min))
        }
        return GateReviewRecord(
            stored: try row.decode("id", as: String.self), useCaseID: try row.decode("use_case_id", as: String.self), targetStage: stage,
            status: status, requestedFundingCents: try row.decode("requested_funding_cents", as: Int64.self),
            justification: try row.decode("justification", as: String.self), requestedBy: try row.decode("requested_by", as: String.self),
            policyVersion: try row.decode("policy_version", as: Int.self), round: try row.decode("round", as: Int.self),
            snapshot: try json("snapshot"), snapshotHash: try row.decode("snapshot_hash", as: String.self),
            evaluation: try json("evaluation"),
            required: required, createdAt: try row.decode("created_at", as: String.self),
            updatedAt: try row.decode("updated_at", as: String.self), expiresAt: try row.decode("expires_at", as: String.self),
            closedAt: try row.decode("closed_at", as: String?.self))
    }

    static func decision(_ row: PostgresRow) throws -> DecisionRecord {
        guard let function = BusinessFunction(rawValue: try row.decode("function", as: String.self)),
            let kind = DecisionKind(rawValue: try row.decode("decision", as: String.self))
        else { throw StoreError.corrupt("gate_decisions") }
        return DecisionRecord(
            id: try row.decode("id", as: String.self), gateReviewID: try row.decode("gate_review_id", as: String.self),
            round: try row.decode("round", as: Int.self), principalID: try row.decode("principal_id", as: String.self), function: function,
            decision: kind, comment: try row.decode("comment", as: String.self),
            snapshotHash: try row.decode("snapshot_hash", as: String.self),
            createdAt: try row.decode("created_at", as: String.self))
    }

    /// Attaches every review's decisions, oldest first, in one query.
    static func withDecisions(_ reviews: [GateReviewRecord], on connection: PostgresConnection) throws -> [GateReviewRecord] {
        guard !reviews.isEmpty else { return [] }
        let ids = "{" + reviews.map(\.id).joined(separator: ",") + "}"  // ids are [a-z0-9_] only
        let decisions = try connection.query(
            """
            SELECT id, gate_review_id, round, principal_id, function, decision, comment, snapshot_hash,
                   \(SQLFragments.timestamp("created_at")) AS created_at
            FROM gate_decisions WHERE gate_review_id = ANY(\(ids)::text[]) ORDER BY list_seq
            """
        ).map(decision)
        let byReview = Dictionary(grouping: decisions, by: \.gateReviewID)
        return reviews.map { review in
            var review = review
            review.decisions = byReview[review.id] ?? []
            return review
        }
    }

    /// The review with its decisions; `forUpdate` locks its row (take the use case's lock first).
    public static func find(_ id: String, on connection: PostgresConnection, forUpdate: Bool = false) throws -> GateReviewRecord? {
        let lock: Query = forUpdate ? " FOR UPDATE" : ""
        guard let review = try connection.query("SELECT \(columns) FROM gate_reviews WHERE id = \(id)\(lock)").first.map(record) else {
            return nil
        }
        return try withDecisions([review], on: connection).first
    }

    /// The use case's open review (pending or changes requested), locked, with its decisions.
    public static func open(forUseCase useCaseID: String, on connection: PostgresConnection) throws -> GateReviewRecord? {
        guard
            let review = try connection.query(
                "SELECT \(columns) FROM gate_reviews WHERE use_case_id = \(useCaseID) AND status IN ('pending', 'changes_requested') FOR UPDATE"
            ).first.map(record)
        else { return nil }
        return try withDecisions([review], on: connection).first
    }

    /// The use case id of a review, unlocked: the first step of locking in order (use case, then review).
    public static func useCaseID(ofReview id: String, on connection: PostgresConnection) throws -> String? {
        try connection.query("SELECT use_case_id FROM gate_reviews WHERE id = \(id)").first?.decode("use_case_id", as: String.self)
    }

    public static func list(_ filter: GateReviewFilter, now: String, after cursor: Int64?, limit: Int, on connection: PostgresConnection)
        throws -> [(GateReviewRecord, Int64)]
    {
        // A pending review past its expiry reads as expired, before and after the sweep alike.
        let status = filter.status?.rawValue
        let rows = try connection.query(
            """
            SELECT \(columns) FROM gate_reviews
            WHERE (\(cursor == nil) OR list_seq < \(cursor ?? 0))
              AND (\(filter.useCaseID == nil) OR use_case_id = \(filter.useCaseID ?? ""))
              AND (\(filter.function == nil) OR (\(filter.function?.rawValue ?? "") = ANY(needs) AND status = 'pending'
                                                 AND expires_at > \(now)::timestamptz))
              AND (\(status == nil)
                   OR (\(status ?? "") = 'pending' AND status = 'pending' AND expires_at > \(now)::timestamptz)
                   OR (\(status ?? "") = 'expired' AND (status = 'expired' OR (status = 'pending' AND expires_at <= \(now)::timestamptz)))
                   OR (\(status ?? "") NOT IN ('pending', 'expired') AND status = \(status ?? "")))
            ORDER BY list_seq DESC LIMIT \(limit + 1)
            """)
        let reviews = try rows.map { (try record($0), try $0.decode("list_seq", as: Int64.self)) }
        let withDecisions = try withDecisions(reviews.map(\.0), on: connection)
        return zip(withDecisions, reviews).map { ($0, $1.1) }
    }

    /// Inserts a new review; returns its expiry (`created_at` plus the policy's TTL).
    public static func insert(_ r: GateReviewRecord, ttlDays: Int, on connection: PostgresConnection) throws -> String {
        guard
            let row = try connection.query(
                """
                INSERT INTO gate_reviews (id, use_case_id, target_stage, status, requested_funding_cents, justification, requested_by,
                                          policy_version, round, snapshot, snapshot_hash, evaluation, required, needs, created_at,
                                          updated_at, expires_at, closed_at)
                VALUES (\(r.id), \(r.useCaseID), \(r.targetStage.rawValue), \(r.status.rawValue), \(r.requestedFundingCents),
                        \(r.justification), \(r.requestedBy), \(r.policyVersion), \(r.round), \(r.snapshot.encodedString())::json,
                        \(r.snapshotHash), \(r.evaluation.encodedString())::json, \(requiredJSON(r).encodedString())::json,
                        \(textArray(r.needs.map(\.rawValue)))::text[], \(r.createdAt)::timestamptz, \(r.updatedAt)::timestamptz,
                        \(r.createdAt)::timestamptz + make_interval(days => \(ttlDays)::integer), \(r.closedAt)::timestamptz)
                RETURNING \(SQLFragments.timestamp("expires_at")) AS expires_at
                """
            ).first
        else { throw StoreError.corrupt("gate_reviews insert returned nothing") }
        return try row.decode("expires_at", as: String.self)
    }

    /// Writes the review's mutable columns; `ttlDays` restarts its clock from `updated_at`.
    public static func update(_ r: GateReviewRecord, restartingTTLDays ttlDays: Int? = nil, on connection: PostgresConnection) throws
        -> String
    {
        guard
            let row = try connection.query(
                """
                UPDATE gate_reviews SET status = \(r.status.rawValue), policy_version = \(r.policyVersion), round = \(r.round),
                    snapshot = \(r.snapshot.encodedString())::json, snapshot_hash = \(r.snapshotHash),
                    evaluation = \(r.evaluation.encodedString())::json, required = \(requiredJSON(r).encodedString())::json,
                    needs = \(textArray(r.needs.map(\.rawValue)))::text[], updated_at = \(r.updatedAt)::timestamptz,
                    expires_at = CASE WHEN \(ttlDays != nil) THEN \(r.updatedAt)::timestamptz + make_interval(days => \(ttlDays ?? 0)::integer)
                                      ELSE expires_at END,
                    closed_at = \(r.closedAt)::timestamptz
                WHERE id = \(r.id)
                RETURNING \(SQLFragments.timestamp("expires_at")) AS expires_at
                """
            ).first
        else { throw StoreError.corrupt("gate_reviews update matched nothing") }
        return try row.decode("expires_at", as: String.self)
    }

    public static func insert(_ d: DecisionRecord, on connection: PostgresConnection) throws {
        try connection.query(
            """
            INSERT INTO gate_decisions (id, gate_review_id, round, principal_id, function, decision, comment, snapshot_hash, created_at)
            VALUES (\(d.id), \(d.gateReviewID), \(d.round), \(d.principalID), \(d.function.rawValue), \(d.decision.rawValue), \(d.comment),
                    \(d.snapshotHash), \(d.createdAt)::timestamptz)
            """)
    }

    /// Ids of pending reviews past their expiry, oldest first, for the sweep.
    public static func expiredPending(now: String, limit: Int, on connection: PostgresConnection) throws -> [String] {
        try connection.query(
            """
            SELECT id FROM gate_reviews WHERE status = 'pending' AND expires_at <= \(now)::timestamptz
            ORDER BY expires_at LIMIT \(limit)
            """
        ).map { try $0.decode("id", as: String.self) }
    }

    static func requiredJSON(_ r: GateReviewRecord) -> JSONValue {
        .array(
            r.required.map { .object(JSONObject([("function", .string($0.function.rawValue)), ("min", .number(JSONNumber($0.min)))])) })
    }

    /// A PostgreSQL array literal of simple tokens (enum raw values: no quoting needed).
    static func textArray(_ items: [String]) -> String { "{" + items.joined(separator: ",") + "}" }
}

extension GateReviewRecord {
    /// A review read back from its row (decisions attached separately).
    init(
        stored id: String, useCaseID: String, targetStage: Stage, status: ReviewStatus, requestedFundingCents: Int64,
        justification: String, requestedBy: String, policyVersion: Int, round: Int, snapshot: JSONValue, snapshotHash: String,
        evaluation: JSONValue, required: [RequiredApproval], createdAt: String, updatedAt: String, expiresAt: String, closedAt: String?
    ) {
        (self.id, self.useCaseID, self.targetStage, self.status) = (id, useCaseID, targetStage, status)
        (self.requestedFundingCents, self.justification, self.requestedBy) = (requestedFundingCents, justification, requestedBy)
        (self.policyVersion, self.round, self.snapshot, self.snapshotHash) = (policyVersion, round, snapshot, snapshotHash)
        (self.evaluation, self.required, self.createdAt, self.updatedAt) = (evaluation, required, createdAt, updatedAt)
        (self.expiresAt, self.closedAt, self.decisions) = (expiresAt, closedAt, [])
    }
}
