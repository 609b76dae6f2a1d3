import Foundation
import Governance
import Testing

/// Realized figures: averages over the latest 3 reported periods (by period, not insertion order).
@Suite struct RealizedMetricsTests {
    private func metrics(_ usage: [UsageReport]) -> Metrics {
        FinancialMetrics.compute(estimates: .zero, settings: .defaults, usage: usage)
    }

    @Test func noReportsMeansNoRealizedFigures() {
        let m = metrics([])

        #expect(m.usageMonths == 0)
        #expect(m.realizedMonthlyCostCents == nil)
        #expect(m.realizedMonthlyBenefitCents == nil)
        #expect(m.realizedRoiPct == nil)
    }

    @Test func oneReport() throws {
        // cost = 1,000 + 500 + 250 = 1,750; roi = (3,500 - 1,750) / 1,750 * 100 = 100
        let m = metrics([try report("2026-03", tokenCost: 1_000, infraCost: 500, energyCost: 250, benefit: 3_500)])

        #expect(m.usageMonths == 1)
        #expect(m.realizedMonthlyCostCents == 1_750)
        #expect(m.realizedMonthlyBenefitCents == 3_500)
        #expect(m.realizedRoiPct == 100)
    }

    @Test func threeReportsAreAveraged() throws {
        let m = metrics([
            try report("2026-01", tokenCost: 1_000, benefit: 3_000),
            try report("2026-02", infraCost: 2_000, benefit: 3_000),
            try report("2026-03", energyCost: 4_000, benefit: 4_001),
        ])

        #expect(m.usageMonths == 3)
        // cost = (1,000 + 2,000 + 4,000) / 3 = 2,333.33 -> 2,333
        #expect(m.realizedMonthlyCostCents == 2_333)
        // benefit = (3,000 + 3,000 + 4,001) / 3 = 3,333.67 -> 3,334
        #expect(m.realizedMonthlyBenefitCents == 3_334)
        // roi = (10,001 - 7,000) / 7,000 * 100 = 42.8714... -> 42.87 (from the unrounded averages)
        #expect(m.realizedRoiPct == dec("42.87"))
    }

    @Test func onlyTheLatestThreePeriodsCountWhateverTheOrder() throws {
        // Inserted out of order and across a year boundary; 2025-11 and 2025-12 are older.
        let m = metrics([
            try report("2026-02", tokenCost: 200, benefit: 400),
            try report("2025-11", tokenCost: 900_000, benefit: 0),
            try report("2026-03", tokenCost: 300, benefit: 600),
            try report("2025-12", tokenCost: 900_000, benefit: 0),
            try report("2026-01", tokenCost: 100, benefit: 200),
        ])

        #expect(m.usageMonths == 5)
        // cost = (100 + 200 + 300) / 3 = 200; benefit = (200 + 400 + 600) / 3 = 400
        #expect(m.realizedMonthlyCostCents == 200)
        #expect(m.realizedMonthlyBenefitCents == 400)
        // roi = (1,200 - 600) / 600 * 100 = 100
        #expect(m.realizedRoiPct == 100)
    }

    @Test func zeroRealizedCostHasNoROI() throws {
        let m = metrics([try report("2026-01", benefit: 1_000)])

        #expect(m.realizedMonthlyCostCents == 0)
        #expect(m.realizedMonthlyBenefitCents == 1_000)
        #expect(m.realizedRoiPct == nil)
    }

    @Test func averageRoundsHalfAwayFromZero() throws {
        // (100 + 101) / 2 = 100.5 -> 101
        let m = metrics([try report("2026-01", infraCost: 100), try report("2026-02", infraCost: 101)])

        #expect(m.realizedMonthlyCostCents == 101)
        // roi = (0 - 201) / 201 * 100 = -100
        #expect(m.realizedRoiPct == -100)
    }

    @Test func aRepeatedPeriodCountsOnceWithItsLastReport() throws {
        let m = metrics([try report("2026-01", infraCost: 999), try report("2026-01", infraCost: 100)])

        #expect(m.usageMonths == 1)
        #expect(m.realizedMonthlyCostCents == 100)
    }

    @Test func spentIsTheSumOfReportCosts() throws {
        let reports = [
            try report("2026-01", tokenCost: 1, infraCost: 2, energyCost: 3),
            try report("2026-02", tokenCost: 10, infraCost: 20, energyCost: 30),
        ]

        #expect(reports[1].costCents == 60)
        #expect(UsageReport.spentCents(reports) == 66)
        #expect(UsageReport.spentCents([]) == 0)
    }

    @Test func spentBeyondInt64IsNil() throws {
        // 3 * 10^15 per report; Int64.max / 3e15 = 3,074.4..., so 3,075 reports overflow.
        let full = try report("2026-01", tokenCost: Limits.maxCents, infraCost: Limits.maxCents, energyCost: Limits.maxCents)

        #expect(UsageReport.spentCents(Array(repeating: full, count: 3_074)) == 9_222_000_000_000_000_000)
        #expect(UsageReport.spentCents(Array(repeating: full, count: 3_075)) == nil)
    }
}
