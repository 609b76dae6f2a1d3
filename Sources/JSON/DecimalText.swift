/// A decimal number taken apart exactly, for rounding and for the canonical number form:
/// value = ±digits × 10^exponent, with `digits` free of leading and trailing zeros (empty for zero).
struct DecimalText {
    private(set) var negative = false
    /// ASCII digits.
    private(set) var digits: [UInt8] = []
    /// The power of ten. When `hugeExponent` is set, only the adjustment to add to it.
    private(set) var exponent = 0
    /// A literal exponent too long for `Int` arithmetic (over 15 digits): its sign and digits.
    private var hugeExponent: (negative: Bool, digits: [UInt8])?

    /// Takes apart `literal`, which must follow the JSON number grammar
    /// (`Double.description` of a finite value does too).
    init(literal: String) {
        let bytes = Array(literal.utf8)
        var i = 0
        if bytes.first == ASCII.minus { i = 1 }
        let isNegative = i == 1
        var significand: [UInt8] = []
        var fractionCount = 0
        while i < bytes.count, ASCII.isDigit(bytes[i]) {
            significand.append(bytes[i])
            i += 1
        }
        if i < bytes.count, bytes[i] == ASCII.point {
            i += 1
            while i < bytes.count, ASCII.isDigit(bytes[i]) {
                significand.append(bytes[i])
                fractionCount += 1
                i += 1
            }
        }
        var exponentNegative = false
        var exponentDigits: ArraySlice<UInt8> = []
        if i < bytes.count {  // `e` or `E`
            i += 1
            if bytes[i] == ASCII.minus || bytes[i] == ASCII.plus {
                exponentNegative = bytes[i] == ASCII.minus
                i += 1
            }
            exponentDigits = bytes[i...].drop { $0 == ASCII.zero }
        }
        guard let first = significand.firstIndex(where: { $0 != ASCII.zero }),
            let last = significand.lastIndex(where: { $0 != ASCII.zero })
        else { return }  // zero, whatever its sign or exponent

        negative = isNegative
        digits = Array(significand[first...last])
        let adjustment = (significand.count - 1 - last) - fractionCount
        if exponentDigits.count > 15 {
            hugeExponent = (exponentNegative, Array(exponentDigits))
            exponent = adjustment
        } else {
            let magnitude = exponentDigits.reduce(0) { $0 * 10 + Int($1 &- ASCII.zero) }
            exponent = (exponentNegative ? -magnitude : magnitude) + adjustment
        }
    }

    /// Rounds half away from zero to `fractionDigits` decimals. Only for values with an ordinary exponent.
    mutating func round(fractionDigits: Int) {
        precondition(hugeExponent == nil)
        guard !digits.isEmpty, exponent < -fractionDigits else { return }
        let dropCount = -fractionDigits - exponent
        let keepCount = digits.count - dropCount
        guard keepCount >= 0 else {
            self = DecimalText(literal: "0")
            return
        }
        let roundsUp = digits[keepCount] >= UInt8(ascii: "5")
        digits.removeLast(dropCount)
        exponent = -fractionDigits
        if roundsUp {
            var j = digits.count - 1
            while j >= 0, digits[j] == UInt8(ascii: "9") {
                digits[j] = ASCII.zero
                j -= 1
            }
            if j < 0 { digits.insert(UInt8(ascii: "1"), at: 0) } else { digits[j] += 1 }
        }
        while digits.last == ASCII.zero {
            digits.removeLast()
            exponent += 1
        }
        if digits.isEmpty { self = DecimalText(literal: "0") }
    }

