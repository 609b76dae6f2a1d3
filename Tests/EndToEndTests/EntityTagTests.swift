import Testing

@testable import API

/// Tags and keys are compared as bytes: no Unicode equivalence on the fast paths.
@Suite("Entity tags and byte equality")
struct EntityTagTests {
    @Test("byte equality: equal bytes only; canonically equivalent strings differ")
    func sameBytes() {
        #expect("".hasSameBytes(as: ""))
        #expect("Bearer abc".hasSameBytes(as: "Bearer abc"))
        #expect(!"Bearer abc".hasSameBytes(as: "Bearer abd"))
        #expect(!"Bearer abc".hasSameBytes(as: "Bearer ab"))
        #expect(!"\u{212A}ey".hasSameBytes(as: "Key"))  // KELVIN SIGN == "K" for String ==
        #expect(!"caf\u{E9}".hasSameBytes(as: "cafe\u{301}"))  // NFC vs NFD
        #expect("a\u{0}b".hasSameBytes(as: "a\u{0}b"))
        #expect(!"a\u{0}b".hasSameBytes(as: "a\u{0}c"))
        let long = String(repeating: "x", count: 100)
        #expect(long.hasSameBytes(as: String(repeating: "x", count: 100)))
    }

    @Test("If-None-Match: the tag, its weak form, a list holding it, or *; nothing else")
    func ifNoneMatch() {
        let tag = EntityTag(quoted: #""OdSM0yDkJQW7""#)
        #expect(tag.matchesIfNoneMatch(#""OdSM0yDkJQW7""#))
        #expect(tag.matchesIfNoneMatch(#"W/"OdSM0yDkJQW7""#))
        #expect(tag.matchesIfNoneMatch(#""other", "OdSM0yDkJQW7""#))
        #expect(tag.matchesIfNoneMatch("*"))
        #expect(!tag.matchesIfNoneMatch(#""odsm0ydkjqw7""#))
        #expect(!tag.matchesIfNoneMatch(#""OdSM0yDkJQW7"x"#))
        #expect(!EntityTag(quoted: #""\#u{212A}""#).matchesIfNoneMatch(#""K""#))
        #expect(!tag.matchesIfNoneMatch(""))
    }
}
