import Foundation
import Governance
import Testing

/// A report of `cost` cents (all token cost) over `tokens` tokens.
private func usage(cost: Int64, tokens: Int64 = 0) throws -> UsageReport {
    try UsageReport(
        period: period("2026-10"), tokensInput: tokens, tokensOutput: 0, tokenCostCents: cost, infraCostCents: 0, energyCostCents: 0,
        energyKwh: 0, realizedBenefitCents: 0)
}

// MARK: - Budget alerts

@Suite struct BudgetAlertTests {
    private func crossed(spent: Int64, funding: Int64 = 1_000, thresholds: [Int] = [80, 100], alerted: Set<Int> = []) -> [Int] {
        BudgetAlerts.newlyCrossed(spentCents: spent, fundingCents: funding, thresholdsPct: thresholds, alerted: alerted)
    }

    @Test func belowEveryThresholdNothingCrosses() {
        #expect(crossed(spent: 0) == [])
        #expect(crossed(spent: 799) == [])
    }

    @Test func spendingExactlyAThresholdCrossesIt() {
        #expect(crossed(spent: 800) == [80])
        #expect(crossed(spent: 1_000) == [80, 100])
    }

    @Test func betweenThresholds() {
        #expect(crossed(spent: 801) == [80])
        #expect(crossed(spent: 999) == [80])
        #expect(crossed(spent: 5_000) == [80, 100])
    }

    @Test func aThresholdOfAFractionalAmountIsExact() {
        // 80 % of 1,001 is 800.8: 800 does not reach it, 801 does.
        #expect(crossed(spent: 800, funding: 1_001) == [])
        #expect(crossed(spent: 801, funding: 1_001) == [80])
        // 80 % of 3 is 2.4.
        #expect(crossed(spent: 2, funding: 3) == [])
        #expect(crossed(spent: 3, funding: 3) == [80, 100])
    }

    @Test func alertedThresholdsDoNotAlertAgain() {
        #expect(crossed(spent: 900, alerted: [80]) == [])
        #expect(crossed(spent: 1_000, alerted: [80]) == [100])
        #expect(crossed(spent: 2_000, alerted: [80, 100]) == [])
    }

    @Test func nothingAlertsWithoutFunding() {
        #expect(crossed(spent: 0, funding: 0) == [])
        #expect(crossed(spent: 1, funding: 0) == [])
        #expect(crossed(spent: Limits.maxCents, funding: 0) == [])
        #expect(crossed(spent: 10, funding: -1) == [])
    }

    @Test func thresholdsComeOutAscending() {
        #expect(crossed(spent: 1_500, thresholds: [150, 100, 80, 50]) == [50, 80, 100, 150])
        #expect(crossed(spent: 1_499, thresholds: [150, 100, 80, 50]) == [50, 80, 100])
    }

    @Test func noThresholdsMeansNoAlerts() {
        #expect(crossed(spent: 10_000, thresholds: []) == [])
    }

    @Test func thresholdsAboveAHundredPercent() {
        #expect(crossed(spent: 1_999, thresholds: [200, 1_000]) == [])
        #expect(crossed(spent: 2_000, thresholds: [200, 1_000]) == [200])
        #expect(crossed(spent: 10_000, thresholds: [200, 1_000]) == [200, 1_000])
    }

    @Test func hugeFiguresDoNotOverflow() {
        #expect(crossed(spent: .max, funding: .max) == [80, 100])
        #expect(crossed(spent: .max - 1, funding: .max) == [80])
        #expect(crossed(spent: 1, funding: .max, thresholds: [1]) == [])
    }

    @Test func thresholdsStayCrossedWhileSpendingStillReachesThem() {
        // Funding grew from 1,000 to 2,000 with 1,800 spent (90 %): 80 stays, 100 is armed again.
        #expect(BudgetAlerts.stillCrossed(spentCents: 1_800, fundingCents: 2_000, alerted: [80, 100]) == [80])
        #expect(BudgetAlerts.stillCrossed(spentCents: 1_600, fundingCents: 2_000, alerted: [80, 100]) == [80])
        #expect(BudgetAlerts.stillCrossed(spentCents: 2_000, fundingCents: 2_000, alerted: [80, 100]) == [80, 100])
    }

