import Foundation
import Governance
import Testing

@Suite struct RoundingTests {
    @Test(arguments: [
        ("2.5", Int64(3)), ("-2.5", -3), ("0.5", 1), ("-0.5", -1), ("0.4999999", 0), ("-0.4999999", 0),
        ("1087.625", 1_088), ("-1348159.28", -1_348_159), ("0", 0),
    ])
    func centsRoundHalfAwayFromZero(text: String, cents: Int64) {
        #expect(Money.roundToCents(dec(text)) == cents)
    }

    @Test(arguments: [
        ("0.125", "0.13"), ("-0.125", "-0.13"), ("1.005", "1.01"), ("-1.005", "-1.01"), ("0.0149", "0.01"), ("417.4105", "417.41"),
    ])
    func hundredthsRoundHalfAwayFromZero(text: String, rounded: String) {
        #expect(Money.roundToHundredths(dec(text)) == dec(rounded))
    }

    @Test func centsOutsideInt64AreRefused() {
        #expect(Money.roundToCents(dec("9223372036854775807")) == .max)
        #expect(Money.roundToCents(dec("9223372036854775807.4")) == .max)
        #expect(Money.roundToCents(dec("9223372036854775807.5")) == nil)
        #expect(Money.roundToCents(dec("-9223372036854775808")) == .min)
        #expect(Money.roundToCents(dec("-9223372036854775808.5")) == nil)
        #expect(Money.roundToCents(dec("1e30")) == nil)
        #expect(Money.roundToCents(.nan) == nil)
    }

    @Test func halfCentsRoundAwayFromZeroInMetrics() throws {
        // H = 1, r = 0. 500,000 tokens at 1 cent per million = 0.5 -> 1.
        // energy 0.125 kWh * 1 cent = 0.125 -> 0; run = 12 * (0.5 + 0.125) = 7.5 -> 8;
        // net = 0 - 7.5 = -7.5 -> -8 (away from zero); npv = -7.5 -> -8; total = 7.5 -> 8.
        let estimates = try Estimates(
            monthlyTokens: 500_000, pricePerMillionTokensCents: 1, monthlyEnergyKwh: dec("0.125"), energyPriceCentsPerKwh: 1)

        let m = FinancialMetrics.compute(estimates: estimates, settings: try settings(horizonYears: 1, discountRatePct: 0), usage: [])

        #expect(m.monthlyTokenCostCents == 1)
        #expect(m.monthlyEnergyCostCents == 0)
        #expect(m.annualRunCostCents == 8)
        #expect(m.annualNetBenefitCents == -8)
        #expect(m.npvCents == -8)
        #expect(m.totalCostCents == 8)
        // cost per million = 0.625 * 1e6 / 500,000 = 1.25 -> 1
        #expect(m.costPerMillionTokensCents == 1)
    }

    @Test func figuresDeriveFromUnroundedIntermediates() throws {
        // 1 token at 125,000 cents per million = 0.125 a month; run = 12 * 0.125 = 1.5 -> 2.
        // net = 10 - 1.5 = 8.5 -> 9, not 10 - 2 = 8: each figure is rounded once, from exact inputs.
        let estimates = try Estimates(expectedAnnualBenefitCents: 10, monthlyTokens: 1, pricePerMillionTokensCents: 125_000)

        let m = FinancialMetrics.compute(estimates: estimates, settings: .defaults, usage: [])

        #expect(m.annualRunCostCents == 2)
        #expect(m.annualNetBenefitCents == 9)
    }

    @Test func roiRoundsToHundredthsHalfAwayFromZero() throws {
        // H = 1, r = 0: roi = (801 - 800) / 800 * 100 = 0.125 -> 0.13; (799 - 800) / 800 * 100 = -0.125 -> -0.13
        let oneYear = try settings(horizonYears: 1, discountRatePct: 0)
        let gain = try Estimates(oneTimeCostCents: 800, expectedAnnualBenefitCents: 801)
        let loss = try Estimates(oneTimeCostCents: 800, expectedAnnualBenefitCents: 799)

        #expect(FinancialMetrics.compute(estimates: gain, settings: oneYear, usage: []).roiPct == dec("0.13"))
        #expect(FinancialMetrics.compute(estimates: loss, settings: oneYear, usage: []).roiPct == dec("-0.13"))
    }

    @Test func co2eAndPaybackRoundToHundredthsHalfAwayFromZero() throws {
        // co2e = 12 * 1.25 * 1 / 1000 = 0.015 -> 0.02; payback = 12 * 1 / 96 = 0.125 -> 0.13
        let estimates = try Estimates(
            oneTimeCostCents: 1, expectedAnnualBenefitCents: 96, monthlyEnergyKwh: dec("1.25"), gridCarbonGPerKwh: 1)

        let m = FinancialMetrics.compute(estimates: estimates, settings: .defaults, usage: [])

        #expect(m.annualCo2eKg == dec("0.02"))
        #expect(m.paybackMonths == dec("0.13"))
    }

    @Test func largestValidInputsFitInt64() throws {
        // Each monthly cost at the 10^15 limit: run = 12 * 3e15 = 3.6e16;
        // total = 1e15 + 50 * 3.6e16 = 1.801e18; npv (r = 0) = -1e15 + 50 * -3.6e16 = -1.801e18.
        let estimates = try Estimates(
            oneTimeCostCents: Limits.maxCents, monthlyTokens: Limits.maxTokens, pricePerMillionTokensCents: 1_000_000,
            monthlyInfraCostCents: Limits.maxCents, monthlyEnergyKwh: dec("1e9"), energyPriceCentsPerKwh: dec("1e6"),
            gridCarbonGPerKwh: Limits.maxGridCarbonGPerKwh)

        let m = FinancialMetrics.compute(estimates: estimates, settings: try settings(horizonYears: 50, discountRatePct: 0), usage: [])

        #expect(m.annualRunCostCents == 36_000_000_000_000_000)
        #expect(m.totalCostCents == 1_801_000_000_000_000_000)
        #expect(m.npvCents == -1_801_000_000_000_000_000)
        // 3e15 * 1e6 / 1e15 = 3,000,000
        #expect(m.costPerMillionTokensCents == 3_000_000)
    }
}
