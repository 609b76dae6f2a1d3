import Testing

@testable import HTTP1

/// The test harness itself: the byte notation and the simulated server the vectors rely on.
@Suite("Harness")
struct HarnessTests {
    @Test("wire decodes the reference's C escapes into single bytes, never into UTF-8")
    func wireNotation() {
        #expect(wire(#"a\r\n\t\\\"\x00\xa0\xFF"#) == [0x61, 0x0D, 0x0A, 0x09, 0x5C, 0x22, 0x00, 0xA0, 0xFF])
        #expect(literal(#"\"x\\"#) == [0x5C, 0x22, 0x78, 0x5C, 0x5C])
    }

    @Test("each regime feeds every byte exactly once")
    func regimesFeedEveryByte() {
        let bytes = wire(#"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc"#)
        for regime in [Regime.whole, .bytewise, .split(at: 0), .split(at: 20), .split(at: bytes.count)] {
            #expect(regime.run(bytes).served.map(\.body) == [literal("abc")], "\(regime)")
        }
    }

    @Test("the simulated server writes one status line per final response and closes after an error")
    func simulatedServerWire() {
        let outcome = Regime.whole.run(wire(#"GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\n\r\n"#))
        #expect(outcome.finalStatuses == [200, 400])
        #expect(outcome.finalStatusLineCount == 2)
        #expect(outcome.responseHeads.last?.contains("\r\nConnection: close") == true)
        #expect(outcome.state == .closed)
    }
}
