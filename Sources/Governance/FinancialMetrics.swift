import Foundation

/// The server-computed `metrics` of a use case (API.md section 4). Cents figures are whole
/// cents; percentages, months and kilograms have 2 decimal places.
public struct Metrics: Sendable, Hashable {
    public var monthlyTokenCostCents: Int64
    public var monthlyEnergyCostCents: Int64
    public var annualRunCostCents: Int64
    public var annualNetBenefitCents: Int64
    public var totalCostCents: Int64
    /// Nil when the total cost is 0.
    public var roiPct: Decimal?
    public var npvCents: Int64
    /// 0 when nothing is spent up front and the net benefit is positive; nil when the net
    /// benefit is not positive (it never pays back).
    public var paybackMonths: Decimal?
    public var annualCo2eKg: Decimal
    /// Nil when `monthly_tokens` is 0.
    public var costPerMillionTokensCents: Int64?
    /// The number of reported periods.
    public var usageMonths: Int
    /// Average over the latest 3 reported periods; nil without a report.
    public var realizedMonthlyCostCents: Int64?
    /// Average over the latest 3 reported periods; nil without a report.
    public var realizedMonthlyBenefitCents: Int64?
    /// Over the latest 3 reported periods; nil without a report or when their cost is 0.
    public var realizedRoiPct: Decimal?
}

/// The formulas of API.md section 4.
public enum FinancialMetrics {
    /// The metrics of `estimates` under `settings`, with the realized figures from `usage`.
    ///
    /// Precision contract: every figure is computed from the *unrounded* values of the figures it
    /// depends on, in `Decimal`, and rounded once, at the end (`Money`, half away from zero).
    /// So `annual_run_cost` inside `total_cost`, `roi_pct`, `npv_cents` and `payback_months` is
    /// the exact annual run cost, not `annual_run_cost_cents`; the published figures may
    /// therefore differ by a cent from what their rounded neighbours would give (run 1.5 ->
    /// `annual_run_cost_cents` 2, benefit 10 -> `annual_net_benefit_cents` 9, not 8). The
    /// conditions "total_cost = 0", "net benefit > 0" and "realized cost = 0" test unrounded values.
    ///
    /// Arithmetic is exact except where a quotient has no finite decimal form; then it is
    /// correct to `Decimal`'s 38 significant digits. NPV uses
    /// `sum_{t=1..H} 1/(1+r/100)^t = (sum_{k=0..H-1} D^k) / D^H` with `D = 1 + r/100`, each
    /// power an exact `Decimal` product (rounded to 38 digits only past 38 digits) and a single
    /// division. `cost_per_million_tokens_cents` is the monthly run cost * 1e6 / monthly_tokens,
    /// which equals the spec's `(annual_run_cost / 12) / (monthly_tokens / 1e6)` without
    /// dividing by 12; likewise `payback_months` is `12 * one_time / annual_net_benefit`.
    ///
    /// Realized figures use the latest 3 *periods* (by `period`, not by order in `usage`, and not
    /// necessarily consecutive months), one report per period; if a period appears twice, its
    /// last occurrence counts. `realized_roi_pct` is (benefit - cost) / cost * 100 over the
    /// unrounded averages (equivalently over the sums).
    ///
    /// Never traps or overflows: validated `Estimates`, `Settings` and `UsageReport`s bound
    /// every cents figure far inside `Int64` (see `Limits`).
    public static func compute(estimates e: Estimates, settings: Settings, usage: [UsageReport]) -> Metrics {
        let oneTime = Decimal(e.oneTimeCostCents)
        let benefit = Decimal(e.expectedAnnualBenefitCents)
        let horizon = Decimal(settings.horizonYears)

        let monthlyTokenCost = Decimal(e.monthlyTokens) * Decimal(e.pricePerMillionTokensCents) / 1_000_000
        let monthlyEnergyCost = e.monthlyEnergyKwh * e.energyPriceCentsPerKwh
        let monthlyRunCost = monthlyTokenCost + Decimal(e.monthlyInfraCostCents) + monthlyEnergyCost
        let annualRunCost = 12 * monthlyRunCost
        let annualNetBenefit = benefit - annualRunCost
        let totalCost = oneTime + horizon * annualRunCost
        let roi: Decimal? = totalCost == 0 ? nil : (horizon * benefit - totalCost) * 100 / totalCost
        let npv = -oneTime + annualNetBenefit * presentValueFactor(years: settings.horizonYears, ratePct: settings.discountRatePct)
        let payback: Decimal? =
            annualNetBenefit > 0 ? 12 * oneTime / annualNetBenefit : nil
        let co2e = 12 * e.monthlyEnergyKwh * e.gridCarbonGPerKwh / 1000
        let costPerMillion: Decimal? =
            e.monthlyTokens == 0 ? nil : monthlyRunCost * 1_000_000 / Decimal(e.monthlyTokens)

        let realized = RealizedFigures(usage)

        return Metrics(
            monthlyTokenCostCents: cents(monthlyTokenCost),
            monthlyEnergyCostCents: cents(monthlyEnergyCost),
            annualRunCostCents: cents(annualRunCost),
            annualNetBenefitCents: cents(annualNetBenefit),
            totalCostCents: cents(totalCost),
            roiPct: roi.map(Money.roundToHundredths),
            npvCents: cents(npv),
            paybackMonths: payback.map(Money.roundToHundredths),
            annualCo2eKg: Money.roundToHundredths(co2e),
            costPerMillionTokensCents: costPerMillion.map(cents),
            usageMonths: realized.usageMonths,
            realizedMonthlyCostCents: realized.monthlyCost.map(cents),
            realizedMonthlyBenefitCents: realized.monthlyBenefit.map(cents),
            realizedRoiPct: realized.roiPct.map(Money.roundToHundredths))
    }

    /// sum_{t=1..years} 1 / (1 + ratePct/100)^t, as (sum_{k=0..years-1} D^k) / D^years.
    static func presentValueFactor(years: Int, ratePct: Decimal) -> Decimal {
        let base = 1 + ratePct / 100
        var power = Decimal(1)  // D^k
        var sumOfPowers = Decimal(0)
        for _ in 0..<years {
            sumOfPowers += power
            power *= base
        }
        return sumOfPowers / power
    }

    private static func cents(_ amount: Decimal) -> Int64 {
        guard let cents = Money.roundToCents(amount) else {
            // Unreachable for validated inputs: Limits keeps every figure under 2e18 cents.
            preconditionFailure("cents figure out of Int64 range: \(amount)")
        }
        return cents
    }
}

/// The realized figures over the latest 3 reported periods, unrounded.
private struct RealizedFigures {
    var usageMonths: Int
    var monthlyCost: Decimal?
    var monthlyBenefit: Decimal?
    var roiPct: Decimal?

    init(_ usage: [UsageReport]) {
        var byPeriod: [UsagePeriod: UsageReport] = [:]
        for report in usage { byPeriod[report.period] = report }
        usageMonths = byPeriod.count
        let latest = byPeriod.values.sorted { $0.period > $1.period }.prefix(3)
        guard !latest.isEmpty else { return }
        let cost = latest.reduce(Decimal(0)) { $0 + Decimal($1.costCents) }
        let benefit = latest.reduce(Decimal(0)) { $0 + Decimal($1.realizedBenefitCents) }
        monthlyCost = cost / Decimal(latest.count)
        monthlyBenefit = benefit / Decimal(latest.count)
        roiPct = cost == 0 ? nil : (benefit - cost) * 100 / cost
    }
}