    @Test func thresholdsAreArmedAgainWhenSpendingFallsBelowThem() {
        #expect(BudgetAlerts.stillCrossed(spentCents: 1_599, fundingCents: 2_000, alerted: [80, 100]) == [])
        #expect(BudgetAlerts.stillCrossed(spentCents: 0, fundingCents: 2_000, alerted: [80]) == [])
    }

    @Test func stillCrossedOnlyKeepsWhatHadAlerted() {
        #expect(BudgetAlerts.stillCrossed(spentCents: 5_000, fundingCents: 1_000, alerted: [80]) == [80])
        #expect(BudgetAlerts.stillCrossed(spentCents: 5_000, fundingCents: 1_000, alerted: []) == [])
    }

    @Test func stillCrossedWithoutFundingIsEmpty() {
        #expect(BudgetAlerts.stillCrossed(spentCents: 5_000, fundingCents: 0, alerted: [80, 100]) == [])
    }

    @Test func aReArmedThresholdAlertsAgainWhenCrossedAgain() {
        // Alerted 80 at funding 1,000; funding grows to 2,000 with 900 spent; spending reaches 1,600.
        let kept = BudgetAlerts.stillCrossed(spentCents: 900, fundingCents: 2_000, alerted: [80])
        #expect(kept == [])
        #expect(crossed(spent: 1_599, funding: 2_000, alerted: kept) == [])
        #expect(crossed(spent: 1_600, funding: 2_000, alerted: kept) == [80])
    }
}

// MARK: - The approved envelope

@Suite struct EnvelopeTests {
    @Test func theHealthyFixtureEnvelope() {
        let e = Envelope.approved(costPerMillionTokensCents: 768, annualRunCostCents: 1_843_380)

        #expect(e.monthlyCostCents == 153_615)
        #expect(e.costPerMillionTokensCents == 768)
    }

    @Test(arguments: [
        (Int64(1_843_381), Int64(153_615)),  // 153,615.083
        (1_843_385, 153_615),  // 153,615.417
        (1_843_386, 153_616),  // 153,615.5: half away from zero
        (1_843_390, 153_616),  // 153,615.833
        (6, 1),  // 0.5
        (5, 0),  // 0.417
        (0, 0),
    ])
    func monthlyCostIsAnnualOverTwelveRoundedHalfAwayFromZero(annual: Int64, monthly: Int64) {
        #expect(Envelope.approved(costPerMillionTokensCents: nil, annualRunCostCents: annual).monthlyCostCents == monthly)
    }

    @Test func noTokensNoCostPerMillion() {
        #expect(Envelope.approved(costPerMillionTokensCents: nil, annualRunCostCents: 1_200).costPerMillionTokensCents == nil)
    }

    @Test func monthlyCostExactlyAtTheToleranceIsNoBreach() throws {
        // 100,000 * 1.2 = 120,000.
        let e = Envelope(costPerMillionTokensCents: nil, monthlyCostCents: 100_000)

        #expect(!e.isBreached(by: try usage(cost: 100_000), tolerancePct: 20))
        #expect(!e.isBreached(by: try usage(cost: 120_000), tolerancePct: 20))
        #expect(e.isBreached(by: try usage(cost: 120_001), tolerancePct: 20))
    }

    @Test func zeroTolerance() throws {
        let e = Envelope(costPerMillionTokensCents: 1_000, monthlyCostCents: 5_000)

        #expect(!e.isBreached(by: try usage(cost: 5_000, tokens: 5_000_000), tolerancePct: 0))
        #expect(e.isBreached(by: try usage(cost: 5_001, tokens: 1_000_000_000), tolerancePct: 0))
        #expect(e.isBreached(by: try usage(cost: 1_001, tokens: 1_000_000), tolerancePct: 0))
    }

    @Test func aFractionalToleranceLimit() throws {
        // 1,001 * 1.15 = 1,151.15.
        let e = Envelope(costPerMillionTokensCents: nil, monthlyCostCents: 1_001)

        #expect(!e.isBreached(by: try usage(cost: 1_151), tolerancePct: 15))
        #expect(e.isBreached(by: try usage(cost: 1_152), tolerancePct: 15))
    }

