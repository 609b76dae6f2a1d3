import Foundation
import Governance
import Testing

// MARK: - Helpers (private to this file)

private let finance1 = ApprovalRule(function: .finance, min: 1)

/// A valid policy into `stage` with one unconditional finance rule and the given criteria.
private func policy(_ criteria: GateCriteria = GateCriteria(), stage: Stage = .production) throws(ValidationError) -> GatePolicy {
    try GatePolicy(stage: stage, approvals: [finance1], criteria: criteria, reviewTTLDays: 30)
}

/// The pointers of the error `build` throws, in order; nil when it does not throw.
private func pointers(_ build: () throws(ValidationError) -> GatePolicy) -> [String]? {
    do {
        _ = try build()
        return nil
    } catch {
        return error.errors.map(\.pointer)
    }
}

private func pointers(approvals: [ApprovalRule] = [finance1], criteria: GateCriteria = GateCriteria(), ttl: Int = 30) -> [String]? {
    pointers { () throws(ValidationError) in
        try GatePolicy(stage: .pilot, approvals: approvals, criteria: criteria, reviewTTLDays: ttl)
    }
}

private func classification(
    _ riskTier: RiskTier = .limited, _ data: DataClassification = .confidential, _ deployment: Deployment = .cloud
) -> Classification {
    Classification(riskTier: riskTier, dataClassification: data, deployment: deployment)
}

/// Metrics of a use case with no estimates and no usage (every figure 0 or null), to adjust.
private func blankMetrics() -> Metrics {
    FinancialMetrics.compute(estimates: .zero, settings: .defaults, usage: [])
}

// MARK: - Validation

@Suite struct GatePolicyValidationTests {
    @Test func aMinimalPolicyIsValid() throws {
        let p = try policy()

        #expect(p.stage == .production)
        #expect(p.approvals == [finance1])
        #expect(p.criteria == GateCriteria())
        #expect(p.reviewTTLDays == 30)
    }

    @Test(arguments: [Stage.pilot, .production, .scaled])
    func everyGatedStageTakesAPolicy(stage: Stage) throws {
        #expect(try policy(stage: stage).stage == stage)
    }

    @Test(arguments: [Stage.proposed, .retired])
    func ungatedStagesAreRefused(stage: Stage) {
        #expect(pointers { () throws(ValidationError) in try policy(stage: stage) } == ["/stage"])
    }

    @Test func noApprovalRuleAtAllBreaksBothApprovalRules() {
        // Empty, and so also without a rule that has no `when`.
        #expect(pointers(approvals: []) == ["/approvals", "/approvals"])
    }

    @Test func atLeastOneRuleMustHaveNoWhen() {
        let conditional = ApprovalRule(function: .risk, min: 1, when: ApprovalCondition(riskTiers: [.high]))

        #expect(pointers(approvals: [conditional]) == ["/approvals"])
        #expect(pointers(approvals: [conditional, finance1]) == nil)
    }

    @Test func moreThanTwentyRulesAreRefused() {
        // Only 7 functions exist, so 21 rules also repeat functions (rules 7...20).
        let rules = (0..<21).map { ApprovalRule(function: BusinessFunction.allCases[$0 % 7], min: 1) }
        let found = pointers(approvals: rules) ?? []

        #expect(found.first == "/approvals")
        #expect(found.filter { $0 == "/approvals" }.count == 1)
        #expect(found.dropFirst() == ArraySlice((7..<21).map { "/approvals/\($0)/function" }))
    }

    @Test func aFunctionMayAppearInOneRuleOnly() {
        let again = ApprovalRule(function: .finance, min: 2, when: ApprovalCondition(riskTiers: [.high]))

        #expect(pointers(approvals: [finance1, again]) == ["/approvals/1/function"])
    }

    @Test(arguments: [1, 20])
    func minAtItsBoundsIsAccepted(min: Int) {
        #expect(pointers(approvals: [ApprovalRule(function: .finance, min: min)]) == nil)
    }

