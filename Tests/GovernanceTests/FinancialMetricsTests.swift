import Foundation
import Governance
import Testing

/// API.md section 4 on hand-computed examples. Unless stated, settings are the defaults:
/// H = 3 years, r = 10 %, so the NPV factor is 1/1.1 + 1/1.21 + 1/1.331 = 3.31 / 1.331.
@Suite struct FinancialMetricsTests {
    @Test func typicalUseCase() throws {
        let estimates = try Estimates(
            oneTimeCostCents: 5_000_000, expectedAnnualBenefitCents: 12_000_000, monthlyTokens: 50_000_000,
            pricePerMillionTokensCents: 250, monthlyInfraCostCents: 40_000, monthlyEnergyKwh: dec("150.5"),
            energyPriceCentsPerKwh: dec("12.5"), gridCarbonGPerKwh: 400)

        let m = FinancialMetrics.compute(estimates: estimates, settings: .defaults, usage: [])

        // token cost  = 50,000,000 * 250 / 1e6           = 12,500
        #expect(m.monthlyTokenCostCents == 12_500)
        // energy cost = 150.5 * 12.5                      = 1,881.25 -> 1,881
        #expect(m.monthlyEnergyCostCents == 1_881)
        // annual run  = 12 * (12,500 + 40,000 + 1,881.25) = 12 * 54,381.25 = 652,575
        #expect(m.annualRunCostCents == 652_575)
        // net benefit = 12,000,000 - 652,575              = 11,347,425
        #expect(m.annualNetBenefitCents == 11_347_425)
        // total cost  = 5,000,000 + 3 * 652,575           = 6,957,725
        #expect(m.totalCostCents == 6_957_725)
        // roi = (3 * 12,000,000 - 6,957,725) / 6,957,725 * 100 = 29,042,275 * 100 / 6,957,725 = 417.4105... -> 417.41
        #expect(m.roiPct == dec("417.41"))
        // npv = -5,000,000 + 11,347,425 * 3.31 / 1.331 = -5,000,000 + 37,559,976.75 / 1.331
        //     = -5,000,000 + 28,219,366.4538 = 23,219,366.4538 -> 23,219,366
        #expect(m.npvCents == 23_219_366)
        // payback = 5,000,000 / (11,347,425 / 12) = 60,000,000 / 11,347,425 = 5.2875... -> 5.29
        #expect(m.paybackMonths == dec("5.29"))
        // co2e = 12 * 150.5 * 400 / 1000 = 722.4
        #expect(m.annualCo2eKg == dec("722.4"))
        // cost per million = (652,575 / 12) / (50,000,000 / 1e6) = 54,381.25 / 50 = 1,087.625 -> 1,088
        #expect(m.costPerMillionTokensCents == 1_088)
    }

    @Test func noOneTimeCostPaysBackAtOnce() throws {
        let estimates = try Estimates(expectedAnnualBenefitCents: 1_200_000, monthlyInfraCostCents: 50_000)

        let m = FinancialMetrics.compute(estimates: estimates, settings: .defaults, usage: [])

        // annual run = 12 * 50,000 = 600,000; net = 1,200,000 - 600,000 = 600,000
        #expect(m.annualRunCostCents == 600_000)
        #expect(m.annualNetBenefitCents == 600_000)
        // total = 0 + 3 * 600,000 = 1,800,000; roi = (3,600,000 - 1,800,000) / 1,800,000 * 100 = 100
        #expect(m.totalCostCents == 1_800_000)
        #expect(m.roiPct == 100)
        // npv = 600,000 * 3.31 / 1.331 = 1,986,000 / 1.331 = 1,492,111.19 -> 1,492,111
        #expect(m.npvCents == 1_492_111)
        // one_time 0 and net > 0: payback 0
        #expect(m.paybackMonths == 0)
        // monthly_tokens 0: no cost per million tokens
        #expect(m.costPerMillionTokensCents == nil)
    }

    @Test func zeroTotalCostHasNoROI() throws {
        let estimates = try Estimates(expectedAnnualBenefitCents: 500_000)

        let m = FinancialMetrics.compute(estimates: estimates, settings: .defaults, usage: [])

        #expect(m.totalCostCents == 0)
        #expect(m.roiPct == nil)
        #expect(m.annualNetBenefitCents == 500_000)
        #expect(m.paybackMonths == 0)
        // npv = 500,000 * 3.31 / 1.331 = 1,655,000 / 1.331 = 1,243,425.995 -> 1,243,426
        #expect(m.npvCents == 1_243_426)
    }