    @Test func costPerMillionTokensExactlyAtTheToleranceIsNoBreach() throws {
        // 1,000 * 1.2 = 1,200 per million tokens; the monthly cost is far away.
        let e = Envelope(costPerMillionTokensCents: 1_000, monthlyCostCents: 1_000_000_000)

        #expect(!e.isBreached(by: try usage(cost: 1_200, tokens: 1_000_000), tolerancePct: 20))
        #expect(e.isBreached(by: try usage(cost: 1_201, tokens: 1_000_000), tolerancePct: 20))
        // 3,600 over 3 million tokens is 1,200 exactly; 3,601 is 1,200.33.
        #expect(!e.isBreached(by: try usage(cost: 3_600, tokens: 3_000_000), tolerancePct: 20))
        #expect(e.isBreached(by: try usage(cost: 3_601, tokens: 3_000_000), tolerancePct: 20))
    }

    @Test func inputAndOutputTokensBothCount() throws {
        let e = Envelope(costPerMillionTokensCents: 1_000, monthlyCostCents: 1_000_000_000)
        let split = try UsageReport(
            period: period("2026-10"), tokensInput: 600_000, tokensOutput: 400_000, tokenCostCents: 1_000, infraCostCents: 150,
            energyCostCents: 50, energyKwh: dec("0.5"), realizedBenefitCents: 0)
        let over = try UsageReport(
            period: period("2026-10"), tokensInput: 600_000, tokensOutput: 400_000, tokenCostCents: 1_000, infraCostCents: 150,
            energyCostCents: 51, energyKwh: 0, realizedBenefitCents: 0)

        // Cost is token + infra + energy: 1,200 over 1,000,000 tokens, then 1,201.
        #expect(!e.isBreached(by: split, tolerancePct: 20))
        #expect(e.isBreached(by: over, tolerancePct: 20))
    }

    @Test func withoutTokensOnlyTheMonthlyCostIsWatched() throws {
        let e = Envelope(costPerMillionTokensCents: 1, monthlyCostCents: 10_000)

        #expect(!e.isBreached(by: try usage(cost: 12_000, tokens: 0), tolerancePct: 20))
        #expect(e.isBreached(by: try usage(cost: 12_001, tokens: 0), tolerancePct: 20))
    }

    @Test func anEnvelopeWithoutCostPerMillionWatchesOnlyTheMonthlyCost() throws {
        let e = Envelope(costPerMillionTokensCents: nil, monthlyCostCents: 10_000)

        // 10,000 cents over a single token would be far beyond any per-token price.
        #expect(!e.isBreached(by: try usage(cost: 10_000, tokens: 1), tolerancePct: 20))
    }

    @Test func aZeroEnvelopeIsBreachedByAnyCost() throws {
        let e = Envelope.approved(costPerMillionTokensCents: nil, annualRunCostCents: 0)

        #expect(!e.isBreached(by: try usage(cost: 0), tolerancePct: 1_000))
        #expect(e.isBreached(by: try usage(cost: 1), tolerancePct: 1_000))
    }

    @Test func theHealthyFixtureReports() throws {
        // Limits: 153,615 * 1.2 = 184,338 a month; 768 * 1.2 = 921.6 per million tokens.
        let e = Envelope.approved(costPerMillionTokensCents: 768, annualRunCostCents: 1_843_380)

        #expect(!e.isBreached(by: try usage(cost: 153_615, tokens: 200_000_000), tolerancePct: 20))
        #expect(!e.isBreached(by: try usage(cost: 184_320, tokens: 200_000_000), tolerancePct: 20))  // 921.6 exactly
        #expect(e.isBreached(by: try usage(cost: 184_321, tokens: 200_000_000), tolerancePct: 20))  // 921.605 per million
        #expect(e.isBreached(by: try usage(cost: 353_615, tokens: 200_000_000), tolerancePct: 20))
        #expect(!e.isBreached(by: try usage(cost: 184_338, tokens: 400_000_000), tolerancePct: 20))
        #expect(e.isBreached(by: try usage(cost: 184_339, tokens: 400_000_000), tolerancePct: 20))
    }

    @Test func hugeReportsDoNotOverflow() throws {
        let full = try UsageReport(
            period: period("2026-10"), tokensInput: Limits.maxTokens, tokensOutput: Limits.maxTokens, tokenCostCents: Limits.maxCents,
            infraCostCents: Limits.maxCents, energyCostCents: Limits.maxCents, energyKwh: 0, realizedBenefitCents: 0)
        let e = Envelope(costPerMillionTokensCents: Limits.maxCents, monthlyCostCents: Limits.maxCents)

        #expect(e.isBreached(by: full, tolerancePct: 20))
        #expect(!e.isBreached(by: full, tolerancePct: 200))
    }
}
