import Testing

@testable import HTTP1

/// The positive controls listed after the vector table of HTTP-REFERENCE.md section 1.3: each must be served.
@Suite("Positive controls")
struct PositiveControlTests {
    @Test(
        "COMP-POST-CL-BODY, -CL-ZERO, -NO-CL-NO-TE: Content-Length bodies, empty or absent, are served",
        arguments: [
            Vector(
                "COMP-POST-CL-BODY", #"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello"#,
                .served(ExpectedRequest(.post, "/", body: "hello"))),
            Vector(
                "COMP-POST-CL-ZERO", #"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n"#,
                .served(ExpectedRequest(.post, "/", body: ""))),
            Vector(
                "COMP-POST-NO-CL-NO-TE", #"POST / HTTP/1.1\r\nHost: a\r\n\r\n"#,
                .served(ExpectedRequest(.post, "/", body: ""))),
        ])
    func contentLength(_ vector: Vector) { verify(vector) }

    @Test(
        "COMP-CHUNKED-BODY, -MULTI, -EMPTY, -HEX-UPPERCASE: chunked bodies are decoded",
        arguments: [
            Vector(
                "COMP-CHUNKED-BODY", #"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"#,
                .served(ExpectedRequest(.post, "/", body: "hello"))),
            Vector(
                "COMP-CHUNKED-MULTI",
                #"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"#,
                .served(ExpectedRequest(.post, "/", body: "hello world"))),
            Vector(
                "COMP-CHUNKED-EMPTY", #"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"#,
                .served(ExpectedRequest(.post, "/", body: ""))),
            Vector(
                "COMP-CHUNKED-HEX-UPPERCASE",
                bytes: wire(#"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n1A\r\n"#) + repeated("z", 26)
                    + wire(#"\r\nA\r\n0123456789\r\n0\r\n\r\n"#),
                .served(ExpectedRequest(.post, "/", body: String(repeating: "z", count: 26) + "0123456789"))),
            Vector(
                "hex lowercase", #"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\na\r\n0123456789\r\n0\r\n\r\n"#,
                .served(ExpectedRequest(.post, "/", body: "0123456789"))),
        ])
    func chunked(_ vector: Vector) { verify(vector) }

    @Test("LL Two chunks and triple zero prefixed end chunk: 000 is a valid last chunk")
    func tripleZero() {
        verify(
            Vector(
                "000", #"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n000\r\n\r\n"#,
                .served(ExpectedRequest(.post, "/", body: "hello world"))))
    }

    @Test("LL Trailing headers: trailers after the last chunk are accepted and the next request follows")
    func trailingHeaders() {
        verify(
            Vector(
                "trailers",
                #"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\nVary: *\r\nContent-Type: text/plain\r\n\r\nGET /next HTTP/1.1\r\nHost: a\r\n\r\n"#,
                .served(ExpectedRequest(.post, "/", body: "hello world"), ExpectedRequest(.get, "/next", body: ""))))
    }

    @Test("LL Funky Content-Length with body: field names match case-insensitively")
    func funkyContentLength() {
        verify(
            Vector(
                "conTENT-Length", #"GET /get_funky_content_length_body_hello HTTP/1.0\r\nconTENT-Length: 5\r\n\r\nHELLO"#,
                .served(ExpectedRequest(.get, "/get_funky_content_length_body_hello", body: "HELLO"), then: .closed)))
        verify(
            Vector(
                "mixed-case Host and Transfer-Encoding",
                #"POST / HTTP/1.1\r\nhOsT: a\r\ntRANSFER-eNCODING: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"#,
                .served(ExpectedRequest(.post, "/", body: "hello"))))
    }

    @Test("a request's fields, query and version reach the application as sent")
    func headContents() throws {
        var connection = HTTP1Connection()
        var actions: [HTTP1Connection.Action] = []
        wire(#"GET /p/q?x=1&y=%20 HTTP/1.1\r\nHost: a:8080\r\nX-Two: 1\r\nx-two:  2 \r\n\r\n"#).withUnsafeBytes {
            connection.receive($0, into: &actions)
        }
        guard actions.count == 1, case .request(let request) = actions[0] else {
            Issue.record("expected one request, got \(actions)")
            return
        }
        #expect(request.path == "/p/q")
        #expect(request.head.query == "x=1&y=%20")
        #expect(request.head.version == .http1_1)
        #expect(request.headers["host"] == "a:8080")
        #expect(request.headers.values(named: "X-TWO") == ["1", "2"])
        #expect(request.head.keepAlive)
        #expect(request.head.framing == .none)
    }
}
