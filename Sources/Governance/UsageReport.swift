import Foundation

/// A calendar month a usage report covers, written `YYYY-MM` (year 0001...9999, month 01...12).
/// Ordered by time, so the latest periods sort last.
public struct UsagePeriod: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let year: Int
    public let month: Int

    /// Nil unless 1...9999 and 1...12.
    public init?(year: Int, month: Int) {
        guard (1...9999).contains(year), (1...12).contains(month) else { return nil }
        self.year = year
        self.month = month
    }

    /// Parses exactly `YYYY-MM` (ASCII digits, zero-padded); nil for anything else.
    public init?(_ text: some StringProtocol) {
        let bytes = Array(text.utf8)
        guard bytes.count == 7, bytes[4] == UInt8(ascii: "-") else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for byte in bytes[range] {
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
            }
            return value
        }
        guard let year = number(0..<4), let month = number(5..<7) else { return nil }
        self.init(year: year, month: month)
    }

    public var description: String {
        let yyyy = String(year)
        let mm = String(month)
        return String(repeating: "0", count: 4 - yyyy.count) + yyyy + "-" + (month < 10 ? "0" : "") + mm
    }

    public static func < (lhs: UsagePeriod, rhs: UsagePeriod) -> Bool {
        (lhs.year, lhs.month) < (rhs.year, rhs.month)
    }
}

/// What a use case actually used and returned in one period (API.md section 5).
///
/// A value of this type has always passed validation: every field is >= 0 and within `Limits`.
public struct UsageReport: Sendable, Hashable {
    public let period: UsagePeriod
    public let tokensInput: Int64
    public let tokensOutput: Int64
    public let tokenCostCents: Int64
    public let infraCostCents: Int64
    public let energyCostCents: Int64
    public let energyKwh: Decimal
    public let realizedBenefitCents: Int64

    /// A validated report. Every field is required; the period comes from the path, so a
    /// malformed period is the caller's to reject before this point.
    ///
    /// - Throws: `ValidationError` listing every broken rule, with pointers such as `/tokens_input`.
    public init(
        period: UsagePeriod, tokensInput: Int64, tokensOutput: Int64, tokenCostCents: Int64, infraCostCents: Int64,
        energyCostCents: Int64, energyKwh: Decimal, realizedBenefitCents: Int64
    ) throws(ValidationError) {
        var checker = FieldChecker()
        checker.check(tokensInput, max: Limits.maxTokens, at: "/tokens_input")
        checker.check(tokensOutput, max: Limits.maxTokens, at: "/tokens_output")
        checker.check(tokenCostCents, max: Limits.maxCents, at: "/token_cost_cents")
        checker.check(infraCostCents, max: Limits.maxCents, at: "/infra_cost_cents")
        checker.check(energyCostCents, max: Limits.maxCents, at: "/energy_cost_cents")
        checker.check(energyKwh, max: Limits.maxEnergyKwh, at: "/energy_kwh")
        checker.check(realizedBenefitCents, max: Limits.maxCents, at: "/realized_benefit_cents")
        try checker.result()

        self.period = period
        self.tokensInput = tokensInput
        self.tokensOutput = tokensOutput
        self.tokenCostCents = tokenCostCents
        self.infraCostCents = infraCostCents
        self.energyCostCents = energyCostCents
        self.energyKwh = energyKwh
        self.realizedBenefitCents = realizedBenefitCents
    }

    /// The report's cost: token + infra + energy cost (at most 3 * `Limits.maxCents`).
    public var costCents: Int64 { tokenCostCents + infraCostCents + energyCostCents }

    /// Input plus output tokens (at most 2 * `Limits.maxTokens`).
    public var tokens: Int64 { tokensInput + tokensOutput }

    /// `spent_cents`: the sum of the reports' costs, or nil when it would not fit in `Int64`
    /// (about 3,000 periods at the per-field limit); a report that would cause that is refused.
    /// Pass one report per period, as the store keeps them.
    public static func spentCents(_ reports: some Sequence<UsageReport>) -> Int64? {
        var total: Int64 = 0
        for report in reports {
            let (sum, overflow) = total.addingReportingOverflow(report.costCents)
            guard !overflow else { return nil }
            total = sum
        }
        return total
    }
}