    @Test(arguments: [0, 21, -1])
    func minOutsideOneToTwentyIsRefused(min: Int) {
        let rules = [finance1, ApprovalRule(function: .risk, min: min)]

        #expect(pointers(approvals: rules) == ["/approvals/1/min"])
    }

    @Test func whenMustTestAField() {
        let rule = ApprovalRule(function: .legal, min: 1, when: ApprovalCondition())

        #expect(pointers(approvals: [finance1, rule]) == ["/approvals/1/when"])
    }

    @Test func whenListsMustNotBeEmpty() {
        let rule = ApprovalRule(
            function: .legal, min: 1, when: ApprovalCondition(riskTiers: [], dataClassifications: [], deployments: []))

        #expect(
            pointers(approvals: [finance1, rule]) == [
                "/approvals/1/when/risk_tier", "/approvals/1/when/data_classification", "/approvals/1/when/deployment",
            ])
    }

    @Test(arguments: [1, 365])
    func ttlAtItsBoundsIsAccepted(ttl: Int) {
        #expect(pointers(ttl: ttl) == nil)
    }

    @Test(arguments: [0, 366, -30])
    func ttlOutsideOneToAYearIsRefused(ttl: Int) {
        #expect(pointers(ttl: ttl) == ["/review_ttl_days"])
    }

    @Test func criteriaAtTheirBoundsAreAccepted() {
        let low = GateCriteria(
            minROIPct: -100, maxPaybackMonths: 0, minNPVCents: -Limits.maxCents, maxAnnualCO2eKg: 0, maxCostPerMillionTokensCents: 0,
            minUsageMonths: 0, minRealizedROIPct: -100, forbiddenRiskTiers: [])
        let high = GateCriteria(
            minROIPct: 1_000_000, maxPaybackMonths: Decimal(Limits.maxCents), minNPVCents: Limits.maxCents,
            maxAnnualCO2eKg: Decimal(Limits.maxCents), maxCostPerMillionTokensCents: Limits.maxCents, minUsageMonths: 1_200,
            minRealizedROIPct: 1_000_000, forbiddenRiskTiers: RiskTier.allCases)
        let precise = GateCriteria(
            minROIPct: dec("20.25"), maxPaybackMonths: dec("24.5"), maxAnnualCO2eKg: dec("0.01"), minRealizedROIPct: dec("-99.99"))

        #expect(pointers(criteria: low) == nil)
        #expect(pointers(criteria: high) == nil)
        #expect(pointers(criteria: precise) == nil)
    }

    @Test func criteriaJustOutsideTheirBoundsAreRefused() {
        let below = GateCriteria(
            minROIPct: dec("-100.01"), maxPaybackMonths: dec("-0.01"), minNPVCents: -Limits.maxCents - 1, maxAnnualCO2eKg: dec("-0.01"),
            maxCostPerMillionTokensCents: -1, minUsageMonths: -1, minRealizedROIPct: dec("-100.01"))
        let above = GateCriteria(
            minROIPct: dec("1000000.01"), maxPaybackMonths: Decimal(Limits.maxCents) + 1, minNPVCents: Limits.maxCents + 1,
            maxAnnualCO2eKg: Decimal(Limits.maxCents) + 1, maxCostPerMillionTokensCents: Limits.maxCents + 1, minUsageMonths: 1_201,
            minRealizedROIPct: dec("1000000.01"))
        let all = [
            "/criteria/min_roi_pct", "/criteria/max_payback_months", "/criteria/min_npv_cents", "/criteria/max_annual_co2e_kg",
            "/criteria/max_cost_per_million_tokens_cents", "/criteria/min_usage_months", "/criteria/min_realized_roi_pct",
        ]

        #expect(pointers(criteria: below) == all)
        #expect(pointers(criteria: above) == all)
    }

    @Test func decimalCriteriaHaveAtMostTwoFractionDigits() {
        let criteria = GateCriteria(
            minROIPct: dec("20.125"), maxPaybackMonths: dec("24.001"), maxAnnualCO2eKg: dec("1.999"), minRealizedROIPct: dec("0.005"))

        #expect(
            pointers(criteria: criteria) == [
                "/criteria/min_roi_pct", "/criteria/max_payback_months", "/criteria/max_annual_co2e_kg", "/criteria/min_realized_roi_pct",
            ])
    }

    @Test func notANumberIsRefused() {
        let criteria = GateCriteria(minROIPct: .nan, maxPaybackMonths: .nan)

        #expect(pointers(criteria: criteria) == ["/criteria/min_roi_pct", "/criteria/max_payback_months"])
    }

    @Test func everyBrokenRuleIsReportedInOrder() {
        let rules = [
            ApprovalRule(function: .risk, min: 0, when: ApprovalCondition()),
            ApprovalRule(function: .risk, min: 1, when: ApprovalCondition(deployments: [])),
        ]
        let error = #expect(throws: ValidationError.self) {
            try GatePolicy(
                stage: .retired, approvals: rules, criteria: GateCriteria(minNPVCents: Limits.maxCents + 1, minUsageMonths: 5_000),
                reviewTTLDays: 0)
        }

        #expect(
            error?.errors.map(\.pointer) == [
                "/stage", "/approvals", "/approvals/0/min", "/approvals/0/when", "/approvals/1/function", "/approvals/1/when/deployment",
                "/criteria/min_npv_cents", "/criteria/min_usage_months", "/review_ttl_days",
            ])
    }

    @Test func messagesSayWhatIsWrong() {
        #expect(throws: ValidationError([FieldError(pointer: "/review_ttl_days", detail: "must be an integer from 1 to 365")])) {
            try GatePolicy(stage: .pilot, approvals: [finance1], criteria: GateCriteria(), reviewTTLDays: 0)
        }
        #expect(
            throws: ValidationError([FieldError(pointer: "/approvals/1/function", detail: "is listed twice; one rule per function")])
        ) {
            try GatePolicy(stage: .pilot, approvals: [finance1, finance1], criteria: GateCriteria(), reviewTTLDays: 30)
        }
    }

    @Test func criterionNamesAreTheAPIKeysInOrder() {
        #expect(
            GateCriteria.names == [
                "min_roi_pct", "max_payback_months", "min_npv_cents", "max_annual_co2e_kg", "max_cost_per_million_tokens_cents",
                "min_usage_months", "min_realized_roi_pct", "forbidden_risk_tiers",
            ])
    }
}

