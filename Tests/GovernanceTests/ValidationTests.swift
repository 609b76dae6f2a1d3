import Foundation
import Governance
import Testing

@Suite struct SettingsValidationTests {
    @Test func defaults() {
        let s = Settings.defaults

        #expect(s.currency == "USD")
        #expect(s.horizonYears == 3)
        #expect(s.discountRatePct == 10)
        #expect(s.budgetAlertThresholdsPct == [80, 100])
        #expect(s.envelopeTolerancePct == 20)
    }

    @Test func boundariesAreAccepted() throws {
        _ = try Settings(currency: "EUR", horizonYears: 1, discountRatePct: 0, budgetAlertThresholdsPct: [], envelopeTolerancePct: 0)
        _ = try Settings(
            currency: "JPY", horizonYears: 50, discountRatePct: 100, budgetAlertThresholdsPct: [1, 1000], envelopeTolerancePct: 1000)
        _ = try Settings(
            currency: "USD", horizonYears: 3, discountRatePct: dec("7.25"), budgetAlertThresholdsPct: [80], envelopeTolerancePct: 20)
    }

    @Test func everyBrokenRuleIsReportedWithItsPointer() throws {
        // 80 repeated (1), 0 and 1001 out of range (2, 3), 90 after 1001 not ascending (4).
        let error = #expect(throws: ValidationError.self) {
            try Settings(
                currency: "usd", horizonYears: 51, discountRatePct: dec("100.01"), budgetAlertThresholdsPct: [80, 80, 0, 1001, 90],
                envelopeTolerancePct: -1)
        }

        #expect(
            error?.errors.map(\.pointer) == [
                "/currency", "/horizon_years", "/discount_rate_pct", "/budget_alert_thresholds_pct/1", "/budget_alert_thresholds_pct/2",
                "/budget_alert_thresholds_pct/3", "/budget_alert_thresholds_pct/4", "/envelope_tolerance_pct",
            ])
    }

    @Test(arguments: ["US", "USDX", "U$D", "ÜSD", "", "usd"])
    func currencyMustBeThreeUppercaseLetters(currency: String) {
        #expect(
            throws: ValidationError([
                FieldError(pointer: "/currency", detail: "must be an ISO 4217 code: three uppercase letters, such as USD")
            ])
        ) {
            try Settings(currency: currency, horizonYears: 3, discountRatePct: 10, budgetAlertThresholdsPct: [80], envelopeTolerancePct: 20)
        }
    }

    @Test(arguments: [0, 51, -3])
    func horizonOutsideOneToFifty(horizon: Int) {
        #expect(throws: ValidationError.self) { try settings(horizonYears: horizon) }
    }

    @Test(arguments: ["-0.01", "100.5", "7.255"])
    func discountRateOutOfRangeOrTooPrecise(rate: String) {
        #expect(throws: ValidationError.self) { try settings(discountRatePct: dec(rate)) }
    }

    @Test func thresholdsMustBeStrictlyAscending() {
        let error = #expect(throws: ValidationError.self) {
            try Settings(
                currency: "USD", horizonYears: 3, discountRatePct: 10, budgetAlertThresholdsPct: [100, 80], envelopeTolerancePct: 20)
        }

        #expect(error?.errors.map(\.pointer) == ["/budget_alert_thresholds_pct/1"])
    }
}

@Suite struct EstimatesValidationTests {
    @Test func missingFieldsDefaultToZero() throws {
        #expect(try Estimates() == Estimates.zero)
        #expect(Estimates.zero.monthlyEnergyKwh == 0)
    }

    @Test func negativeAndHugeValuesAreRefusedNotOverflowed() {
        let error = #expect(throws: ValidationError.self) {
            try Estimates(
                oneTimeCostCents: -1, expectedAnnualBenefitCents: .max, monthlyTokens: Limits.maxTokens + 1, monthlyEnergyKwh: dec("-0.5"),
                energyPriceCentsPerKwh: dec("1e7"), gridCarbonGPerKwh: dec("0.0000001"))
        }

        #expect(
            error?.prefixed(by: "/estimates").errors.map(\.pointer) == [
                "/estimates/one_time_cost_cents", "/estimates/expected_annual_benefit_cents", "/estimates/monthly_tokens",
                "/estimates/monthly_energy_kwh", "/estimates/energy_price_cents_per_kwh", "/estimates/grid_carbon_g_per_kwh",
            ])
    }

    @Test func nanIsRefused() {
        #expect(throws: ValidationError.self) { try Estimates(monthlyEnergyKwh: .nan) }
    }

    @Test func sixFractionDigitsAreAccepted() throws {
        let estimates = try Estimates(monthlyEnergyKwh: dec("0.000001"), energyPriceCentsPerKwh: dec("12.570000"))

        #expect(estimates.energyPriceCentsPerKwh == dec("12.57"))
    }

    @Test func productsBeyondTheCentsLimitAreRefused() {
        // 10^15 tokens at 1,000,001 cents per million = 1.000001e15 cents a month
        #expect(throws: ValidationError.self) {
            try Estimates(monthlyTokens: Limits.maxTokens, pricePerMillionTokensCents: 1_000_001)
        }
        // 10^12 kWh at 1,001 cents = 1.001e15 cents a month
        #expect(throws: ValidationError.self) {
            try Estimates(monthlyEnergyKwh: dec("1e12"), energyPriceCentsPerKwh: 1_001)
        }
    }

    @Test func costPerMillionTokensIsBounded() throws {
        // 1 token a month and 10^9 cents of infra: 10^9 * 1e6 / 1 = 10^15 per million, the limit.
        _ = try Estimates(monthlyTokens: 1, monthlyInfraCostCents: 1_000_000_000)
        let error = #expect(throws: ValidationError.self) {
            try Estimates(monthlyTokens: 1, monthlyInfraCostCents: 1_000_000_001)
        }

        #expect(error?.errors.map(\.pointer) == [""])
    }
}

@Suite struct UsageReportValidationTests {
    @Test(arguments: ["2026-01", "2025-12", "0001-01", "9999-12"])
    func wellFormedPeriods(text: String) throws {
        #expect(try #require(UsagePeriod(text)).description == text)
    }

    @Test(arguments: ["2026-1", "2026-13", "2026-00", "0000-01", "2026/01", " 2026-01", "+026-01", "２０２６-01", "2026-01-01", ""])
    func malformedPeriods(text: String) {
        #expect(UsagePeriod(text) == nil)
    }

    @Test func periodsOrderByTime() {
        #expect(period("2025-12") < period("2026-01"))
        #expect(period("2026-02") > period("2026-01"))
    }

    @Test func negativeFieldsAreRefused() {
        let error = #expect(throws: ValidationError.self) {
            try UsageReport(
                period: period("2026-01"), tokensInput: -1, tokensOutput: 0, tokenCostCents: 0, infraCostCents: Limits.maxCents + 1,
                energyCostCents: 0, energyKwh: dec("-1"), realizedBenefitCents: -5)
        }

        #expect(error?.errors.map(\.pointer) == ["/tokens_input", "/infra_cost_cents", "/energy_kwh", "/realized_benefit_cents"])
    }
}
