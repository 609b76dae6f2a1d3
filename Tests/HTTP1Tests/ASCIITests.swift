import Testing

@testable import HTTP1

@Suite("Byte classes")
struct ASCIITests {
    @Test("tchar is exactly RFC 9110's set, for every byte value")
    func tchar() {
        let rfc = Set("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ".utf8)
        for byte in UInt8.min...UInt8.max {
            #expect(ASCII.isTchar(byte) == rfc.contains(byte), "byte \(byte)")
        }
    }

    @Test("a scheme prefix is matched in any case, never past the bytes")
    func schemePrefix() {
        func starts(_ text: String, _ literal: StaticString) -> Bool {
            Array(text.utf8).withUnsafeBytes { ASCII.startsWithLowercase($0, literal) }
        }
        #expect(starts("HTTP://a", "http://"))
        #expect(starts("hTtPs://a", "https://"))
        #expect(!starts("http:/", "http://"))
        #expect(!starts("https://a", "http://"))
    }
}

@Suite("Word scans")
struct WordTests {
    /// Every byte value at every position of a word, against the byte-at-a-time answer.
    @Test("has and hasByte(below:) agree with a byte-by-byte check")
    func exact() {
        let fillers: [UInt8] = [0x00, 0x41, 0x7F, 0x80, 0xFF, 0x20, 0x0D]
        for filler in fillers {
            for position in 0..<8 {
                for byte in UInt8.min...UInt8.max {
                    var bytes = [UInt8](repeating: filler, count: 8)
                    bytes[position] = byte
                    let word = bytes.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
                    for target: UInt8 in [0x0D, 0x0A, 0x7F] {
                        #expect(Word.has(word, target) == bytes.contains(target))
                    }
                    #expect(Word.hasByte(below: 0x20, in: word) == bytes.contains { $0 < 0x20 })
                }
            }
        }
    }
}
