import JSON
import Testing

/// Valid edge cases parse to the values they denote, with number literals kept exact.
@Suite("Parser acceptance")
struct ParserAcceptanceTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let input: String
        let value: JSONValue
        var testDescription: String { input }
        init(_ input: String, _ value: JSONValue) {
            self.input = input
            self.value = value
        }
    }

    @Test(
        "Scalars, empty containers and surrounding whitespace",
        arguments: [
            Case("null", .null), Case("true", true), Case("false", false), Case("0", 0), Case(#""""#, ""),
            Case("[]", []), Case("{}", [:]), Case("[[]]", [[]]), Case(#"{"":0}"#, ["": 0]),
            Case(" \t\r\n[ 1 , 2 ]\r\n ", [1, 2]),
            Case(#"{ "a" : [ true , null ] }"#, ["a": [true, .null]]),
        ])
    func basics(_ test: Case) throws {
        #expect(try JSONParser.parse(test.input.utf8) == test.value)
    }

    @Test(
        "Numbers keep their literal text exactly",
        arguments: [
            "-0", "0", "1E+2", "1e-2", "2E2", "-1.5e-0", "0.000", "123456789012345678901234567890",
            "-9223372036854775809", "3.141592653589793238462643383279", "1e400",
        ])
    func numberLiterals(_ literal: String) throws {
        let value = try JSONParser.parse(literal.utf8)
        #expect(value == .number(JSONNumber(literal: literal)!))
        #expect(value.numberValue?.literal == literal)
        #expect(value.encodedString() == literal)
    }

    @Test("-0 is the integer zero; 1E+2 is 100 but not written as an integer")
    func negativeZeroAndExponent() throws {
        let zero = try JSONParser.parse("-0".utf8)
        #expect(zero.int64Value == 0)
        #expect(zero.doubleValue == 0)
        let hundred = try JSONParser.parse("1E+2".utf8)
        #expect(hundred.int64Value == nil)
        #expect(hundred.doubleValue == 100)
    }

    @Test("A big integer stays exact as text, and is not an Int64")
    func bigInteger() throws {
        let value = try JSONParser.parse(#"{"n":123456789012345678901234567890}"#.utf8)
        #expect(value["n"]?.numberValue?.literal == "123456789012345678901234567890")
        #expect(value["n"]?.int64Value == nil)
        #expect(value.encodedString() == #"{"n":123456789012345678901234567890}"#)
    }

    @Test(
        "Escapes decode, surrogate pairs included",
        arguments: [
            Case(#""\ud83d\ude00""#, "😀"), Case(#""\uD83D\uDE00""#, "😀"), Case(#""a\ud83d\ude00b""#, "a😀b"),
            Case(#""\udbff\udfff""#, "\u{10FFFF}"), Case(#""\u00e9\u20AC""#, "é€"),
            Case(#""\"\\\/\b\f\n\r\t""#, "\"\\/\u{8}\u{C}\n\r\t"), Case(#""\u0000""#, "\u{0}"),
            Case(#""\uFFFF""#, "\u{FFFF}"), Case(#""x\u0041y""#, "xAy"),
        ])
    func escapes(_ test: Case) throws {
        #expect(try JSONParser.parse(test.input.utf8) == test.value)
    }

    @Test("Well-formed UTF-8 at the edges of each range is accepted, and DEL needs no escape")
    func utf8Edges() throws {
        let scalars: [UInt32] = [0x7F, 0x80, 0x7FF, 0x800, 0xD7FF, 0xE000, 0xFFFD, 0xFFFF, 0x10000, 0x10FFFF]
        for value in scalars {
            let text = String(Unicode.Scalar(value)!)
            #expect(try JSONParser.parse(Array("\"\(text)\"".utf8)) == .string(text), "U+\(String(value, radix: 16))")
        }
    }

    @Test("Object members keep their order, nested objects included")
    func memberOrder() throws {
        let value = try JSONParser.parse(#"{"b":1,"a":{"z":0,"y":1},"c":2}"#.utf8)
        #expect(value.objectValue?.keys == ["b", "a", "c"])
        #expect(value["a"]?.objectValue?.keys == ["z", "y"])
    }

    @Test("Every kind of byte collection parses the same: arrays, slices, UTF-8 views, raw buffers, non-contiguous")
    func inputKinds() throws {
        let text = #"{"a":[1,"x",null]}"#
        let expected: JSONValue = ["a": [1, "x", .null]]
        let array = Array(text.utf8)
        #expect(try JSONParser.parse(array) == expected)
        #expect(try JSONParser.parse((Array("  ".utf8) + array)[2...]) == expected)
        #expect(try JSONParser.parse(text.utf8) == expected)
        #expect(try JSONParser.parse(array.lazy.map { $0 }) == expected)
        let fromRaw = try array.withUnsafeBytes { (buffer) throws(JSONParseError) in try JSONParser.parse(buffer) }
        #expect(fromRaw == expected)
    }

    @Test("A large object with many members parses, keeps order, and answers lookups")
    func largeObject() throws {
        let members = (0..<500).map { "\"k\($0)\":\($0)" }.joined(separator: ",")
        let object = try #require(try JSONParser.parse(Array("{\(members)}".utf8)).objectValue)
        #expect(object.count == 500)
        #expect(object.keys.first == "k0")
        #expect(object.keys.last == "k499")
        #expect(object["k250"] == 250)
        #expect(object["k500"] == nil)
    }

    @Test("A 1 MiB body of typical objects parses and round-trips")
    func megabyteBody() throws {
        let item: JSONValue = [
            "id": "uc_0123456789abcdef", "title": "Invoice triage with \"quotes\" and é",
            "estimates": [
                "monthly_tokens": 12_000_000, "monthly_infra_cost_cents": 150_000, "rate": .number(JSONNumber(literal: "12.75")!),
            ],
            "tags": ["finance", "ops"], "active": true, "notes": .null,
        ]
        let body = JSONValue.array(Array(repeating: item, count: 1024 * 1024 / item.encoded().count + 1))
        let bytes = body.encoded()
        #expect(bytes.count > 1024 * 1024)
        let parsed = try JSONParser.parse(bytes, limits: JSONLimits(maxElements: 1_000_000))
        #expect(parsed == body)
        #expect(parsed.encoded() == bytes)
    }
}
