import Testing

@testable import HTTP1

/// A POST with `Content-Length` and then `fields` (escaped, each ending in CRLF), and `body`.
private func post(length: Int, fields: String = "", version: String = "1.1", body: String = "") -> String {
    #"POST / HTTP/\#(version)\r\nHost: a\r\nContent-Length: \#(length)\r\n\#(fields)\r\n\#(body)"#
}

private let expectContinue = #"Expect: 100-continue\r\n"#

/// HTTP-REFERENCE.md section 1.3, F: Expect, limits, slowness (V40), with the defaults of `HTTP1Limits()`.
///
/// Timing (waiting for `100 Continue` before sending the body, slow or silent clients and their timeouts) is a
/// socket-level property: the end-to-end tests cover it. Here the pure machine shows what it decides.
@Suite("F. Expect, limits, slowness")
struct VectorsFExpectLimitsTests {
    @Test("V40a 100 Continue is due as soon as the head is read, before any body byte is required")
    func v40aStepwise() {
        var connection = HTTP1Connection()
        var actions: [HTTP1Connection.Action] = []
        wire(post(length: 5, fields: expectContinue)).withUnsafeBytes { connection.receive($0, into: &actions) }
        #expect(actions.count == 1)
        guard case .sendContinue = actions.first else {
            Issue.record("expected sendContinue, got \(actions)")
            return
        }
        #expect(connection.isReadingBody)

        actions.removeAll()
        literal("hello").withUnsafeBytes { connection.receive($0, into: &actions) }
        guard actions.count == 1, case .request(let request) = actions[0] else {
            Issue.record("expected one request, got \(actions)")
            return
        }
        #expect(request.body == literal("hello"))
        #expect(connection.isIdle)
    }

