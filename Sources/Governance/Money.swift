import Foundation

/// The one place money and other published figures are rounded.
///
/// Every rounding in the domain is half away from zero: 2.5 -> 3, -2.5 -> -3, 0.125 -> 0.13 at
/// two places. Figures are computed in full `Decimal` precision and rounded once, at the end.
public enum Money {
    /// `amount` rounded half away from zero to whole cents, or nil when the result is NaN or
    /// does not fit in `Int64`.
    public static func roundToCents(_ amount: Decimal) -> Int64? {
        guard !amount.isNaN else { return nil }
        let whole = rounded(amount, scale: 0)
        guard whole >= Decimal(Int64.min), whole <= Decimal(Int64.max) else { return nil }
        // An integral Decimal's description is its plain digits ("-12300"), never an exponent.
        return Int64(whole.description)
    }

    /// `value` rounded half away from zero to 2 decimal places: the rule for every published
    /// figure that is not cents (percentages, months, kilograms). NaN stays NaN.
    public static func roundToHundredths(_ value: Decimal) -> Decimal {
        rounded(value, scale: 2)
    }

    /// Whether `value` has no more than `digits` digits after the decimal point.
    static func hasAtMost(_ digits: Int, fractionDigits value: Decimal) -> Bool {
        rounded(value, scale: digits) == value
    }

    /// The rounding rule itself. `.plain` is Foundation's half-away-from-zero mode.
    private static func rounded(_ value: Decimal, scale: Int) -> Decimal {
        var input = value
        var output = Decimal()
        NSDecimalRound(&output, &input, scale, .plain)
        return output
    }
}
