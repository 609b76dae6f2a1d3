import Foundation

/// The deployment-wide settings of API.md section 4 (`GET`/`PUT /v1/settings`).
///
/// A value of this type has always passed validation (the initializer throws otherwise).
public struct Settings: Sendable, Hashable {
    /// ISO 4217 shape: three uppercase ASCII letters. Amounts are in its minor unit (`_cents`).
    public let currency: String
    /// H, the horizon of `total_cost_cents`, `roi_pct` and `npv_cents`: 1...50 years.
    public let horizonYears: Int
    /// r, the yearly discount rate of `npv_cents`: 0...100 percent with at most 2 fractional
    /// digits (basis points, e.g. 7.25).
    public let discountRatePct: Decimal
    /// Percentages of approved funding whose crossing by `spent_cents` raises a budget alert:
    /// strictly ascending, each in 1...1000, at most 20 of them; empty turns alerts off.
    public let budgetAlertThresholdsPct: [Int]
    /// How far a usage report may exceed the approved envelope before it counts as a breach:
    /// 0...1000 percent.
    public let envelopeTolerancePct: Int

    public static let horizonYearsRange = 1...50
    public static let discountRatePctRange: ClosedRange<Decimal> = 0...100
    public static let thresholdPctRange = 1...1000
    public static let maxThresholdCount = 20
    public static let envelopeTolerancePctRange = 0...1000

    /// USD, 3 years, 10 %, alerts at 80 % and 100 %, 20 % envelope tolerance.
    public static let defaults = try! Settings(
        currency: "USD", horizonYears: 3, discountRatePct: 10, budgetAlertThresholdsPct: [80, 100], envelopeTolerancePct: 20)

    /// Validated settings; every field is required (`PUT` replaces the whole object).
    ///
    /// - Throws: `ValidationError` listing every broken rule, with pointers such as
    ///   `/horizon_years` or `/budget_alert_thresholds_pct/1`.
    public init(
        currency: String, horizonYears: Int, discountRatePct: Decimal, budgetAlertThresholdsPct: [Int], envelopeTolerancePct: Int
    ) throws(ValidationError) {
        var checker = FieldChecker()
        let utf8 = currency.utf8
        if utf8.count != 3 || !utf8.allSatisfy({ (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains($0) }) {
            checker.fail("/currency", "must be an ISO 4217 code: three uppercase letters, such as USD")
        }
        if !Self.horizonYearsRange.contains(horizonYears) {
            checker.fail("/horizon_years", "must be an integer from 1 to 50")
        }
        if discountRatePct.isNaN || !Self.discountRatePctRange.contains(discountRatePct) {
            checker.fail("/discount_rate_pct", "must be from 0 to 100")
        } else if !Money.hasAtMost(2, fractionDigits: discountRatePct) {
            checker.fail("/discount_rate_pct", "must have at most 2 digits after the decimal point")
        }
        if budgetAlertThresholdsPct.count > Self.maxThresholdCount {
            checker.fail("/budget_alert_thresholds_pct", "must hold at most \(Self.maxThresholdCount) thresholds")
        }
        for (index, threshold) in budgetAlertThresholdsPct.enumerated() {
            let pointer = "/budget_alert_thresholds_pct/\(index)"
            if !Self.thresholdPctRange.contains(threshold) {
                checker.fail(pointer, "must be an integer from 1 to 1000")
            } else if index > 0 && threshold <= budgetAlertThresholdsPct[index - 1] {
                checker.fail(pointer, "thresholds must be strictly ascending (no duplicates)")
            }
        }
        if !Self.envelopeTolerancePctRange.contains(envelopeTolerancePct) {
            checker.fail("/envelope_tolerance_pct", "must be an integer from 0 to 1000")
        }
        try checker.result()

        self.currency = currency
        self.horizonYears = horizonYears
        self.discountRatePct = discountRatePct
        self.budgetAlertThresholdsPct = budgetAlertThresholdsPct
        self.envelopeTolerancePct = envelopeTolerancePct
    }
}
