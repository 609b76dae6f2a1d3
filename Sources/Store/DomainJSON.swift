import Foundation
import Governance
import JSON

/// The domain's values as the API renders them, and back. One place, so the API, the events
/// and the audit entries all show the same figures.
extension JSONValue {
    init(_ decimal: Decimal) { self = .number(JSONNumber(literal: decimal.description) ?? JSONNumber(0)) }
    init(_ decimal: Decimal?) { self = decimal.map { JSONValue($0) } ?? .null }
}

extension Estimates {
    public static let fieldNames = [
        "one_time_cost_cents", "expected_annual_benefit_cents", "monthly_tokens", "price_per_million_tokens_cents",
        "monthly_infra_cost_cents", "monthly_energy_kwh", "energy_price_cents_per_kwh", "grid_carbon_g_per_kwh",
    ]
    public static let decimalFields: Set<String> = ["monthly_energy_kwh", "energy_price_cents_per_kwh", "grid_carbon_g_per_kwh"]

    public var json: JSONValue {
        .object(
            JSONObject([
                ("one_time_cost_cents", .number(JSONNumber(oneTimeCostCents))),
                ("expected_annual_benefit_cents", .number(JSONNumber(expectedAnnualBenefitCents))),
                ("monthly_tokens", .number(JSONNumber(monthlyTokens))),
                ("price_per_million_tokens_cents", .number(JSONNumber(pricePerMillionTokensCents))),
                ("monthly_infra_cost_cents", .number(JSONNumber(monthlyInfraCostCents))),
                ("monthly_energy_kwh", JSONValue(monthlyEnergyKwh)),
                ("energy_price_cents_per_kwh", JSONValue(energyPriceCentsPerKwh)),
                ("grid_carbon_g_per_kwh", JSONValue(gridCarbonGPerKwh)),
            ]))
    }

    /// Builds estimates from a JSON object whose members are already known to be numbers >= 0.
    /// - Throws: `ValidationError` with pointers relative to the object.
    public init(json object: JSONObject) throws(ValidationError) {
        func integer(_ key: String) -> Int64 { object[key]?.int64Value ?? 0 }
        func decimal(_ key: String) -> Decimal { object[key]?.numberValue.flatMap { Decimal(string: $0.literal) } ?? 0 }
        try self.init(
            oneTimeCostCents: integer("one_time_cost_cents"), expectedAnnualBenefitCents: integer("expected_annual_benefit_cents"),
            monthlyTokens: integer("monthly_tokens"), pricePerMillionTokensCents: integer("price_per_million_tokens_cents"),
            monthlyInfraCostCents: integer("monthly_infra_cost_cents"), monthlyEnergyKwh: decimal("monthly_energy_kwh"),
            energyPriceCentsPerKwh: decimal("energy_price_cents_per_kwh"), gridCarbonGPerKwh: decimal("grid_carbon_g_per_kwh"))
    }
}

extension Metrics {
    public var json: JSONValue {
        .object(
            JSONObject([
                ("monthly_token_cost_cents", .number(JSONNumber(monthlyTokenCostCents))),
                ("monthly_energy_cost_cents", .number(JSONNumber(monthlyEnergyCostCents))),
                ("annual_run_cost_cents", .number(JSONNumber(annualRunCostCents))),
                ("annual_net_benefit_cents", .number(JSONNumber(annualNetBenefitCents))),
                ("total_cost_cents", .number(JSONNumber(totalCostCents))),
                ("roi_pct", JSONValue(roiPct)),
                ("npv_cents", .number(JSONNumber(npvCents))),
                ("payback_months", JSONValue(paybackMonths)),
                ("annual_co2e_kg", JSONValue(annualCo2eKg)),
                ("cost_per_million_tokens_cents", JSONValue(costPerMillionTokensCents)),
                ("usage_months", .number(JSONNumber(usageMonths))),
                ("realized_monthly_cost_cents", JSONValue(realizedMonthlyCostCents)),
                ("realized_monthly_benefit_cents", JSONValue(realizedMonthlyBenefitCents)),
                ("realized_roi_pct", JSONValue(realizedRoiPct)),
            ]))
    }
}

extension Settings {
    public var json: JSONValue {
        .object(
            JSONObject([
                ("currency", .string(currency)), ("horizon_years", .number(JSONNumber(horizonYears))),
                ("discount_rate_pct", JSONValue(discountRatePct)),
                ("budget_alert_thresholds_pct", .array(budgetAlertThresholdsPct.map { .number(JSONNumber($0)) })),
                ("envelope_tolerance_pct", .number(JSONNumber(envelopeTolerancePct))),
            ]))
    }

    /// Reads settings stored by `json`.
    public init(json object: JSONObject) throws(ValidationError) {
        try self.init(
            currency: object["currency"]?.stringValue ?? "",
            horizonYears: Int(object["horizon_years"]?.int64Value ?? 0),
            discountRatePct: object["discount_rate_pct"]?.numberValue.flatMap { Decimal(string: $0.literal) } ?? -1,
            budgetAlertThresholdsPct: (object["budget_alert_thresholds_pct"]?.arrayValue ?? []).map { Int($0.int64Value ?? 0) },
            envelopeTolerancePct: Int(object["envelope_tolerance_pct"]?.int64Value ?? -1))
    }
}
