import Foundation

/// Budget alerts (API.md section 5): `spent_cents` against `approved_funding_cents`.
///
/// A threshold alerts once, when spending first reaches it; it is armed again only when funding
/// grows and spending falls below it again relative to the new funding.
public enum BudgetAlerts {
    /// The thresholds `spentCents` has reached that have not alerted yet, ascending. None while
    /// nothing is funded: a percentage of zero funding means nothing.
    public static func newlyCrossed(spentCents: Int64, fundingCents: Int64, thresholdsPct: [Int], alerted: Set<Int>) -> [Int] {
        guard fundingCents > 0 else { return [] }
        return thresholdsPct.filter { !alerted.contains($0) && reached($0, spentCents: spentCents, fundingCents: fundingCents) }
            .sorted()
    }

    /// After funding grows: the alerted thresholds that spending still reaches stay alerted; the
    /// others are armed again.
    public static func stillCrossed(spentCents: Int64, fundingCents: Int64, alerted: Set<Int>) -> Set<Int> {
        guard fundingCents > 0 else { return [] }
        return alerted.filter { reached($0, spentCents: spentCents, fundingCents: fundingCents) }
    }

    /// spent >= threshold% of funding, exactly (Decimal: no overflow near Int64's limits).
    static func reached(_ thresholdPct: Int, spentCents: Int64, fundingCents: Int64) -> Bool {
        Decimal(spentCents) * 100 >= Decimal(thresholdPct) * Decimal(fundingCents)
    }
}

/// The approved envelope: what the last approved gate's snapshot said a month and a million
/// tokens would cost. Usage beyond it by more than the tolerance is a breach.
public struct Envelope: Sendable, Hashable {
    /// Nil when the snapshot had no tokens; then only the monthly cost is watched.
    public let costPerMillionTokensCents: Int64?
    public let monthlyCostCents: Int64

    public init(costPerMillionTokensCents: Int64?, monthlyCostCents: Int64) {
        (self.costPerMillionTokensCents, self.monthlyCostCents) = (costPerMillionTokensCents, monthlyCostCents)
    }

    /// The envelope of an approved snapshot: its cost per million tokens and its annual run cost
    /// over 12, rounded half away from zero to cents.
    public static func approved(costPerMillionTokensCents: Int64?, annualRunCostCents: Int64) -> Envelope {
        Envelope(
            costPerMillionTokensCents: costPerMillionTokensCents,
            monthlyCostCents: Money.roundToCents(Decimal(annualRunCostCents) / 12) ?? annualRunCostCents / 12)
    }

    /// Whether `report` exceeds the envelope by more than `tolerancePct`: its cost, or its cost
    /// per million tokens (cost * 1e6 / tokens, when it used tokens and the envelope prices them).
    public func isBreached(by report: UsageReport, tolerancePct: Int) -> Bool {
        let factor = Decimal(100 + tolerancePct) / 100
        let cost = Decimal(report.costCents)
        if cost > Decimal(monthlyCostCents) * factor { return true }
        if let limit = costPerMillionTokensCents, report.tokens > 0 {
            return cost * 1_000_000 / Decimal(report.tokens) > Decimal(limit) * factor
        }
        return false
    }
}
