import Foundation

/// The classification fields an approval rule's `when` may test, and a gate's evaluation reads.
public struct Classification: Sendable, Hashable {
    public var riskTier: RiskTier
    public var dataClassification: DataClassification
    public var deployment: Deployment

    public init(riskTier: RiskTier, dataClassification: DataClassification, deployment: Deployment) {
        (self.riskTier, self.dataClassification, self.deployment) = (riskTier, dataClassification, deployment)
    }
}

/// A condition on the classification fields: it holds when every listed field's value is in its
/// list. An empty condition (no field listed) always holds.
public struct ApprovalCondition: Sendable, Hashable {
    public var riskTiers: [RiskTier]?
    public var dataClassifications: [DataClassification]?
    public var deployments: [Deployment]?

    public init(riskTiers: [RiskTier]? = nil, dataClassifications: [DataClassification]? = nil, deployments: [Deployment]? = nil) {
        (self.riskTiers, self.dataClassifications, self.deployments) = (riskTiers, dataClassifications, deployments)
    }

    public func holds(for c: Classification) -> Bool {
        (riskTiers?.contains(c.riskTier) ?? true) && (dataClassifications?.contains(c.dataClassification) ?? true)
            && (deployments?.contains(c.deployment) ?? true)
    }
}

/// `{"function": "finance", "min": 1, "when": {...}}`: `min` approvals from holders of `function`,
/// required only when `when` holds (always, without one).
public struct ApprovalRule: Sendable, Hashable {
    public var function: BusinessFunction
    public var min: Int
    public var when: ApprovalCondition?

    public init(function: BusinessFunction, min: Int, when: ApprovalCondition? = nil) {
        (self.function, self.min, self.when) = (function, min, when)
    }
}

/// A gate's thresholds. A nil criterion is not checked.
public struct GateCriteria: Sendable, Hashable {
    public var minROIPct: Decimal?
    public var maxPaybackMonths: Decimal?
    public var minNPVCents: Int64?
    public var maxAnnualCO2eKg: Decimal?
    public var maxCostPerMillionTokensCents: Int64?
    public var minUsageMonths: Int?
    public var minRealizedROIPct: Decimal?
    public var forbiddenRiskTiers: [RiskTier]?

    public init(
        minROIPct: Decimal? = nil, maxPaybackMonths: Decimal? = nil, minNPVCents: Int64? = nil, maxAnnualCO2eKg: Decimal? = nil,
        maxCostPerMillionTokensCents: Int64? = nil, minUsageMonths: Int? = nil, minRealizedROIPct: Decimal? = nil,
        forbiddenRiskTiers: [RiskTier]? = nil
    ) {
        self.minROIPct = minROIPct
        self.maxPaybackMonths = maxPaybackMonths
        self.minNPVCents = minNPVCents
        self.maxAnnualCO2eKg = maxAnnualCO2eKg
        self.maxCostPerMillionTokensCents = maxCostPerMillionTokensCents
        self.minUsageMonths = minUsageMonths
        self.minRealizedROIPct = minRealizedROIPct
        self.forbiddenRiskTiers = forbiddenRiskTiers
    }

    /// The criteria's keys, in the order the API lists them.
    public static let names = [
        "min_roi_pct", "max_payback_months", "min_npv_cents", "max_annual_co2e_kg", "max_cost_per_million_tokens_cents",
        "min_usage_months", "min_realized_roi_pct", "forbidden_risk_tiers",
    ]
}

/// The policy of the gate into one stage (API.md section 6). Versions are immutable: a change is
/// a new version, and a review keeps the version it was evaluated with.
///
/// A value of this type has always passed validation (the initializer throws otherwise).
public struct GatePolicy: Sendable, Hashable {
    public let stage: Stage
    public let approvals: [ApprovalRule]
    public let criteria: GateCriteria
    public let reviewTTLDays: Int

    public static let ttlDaysRange = 1...365
    public static let minApprovalsRange = 1...20

