import Foundation
import Governance

/// A Decimal from its exact decimal text; `Decimal` float literals go through `Double`.
func dec(_ text: String) -> Decimal {
    Decimal(string: text)!
}

func settings(horizonYears: Int = 3, discountRatePct: Decimal = 10) throws -> Settings {
    try Settings(
        currency: "USD", horizonYears: horizonYears, discountRatePct: discountRatePct, budgetAlertThresholdsPct: [80, 100],
        envelopeTolerancePct: 20)
}

func period(_ text: String) -> UsagePeriod {
    UsagePeriod(text)!
}

func report(
    _ text: String, tokenCost: Int64 = 0, infraCost: Int64 = 0, energyCost: Int64 = 0, benefit: Int64 = 0
) throws -> UsageReport {
    try UsageReport(
        period: period(text), tokensInput: 1_000, tokensOutput: 500, tokenCostCents: tokenCost, infraCostCents: infraCost,
        energyCostCents: energyCost, energyKwh: dec("1.5"), realizedBenefitCents: benefit)
}
