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