    /// - Throws: `ValidationError` with pointers such as `/approvals/1/min` or `/review_ttl_days`.
    public init(stage: Stage, approvals: [ApprovalRule], criteria: GateCriteria, reviewTTLDays: Int) throws(ValidationError) {
        var checker = FieldChecker()
        if !Stage.gated.contains(stage) { checker.fail("/stage", "must be one of pilot, production, scaled") }
        if approvals.isEmpty || approvals.count > 20 { checker.fail("/approvals", "must list 1 to 20 approval rules") }
        if !approvals.contains(where: { $0.when == nil }) {
            checker.fail("/approvals", "must hold at least one rule without `when`, so every review needs an approval")
        }
        var seen: Set<BusinessFunction> = []
        for (index, rule) in approvals.enumerated() {
            if !Self.minApprovalsRange.contains(rule.min) { checker.fail("/approvals/\(index)/min", "must be an integer from 1 to 20") }
            if !seen.insert(rule.function).inserted {
                checker.fail("/approvals/\(index)/function", "is listed twice; one rule per function")
            }
            if let when = rule.when {
                if when.riskTiers == nil && when.dataClassifications == nil && when.deployments == nil {
                    checker.fail("/approvals/\(index)/when", "must test risk_tier, data_classification or deployment")
                }
                for (key, count) in [
                    ("risk_tier", when.riskTiers?.count), ("data_classification", when.dataClassifications?.count),
                    ("deployment", when.deployments?.count),
                ] where count == 0 {
                    checker.fail("/approvals/\(index)/when/\(key)", "must list at least one value")
                }
            }
        }
        func nonNegative(_ value: Decimal?, _ name: String) {
            guard let value else { return }
            if value.isNaN || value < 0 || value > Decimal(Limits.maxCents) {
                checker.fail("/criteria/\(name)", "must be a number from 0 to \(Limits.maxCents), or null")
            } else if !Money.hasAtMost(2, fractionDigits: value) {
                checker.fail("/criteria/\(name)", "must have at most 2 digits after the decimal point")
            }
        }
        func percentage(_ value: Decimal?, _ name: String) {
            guard let value else { return }
            if value.isNaN || value < -100 || value > 1_000_000 {
                checker.fail("/criteria/\(name)", "must be a number from -100 to 1000000, or null")
            } else if !Money.hasAtMost(2, fractionDigits: value) {
                checker.fail("/criteria/\(name)", "must have at most 2 digits after the decimal point")
            }
        }
        percentage(criteria.minROIPct, "min_roi_pct")
        nonNegative(criteria.maxPaybackMonths, "max_payback_months")
        if let npv = criteria.minNPVCents, npv < -Limits.maxCents || npv > Limits.maxCents {
            checker.fail("/criteria/min_npv_cents", "must be an integer from -\(Limits.maxCents) to \(Limits.maxCents), or null")
        }
        nonNegative(criteria.maxAnnualCO2eKg, "max_annual_co2e_kg")
        if let cost = criteria.maxCostPerMillionTokensCents {
            checker.check(cost, max: Limits.maxCents, at: "/criteria/max_cost_per_million_tokens_cents")
        }
        if let months = criteria.minUsageMonths, months < 0 || months > 1200 {
            checker.fail("/criteria/min_usage_months", "must be an integer from 0 to 1200, or null")
        }
        percentage(criteria.minRealizedROIPct, "min_realized_roi_pct")
        if !Self.ttlDaysRange.contains(reviewTTLDays) { checker.fail("/review_ttl_days", "must be an integer from 1 to 365") }
        try checker.result()

        self.stage = stage
        self.approvals = approvals
        self.criteria = criteria
        self.reviewTTLDays = reviewTTLDays
    }

    /// The approvals a use case with `classification` needs: every rule whose `when` holds.
    public func requiredApprovals(for classification: Classification) -> [RequiredApproval] {
        approvals.filter { $0.when?.holds(for: classification) ?? true }.map { RequiredApproval(function: $0.function, min: $0.min) }
    }

    /// The seeded defaults of API.md section 6 (production's as its example document, with `min_usage_months` 0).
    public static func seeded(_ stage: Stage) -> GatePolicy? {
        switch stage {
        case .pilot:
            try! GatePolicy(
                stage: .pilot,
                approvals: [
                    ApprovalRule(function: .finance, min: 1),
                    ApprovalRule(function: .risk, min: 1, when: ApprovalCondition(riskTiers: [.high])),
                ],
                criteria: GateCriteria(maxPaybackMonths: 36, forbiddenRiskTiers: [.unacceptable]), reviewTTLDays: 30)
        case .production:
            try! GatePolicy(
                stage: .production,
                approvals: [
                    ApprovalRule(function: .finance, min: 1), ApprovalRule(function: .risk, min: 1),
                    ApprovalRule(function: .security, min: 1),
                    ApprovalRule(function: .legal, min: 1, when: ApprovalCondition(dataClassifications: [.restricted])),
                ],
                criteria: GateCriteria(
                    minROIPct: 20, maxPaybackMonths: 24, minNPVCents: 0, minUsageMonths: 0, forbiddenRiskTiers: [.unacceptable]),
                reviewTTLDays: 30)
        case .scaled:
            try! GatePolicy(
                stage: .scaled,
                approvals: [
                    ApprovalRule(function: .finance, min: 2), ApprovalRule(function: .risk, min: 1),
                    ApprovalRule(function: .executive, min: 1),
                ],
                criteria: GateCriteria(minUsageMonths: 3, minRealizedROIPct: 25, forbiddenRiskTiers: [.unacceptable]),
                reviewTTLDays: 30)
        case .proposed, .retired:
            nil
        }
    }
}

/// `{"function", "min"}`: an approval a review needs.
public struct RequiredApproval: Sendable, Hashable {
    public let function: BusinessFunction
    public let min: Int

    public init(function: BusinessFunction, min: Int) {
        (self.function, self.min) = (function, min)
    }
}