// MARK: - Seeded defaults

@Suite struct SeededGatePolicyTests {
    @Test func pilot() throws {
        let p = try #require(GatePolicy.seeded(.pilot))

        #expect(p.stage == .pilot)
        #expect(p.approvals == [finance1, ApprovalRule(function: .risk, min: 1, when: ApprovalCondition(riskTiers: [.high]))])
        #expect(p.criteria == GateCriteria(maxPaybackMonths: 36, forbiddenRiskTiers: [.unacceptable]))
        #expect(p.reviewTTLDays == 30)
    }

    @Test func production() throws {
        let p = try #require(GatePolicy.seeded(.production))

        #expect(p.stage == .production)
        #expect(
            p.approvals == [
                finance1, ApprovalRule(function: .risk, min: 1), ApprovalRule(function: .security, min: 1),
                ApprovalRule(function: .legal, min: 1, when: ApprovalCondition(dataClassifications: [.restricted])),
            ])
        #expect(
            p.criteria
                == GateCriteria(minROIPct: 20, maxPaybackMonths: 24, minNPVCents: 0, minUsageMonths: 0, forbiddenRiskTiers: [.unacceptable])
        )
        #expect(p.reviewTTLDays == 30)
    }

    @Test func scaled() throws {
        let p = try #require(GatePolicy.seeded(.scaled))

        #expect(p.stage == .scaled)
        #expect(
            p.approvals == [
                ApprovalRule(function: .finance, min: 2), ApprovalRule(function: .risk, min: 1), ApprovalRule(function: .executive, min: 1),
            ])
        #expect(p.criteria == GateCriteria(minUsageMonths: 3, minRealizedROIPct: 25, forbiddenRiskTiers: [.unacceptable]))
        #expect(p.reviewTTLDays == 30)
    }

    @Test(arguments: [Stage.proposed, .retired])
    func ungatedStagesHaveNoPolicy(stage: Stage) {
        #expect(GatePolicy.seeded(stage) == nil)
    }

    @Test func gatedStagesAreTheOnesWithASeededPolicy() {
        #expect(Stage.allCases.filter { GatePolicy.seeded($0) != nil } == Stage.gated)
    }
}

