import Foundation

/// One broken rule: where (an RFC 6901 JSON Pointer, relative to the validated object, using the
/// API's field names) and why (a message safe to show a client).
public struct FieldError: Sendable, Hashable, CustomStringConvertible {
    public var pointer: String
    public var detail: String

    public init(pointer: String, detail: String) {
        self.pointer = pointer
        self.detail = detail
    }

    public var description: String { "\(pointer): \(detail)" }
}

/// Every rule a value broke, in field order; never empty. The API answers it with 422
/// `validation-failed` and one `errors` entry per element.
public struct ValidationError: Error, Sendable, Hashable {
    public var errors: [FieldError]

    public init(_ errors: [FieldError]) {
        self.errors = errors
    }

    /// The same errors located inside an enclosing object, e.g. `prefixed(by: "/estimates")`.
    public func prefixed(by pointer: String) -> ValidationError {
        ValidationError(errors.map { FieldError(pointer: pointer + $0.pointer, detail: $0.detail) })
    }
}

/// Input limits. They are chosen so that, for every value that passes validation and every valid
/// `Settings` (horizon up to 50 years), every cents figure the domain derives fits in `Int64`
/// with room to spare: validation refuses huge numbers instead of arithmetic overflowing later.
public enum Limits {
    /// The largest amount any cents input may hold: 10^15 cents (10 trillion currency units).
    public static let maxCents: Int64 = 1_000_000_000_000_000
    /// The largest token count any input may hold: 10^15.
    public static let maxTokens: Int64 = 1_000_000_000_000_000
    /// The largest monthly energy use: 10^12 kWh.
    public static let maxEnergyKwh = Decimal(sign: .plus, exponent: 12, significand: 1)
    /// The largest energy price: 10^6 cents per kWh.
    public static let maxEnergyPriceCentsPerKwh = Decimal(sign: .plus, exponent: 6, significand: 1)
    /// The largest grid carbon intensity: 10^5 g per kWh (the dirtiest real grids are near 1,000).
    public static let maxGridCarbonGPerKwh = Decimal(sign: .plus, exponent: 5, significand: 1)
    /// Decimal inputs carry at most 6 fractional digits, which keeps every product of them exact
    /// within `Decimal`'s 38 significant digits.
    public static let maxFractionDigits = 6
}

/// Collects field errors; the validating initializers use one each.
struct FieldChecker {
    private(set) var errors: [FieldError] = []

    var isValid: Bool { errors.isEmpty }

    mutating func fail(_ pointer: String, _ detail: String) {
        errors.append(FieldError(pointer: pointer, detail: detail))
    }

    /// Checks `0 <= value <= max`; returns whether it passed.
    @discardableResult
    mutating func check(_ value: Int64, max: Int64, at pointer: String) -> Bool {
        guard value >= 0 else {
            fail(pointer, "must be greater than or equal to 0")
            return false
        }
        guard value <= max else {
            fail(pointer, "must be less than or equal to \(max)")
            return false
        }
        return true
    }

    /// Checks `0 <= value <= max` with at most `Limits.maxFractionDigits` fractional digits.
    @discardableResult
    mutating func check(_ value: Decimal, max: Decimal, at pointer: String) -> Bool {
        guard !value.isNaN, value >= 0 else {
            fail(pointer, "must be a number greater than or equal to 0")
            return false
        }
        guard value <= max else {
            fail(pointer, "must be less than or equal to \(max)")
            return false
        }
        guard Money.hasAtMost(Limits.maxFractionDigits, fractionDigits: value) else {
            fail(pointer, "must have at most \(Limits.maxFractionDigits) digits after the decimal point")
            return false
        }
        return true
    }

    func result() throws(ValidationError) {
        if !errors.isEmpty { throw ValidationError(errors) }
    }
}
