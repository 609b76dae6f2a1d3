import JSON
import Testing

/// Each limit admits a body exactly at the limit and refuses one just over it.
@Suite("Limits")
struct LimitsTests {
    static func nestedArrays(_ depth: Int) -> [UInt8] {
        Array((String(repeating: "[", count: depth) + String(repeating: "]", count: depth)).utf8)
    }

    static func nestedObjects(_ depth: Int) -> [UInt8] {
        Array((String(repeating: #"{"a":"#, count: depth) + "0" + String(repeating: "}", count: depth)).utf8)
    }

    @Test("Nesting 32 deep is accepted and 33 refused, for arrays and objects")
    func defaultDepth() {
        #expect(parseError(Self.nestedArrays(32)) == nil)
        #expect(parseError(Self.nestedObjects(32)) == nil)
        let arrays = parseError(Self.nestedArrays(33))
        #expect(arrays?.code == .tooDeep)
        #expect(arrays?.message == "nesting deeper than 32")
        #expect(arrays?.offset == 32)
        let objects = parseError(Self.nestedObjects(33))
        #expect(objects?.code == .tooDeep)
        #expect(objects?.pointer == JSONPointer(tokens: Array(repeating: "a", count: 32)))
    }

    @Test("A configured depth applies: scalars are depth 0, a top-level container depth 1")
    func configuredDepth() {
        #expect(parseError(Array("1".utf8), limits: JSONLimits(maxDepth: 0)) == nil)
        #expect(parseError(Array("[]".utf8), limits: JSONLimits(maxDepth: 0))?.message == "nesting deeper than 0")
        #expect(parseError(Array(#"{"a":[1]}"#.utf8), limits: JSONLimits(maxDepth: 2)) == nil)
        #expect(parseError(Array(#"{"a":[[1]]}"#.utf8), limits: JSONLimits(maxDepth: 2))?.code == .tooDeep)
    }

    @Test("Thousands of unclosed brackets are refused at the depth limit, not by exhausting the stack")
    func hostileDepth() {
        #expect(parseError(Array(repeating: UInt8(ascii: "["), count: 100_000))?.code == .tooDeep)
    }

    @Test(
        "A string of 64 KiB is accepted and one byte more refused, counted in decoded UTF-8 bytes",
        arguments: [
            ("ASCII", "a", 1), ("two-byte", "é", 2), ("escaped newline", #"\n"#, 1), ("escaped emoji", #"\ud83d\ude00"#, 4),
        ])
    func stringLength(name: String, unit: String, width: Int) {
        let limit = 64 * 1024
        let fits = String(repeating: unit, count: limit / width)
        #expect(parseError(Array("\"\(fits)\"".utf8)) == nil, "\(name)")
        let error = parseError(Array("[\"\(fits)a\"]".utf8))
        #expect(error?.code == .stringTooLong, "\(name)")
        #expect(error?.message == "string longer than 65536 bytes at byte 1", "\(name)")
    }

    @Test("Keys are strings too and obey the string limit")
    func keyLength() {
        let limits = JSONLimits(maxStringBytes: 3)
        #expect(parseError(Array(#"{"abc":"xyz"}"#.utf8), limits: limits) == nil)
        #expect(parseError(Array(#"{"abcd":1}"#.utf8), limits: limits)?.code == .stringTooLong)
        #expect(parseError(Array(#"{"a\u0062cd":1}"#.utf8), limits: limits)?.code == .stringTooLong)
    }

    @Test("A number literal of 64 characters is accepted and 65 refused")
    func numberLength() {
        let fits = "-" + String(repeating: "1", count: 40) + "." + String(repeating: "2", count: 18) + "e+12"
        #expect(fits.count == 64)
        #expect(parseError(Array(fits.utf8)) == nil)
        let error = parseError(Array("[\(fits)0]".utf8))
        #expect(error?.code == .numberTooLong)
        #expect(error?.message == "number longer than 64 characters at byte 1")
    }

    @Test("100,000 values are accepted and 100,001 refused, containers and the top level counted")
    func elementCount() {
        let fits = "[" + Array(repeating: "0", count: 99_999).joined(separator: ",") + "]"
        #expect(parseError(Array(fits.utf8)) == nil)
        let over = "[" + Array(repeating: "0", count: 100_000).joined(separator: ",") + "]"
        let error = parseError(Array(over.utf8))
        #expect(error?.code == .tooManyElements)
        #expect(error?.message == "more than 100000 values")
    }

    @Test("Object members count once each, with their values")
    func elementCountInObjects() {
        let limits = JSONLimits(maxElements: 3)
        #expect(parseError(Array(#"{"a":1,"b":[]}"#.utf8), limits: limits) == nil)
        #expect(parseError(Array(#"{"a":1,"b":[2]}"#.utf8), limits: limits)?.code == .tooManyElements)
    }
}
