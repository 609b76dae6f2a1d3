import JSON
import Testing

/// Every body RFC 8259 does not allow is refused, with a code and a message a client can act on.
@Suite("Parser rejections")
struct ParserRejectionTests {
    @Test(
        "Empty input, whitespace only, a byte order mark and trailing data are refused",
        arguments: [
            Rejection("empty", "", .syntax, "empty input: expected a JSON value"),
            Rejection("whitespace only", " \n\t\r", .syntax, "expected a JSON value at byte 4"),
            Rejection("BOM", bytes: [0xEF, 0xBB, 0xBF] + Array("{}".utf8), .syntax, "byte order mark at byte 0 is not allowed"),
            Rejection("trailing garbage", "{} x", .syntax, "unexpected data after the JSON value at byte 3"),
            Rejection("two values", "1 2", .syntax, "unexpected data after the JSON value at byte 2"),
            Rejection("hex number", "0x10", .syntax, "unexpected data after the JSON value at byte 1"),
            Rejection("literal with suffix", "falsey", .syntax, "unexpected data after the JSON value at byte 5"),
            Rejection("NUL after value", bytes: Array("1".utf8) + [0], .syntax, "unexpected data after the JSON value at byte 1"),
        ])
    func document(_ rejection: Rejection) { rejection.verify() }