// MARK: - Required approvals

@Suite struct RequiredApprovalsTests {
    private func functions(_ policy: GatePolicy, _ c: Classification) -> [BusinessFunction] {
        policy.requiredApprovals(for: c).map(\.function)
    }

    @Test func pilotNeedsRiskOnlyForHighRisk() throws {
        let pilot = try #require(GatePolicy.seeded(.pilot))

        #expect(
            pilot.requiredApprovals(for: classification(.high)) == [
                RequiredApproval(function: .finance, min: 1), RequiredApproval(function: .risk, min: 1),
            ])
        for tier in [RiskTier.minimal, .limited, .unacceptable] {
            #expect(functions(pilot, classification(tier)) == [.finance], "\(tier)")
        }
    }

    @Test func productionNeedsLegalOnlyForRestrictedData() throws {
        let production = try #require(GatePolicy.seeded(.production))

        #expect(functions(production, classification(.limited, .restricted)) == [.finance, .risk, .security, .legal])
        for data in [DataClassification.public, .internal, .confidential] {
            #expect(functions(production, classification(.high, data)) == [.finance, .risk, .security], "\(data)")
        }
    }

    @Test func scaledNeedsTheSameWhateverTheClassification() throws {
        let scaled = try #require(GatePolicy.seeded(.scaled))

        #expect(
            scaled.requiredApprovals(for: classification(.unacceptable, .restricted, .edge)) == [
                RequiredApproval(function: .finance, min: 2), RequiredApproval(function: .risk, min: 1),
                RequiredApproval(function: .executive, min: 1),
            ])
    }

    @Test func aDeploymentCondition() throws {
        let p = try GatePolicy(
            stage: .production,
            approvals: [finance1, ApprovalRule(function: .security, min: 2, when: ApprovalCondition(deployments: [.edge, .onPrem]))],
            criteria: GateCriteria(), reviewTTLDays: 30)

        #expect(functions(p, classification(.limited, .public, .edge)) == [.finance, .security])
        #expect(functions(p, classification(.limited, .public, .onPrem)) == [.finance, .security])
        #expect(functions(p, classification(.limited, .public, .cloud)) == [.finance])
        #expect(functions(p, classification(.limited, .public, .hybrid)) == [.finance])
        #expect(p.requiredApprovals(for: classification(.minimal, .internal, .edge)).last == RequiredApproval(function: .security, min: 2))
    }

    @Test func severalFieldsMustAllMatch() throws {
        let legal = ApprovalRule(
            function: .legal, min: 1,
            when: ApprovalCondition(riskTiers: [.high, .unacceptable], dataClassifications: [.restricted], deployments: [.edge, .hybrid]))
        let p = try GatePolicy(stage: .production, approvals: [finance1, legal], criteria: GateCriteria(), reviewTTLDays: 30)

        #expect(functions(p, classification(.high, .restricted, .edge)) == [.finance, .legal])
        #expect(functions(p, classification(.unacceptable, .restricted, .hybrid)) == [.finance, .legal])
        // One field outside its list is enough to leave the rule out.
        #expect(functions(p, classification(.limited, .restricted, .edge)) == [.finance])
        #expect(functions(p, classification(.high, .confidential, .edge)) == [.finance])
        #expect(functions(p, classification(.high, .restricted, .cloud)) == [.finance])
    }

    @Test func rulesKeepThePolicyOrder() throws {
        let p = try GatePolicy(
            stage: .scaled,
            approvals: [
                ApprovalRule(function: .legal, min: 1, when: ApprovalCondition(riskTiers: [.high])),
                ApprovalRule(function: .executive, min: 3),
                ApprovalRule(function: .business, min: 1, when: ApprovalCondition(deployments: [.cloud])),
                ApprovalRule(function: .finance, min: 2),
            ],
            criteria: GateCriteria(), reviewTTLDays: 30)

        #expect(functions(p, classification(.high, .public, .cloud)) == [.legal, .executive, .business, .finance])
        #expect(functions(p, classification(.minimal, .public, .edge)) == [.executive, .finance])
    }

    @Test func conditionsHold() {
        let c = classification(.high, .restricted, .edge)

        #expect(ApprovalCondition().holds(for: c))
        #expect(ApprovalCondition(riskTiers: [.high]).holds(for: c))
        #expect(!ApprovalCondition(riskTiers: [.limited]).holds(for: c))
        #expect(!ApprovalCondition(riskTiers: []).holds(for: c))
        #expect(ApprovalCondition(dataClassifications: [.public, .restricted], deployments: [.edge]).holds(for: c))
        #expect(!ApprovalCondition(dataClassifications: [.restricted], deployments: [.cloud]).holds(for: c))
    }
}

