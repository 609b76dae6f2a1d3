import Testing

@testable import HTTP1

/// HTTP-REFERENCE.md section 1.3, F: connection semantics and unread bodies (V38, V39).
/// Expect, limits and slowness (V40) are in `VectorsFExpectLimitsTests`.
@Suite("F. Connection semantics")
struct VectorsFConnectionTests {
    @Test("V38a pipelined requests in one read are answered in order and the connection stays open")
    func v38a() {
        verify(
            Vector(
                "V38a", #"GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\n"#,
                .served(ExpectedRequest(.get, "/1"), ExpectedRequest(.get, "/2"))))
    }

    @Test("V38b after Connection: close one response is sent with Connection: close and /x is never processed")
    func v38b() {
        verify(
            Vector(
                "V38b", #"GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\nGET /x HTTP/1.1\r\nHost: a\r\n\r\n"#,
                .served(ExpectedRequest(.get, "/"), then: .closed)))
    }

    @Test("V38c the request before Connection: close gets its normal response; the garbage after it none")
    func v38c() {
        verify(
            Vector(
                "V38c", #"GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\nInvalid\r\n\r\n"#,
                .served(ExpectedRequest(.get, "/"), then: .closed)))
    }

    @Test(
        "V38d HTTP/1.0 is answered, then the connection closes",
        arguments: [
            Vector("HTTP/1.0", #"GET / HTTP/1.0\r\n\r\nGET /x HTTP/1.0\r\n\r\n"#, .served(ExpectedRequest(.get, "/"), then: .closed)),
            Vector(
                "HTTP/1.0 keep-alive then close",
                #"GET /1 HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /2 HTTP/1.0\r\n\r\nGET /3 HTTP/1.0\r\n\r\n"#,
                .served(ExpectedRequest(.get, "/1"), ExpectedRequest(.get, "/2"), then: .closed)),
            Vector(
                "HTTP/1.1 close among other tokens",
                #"GET / HTTP/1.1\r\nHost: a\r\nConnection: Keep-Alive, CLOSE\r\n\r\nGET /x HTTP/1.1\r\nHost: a\r\n\r\n"#,
                .served(ExpectedRequest(.get, "/"), then: .closed)),
        ])
    func v38d(_ vector: Vector) { verify(vector) }

    @Test("V38e HEAD is served, and its response carries the GET fields but no body bytes")
    func v38e() {
        verify(Vector("V38e", #"HEAD / HTTP/1.1\r\nHost: a\r\n\r\n"#, .served(ExpectedRequest(.head, "/"))))

        var out: [UInt8] = []
        ResponseWriter.write(
            Response(status: .ok, body: literal("hello")), isHead: true, keepAlive: true,
            date: ArraySlice(literal("d")), requestID: "r", into: &out)
        #expect(String(decoding: out, as: UTF8.self).hasSuffix("Content-Length: 5\r\n\r\n"))
    }

    @Test("V39a an unread body is drained: exactly two responses, none for hello")
    func v39a() {
        verify(
            Vector(
                "V39a", #"GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhelloGET / HTTP/1.1\r\nHost: a\r\n\r\n"#,
                .served(ExpectedRequest(.get, "/", body: "hello"), ExpectedRequest(.get, "/", body: ""))))
    }

    @Test("V39b the bytes after a Content-Length: 0 body start a new request")
    func v39b() {
        // As printed: `X` alone is the start of a new request head, not a body and not yet an error.
        verify(
            Vector(
                "V39b as printed", #"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\nX"#,
                .served(ExpectedRequest(.post, "/", body: ""), then: .readingHead)))
        verify(
            Vector(
                "V39b completed", #"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\nX\r\n\r\n"#,
                .served(ExpectedRequest(.post, "/", body: ""), thenRefused: 400)))
    }

    @Test(
        "V39c a body on HEAD or OPTIONS is consumed as the body",
        arguments: [
            Vector(
                "HEAD", #"HEAD / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello"#,
                .served(ExpectedRequest(.head, "/", body: "hello"))),
            Vector(
                "OPTIONS", #"OPTIONS / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello"#,
                .served(ExpectedRequest(.options, "/", body: "hello"))),
            Vector(
                "HEAD then GET", #"HEAD / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhelloGET /n HTTP/1.1\r\nHost: a\r\n\r\n"#,
                .served(ExpectedRequest(.head, "/", body: "hello"), ExpectedRequest(.get, "/n", body: ""))),
        ])
    func v39c(_ vector: Vector) { verify(vector) }

    // The printed Content-Length (34) is two more than the 32 bytes that follow (with `Host: a`), so the literal
    // bytes leave the body incomplete: no response, still reading the body (the body timeout closes it, which
    // the end-to-end tests cover). With the length that matches, the GET is the POST's body, never a request.
    @Test(
        "V39d a request smuggled inside a body is never served",
        arguments: [
            Vector(
                "as printed (34, body incomplete)",
                #"POST /static-or-404 HTTP/1.1\r\nHost: a\r\nContent-Length: 34\r\n\r\nGET /admin HTTP/1.1\r\nHost: a\r\n\r\n"#,
                Expected(statuses: [], then: .readingBody, requests: [])),
            Vector(
                "exact length (32)",
                #"POST /static-or-404 HTTP/1.1\r\nHost: a\r\nContent-Length: 32\r\n\r\nGET /admin HTTP/1.1\r\nHost: a\r\n\r\n"#,
                .served(ExpectedRequest(.post, "/static-or-404", body: "GET /admin HTTP/1.1\r\nHost: a\r\n\r\n"))),
        ])
    func v39d(_ vector: Vector) { verify(vector) }

    @Test("F empty lines before a request count toward the head limit: an endless CRLF stream is answered 431")
    func leadingEmptyLines() {
        let maxHead = HTTP1Limits().maxHeadBytes
        let tooMany = Array(repeatElement(wire(#"\r\n"#), count: maxHead / 2 + 1).joined())
        verify(Vector("CRLF x \(maxHead / 2 + 1)", bytes: tooMany, .refused(431)), splits: .around(maxHead))
        let some = Array(repeatElement(wire(#"\r\n"#), count: 100).joined()) + wire(#"GET / HTTP/1.1\r\nHost: a\r\n\r\n"#)
        verify(Vector("CRLF x 100, then a request", bytes: some, .served(ExpectedRequest(.get, "/"))))
    }

    @Test("F the request limit per connection ends the connection with Connection: close")
    func requestsPerConnection() {
        var limits = HTTP1Limits()
        limits.maxRequestsPerConnection = 2
        verify(
            Vector(
                "limit 2", #"GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\nGET /3 HTTP/1.1\r\nHost: a\r\n\r\n"#,
                .served(ExpectedRequest(.get, "/1"), ExpectedRequest(.get, "/2"), then: .closed)), limits: limits)
    }
}