    @Test(
        "V40a/b with Expect: 100-continue, one 100 Continue precedes the final responses",
        arguments: [
            Vector(
                "a: body after the head", post(length: 5, fields: expectContinue, body: "hello"),
                Expected(statuses: [200], then: .idle, requests: [ExpectedRequest(.post, "/", body: "hello")], continues: 1)),
            Vector(
                "b: body at once, then a pipelined GET",
                post(length: 5, fields: expectContinue, body: #"helloGET / HTTP/1.1\r\nHost: a\r\n\r\n"#),
                Expected(
                    statuses: [200, 200], then: .idle,
                    requests: [ExpectedRequest(.post, "/", body: "hello"), ExpectedRequest(.get, "/", body: "")],
                    continues: 1)),
            Vector(
                "a: head only, waiting for the body", post(length: 5, fields: expectContinue),
                Expected(statuses: [], then: .readingBody, requests: [], continues: 1)),
            Vector(
                "case-insensitive value", post(length: 5, fields: #"Expect: 100-Continue\r\n"#, body: "hello"),
                Expected(statuses: [200], then: .idle, requests: [ExpectedRequest(.post, "/", body: "hello")], continues: 1)),
            Vector(
                "no body: nothing to wait for", post(length: 0, fields: expectContinue),
                Expected(statuses: [200], then: .idle, requests: [ExpectedRequest(.post, "/", body: "")], continues: 0)),
        ])
    func v40ab(_ vector: Vector) { verify(vector) }

    @Test("V40c HTTP/1.0 with Expect: 100-continue gets no 1xx")
    func v40c() {
        verify(
            Vector(
                "V40c", post(length: 5, fields: expectContinue, version: "1.0", body: "hello"),
                .served(ExpectedRequest(.post, "/", body: "hello"), then: .closed)))
    }

    @Test(
        "V40d any expectation other than 100-continue is answered 417 and closes, with no 1xx",
        arguments: [
            Vector("200-ok", post(length: 5, fields: #"Expect: 200-ok\r\n"#, body: "hello"), .refused(417)),
            Vector("x 100-continue", post(length: 5, fields: #"Expect: x 100-continue\r\n"#, body: "hello"), .refused(417)),
            Vector(
                "100-continue, then another", post(length: 5, fields: #"Expect: 100-continue\r\nExpect: foo\r\n"#, body: "hello"),
                .refused(417)),
        ])
    func v40d(_ vector: Vector) { verify(vector) }

    @Test("V40e Expect: 100-continue with a Content-Length over the body cap is answered 413 at once, with no 100")
    func v40e() {
        let overCap = HTTP1Limits().maxBodyBytes + 1
        verify(Vector("cap + 1", post(length: overCap, fields: expectContinue), .refused(413)))
    }

    @Test("V40f a 100 KB request-target is answered 414 and closes")
    func v40fLongTarget() {
        let bytes = literal("GET /") + repeated("a", 100_000) + wire(#" HTTP/1.1\r\nHost: a\r\n\r\n"#)
        // The head parser gives up once the request line exceeds the target limit plus 32 bytes.
        verify(Vector("100 KB target", bytes: bytes, .refused(414)), splits: .around(HTTP1Limits().maxTargetBytes + 32))
    }

    @Test(
        "V40f request-targets up to the limit are accepted; one byte more is answered 414",
        arguments: [
            (8_000 - 14, 200), (HTTP1Limits().maxTargetBytes, 200), (HTTP1Limits().maxTargetBytes + 1, 414),
        ])
    func v40fBoundary(targetBytes: Int, status: Int) {
        // "GET " + target + " HTTP/1.1" is 13 bytes more than the target, so 7986 makes a 7999-byte line + CR.
        let target = literal("/") + repeated("a", targetBytes - 1)
        let bytes = literal("GET ") + target + wire(#" HTTP/1.1\r\nHost: a\r\n\r\n"#)
        let expected: Expected =
            status == 200
            ? .served(ExpectedRequest(.get, String(decoding: target, as: UTF8.self))) : .refused(status)
        verify(Vector("target of \(targetBytes) bytes", bytes: bytes, expected), splits: .around(targetBytes + 4))
    }

    @Test("V40g a 100 KB field value is answered 431 and closes")
    func v40gLongValue() {
        let bytes = wire(#"GET / HTTP/1.1\r\nHost: a\r\nX: "#) + repeated("v", 100_000) + wire(#"\r\n\r\n"#)
        verify(Vector("100 KB value", bytes: bytes, .refused(431)), splits: .around(16 + 3 + HTTP1Limits().maxFieldLineBytes))
    }

    @Test("V40g 10,000 field lines are answered 431 and close")
    func v40gManyFields() {
        var bytes = wire(#"GET / HTTP/1.1\r\nHost: a\r\n"#)
        for i in 0..<10_000 { bytes += literal("X\(i): y\r\n") }
        bytes += wire(#"\r\n"#)
        // The 101st field line is refused; every split up to well past it is tried.
        verify(Vector("10,000 lines", bytes: bytes, .refused(431)), splits: .around(1_000, width: 1_000))
    }

    @Test("V40h a huge Content-Length is answered 413 at once, without waiting for the body")
    func v40h() {
        verify(Vector("999999999", #"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 999999999\r\n\r\n"#, .refused(413)))
    }

    // V40(i): the timeouts that close these connections are socket-level and covered by the end-to-end tests.
    // The machine shows that it gives no response and reports the phase that a timer has to bound.
    @Test(
        "V40i incomplete requests produce no response and leave the connection reading",
        arguments: [
            Vector("nothing sent", bytes: [], Expected(statuses: [], then: .idle, requests: [])),
            Vector(
                "head stops inside a field", #"GET / HTTP/1.1\r\nHost: a\r\nX: "#, Expected(statuses: [], then: .readingHead, requests: [])),
            Vector("head stops after CR", #"GET / HTTP/1.1\r\nHost: a\r"#, Expected(statuses: [], then: .readingHead, requests: [])),
            Vector("5 of 10 body bytes", post(length: 10, body: "hello"), Expected(statuses: [], then: .readingBody, requests: [])),
            Vector(
                "chunked with no last-chunk", #"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n"#,
                Expected(statuses: [], then: .readingBody, requests: [])),
            Vector(
                "chunked stops in trailers", #"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX: y\r\n"#,
                Expected(statuses: [], then: .readingBody, requests: [])),
        ])
    func v40i(_ vector: Vector) { verify(vector) }
}