// MARK: - Evaluation

@Suite struct GateEvaluatorTests {
    private func evaluate(
        _ criteria: GateCriteria, _ riskTier: RiskTier = .limited, adjust: (inout Metrics) -> Void = { _ in }
    ) throws -> GateEvaluation {
        var m = blankMetrics()
        adjust(&m)
        return GateEvaluator.evaluate(policy: try policy(criteria), classification: classification(riskTier), metrics: m)
    }

    /// The single criterion `criteria` lists, evaluated against `adjust`ed metrics.
    private func only(_ criteria: GateCriteria, adjust: (inout Metrics) -> Void) throws -> CriterionResult {
        let evaluation = try evaluate(criteria, adjust: adjust)
        try #require(evaluation.criteria.count == 1)
        return evaluation.criteria[0]
    }

    @Test(arguments: [("19.99", false), ("20", true), ("20.01", true), ("-5", false)])
    func minROIPct(actual: String, passes: Bool) throws {
        let r = try only(GateCriteria(minROIPct: 20)) { $0.roiPct = dec(actual) }

        #expect(r.name == "min_roi_pct")
        #expect(r.threshold == .decimal(20))
        #expect(r.actual == .decimal(dec(actual)))
        #expect(r.passed == passes)
    }

    @Test func minROIPctFailsWithoutAnROI() throws {
        let r = try only(GateCriteria(minROIPct: -100)) { $0.roiPct = nil }

        #expect(r.actual == .null)
        #expect(!r.passed)
    }

    @Test(arguments: [("23.99", true), ("24", true), ("24.01", false), ("0", true)])
    func maxPaybackMonths(actual: String, passes: Bool) throws {
        let r = try only(GateCriteria(maxPaybackMonths: 24)) { $0.paybackMonths = dec(actual) }

        #expect(r.name == "max_payback_months")
        #expect(r.threshold == .decimal(24))
        #expect(r.actual == .decimal(dec(actual)))
        #expect(r.passed == passes)
    }

    @Test func maxPaybackMonthsFailsWhenItNeverPaysBack() throws {
        let r = try only(GateCriteria(maxPaybackMonths: Decimal(Limits.maxCents))) { $0.paybackMonths = nil }

        #expect(r.actual == .null)
        #expect(!r.passed)
    }

    @Test(arguments: [(Int64(-1), false), (0, true), (1, true)])
    func minNPVCents(actual: Int64, passes: Bool) throws {
        let r = try only(GateCriteria(minNPVCents: 0)) { $0.npvCents = actual }

        #expect(r.name == "min_npv_cents")
        #expect(r.threshold == .integer(0))
        #expect(r.actual == .integer(actual))
        #expect(r.passed == passes)
    }

