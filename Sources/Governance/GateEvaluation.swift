import Foundation

/// A criterion's threshold or actual value, typed as the API renders it.
public enum CriterionValue: Sendable, Hashable {
    case decimal(Decimal)
    case integer(Int64)
    case riskTier(RiskTier)
    case riskTiers([RiskTier])
    /// The figure does not exist for this use case (for example `roi_pct` with no cost).
    case null
}

/// One checked criterion: `{name, threshold, actual, passed}`.
public struct CriterionResult: Sendable, Hashable {
    public let name: String
    public let threshold: CriterionValue
    public let actual: CriterionValue
    public let passed: Bool
}

/// What a gate says about a use case: every checked criterion and the approvals it needs.
public struct GateEvaluation: Sendable, Hashable {
    public let criteria: [CriterionResult]
    public let required: [RequiredApproval]
    public var passed: Bool { criteria.allSatisfy(\.passed) }
}

/// The gate as a pure function of (use case snapshot, policy); the metrics already hold the
/// settings' and the usage reports' part.
public enum GateEvaluator {
    /// Evaluates every non-null criterion of `policy`, in the policy's key order.
    ///
    /// A figure that does not exist fails the criterion that needs it, since nothing shows it is
    /// met: `roi_pct` without any cost, `payback_months` for a use case that never pays back,
    /// `realized_roi_pct` without usage reports or without realized cost. The exception is
    /// `cost_per_million_tokens_cents` without tokens: no token is priced above any limit.
    public static func evaluate(policy: GatePolicy, classification: Classification, metrics m: Metrics) -> GateEvaluation {
        let c = policy.criteria
        var results: [CriterionResult] = []
        func atLeast(_ name: String, _ threshold: Decimal?, _ actual: Decimal?) {
            guard let threshold else { return }
            results.append(
                CriterionResult(
                    name: name, threshold: .decimal(threshold), actual: actual.map(CriterionValue.decimal) ?? .null,
                    passed: actual.map { $0 >= threshold } ?? false))
        }
        func atMost(_ name: String, _ threshold: Decimal?, _ actual: Decimal?, passesWhenAbsent: Bool = false) {
            guard let threshold else { return }
            results.append(
                CriterionResult(
                    name: name, threshold: .decimal(threshold), actual: actual.map(CriterionValue.decimal) ?? .null,
                    passed: actual.map { $0 <= threshold } ?? passesWhenAbsent))
        }
        atLeast("min_roi_pct", c.minROIPct, m.roiPct)
        atMost("max_payback_months", c.maxPaybackMonths, m.paybackMonths)
        if let npv = c.minNPVCents {
            results.append(
                CriterionResult(name: "min_npv_cents", threshold: .integer(npv), actual: .integer(m.npvCents), passed: m.npvCents >= npv))
        }
        atMost("max_annual_co2e_kg", c.maxAnnualCO2eKg, m.annualCo2eKg)
        if let cost = c.maxCostPerMillionTokensCents {
            results.append(
                CriterionResult(
                    name: "max_cost_per_million_tokens_cents", threshold: .integer(cost),
                    actual: m.costPerMillionTokensCents.map(CriterionValue.integer) ?? .null,
                    passed: m.costPerMillionTokensCents.map { $0 <= cost } ?? true))
        }
        if let months = c.minUsageMonths {
            results.append(
                CriterionResult(
                    name: "min_usage_months", threshold: .integer(Int64(months)), actual: .integer(Int64(m.usageMonths)),
                    passed: m.usageMonths >= months))
        }
        atLeast("min_realized_roi_pct", c.minRealizedROIPct, m.realizedRoiPct)
        if let forbidden = c.forbiddenRiskTiers {
            results.append(
                CriterionResult(
                    name: "forbidden_risk_tiers", threshold: .riskTiers(forbidden), actual: .riskTier(classification.riskTier),
                    passed: !forbidden.contains(classification.riskTier)))
        }
        return GateEvaluation(criteria: results, required: policy.requiredApprovals(for: classification))
    }
}

/// A review's state (API.md section 6). `pending` and `changes_requested` are open: a use case
/// has at most one open review. The rest are terminal.
public enum ReviewStatus: String, CaseIterable, Sendable {
    case pending
    case criteriaFailed = "criteria_failed"
    case approved, rejected
    case changesRequested = "changes_requested"
    case withdrawn, expired

    public var isOpen: Bool { self == .pending || self == .changesRequested }
}

/// What an approver decides.
public enum DecisionKind: String, CaseIterable, Sendable {
    case approve, reject
    case requestChanges = "request_changes"

    /// Reject and request_changes must say why.
    public var needsComment: Bool { self != .approve }
}

/// How far a review's approvals have come: per required function, the approvals that count.
public struct ApprovalProgress: Sendable, Hashable {
    public let required: RequiredApproval
    public let approvals: Int

    public var isMet: Bool { approvals >= required.min }

    /// `approvingFunctions` holds one entry per counting approval (the function it was given for).
    public static func tally(_ required: [RequiredApproval], approvingFunctions: [BusinessFunction]) -> [ApprovalProgress] {
        required.map { rule in ApprovalProgress(required: rule, approvals: approvingFunctions.count { $0 == rule.function }) }
    }
}

extension Array where Element == ApprovalProgress {
    /// Whether every required function has its `min` approvals.
    public var isComplete: Bool { allSatisfy(\.isMet) }
    /// The functions that still need approvals: the approver queues.
    public var stillNeeded: [BusinessFunction] { filter { !$0.isMet }.map(\.required.function) }
}
