import Testing

@testable import HTTP1

/// HTTP-REFERENCE.md section 1.3, A: Content-Length (V01-V09).
@Suite("A. Content-Length")
struct VectorsAContentLengthTests {
    @Test("V01 Content-Length with Transfer-Encoding is refused and closes; X gets no response")
    func v01() {
        verify(
            Vector(
                "V01", #"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nX"#, .refused(400)))
    }

    @Test("V02 Transfer-Encoding with Content-Length is refused and closes; /admin is never served")
    func v02() {
        verify(
            Vector(
                "V02",
                #"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 30\r\n\r\n0\r\n\r\nGET /admin HTTP/1.1\r\nHost: a\r\n\r\n"#,
                .refused(400)))
    }

    @Test(
        "V03 two different Content-Length lines are refused and close",
        arguments: [
            Vector("1 then 0", #"GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 0\r\n\r\nZ"#, .refused(400)),
            Vector("0 then 1", #"GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\nContent-Length: 1\r\n\r\nZ"#, .refused(400)),
        ])
    func v03(_ vector: Vector) { verify(vector) }

    @Test(
        "V04 Content-Length lists are refused, even of equal values (rec), and so are repeated lines",
        arguments: [
            Vector("5, 10", #"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 10\r\n\r\nhelloworld"#, .refused(400)),
            Vector("0, 5", #"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0, 5\r\n\r\nhelloworld"#, .refused(400)),
            Vector("5, 0", #"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 0\r\n\r\nhelloworld"#, .refused(400)),
            Vector("5, 5", #"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 5\r\n\r\nhelloworld"#, .refused(400)),
            Vector("5, 5, 5", #"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 5, 5\r\n\r\nhelloworld"#, .refused(400)),
            Vector(
                "two lines of 5", #"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhelloworld"#, .refused(400)),
        ])
    func v04(_ vector: Vector) { verify(vector) }

    @Test(
        "V05 Content-Length values that are not 1*DIGIT are refused, never prefix-parsed or read as 0",
        arguments: ["+5", "-1", "-0", "-48", "0x10", "0o5", "1_0", "+1_0", "1Z", "5e0", "5.0", "abc"].map { value in
            Vector(value, #"GET / HTTP/1.1\r\nHost: a\r\nContent-Length: \#(value)\r\n\r\n"#, .refused(400))
        })
    func v05(_ vector: Vector) { verify(vector) }

    @Test(
        "V06 whitespace inside a Content-Length value is refused",
        arguments: ["1 0", "4 2", "0 5"].map { value in
            Vector(value, #"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: \#(value)\r\n\r\nhelloworld"#, .refused(400))
        })
    func v06Internal(_ vector: Vector) { verify(vector) }

    @Test(
        "V06 SP and HTAB around a Content-Length value are trimmed and the body is framed by it",
        arguments: [
            Vector(
                "two SP before, one after", bytes: wire(#"POST / HTTP/1.1\r\nHost: a\r\nContent-Length:  42 \r\n\r\n"#) + repeated("b", 42),
                .served(ExpectedRequest(.post, "/", body: String(repeating: "b", count: 42)))),
            Vector(
                "HTAB around", #"POST / HTTP/1.1\r\nHost: a\r\nContent-Length:\t5\t\r\n\r\nhello"#,
                .served(ExpectedRequest(.post, "/", body: "hello"))),
        ])
    func v06Surrounding(_ vector: Vector) { verify(vector) }

    @Test(
        "V07 an empty Content-Length is refused, alone or next to a valid one",
        arguments: [
            Vector("empty", #"GET / HTTP/1.1\r\nHost: a\r\nContent-Length: \r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n"#, .refused(400)),
            Vector(
                "empty then 43",
                bytes: wire(#"GET / HTTP/1.1\r\nHost: a\r\nContent-Length: \r\nContent-Length: 43\r\n\r\n"#) + repeated("x", 43),
                .refused(400)),
        ])
    func v07(_ vector: Vector) { verify(vector) }

    @Test(
        "V08 a Content-Length that overflows is refused, never wrapped",
        arguments: [
            Vector("10^21", #"PUT / HTTP/1.1\r\nHost: a\r\nContent-Length: 1000000000000000000000\r\n\r\n"#, .refused(400)),
            Vector("20 nines", #"PUT / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999\r\n\r\n"#, .refused(400)),
            Vector("Int64.max + 1", #"PUT / HTTP/1.1\r\nHost: a\r\nContent-Length: 9223372036854775808\r\n\r\n"#, .refused(400)),
        ])
    func v08(_ vector: Vector) { verify(vector) }

    @Test("V08 the parse of Content-Length detects overflow at the Int boundary")
    func v08Boundary() throws {
        #expect(try FieldAccumulator.parseContentLength(literal("9223372036854775807")[...]).get() == Int.max)
        #expect(throws: HTTPParseError.self) { try FieldAccumulator.parseContentLength(literal("9223372036854775808")[...]).get() }
    }

    @Test("V09 leading zeros in Content-Length are decimal: 010 frames a 10-byte body, never 8")
    func v09() {
        verify(
            Vector(
                "V09", #"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 010\r\n\r\n0123456789"#,
                .served(ExpectedRequest(.post, "/", body: "0123456789"))))
    }
}