    @Test func minNPVCentsMayBeNegative() throws {
        #expect(try only(GateCriteria(minNPVCents: -500)) { $0.npvCents = -500 }.passed)
        #expect(try !only(GateCriteria(minNPVCents: -500)) { $0.npvCents = -501 }.passed)
    }

    @Test(arguments: [("99.99", true), ("100", true), ("100.01", false)])
    func maxAnnualCO2eKg(actual: String, passes: Bool) throws {
        let r = try only(GateCriteria(maxAnnualCO2eKg: 100)) { $0.annualCo2eKg = dec(actual) }

        #expect(r.name == "max_annual_co2e_kg")
        #expect(r.threshold == .decimal(100))
        #expect(r.actual == .decimal(dec(actual)))
        #expect(r.passed == passes)
    }

    @Test(arguments: [(Int64(767), true), (768, true), (769, false)])
    func maxCostPerMillionTokensCents(actual: Int64, passes: Bool) throws {
        let r = try only(GateCriteria(maxCostPerMillionTokensCents: 768)) { $0.costPerMillionTokensCents = actual }

        #expect(r.name == "max_cost_per_million_tokens_cents")
        #expect(r.threshold == .integer(768))
        #expect(r.actual == .integer(actual))
        #expect(r.passed == passes)
    }

    @Test func maxCostPerMillionTokensPassesWithoutTokens() throws {
        let r = try only(GateCriteria(maxCostPerMillionTokensCents: 0)) { $0.costPerMillionTokensCents = nil }

        #expect(r.actual == .null)
        #expect(r.passed)
    }

    @Test(arguments: [(2, false), (3, true), (4, true)])
    func minUsageMonths(actual: Int, passes: Bool) throws {
        let r = try only(GateCriteria(minUsageMonths: 3)) { $0.usageMonths = actual }

        #expect(r.name == "min_usage_months")
        #expect(r.threshold == .integer(3))
        #expect(r.actual == .integer(Int64(actual)))
        #expect(r.passed == passes)
    }

    @Test func minUsageMonthsZeroPassesWithoutReports() throws {
        #expect(try only(GateCriteria(minUsageMonths: 0)) { _ in }.passed)
    }

    @Test(arguments: [("24.99", false), ("25", true), ("25.01", true)])
    func minRealizedROIPct(actual: String, passes: Bool) throws {
        let r = try only(GateCriteria(minRealizedROIPct: 25)) { $0.realizedRoiPct = dec(actual) }

        #expect(r.name == "min_realized_roi_pct")
        #expect(r.threshold == .decimal(25))
        #expect(r.actual == .decimal(dec(actual)))
        #expect(r.passed == passes)
    }

    @Test func minRealizedROIPctFailsWithoutReports() throws {
        let r = try only(GateCriteria(minRealizedROIPct: -100)) { $0.realizedRoiPct = nil }

        #expect(r.actual == .null)
        #expect(!r.passed)
    }

    @Test(arguments: RiskTier.allCases)
    func forbiddenRiskTiers(tier: RiskTier) throws {
        let forbidden: [RiskTier] = [.unacceptable, .high]
        let evaluation = try evaluate(GateCriteria(forbiddenRiskTiers: forbidden), tier)
        let r = try #require(evaluation.criteria.first)

        #expect(evaluation.criteria.count == 1)
        #expect(r.name == "forbidden_risk_tiers")
        #expect(r.threshold == .riskTiers(forbidden))
        #expect(r.actual == .riskTier(tier))
        #expect(r.passed == !forbidden.contains(tier))
    }

    @Test func anEmptyForbiddenListForbidsNothing() throws {
        let evaluation = try evaluate(GateCriteria(forbiddenRiskTiers: []), .unacceptable)

        #expect(evaluation.criteria.map(\.passed) == [true])
    }

