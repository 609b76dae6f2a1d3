import Foundation

/// What a pod expects a use case to cost and return: the `estimates` object of API.md section 3.
///
/// A value of this type has always passed validation (the initializer throws otherwise): every
/// field is >= 0 and within `Limits`, and the derived monthly costs and cost per million tokens
/// are within `Limits.maxCents`, so `FinancialMetrics.compute` cannot overflow on it.
///
/// The three energy and carbon fields are `Decimal`, not `Double`: JSON numbers such as `12.57`
/// are decimal, and `Decimal` holds them exactly (a `Double` cannot hold 0.1), multiplies them
/// exactly, and rounds half away from zero on request; money never touches binary floating point.
public struct Estimates: Sendable, Hashable {
    public let oneTimeCostCents: Int64
    public let expectedAnnualBenefitCents: Int64
    public let monthlyTokens: Int64
    public let pricePerMillionTokensCents: Int64
    public let monthlyInfraCostCents: Int64
    public let monthlyEnergyKwh: Decimal
    public let energyPriceCentsPerKwh: Decimal
    public let gridCarbonGPerKwh: Decimal

    /// Validated estimates; a field left out is 0, as the API defaults missing estimate fields.
    ///
    /// - Throws: `ValidationError` listing every broken rule, with pointers such as
    ///   `/monthly_tokens` (relative: prefix with `/estimates` inside a use case body). A rule on a
    ///   product of two fields points at the object itself (`""`).
    public init(
        oneTimeCostCents: Int64 = 0,
        expectedAnnualBenefitCents: Int64 = 0,
        monthlyTokens: Int64 = 0,
        pricePerMillionTokensCents: Int64 = 0,
        monthlyInfraCostCents: Int64 = 0,
        monthlyEnergyKwh: Decimal = 0,
        energyPriceCentsPerKwh: Decimal = 0,
        gridCarbonGPerKwh: Decimal = 0
    ) throws(ValidationError) {
        var checker = FieldChecker()
        checker.check(oneTimeCostCents, max: Limits.maxCents, at: "/one_time_cost_cents")
        checker.check(expectedAnnualBenefitCents, max: Limits.maxCents, at: "/expected_annual_benefit_cents")
        let tokensValid = checker.check(monthlyTokens, max: Limits.maxTokens, at: "/monthly_tokens")
        let priceValid = checker.check(pricePerMillionTokensCents, max: Limits.maxCents, at: "/price_per_million_tokens_cents")
        let infraValid = checker.check(monthlyInfraCostCents, max: Limits.maxCents, at: "/monthly_infra_cost_cents")
        let kwhValid = checker.check(monthlyEnergyKwh, max: Limits.maxEnergyKwh, at: "/monthly_energy_kwh")
        let energyPriceValid = checker.check(
            energyPriceCentsPerKwh, max: Limits.maxEnergyPriceCentsPerKwh, at: "/energy_price_cents_per_kwh")
        checker.check(gridCarbonGPerKwh, max: Limits.maxGridCarbonGPerKwh, at: "/grid_carbon_g_per_kwh")

        // Derived figures: each factor may be within its limit while the product is not.
        let maxCents = Decimal(Limits.maxCents)
        var monthlyRunCost = Decimal(0)
        if tokensValid && priceValid {
            let tokenCost = Decimal(monthlyTokens) * Decimal(pricePerMillionTokensCents) / 1_000_000
            if tokenCost > maxCents {
                checker.fail("", "monthly_tokens * price_per_million_tokens_cents / 1e6 must not exceed \(Limits.maxCents) cents")
            }
            monthlyRunCost += tokenCost
        }
        if kwhValid && energyPriceValid {
            let energyCost = monthlyEnergyKwh * energyPriceCentsPerKwh
            if energyCost > maxCents {
                checker.fail("", "monthly_energy_kwh * energy_price_cents_per_kwh must not exceed \(Limits.maxCents) cents")
            }
            monthlyRunCost += energyCost
        }
        if checker.isValid && infraValid && monthlyTokens > 0 {
            let costPerMillionTokens = (monthlyRunCost + Decimal(monthlyInfraCostCents)) * 1_000_000 / Decimal(monthlyTokens)
            if costPerMillionTokens > maxCents {
                checker.fail("", "the monthly run cost per million monthly_tokens must not exceed \(Limits.maxCents) cents")
            }
        }
        try checker.result()

        self.oneTimeCostCents = oneTimeCostCents
        self.expectedAnnualBenefitCents = expectedAnnualBenefitCents
        self.monthlyTokens = monthlyTokens
        self.pricePerMillionTokensCents = pricePerMillionTokensCents
        self.monthlyInfraCostCents = monthlyInfraCostCents
        self.monthlyEnergyKwh = monthlyEnergyKwh
        self.energyPriceCentsPerKwh = energyPriceCentsPerKwh
        self.gridCarbonGPerKwh = gridCarbonGPerKwh
    }

    /// Every field 0: what a use case created without estimates holds.
    public static let zero = try! Estimates()
}