    @Test func allZeroEstimatesNeverPayBack() {
        let m = FinancialMetrics.compute(estimates: .zero, settings: .defaults, usage: [])

        // net benefit 0 is not > 0: never pays back
        #expect(m.paybackMonths == nil)
        #expect(m.roiPct == nil)
        #expect(m.npvCents == 0)
        #expect(m.costPerMillionTokensCents == nil)
        #expect(m.annualCo2eKg == 0)
    }

    @Test func negativeNetBenefit() throws {
        let estimates = try Estimates(
            oneTimeCostCents: 1_000_000, expectedAnnualBenefitCents: 100_000, monthlyInfraCostCents: 20_000)

        let m = FinancialMetrics.compute(estimates: estimates, settings: .defaults, usage: [])

        // annual run = 12 * 20,000 = 240,000; net = 100,000 - 240,000 = -140,000
        #expect(m.annualNetBenefitCents == -140_000)
        // total = 1,000,000 + 3 * 240,000 = 1,720,000
        #expect(m.totalCostCents == 1_720_000)
        // roi = (300,000 - 1,720,000) / 1,720,000 * 100 = -82.5581... -> -82.56
        #expect(m.roiPct == dec("-82.56"))
        // npv = -1,000,000 - 140,000 * 3.31 / 1.331 = -1,000,000 - 463,400 / 1.331
        //     = -1,000,000 - 348,159.28 = -1,348,159.28 -> -1,348,159
        #expect(m.npvCents == -1_348_159)
        #expect(m.paybackMonths == nil)
    }

    @Test func tokensWithoutPriceCostNothingPerMillion() throws {
        let estimates = try Estimates(monthlyTokens: 2_000_000, monthlyInfraCostCents: 1_000)

        let m = FinancialMetrics.compute(estimates: estimates, settings: .defaults, usage: [])

        #expect(m.monthlyTokenCostCents == 0)
        // (12,000 / 12) / (2,000,000 / 1e6) = 1,000 / 2 = 500
        #expect(m.costPerMillionTokensCents == 500)
    }

    @Test func zeroDiscountRateSumsUndiscounted() throws {
        let estimates = try Estimates(oneTimeCostCents: 1_000, expectedAnnualBenefitCents: 700)

        let m = FinancialMetrics.compute(estimates: estimates, settings: try settings(horizonYears: 5, discountRatePct: 0), usage: [])

        // npv = -1,000 + 5 * 700 = 2,500; payback = 12 * 1,000 / 700 = 17.142... -> 17.14
        #expect(m.npvCents == 2_500)
        #expect(m.paybackMonths == dec("17.14"))
        // roi = (5 * 700 - 1,000) / 1,000 * 100 = 250
        #expect(m.roiPct == 250)
    }

    @Test func fractionalDiscountRate() throws {
        let estimates = try Estimates(expectedAnnualBenefitCents: 1_000_000)

        let m = FinancialMetrics.compute(
            estimates: estimates, settings: try settings(horizonYears: 2, discountRatePct: dec("7.25")), usage: [])

        // D = 1.0725; D^2 = 1.15025625; factor = (1 + 1.0725) / D^2 = 2.0725 / 1.15025625 = 1.80177243...
        // npv = 1,000,000 * 1.80177243... = 1,801,772.43 -> 1,801,772
        #expect(m.npvCents == 1_801_772)
    }

    @Test func longHorizonWithFractionalRateStaysAccurate() throws {
        // 1.0725^50 has 200 fractional digits, more than Decimal's 38 significant digits hold;
        // the factor sum_{t=1..50} 1.0725^-t = 13.376428921754... (independent 80-digit Python
        // decimal check), so npv = 13,376,428.92 -> 13,376,429.
        let estimates = try Estimates(expectedAnnualBenefitCents: 1_000_000)

        let m = FinancialMetrics.compute(
            estimates: estimates, settings: try settings(horizonYears: 50, discountRatePct: dec("7.25")), usage: [])

        #expect(m.npvCents == 13_376_429)
    }
}
