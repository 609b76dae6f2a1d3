import JSON
import Testing

@Suite("Numbers")
struct NumberTests {
    @Test(
        "int64 is the value of an integer literal within Int64, else nil",
        arguments: [
            ("0", 0), ("-0", 0), ("42", 42), ("9223372036854775807", Int64.max), ("-9223372036854775808", Int64.min),
            ("9223372036854775808", nil), ("-9223372036854775809", nil), ("1.0", nil), ("1e2", nil), ("1E+2", nil), ("0.5", nil),
        ] as [(String, Int64?)])
    func int64(literal: String, expected: Int64?) {
        #expect(JSONNumber(literal: literal)?.int64 == expected)
    }

    @Test("isInteger means written without fraction or exponent")
    func isInteger() {
        #expect(JSONNumber(literal: "-12")!.isInteger)
        #expect(JSONNumber(literal: "123456789012345678901234567890")!.isInteger)
        #expect(!JSONNumber(literal: "1.0")!.isInteger)
        #expect(!JSONNumber(literal: "1e2")!.isInteger)
    }

    @Test(
        "double is the nearest Double, nil beyond the finite range",
        arguments: [
            ("1E+2", 100), ("0.1", 0.1), ("-2.5e-3", -0.0025), ("1e-400", 0), ("1.7976931348623157e308", .greatestFiniteMagnitude),
            ("1e400", nil), ("-1e400", nil),
        ] as [(String, Double?)])
    func double(literal: String, expected: Double?) {
        #expect(JSONNumber(literal: literal)?.double == expected)
    }

    @Test(
        "JSONNumber(literal:) accepts exactly one RFC 8259 number",
        arguments: ["", " 1", "1 ", "+1", "01", "-", "1.", ".1", "1e", "1e+", "NaN", "Infinity", "-Infinity", "0x1", "1_000", "١", "1.5.2"])
    func invalidLiterals(_ literal: String) {
        #expect(JSONNumber(literal: literal) == nil)
    }

    @Test("Integers build their decimal text, from variables and literals")
    func integers() {
        #expect(JSONNumber(Int64.min).literal == "-9223372036854775808")
        #expect(JSONNumber(Int(42)).literal == "42")
        let literal: JSONNumber = -7
        #expect(literal.literal == "-7")
        #expect(JSONValue.number(3).encodedString() == "3")
    }

    @Test(
        "JSONNumber(Double, fractionDigits:) rounds half away from zero and writes only the digits needed",
        arguments: [
            (12.5, 2, "12.5"), (12.50, 2, "12.5"), (3, 2, "3"), (0, 2, "0"), (-0.0, 2, "0"), (1.005, 2, "1.01"),
            (2.675, 2, "2.68"), (-2.675, 2, "-2.68"), (0.125, 2, "0.13"), (-0.125, 2, "-0.13"), (0.124, 2, "0.12"),
            (-0.004, 2, "0"), (-0.005, 2, "-0.01"), (1e-7, 2, "0"), (0.0049, 2, "0"), (9.995, 2, "10"), (99.999, 2, "100"),
            (0.1 + 0.2, 2, "0.3"), (1e20, 2, "100000000000000000000"), (123.456, 0, "123"), (0.5, 0, "1"), (-0.5, 0, "-1"),
            (1.5e-5, 5, "0.00002"), (12345.6789, 3, "12345.679"), (33.333333333333336, 2, "33.33"), (-66.66666666666667, 2, "-66.67"),
        ] as [(Double, Int, String)])
    func rounded(value: Double, digits: Int, expected: String) {
        #expect(JSONNumber(value, fractionDigits: digits)?.literal == expected)
    }

    @Test("NaN and the infinities have no JSON number")
    func nonFinite() {
        #expect(JSONNumber(.nan, fractionDigits: 2) == nil)
        #expect(JSONNumber(.infinity, fractionDigits: 2) == nil)
        #expect(JSONNumber(-.infinity, fractionDigits: 0) == nil)
    }

    @Test("Numbers are equal when their literals are; numeric comparison goes through int64 or double")
    func equality() {
        #expect(JSONNumber(literal: "1.0") != JSONNumber(literal: "1"))
        #expect(JSONNumber(literal: "1.0")?.double == JSONNumber(literal: "1")?.double)
        #expect(JSONNumber(literal: "100") == JSONNumber(100))
    }
}
