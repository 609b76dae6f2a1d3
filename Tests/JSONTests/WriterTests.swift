import JSON
import Testing

@Suite("Writer")
struct WriterTests {
    @Test(
        "Strings escape quote, backslash and control characters only; short forms where RFC 8259 has them",
        arguments: [
            ("", #""""#), ("plain", #""plain""#), ("say \"hi\"", #""say \"hi\"""#), (#"C:\dir"#, #""C:\\dir""#),
            ("a/b", #""a/b""#), ("\n\r\t\u{8}\u{C}", #""\n\r\t\b\f""#), ("\u{0}\u{1}\u{B}\u{1F}", #""\u0000\u0001\u000b\u001f""#),
            ("\u{7F}", "\"\u{7F}\""), ("é€😀", "\"é€😀\""), ("\u{2028}\u{2029}", "\"\u{2028}\u{2029}\""),
            ("e\u{301}", "\"e\u{301}\""), ("end\\", #""end\\""#),
        ])
    func escaping(text: String, expected: String) {
        #expect(JSONValue.string(text).encodedString() == expected)
        #expect(JSONValue.string(text).canonicalEncoded() == Array(expected.utf8))
    }

    @Test("Non-ASCII is written as its UTF-8 bytes")
    func utf8Output() {
        #expect(JSONValue.string("é😀").encoded() == [0x22, 0xC3, 0xA9, 0xF0, 0x9F, 0x98, 0x80, 0x22])
    }

    @Test("Responses are built from ordered pairs and literals and written compactly in that order")
    func building() {
        let id = "uc_1"
        let cursor: String? = nil
        let value = JSONValue.object([
            ("id", .string(id)), ("version", .number(3)), ("tags", ["a", "b"]), ("ok", true),
            ("next_cursor", JSONValue(cursor)), ("nested", ["z": 1, "a": [:]]), ("count", JSONValue(Int?(5))),
        ])
        #expect(
            value.encodedString()
                == #"{"id":"uc_1","version":3,"tags":["a","b"],"ok":true,"next_cursor":null,"nested":{"z":1,"a":{}},"count":5}"#)
        #expect(value.description == value.encodedString())
    }

    @Test(
        "Parsing then writing a compact document gives back the same bytes",
        arguments: [
            "null", "[]", "{}", #"{"b":1,"a":[true,false,null,"x"]}"#, #"[-0,1E+2,1.50,123456789012345678901234567890]"#,
            #"{"s":"line\nbreak \"q\" \\ \u0001 é 😀"}"#, #"[[[[{"":""}]]]]"#,
        ])
    func roundTripBytes(_ text: String) throws {
        #expect(try JSONParser.parse(text.utf8).encodedString() == text)
    }

    @Test("Writing then parsing gives back the same value, escapes and all")
    func roundTripValues() throws {
        let control = String(decoding: (0..<0x20).map { UInt8($0) }, as: UTF8.self)
        let value: JSONValue = [
            "control": .string(control), "quotes": "\"\\/", "emoji": "😀\u{10FFFF}", "number": .number(JSONNumber(literal: "-1.25e-7")!),
            "list": [1, [2, [3]], ["k": .null]],
        ]
        #expect(try JSONParser.parse(value.encoded()) == value)
    }

    @Test("Parsing an escaped string and writing it uses the writer's escapes, not the input's")
    func normalisesEscapes() throws {
        #expect(try JSONParser.parse(#""\u0041\/\u00e9\u001F""#.utf8).encodedString() == "\"A/é\\u001f\"")
    }

    @Test("A writer is reused: removeAll empties it and keeps its capacity")
    func reuse() {
        var writer = JSONWriter(reservingCapacity: 256)
        writer.write(["a": 1])
        #expect(writer.bytes == Array(#"{"a":1}"#.utf8))
        writer.removeAll()
        #expect(writer.bytes.isEmpty)
        #expect(writer.bytes.capacity >= 256)
        writer.write([1, 2])
        writer.write("x")
        #expect(writer.bytes == Array(#"[1,2]"x""#.utf8))
    }
}