    @Test(
        "Trailing commas, comments, single quotes, NaN and Infinity are refused",
        arguments: [
            Rejection("array trailing comma", "[1,]", .syntax, "trailing comma at byte 2"),
            Rejection("object trailing comma", #"{"a":1 , }"#, .syntax, "trailing comma at byte 7"),
            Rejection("leading comma", "[,1]", .syntax, "unexpected character ',' at byte 1"),
            Rejection("double comma", "[1,,2]", .syntax, "unexpected character ',' at byte 3"),
            Rejection("missing comma", "[1 2]", .syntax, "unexpected character '2' at byte 3: expected ',' or ']'"),
            Rejection("line comment", "// note\n1", .syntax, "unexpected character '/' at byte 0"),
            Rejection("block comment", "[1/* x */]", .syntax, "unexpected character '/' at byte 2: expected ',' or ']'"),
            Rejection("single quotes", "['a']", .syntax, #"unexpected character "'" at byte 1"#),
            Rejection("NaN", "NaN", .syntax, "unexpected character 'N' at byte 0"),
            Rejection("Infinity", "[Infinity]", .syntax, "unexpected character 'I' at byte 1"),
            Rejection("negative Infinity", "-Infinity", .syntax, "unexpected character 'I' at byte 1: expected a digit"),
            Rejection("capitalised literal", "True", .syntax, "unexpected character 'T' at byte 0"),
            Rejection("truncated literal", "[tru]", .syntax, "expected 'true' at byte 1"),
            Rejection("truncated null", "nul", .syntax, "expected 'null' at byte 0"),
        ])
    func nonStandardSyntax(_ rejection: Rejection) { rejection.verify() }

    @Test(
        "Malformed numbers are refused: leading zeros, bare signs and points, empty exponents",
        arguments: [
            Rejection("leading zero", "01", .syntax, "leading zero in number at byte 0"),
            Rejection("negative leading zero", "-01", .syntax, "leading zero in number at byte 1"),
            Rejection("double zero", "[00]", .syntax, "leading zero in number at byte 1"),
            Rejection("minus alone", "-", .syntax, "unexpected end of input at byte 1: expected a digit"),
            Rejection("minus then space", "[- 1]", .syntax, "unexpected byte 0x20 at byte 2: expected a digit"),
            Rejection("point without fraction", "1.", .syntax, "unexpected end of input at byte 2: expected a digit"),
            Rejection("point then exponent", "1.e5", .syntax, "unexpected character 'e' at byte 2: expected a digit"),
            Rejection("leading point", ".5", .syntax, "unexpected character '.' at byte 0"),
            Rejection("plus sign", "+1", .syntax, "unexpected character '+' at byte 0"),
            Rejection("empty exponent", "1e", .syntax, "unexpected end of input at byte 2: expected a digit"),
            Rejection("signed empty exponent", "1e+", .syntax, "unexpected end of input at byte 3: expected a digit"),
            Rejection("exponent then letter", "[1E-x]", .syntax, "unexpected character 'x' at byte 4: expected a digit"),
        ])
    func numbers(_ rejection: Rejection) { rejection.verify() }

    @Test(
        "Strings: unterminated, unescaped control characters, unknown escapes and bad \\u are refused",
        arguments: [
            Rejection("unterminated", #""abc"#, .syntax, "unterminated string starting at byte 0"),
            Rejection("unterminated after escape", #"["a\n"#, .syntax, "unterminated string starting at byte 1"),
            Rejection("backslash at end", #""\"#, .syntax, "unexpected end of input at byte 2"),
            Rejection("line feed", "\"a\nb\"", .syntax, "unescaped control character U+000A in string at byte 2"),
            Rejection("tab", "\"\t\"", .syntax, "unescaped control character U+0009 in string at byte 1"),
            Rejection("NUL", bytes: [0x22, 0x00, 0x22], .syntax, "unescaped control character U+0000 in string at byte 1"),
            Rejection(
                "U+001F after escape", bytes: Array(#""\n"#.utf8) + [0x1F, 0x22], .syntax,
                "unescaped control character U+001F in string at byte 3"),
            Rejection("unknown escape", #""\x""#, .invalidEscape, #"invalid escape '\x' in string at byte 1"#),
            Rejection("escaped single quote", #""\'""#, .invalidEscape, #"invalid escape '\'' in string at byte 1"#),
            Rejection("escaped newline", "\"\\\n\"", .invalidEscape, "invalid escape in string at byte 1"),
            Rejection("short \\u", #""\u12""#, .invalidEscape, #"invalid \u escape at byte 1"#),
            Rejection("non-hex \\u", #""\u12G4""#, .invalidEscape, #"invalid \u escape at byte 1"#),
            Rejection("uppercase U", #""\U0041""#, .invalidEscape, #"invalid escape '\U' in string at byte 1"#),
        ])
    func strings(_ rejection: Rejection) { rejection.verify() }

    @Test(
        "A \\u escape that leaves a surrogate unpaired is refused",
        arguments: [
            Rejection("lone high surrogate", #""\ud800""#, .invalidEscape, #"unpaired surrogate \uD800 in string at byte 1"#),
            Rejection("lone low surrogate", #""\udc00""#, .invalidEscape, #"unpaired surrogate \uDC00 in string at byte 1"#),
            Rejection("high then letter", #""\uD83Dx""#, .invalidEscape, #"unpaired surrogate \uD83D in string at byte 1"#),
            Rejection("high then BMP escape", #""a\ud800\u0041""#, .invalidEscape, #"unpaired surrogate \uD800 in string at byte 2"#),
            Rejection("high then high", #""\ud800\ud800""#, .invalidEscape, #"unpaired surrogate \uD800 in string at byte 1"#),
            Rejection("low then high", #""\ude00\ud83d""#, .invalidEscape, #"unpaired surrogate \uDE00 in string at byte 1"#),
            Rejection("high at end of input", #""\ud83d"#, .invalidEscape, #"unpaired surrogate \uD83D in string at byte 1"#),
            Rejection("high then short escape", #""\ud83d\ude0""#, .invalidEscape, #"invalid \u escape at byte 7"#),
        ])
    func loneSurrogates(_ rejection: Rejection) { rejection.verify() }

    @Test(
        "Ill-formed UTF-8 is refused wherever it is, at the offset of the sequence's first byte",
        arguments: [
            Rejection("overlong slash C0 AF", bytes: bytes("\"", [0xC0, 0xAF], "\""), .invalidUTF8, "invalid UTF-8 at byte 1"),
            Rejection("overlong C1 BF", bytes: bytes("\"ab", [0xC1, 0xBF], "\""), .invalidUTF8, "invalid UTF-8 at byte 3"),
            Rejection("overlong 3-byte E0 80 80", bytes: bytes("\"", [0xE0, 0x80, 0x80], "\""), .invalidUTF8, "invalid UTF-8 at byte 1"),
            Rejection(
                "overlong 4-byte F0 80 80 80", bytes: bytes("\"", [0xF0, 0x80, 0x80, 0x80], "\""), .invalidUTF8, "invalid UTF-8 at byte 1"),
            Rejection("encoded surrogate ED A0 80", bytes: bytes("\"", [0xED, 0xA0, 0x80], "\""), .invalidUTF8, "invalid UTF-8 at byte 1"),
            Rejection(
                "encoded low surrogate ED BF BF", bytes: bytes("\"", [0xED, 0xBF, 0xBF], "\""), .invalidUTF8, "invalid UTF-8 at byte 1"),
            Rejection(
                "above U+10FFFF F4 90 80 80", bytes: bytes("\"", [0xF4, 0x90, 0x80, 0x80], "\""), .invalidUTF8, "invalid UTF-8 at byte 1"),
            Rejection("5-byte lead F8", bytes: bytes("\"", [0xF8, 0x88, 0x80, 0x80, 0x80], "\""), .invalidUTF8, "invalid UTF-8 at byte 1"),
            Rejection("F5 lead", bytes: bytes("\"", [0xF5, 0x80, 0x80, 0x80], "\""), .invalidUTF8, "invalid UTF-8 at byte 1"),
            Rejection("FF", bytes: bytes("\"", [0xFF], "\""), .invalidUTF8, "invalid UTF-8 at byte 1"),
            Rejection("stray continuation", bytes: bytes("\"a", [0x80], "\""), .invalidUTF8, "invalid UTF-8 at byte 2"),
            Rejection("truncated before quote", bytes: bytes("\"", [0xE2, 0x82], "\""), .invalidUTF8, "invalid UTF-8 at byte 1"),
            Rejection("truncated by end of input", bytes: bytes("\"", [0xF0, 0x9F, 0x98], ""), .invalidUTF8, "invalid UTF-8 at byte 1"),
            Rejection("after an escape", bytes: bytes(#""\n"#, [0xC0, 0xAF], "\""), .invalidUTF8, "invalid UTF-8 at byte 3"),
            Rejection("in a key", bytes: bytes("{\"", [0xED, 0xA0, 0x80], "\":1}"), .invalidUTF8, "invalid UTF-8 at byte 2"),
            Rejection("F8 at top level", bytes: [0xF8], .invalidUTF8, "invalid UTF-8 at byte 0"),
            Rejection("between elements", bytes: bytes("[1,", [0xC0, 0xAF], "]"), .invalidUTF8, "invalid UTF-8 at byte 3"),
            Rejection("valid non-ASCII outside a string", "é", .syntax, "unexpected byte 0xC3 at byte 0"),
        ])
    func invalidUTF8(_ rejection: Rejection) { rejection.verify() }

    @Test(
        "Broken objects and arrays are refused with what was expected",
        arguments: [
            Rejection("number key", "{1:2}", .syntax, "unexpected character '1' at byte 1: expected a string key"),
            Rejection("missing colon", #"{"a" 1}"#, .syntax, "unexpected character '1' at byte 5: expected ':' after the key"),
            Rejection("missing value", #"{"a":}"#, .syntax, "unexpected character '}' at byte 5"),
            Rejection("unclosed object", #"{"a":1"#, .syntax, "unexpected end of input at byte 6: expected ',' or '}'"),
            Rejection("unclosed array", "[1", .syntax, "unexpected end of input at byte 2: expected ',' or ']'"),
            Rejection("open brace only", "{", .syntax, "unexpected end of input at byte 1: expected a string key"),
            Rejection("open bracket only", "[", .syntax, "unexpected end of input at byte 1"),
            Rejection("mismatched close", "[1}", .syntax, "unexpected character '}' at byte 2: expected ',' or ']'"),
            Rejection("stray close", "]", .syntax, "unexpected character ']' at byte 0"),
        ])
    func structure(_ rejection: Rejection) { rejection.verify() }

    @Test(
        "A key repeated in one object is refused, naming the key and the object",
        arguments: [
            Rejection("top level", #"{"a":1,"a":2}"#, .duplicateKey, #"duplicate key "a""#),
            Rejection(
                "nested object", #"{"estimates":{"title":1,"x":0,"title":2}}"#, .duplicateKey, #"duplicate key "title" at /estimates"#),
            Rejection("in an array element", #"[{"x":1},{"y":1,"y":null}]"#, .duplicateKey, #"duplicate key "y" at /1"#),
            Rejection("spelled with an escape", #"{"ab":1,"a\u0062":2}"#, .duplicateKey, #"duplicate key "ab""#),
            Rejection("canonically equivalent", "{\"\u{E9}\":1,\"e\u{301}\":2}", .duplicateKey, "duplicate key \"e\u{301}\""),
            Rejection("pointer escaped", #"{"a/b":{"m~n":{"k":1,"k":2}}}"#, .duplicateKey, #"duplicate key "k" at /a~1b/m~0n"#),
            Rejection("control character quoted escaped", #"{"\n":1,"\n":2}"#, .duplicateKey, #"duplicate key "\n""#),
            Rejection(
                "long key clipped", "{\"\(String(repeating: "k", count: 100))\":1,\"\(String(repeating: "k", count: 100))\":2}",
                .duplicateKey, "duplicate key \"\(String(repeating: "k", count: 64))…\""),
        ])
    func duplicateKeys(_ rejection: Rejection) { rejection.verify() }

    @Test("A duplicate among many keys is found once the object keeps an index")
    func duplicateInLargeObject() {
        let members = (0..<40).map { "\"key\($0)\":\($0)" }.joined(separator: ",")
        let error = parseError(Array("{\"outer\":{\(members),\"key7\":0}}".utf8))
        #expect(error?.code == .duplicateKey)
        #expect(error?.message == #"duplicate key "key7" at /outer"#)
        #expect(error?.pointer == JSONPointer(tokens: ["outer"]))
    }

    @Test("The error carries the offset of the offending byte and the pointer of the value being read")
    func offsetAndPointer() {
        let input = Array(#"{"a":[1,2,{"b":"\ud800"}]}"#.utf8)
        let error = parseError(input)
        #expect(error?.code == .invalidEscape)
        #expect(error?.offset == 16)
        #expect(error?.pointer == JSONPointer(tokens: ["a", "2", "b"]))
        #expect(error?.pointer.description == "/a/2/b")

        let duplicate = parseError(Array(#"{"a":{"k":1,"k":2}}"#.utf8))
        #expect(duplicate?.offset == 12)
        #expect(duplicate?.pointer.description == "/a")
    }
}