    /// The value written without an exponent, e.g. `12.5`, `0.05`, `300`. Only for ordinary exponents.
    func plainText() -> String {
        precondition(hugeExponent == nil)
        guard !digits.isEmpty else { return "0" }
        var out: [UInt8] = negative ? [ASCII.minus] : []
        if exponent >= 0 {
            out += digits
            out += repeatElement(ASCII.zero, count: exponent)
        } else if digits.count + exponent > 0 {
            let point = digits.count + exponent
            out += digits[..<point]
            out.append(ASCII.point)
            out += digits[point...]
        } else {
            out += [ASCII.zero, ASCII.point]
            out += repeatElement(ASCII.zero, count: -(digits.count + exponent))
            out += digits
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends the canonical form of a valid number literal (see `writeCanonical(into:)`): integer literals of up
    /// to 21 digits, other than negative zero, are already in it.
    static func writeCanonical(_ literal: String, into out: inout [UInt8]) {
        let utf8 = literal.utf8
        let isPlainInteger =
            utf8.count <= 21 && utf8.allSatisfy { ASCII.isDigit($0) || $0 == ASCII.minus } && literal != "-0"
        if isPlainInteger {
            out.append(contentsOf: utf8)
        } else {
            DecimalText(literal: literal).writeCanonical(into: &out)
        }
    }

    /// Appends the canonical form: the layout of ECMAScript's Number::toString (as RFC 8785 uses) applied to
    /// these exact digits. See `JSONWriter.writeCanonical(_:)`.
    func writeCanonical(into out: inout [UInt8]) {
        guard !digits.isEmpty else {
            out.append(ASCII.zero)
            return
        }
        if negative { out.append(ASCII.minus) }
        let k = digits.count
        if let huge = hugeExponent {
            let delta = exponent + k - 1
            writeScientificMantissa(into: &out)
            out.append(huge.negative ? ASCII.minus : ASCII.plus)
            out += Self.offset(huge.digits, by: huge.negative ? -delta : delta)
            return
        }
        let n = k + exponent  // where the decimal point falls, counted from the first digit
        if k <= n && n <= 21 {
            out += digits
            out += repeatElement(ASCII.zero, count: n - k)
        } else if 0 < n && n <= 21 {
            out += digits[..<n]
            out.append(ASCII.point)
            out += digits[n...]
        } else if -6 < n && n <= 0 {
            out += [ASCII.zero, ASCII.point]
            out += repeatElement(ASCII.zero, count: -n)
            out += digits
        } else {
            writeScientificMantissa(into: &out)
            out.append(n - 1 < 0 ? ASCII.minus : ASCII.plus)
            out += String((n - 1).magnitude).utf8
        }
    }

    /// `d[.ddd]e`, the part of the exponent form before the exponent's sign.
    private func writeScientificMantissa(into out: inout [UInt8]) {
        out.append(digits[0])
        if digits.count > 1 {
            out.append(ASCII.point)
            out += digits[1...]
        }
        out.append(UInt8(ascii: "e"))
    }

    /// `magnitude` (ASCII digits, far larger than `delta`) plus `delta`.
    private static func offset(_ magnitude: [UInt8], by delta: Int) -> [UInt8] {
        var result = magnitude
        var carry = delta
        var j = result.count - 1
        while carry != 0 && j >= 0 {
            let sum = Int(result[j] &- ASCII.zero) + carry
            var digit = sum % 10
            carry = sum / 10
            if digit < 0 {
                digit += 10
                carry -= 1
            }
            result[j] = UInt8(digit) + ASCII.zero
            j -= 1
        }
        if carry > 0 { result.insert(contentsOf: String(carry).utf8, at: 0) }
        return Array(result.drop { $0 == ASCII.zero })
    }
}

/// The ASCII bytes the JSON grammar is made of.
enum ASCII {
    static let zero = UInt8(ascii: "0")
    static let minus = UInt8(ascii: "-")
    static let plus = UInt8(ascii: "+")
    static let point = UInt8(ascii: ".")
    static let quote = UInt8(ascii: "\"")
    static let backslash = UInt8(ascii: "\\")

    static let lowerHex = Array("0123456789abcdef".utf8)

    static func isDigit(_ byte: UInt8) -> Bool { byte &- zero < 10 }
}
