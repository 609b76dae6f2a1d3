import JSON
import Testing

/// Strings are scanned eight bytes at a time: every special byte is found wherever it falls in a word.
@Suite("String scanning")
struct StringScanTests {
    static let offsets = Array(0..<20)

    @Test("Plain strings of every length up to 40 parse, alone and inside an array", arguments: Array(0...40))
    func lengths(_ length: Int) throws {
        let text = String((0..<length).map { Character(Unicode.Scalar(UInt8(ascii: "a") + UInt8($0 % 26))) })
        #expect(try JSONParser.parse(Array("\"\(text)\"".utf8)) == .string(text))
        #expect(try JSONParser.parse(Array("[\"\(text)\",1]".utf8)) == [.string(text), 1])
    }

    @Test("An escape, a non-ASCII character and an escaped quote are decoded at every offset", arguments: offsets)
    func specialsDecoded(_ offset: Int) throws {
        let padding = String(repeating: "x", count: offset)
        #expect(try JSONParser.parse(Array("\"\(padding)\\n\(padding)\"".utf8)) == .string(padding + "\n" + padding))
        #expect(try JSONParser.parse(Array("\"\(padding)é\(padding)\"".utf8)) == .string(padding + "é" + padding))
        #expect(try JSONParser.parse(Array("\"\(padding)\\\"\(padding)\"".utf8)) == .string(padding + "\"" + padding))
        #expect(try JSONParser.parse(Array("{\"\(padding)\\u0041\":0}".utf8)) == [padding + "A": 0])
    }

    @Test("A control character or an ill-formed byte is reported at its own offset, wherever it falls", arguments: offsets)
    func specialsRefused(_ offset: Int) {
        let padding = Array(repeating: UInt8(ascii: "x"), count: offset)
        let tail = Array(repeating: UInt8(ascii: "y"), count: 9) + [quote]
        let control = parseError([quote] + padding + [0x1F] + tail)
        #expect(control?.code == .syntax)
        #expect(control?.offset == offset + 1)
        let invalid = parseError([quote] + padding + [0xFF] + tail)
        #expect(invalid?.code == .invalidUTF8)
        #expect(invalid?.offset == offset + 1)
        let key = parseError(Array("{\"".utf8) + padding + [0xC0, 0xAF] + Array("\":1}".utf8))
        #expect(key?.offset == offset + 2)
    }

    @Test("The writer escapes a quote, a backslash and a control character at every offset", arguments: offsets)
    func writerEscapes(_ offset: Int) {
        let padding = String(repeating: "x", count: offset)
        let text = padding + "\"" + padding + "\\" + padding + "\u{1}" + padding + "\n"
        let expected = "\"" + padding + #"\""# + padding + #"\\"# + padding + #"\u0001"# + padding + #"\n""#
        #expect(JSONValue.string(text).encodedString() == expected)
    }

    @Test("Keys repeated across objects, and keys that look alike, keep their own text")
    func repeatedKeys() throws {
        // Same length, first, middle and last byte: the parser's key memo must compare every byte.
        let value = try JSONParser.parse(Array(#"[{"abcda":1,"aecda":2},{"aecda":3,"abcda":4},{"abcda":5}]"#.utf8))
        #expect(value[0]?.objectValue?.keys == ["abcda", "aecda"])
        #expect(value[1]?.objectValue?.keys == ["aecda", "abcda"])
        #expect(value[2]?["abcda"] == 5)
        let long = String(repeating: "k", count: 40)
        let many = try JSONParser.parse(Array("[{\"\(long)\":1,\"\":2},{\"\(long)\":3,\"\":4}]".utf8))
        #expect(many[1]?[long] == 3)
        #expect(many[1]?[""] == 4)
    }
}

private let quote = UInt8(ascii: "\"")