    @Test func noCriteriaMeansNothingListedAndPassed() throws {
        let evaluation = try evaluate(GateCriteria())

        #expect(evaluation.criteria.isEmpty)
        #expect(evaluation.passed)
    }

    @Test func everyCriterionIsListedInKeyOrder() throws {
        let all = GateCriteria(
            minROIPct: 1, maxPaybackMonths: 1, minNPVCents: 1, maxAnnualCO2eKg: 1, maxCostPerMillionTokensCents: 1, minUsageMonths: 1,
            minRealizedROIPct: 1, forbiddenRiskTiers: [.unacceptable])

        #expect(try evaluate(all).criteria.map(\.name) == GateCriteria.names)
    }

    @Test func onlyNonNullCriteriaAreListedInKeyOrder() throws {
        let some = GateCriteria(minNPVCents: 0, minUsageMonths: 0, forbiddenRiskTiers: [.unacceptable])
        let others = GateCriteria(maxPaybackMonths: 12, maxAnnualCO2eKg: 5, maxCostPerMillionTokensCents: 9, minRealizedROIPct: 0)

        #expect(try evaluate(some).criteria.map(\.name) == ["min_npv_cents", "min_usage_months", "forbidden_risk_tiers"])
        #expect(
            try evaluate(others).criteria.map(\.name) == [
                "max_payback_months", "max_annual_co2e_kg", "max_cost_per_million_tokens_cents", "min_realized_roi_pct",
            ])
    }

    @Test func oneFailingCriterionFailsTheGate() throws {
        let criteria = GateCriteria(minNPVCents: 0, minUsageMonths: 1, forbiddenRiskTiers: [.unacceptable])
        let evaluation = try evaluate(criteria)

        #expect(evaluation.criteria.map(\.passed) == [true, false, true])
        #expect(!evaluation.passed)
    }

    @Test func theSeededProductionGateOnAUseCaseWithNoFigures() throws {
        // No cost: roi_pct null (fails), never pays back (fails), npv 0 >= 0 (passes), 0 usage months >= 0 (passes).
        let production = try #require(GatePolicy.seeded(.production))
        let evaluation = GateEvaluator.evaluate(policy: production, classification: classification(.limited), metrics: blankMetrics())

        #expect(
            evaluation.criteria.map(\.name) == [
                "min_roi_pct", "max_payback_months", "min_npv_cents", "min_usage_months", "forbidden_risk_tiers",
            ])
        #expect(evaluation.criteria.map(\.actual) == [.null, .null, .integer(0), .integer(0), .riskTier(.limited)])
        #expect(evaluation.criteria.map(\.passed) == [false, false, true, true, true])
        #expect(!evaluation.passed)
    }

    @Test func theSeededGatesOnHealthyEstimates() throws {
        // The end-to-end fixture: payback 5.91 months, ROI 241.88 %, no usage yet.
        let estimates = try Estimates(
            oneTimeCostCents: 5_000_000, expectedAnnualBenefitCents: 12_000_000, monthlyTokens: 200_000_000,
            pricePerMillionTokensCents: 250, monthlyInfraCostCents: 100_000, monthlyEnergyKwh: dec("120.5"), energyPriceCentsPerKwh: 30,
            gridCarbonGPerKwh: 400)
        let metrics = FinancialMetrics.compute(estimates: estimates, settings: .defaults, usage: [])
        let c = classification(.limited)

        let pilot = GateEvaluator.evaluate(policy: try #require(GatePolicy.seeded(.pilot)), classification: c, metrics: metrics)
        #expect(pilot.passed)
        #expect(pilot.criteria.first?.actual == .decimal(dec("5.91")))
        #expect(pilot.required == [RequiredApproval(function: .finance, min: 1)])

        let production = GateEvaluator.evaluate(policy: try #require(GatePolicy.seeded(.production)), classification: c, metrics: metrics)
        #expect(production.passed)
        #expect(production.criteria.first?.actual == .decimal(dec("241.88")))

        let scaled = GateEvaluator.evaluate(policy: try #require(GatePolicy.seeded(.scaled)), classification: c, metrics: metrics)
        #expect(scaled.criteria.map(\.passed) == [false, false, true])
        #expect(scaled.criteria.map(\.actual) == [.integer(0), .null, .riskTier(.limited)])
    }

    @Test func theEvaluationCarriesTheRequiredApprovals() throws {
        let pilot = try #require(GatePolicy.seeded(.pilot))

        for tier in RiskTier.allCases {
            let c = classification(tier)
            #expect(
                GateEvaluator.evaluate(policy: pilot, classification: c, metrics: blankMetrics()).required
                    == pilot.requiredApprovals(for: c))
        }
    }
}

// MARK: - Approval progress

@Suite struct ApprovalProgressTests {
    private let required = [
        RequiredApproval(function: .finance, min: 2), RequiredApproval(function: .risk, min: 1),
        RequiredApproval(function: .executive, min: 1),
    ]

    @Test func nothingApprovedYet() {
        let progress = ApprovalProgress.tally(required, approvingFunctions: [])

        #expect(progress.map(\.approvals) == [0, 0, 0])
        #expect(progress.map(\.required) == required)
        #expect(!progress.isComplete)
        #expect(progress.stillNeeded == [.finance, .risk, .executive])
    }

    @Test func approvalsCountPerFunction() {
        let progress = ApprovalProgress.tally(required, approvingFunctions: [.finance, .risk])

        #expect(progress.map(\.approvals) == [1, 1, 0])
        #expect(progress.map(\.isMet) == [false, true, false])
        #expect(progress.stillNeeded == [.finance, .executive])
        #expect(!progress.isComplete)
    }

    @Test func minIsMetExactlyAtMin() {
        let progress = ApprovalProgress.tally(required, approvingFunctions: [.finance, .executive, .finance, .risk])

        #expect(progress.map(\.approvals) == [2, 1, 1])
        #expect(progress.map(\.isMet) == [true, true, true])
        #expect(progress.isComplete)
        #expect(progress.stillNeeded.isEmpty)
    }

    @Test func approvalsBeyondMinStillCount() {
        let progress = ApprovalProgress.tally(required, approvingFunctions: [.finance, .finance, .finance, .risk, .executive])

        #expect(progress.map(\.approvals) == [3, 1, 1])
        #expect(progress.isComplete)
    }

    @Test func approvalsForFunctionsNotRequiredAreIgnored() {
        let progress = ApprovalProgress.tally(required, approvingFunctions: [.legal, .security, .legal, .engineering])

        #expect(progress.map(\.approvals) == [0, 0, 0])
        #expect(progress.count == 3)
        #expect(!progress.isComplete)
    }

    @Test func oneShortOfMinIsNotComplete() {
        let progress = ApprovalProgress.tally(required, approvingFunctions: [.finance, .risk, .executive])

        #expect(!progress.isComplete)
        #expect(progress.stillNeeded == [.finance])
    }

    @Test func nothingRequiredIsComplete() {
        let progress = ApprovalProgress.tally([], approvingFunctions: [.finance])

        #expect(progress.isEmpty)
        #expect(progress.isComplete)
        #expect(progress.stillNeeded.isEmpty)
    }
}

// MARK: - Review states and decisions

@Suite struct ReviewStatusTests {
    @Test func openStatuses() {
        #expect(ReviewStatus.allCases.filter(\.isOpen) == [.pending, .changesRequested])
    }

    @Test func wireNames() {
        #expect(
            ReviewStatus.allCases.map(\.rawValue) == [
                "pending", "criteria_failed", "approved", "rejected", "changes_requested", "withdrawn", "expired",
            ])
        #expect(DecisionKind.allCases.map(\.rawValue) == ["approve", "reject", "request_changes"])
    }

    @Test func rejectAndRequestChangesNeedAComment() {
        #expect(!DecisionKind.approve.needsComment)
        #expect(DecisionKind.reject.needsComment)
        #expect(DecisionKind.requestChanges.needsComment)
    }
}
