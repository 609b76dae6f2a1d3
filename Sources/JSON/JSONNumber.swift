/// A JSON number, kept as its exact literal text so that no value is rounded on the way through.
///
/// The literal always follows the RFC 8259 grammar: `-? (0 | [1-9][0-9]*) (.[0-9]+)? ([eE][+-]?[0-9]+)?`.
/// Two numbers are equal when their literals are identical (`1.0` and `1` are not); compare `int64` or
/// `double` for numeric equality. Money travels as integers (`int64`), never through `double`.
public struct JSONNumber: Sendable, Hashable {
    /// The literal text, exactly as parsed or built.
    public let literal: String

    /// A number from literal text that is already known to follow the grammar.
    init(uncheckedLiteral literal: String) {
        self.literal = literal
    }

    /// A number from its literal text, or nil when `literal` is not exactly one RFC 8259 number
    /// (no surrounding whitespace, no `+`, no leading zeros, no `NaN` or `Infinity`).
    public init?(literal: String) {
        var text = literal
        let valid = text.withUTF8 { bytes in
            if case .end(let end) = NumberGrammar.scan(bytes, from: 0) { return end == bytes.count }
            return false
        }
        guard valid else { return nil }
        self.literal = text
    }

    public init(_ value: Int64) {
        literal = String(value)
    }

    public init(_ value: Int) {
        literal = String(value)
    }

    /// `value` rounded half away from zero to `fractionDigits` decimals, or nil when `value` is NaN or infinite.
    ///
    /// Rounding starts from the shortest decimal that reads back as `value` (what `print(value)` shows), so
    /// `1.005` rounds to `1.01` even though the nearest `Double` is slightly below 1.005. The literal is written
    /// without an exponent and with only the digits needed: trailing fraction zeros and a trailing point are
    /// dropped, and negative zero is written `0`. So with 2 decimals: `12.5` -> `12.5`, `12.50` -> `12.5`,
    /// `3` -> `3`, `2.675` -> `2.68`, `-0.004` -> `0`, `1e-7` -> `0`, `1e20` -> `100000000000000000000`.
    /// - Precondition: `fractionDigits` is not negative.
    public init?(_ value: Double, fractionDigits: Int) {
        precondition(fractionDigits >= 0, "fractionDigits must not be negative")
        guard value.isFinite else { return nil }
        var decimal = DecimalText(literal: value.description)
        decimal.round(fractionDigits: fractionDigits)
        literal = decimal.plainText()
    }

    /// True when the literal is written as an integer: no fraction and no exponent (`1.0` and `1e2` are not).
    public var isInteger: Bool {
        !literal.utf8.contains { $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }
    }

    /// The value when the literal is an integer (`isInteger`) within `Int64`'s range, else nil.
    /// `-0` is 0; `1.0`, `1e2` and `9223372036854775808` are nil.
    public var int64: Int64? {
        guard isInteger else { return nil }
        return Int64(literal)
    }

    /// The nearest `Double` to the literal (correctly rounded), or nil when its magnitude is beyond
    /// `Double`'s finite range. Values too small to represent become zero.
    public var double: Double? {
        guard let value = Double(literal), value.isFinite else { return nil }
        return value
    }
}

extension JSONNumber: ExpressibleByIntegerLiteral {
    public init(integerLiteral value: Int64) { self.init(value) }
}

extension JSONNumber: CustomStringConvertible {
    public var description: String { literal }
}

/// The RFC 8259 number grammar, shared by the parser and `JSONNumber(literal:)`.
enum NumberGrammar {
    enum Scan {
        /// A number ends before this offset (the next byte, if any, is not part of it).
        case end(Int)
        /// A `0` followed by a digit: the offset of that `0`.
        case leadingZero(Int)
        /// A digit was required here (after `-`, `.`, `e`, or `e+`).
        case expectedDigit(Int)
    }

    static func scan(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Scan {
        let count = bytes.count
        var i = start
        if i < count && bytes[i] == ASCII.minus { i += 1 }
        guard i < count && ASCII.isDigit(bytes[i]) else { return .expectedDigit(i) }
        if bytes[i] == ASCII.zero {
            i += 1
            if i < count && ASCII.isDigit(bytes[i]) { return .leadingZero(i - 1) }
        } else {
            i = endOfDigits(bytes, from: i + 1)
        }
        if i < count && bytes[i] == ASCII.point {
            i += 1
            guard i < count && ASCII.isDigit(bytes[i]) else { return .expectedDigit(i) }
            i = endOfDigits(bytes, from: i + 1)
        }
        if i < count && bytes[i] | 0x20 == UInt8(ascii: "e") {
            i += 1
            if i < count && (bytes[i] == ASCII.plus || bytes[i] == ASCII.minus) { i += 1 }
            guard i < count && ASCII.isDigit(bytes[i]) else { return .expectedDigit(i) }
            i = endOfDigits(bytes, from: i + 1)
        }
        return .end(i)
    }

    @inline(__always)
    private static func endOfDigits(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        var i = start
        while i < bytes.count && ASCII.isDigit(bytes[i]) { i += 1 }
        return i
    }
}
