import JSON
import Testing

@Suite("JSON Pointer")
struct PointerTests {
    @Test(
        "Tokens are escaped ~ as ~0 and / as ~1 in the string form, and parse back",
        arguments: [
            ([], ""), ([""], "/"), (["estimates", "monthly_tokens"], "/estimates/monthly_tokens"), (["a/b"], "/a~1b"),
            (["m~n"], "/m~0n"), (["~1"], "/~01"), (["~/"], "/~0~1"), (["items", "0", ""], "/items/0/"), (["é 😀"], "/é 😀"),
        ] as [([String], String)])
    func escaping(tokens: [String], text: String) {
        #expect(JSONPointer(tokens: tokens).description == text)
        #expect(JSONPointer(text)?.tokens == tokens)
    }

    @Test("A string form must be empty or start with /, and ~ must be followed by 0 or 1", arguments: ["a", "a/b", "/~", "/~2", "/a~"])
    func invalid(_ text: String) {
        #expect(JSONPointer(text) == nil)
    }

    @Test("Appending keys and indices builds pointers for validation errors")
    func appending() {
        let pointer = JSONPointer.root.appending("criteria").appending(2).appending("a/b")
        #expect(pointer.description == "/criteria/2/a~1b")
        #expect(JSONPointer.root.isRoot)
        #expect(!pointer.isRoot)
    }

    static let document = #"""
        {"foo": ["bar", "baz"], "": 0, "a/b": 1, "c%d": 2, "e^f": 3, "g|h": 4, "i\\j": 5, "k\"l": 6, " ": 7, "m~n": 8}
        """#

    @Test(
        "RFC 6901 section 5's examples evaluate as the RFC says",
        arguments: [
            ("/foo", ["bar", "baz"]), ("/foo/0", "bar"), ("/", 0), ("/a~1b", 1), ("/c%d", 2), ("/e^f", 3), ("/g|h", 4),
            (#"/i\j"#, 5), (#"/k"l"#, 6), ("/ ", 7), ("/m~0n", 8),
        ] as [(String, JSONValue)])
    func evaluation(pointer: String, expected: JSONValue) throws {
        let document = try JSONParser.parse(Self.document.utf8)
        #expect(document.value(at: try #require(JSONPointer(pointer))) == expected)
        #expect(document.value(at: .root) == document)
    }

    @Test("Pointers to nothing give nil", arguments: ["/foo/2", "/foo/-", "/foo/01", "/foo/+1", "/foo/bar", "/x", "/foo/0/x", "//"])
    func missing(_ pointer: String) throws {
        let document = try JSONParser.parse(Self.document.utf8)
        #expect(document.value(at: try #require(JSONPointer(pointer))) == nil)
    }
}
