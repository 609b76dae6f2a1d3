import JSON
import Testing

/// The canonical form is a function of the value: sorted keys by UTF-16, exact numbers in one layout.
@Suite("Canonical form")
struct CanonicalTests {
    func canonical(_ text: String) throws -> String {
        String(decoding: try JSONParser.parse(text.utf8).canonicalEncoded(), as: UTF8.self)
    }

    @Test("Keys are sorted at every depth; array order is kept; no whitespace")
    func sorting() throws {
        #expect(
            try canonical(#"{ "b": 1, "a": 2, "c": { "z": 0, "y": [ { "k": 1, "j": 2 }, 3 ] } }"#)
                == #"{"a":2,"b":1,"c":{"y":[{"j":2,"k":1},3],"z":0}}"#)
    }

    @Test("Keys compare by UTF-16 code units: a supplementary character sorts before U+E000, unlike in UTF-8")
    func utf16Order() throws {
        #expect(try canonical("{\"\u{E000}\":1,\"😀\":2,\"z\":3}") == "{\"z\":3,\"😀\":2,\"\u{E000}\":1}")
    }

    @Test("RFC 8785 section 3.2.3's sorting example")
    func rfc8785Sorting() throws {
        let input = #"""
            {"\u20ac":"Euro Sign","\r":"Carriage Return","\ufb33":"Hebrew Letter Dalet With Dagesh","1":"One",
             "\ud83d\ude00":"Emoji: Grinning Face","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis"}
            """#
        let value = try JSONParser.parse(input.utf8)
        let writtenValues = try JSONParser.parse(value.canonicalEncoded()).objectValue?.members.map { $0.value.stringValue ?? "" }
        #expect(
            writtenValues == [
                "Carriage Return", "One", "Control", "Latin Small Letter O With Diaeresis", "Euro Sign", "Emoji: Grinning Face",
                "Hebrew Letter Dalet With Dagesh",
            ])
    }

    @Test("RFC 8785 section 3.2.2's example, except the 17-digit number JCS would round through binary64")
    func rfc8785Example() throws {
        let input = #"""
            {"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
             "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/", "literals": [null, true, false]}
            """#
        #expect(
            try canonical(input)
                == #"{"literals":[null,true,false],"numbers":[333333333.33333329,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}"#
        )
    }

    @Test(
        "Numbers: every spelling of a value gives one form, in ECMAScript's layout, with every digit kept",
        arguments: [
            ("0", "0"), ("-0", "0"), ("0.0", "0"), ("-0.000e5", "0"), ("7", "7"), ("-42", "-42"), ("1.50", "1.5"), ("15e-1", "1.5"),
            ("1E+2", "100"), ("1.0e1", "10"), ("100e-2", "1"), ("-12.3400", "-12.34"), ("0.00120", "0.0012"),
            ("1e-6", "0.000001"), ("1e-7", "1e-7"), ("1.5e-7", "1.5e-7"), ("123456789012345678901", "123456789012345678901"),
            ("1e21", "1e+21"), ("1234567890123456789012", "1.234567890123456789012e+21"),
            ("9223372036854775807", "9223372036854775807"), ("5e-324", "5e-324"), ("1e400", "1e+400"),
            ("1e99999999999999999999", "1e+99999999999999999999"), ("0.001e99999999999999999999", "1e+99999999999999999996"),
            ("10.5e99999999999999999999", "1.05e+100000000000000000000"), ("12.5e-99999999999999999999", "1.25e-99999999999999999998"),
            ("-0.1e-0000000000000000000001", "-0.01"),
        ])
    func numbers(literal: String, expected: String) throws {
        #expect(try canonical(literal) == expected)
    }

    @Test("Member order and number spelling do not change the canonical bytes; values do")
    func deterministic() throws {
        let one = try JSONParser.parse(#"{"cost_cents":1200,"roi_pct":12.50,"meta":{"b":[1,2],"a":null}}"#.utf8)
        let two = try JSONParser.parse(#"{"meta":{"a":null,"b":[1,2]},"roi_pct":1.25e1,"cost_cents":1200}"#.utf8)
        let three = try JSONParser.parse(#"{"meta":{"a":null,"b":[2,1]},"roi_pct":12.5,"cost_cents":1200}"#.utf8)
        #expect(one.canonicalEncoded() == two.canonicalEncoded())
        #expect(one.canonicalEncoded() != three.canonicalEncoded())
        #expect(
            String(decoding: one.canonicalEncoded(), as: UTF8.self) == #"{"cost_cents":1200,"meta":{"a":null,"b":[1,2]},"roi_pct":12.5}"#)
    }

    @Test("Canonical output is itself valid JSON that is already canonical")
    func idempotent() throws {
        let text = #"{"z":[1E3,{"y":"\u00e9","x":-0.50}],"a":"\n"}"#
        let once = try JSONParser.parse(text.utf8).canonicalEncoded()
        #expect(try JSONParser.parse(once).canonicalEncoded() == once)
    }
}
