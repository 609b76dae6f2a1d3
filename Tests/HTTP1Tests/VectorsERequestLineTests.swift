import Testing

@testable import HTTP1

/// A request line (escaped, without its CRLF) followed by `Host: a` and the end of the head.
private func line(_ requestLine: String) -> String {
    #"\#(requestLine)\r\nHost: a\r\n\r\n"#
}

/// HTTP-REFERENCE.md section 1.3, E: request-line, version, Host (V35-V37).
@Suite("E. Request-line, version, Host")
struct VectorsERequestLineTests {
    @Test(
        "V35 a malformed request line or version is refused with 400 and closes",
        arguments: [
            #"GET /test HTTP/1.32"#, #"GET / HTTP/\r\r1.1"#, #"GET / HTTP/4294967295.255"#, #"GET / HTTP/1"#,
            #"GET / HTTP/01.01"#, #"GET / http/1.1"#, #"GET / HTTP/ 1.1"#, #"GET  / HTTP/1.1"#, #"GET\t/ HTTP/1.1"#,
            #"GET /pa th HTTP/1.1"#, #"GET HTTP/1.1"#, #"G=":<>(e),[T];?" /get HTTP/1.1"#, #"GET ! HTTP/1.1"#,
            #"\x00 / HTTP/1.1"#, #"GET /\x00test HTTP/1.1"#, #"GET /caf\xc3\xa9 HTTP/1.1"#, #"GET * HTTP/1.1"#,
            #"GET / HTTP/1.1 "#, #" GET / HTTP/1.1"#, #"GET / HTTP/0.9"#, #"GET / HTTP/1.a"#, #"GET http:// HTTP/1.1"#,
        ].map { Vector($0, line($0), .refused(400)) })
    func v35(_ vector: Vector) { verify(vector) }

    @Test("V35 an HTTP/0.9 request line is refused with 400 and closes")
    func v35Http09() {
        verify(Vector("GET / CRLF", #"GET /\r\n"#, .refused(400)))
    }

    @Test(
        "V36 a well-formed major version from 2 to 9 is answered 505 and closes",
        arguments: [
            Vector("HTTP/2.0", #"GET / HTTP/2.0\r\nHost: a\r\n\r\n"#, .refused(505)),
            Vector("HTTP/5.6", line("GET / HTTP/5.6"), .refused(505)),
            Vector("HTTP/9.9", line("GET / HTTP/9.9"), .refused(505)),
            Vector("HTTP/2 preface", #"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"#, .refused(505)),
        ])
    func v36Version(_ vector: Vector) { verify(vector) }

    @Test("V36 HTTP/1.x with x > 1 is served as HTTP/1.1")
    func v36Http12() {
        verify(Vector("HTTP/1.2", line("GET / HTTP/1.2"), .served(ExpectedRequest(.get, "/"))))
        // Served as 1.1: Host is required and the connection stays open.
        verify(Vector("HTTP/1.9 without Host", #"GET / HTTP/1.9\r\n\r\n"#, .refused(400)))
    }

    @Test(
        "V36 an unknown or wrongly cased method is answered 501 and closes",
        arguments: [
            "FOOBAR / HTTP/1.1", "get / HTTP/1.1", "Get / HTTP/1.1", "CONNECT a:443 HTTP/1.1", "TRACE / HTTP/1.1",
        ].map { Vector($0, line($0), .refused(501)) })
    func v36Method(_ vector: Vector) { verify(vector) }

    @Test("V36 OPTIONS * is answered 204")
    func v36OptionsStar() {
        verify(Vector("OPTIONS *", line("OPTIONS * HTTP/1.1"), .served(ExpectedRequest(.options, "*"))))
    }

    @Test(
        "V36 empty lines before the request line are ignored",
        arguments: [
            Vector("one CRLF", #"\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n"#, .served(ExpectedRequest(.get, "/"))),
            Vector(
                "CRLF between pipelined requests", #"GET /1 HTTP/1.1\r\nHost: a\r\n\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\n"#,
                .served(ExpectedRequest(.get, "/1"), ExpectedRequest(.get, "/2"))),
        ])
    func v36LeadingCRLF(_ vector: Vector) { verify(vector) }

    @Test("V36 an absolute-form target is accepted with its path and authority")
    func v36AbsoluteForm() throws {
        verify(
            Vector(
                "absolute-form", #"GET http://b.example/x HTTP/1.1\r\nHost: a\r\n\r\n"#,
                .served(ExpectedRequest(.get, "http://b.example/x", path: "/x"))))
        verify(
            Vector(
                "absolute-form with query, no path", line("GET HTTPS://b.example?q=1 HTTP/1.1"),
                .served(ExpectedRequest(.get, "HTTPS://b.example?q=1", path: "/"))))
        // RequestHead carries no authority (reported); the request line does.
        let parsed = try RequestLine.parse(literal("GET http://b.example/x HTTP/1.1")[...], limits: HTTP1Limits()).get()
        #expect(parsed.authority == "b.example")
        #expect(parsed.path == "/x")
    }

    @Test(
        "the target splits into path and query at the first ?, the authority of an absolute-form target kept apart",
        arguments: [
            ("GET /a?b?c HTTP/1.1", "/a", "b?c", nil),
            ("GET /a? HTTP/1.1", "/a", "", nil),
            ("GET /a HTTP/1.1", "/a", nil, nil),
            ("GET /?x=1 HTTP/1.1", "/", "x=1", nil),
            ("GET http://a HTTP/1.1", "/", nil, "a"),
            ("GET http://a/ HTTP/1.1", "/", nil, "a"),
            ("GET HtTpS://a:8080?x HTTP/1.1", "/", "x", "a:8080"),
            ("GET https://[::1]:8443/p/q?r=s HTTP/1.1", "/p/q", "r=s", "[::1]:8443"),
            ("OPTIONS * HTTP/1.1", "*", nil, nil),
        ] as [(String, String, String?, String?)])
    func targetParts(line: String, path: String, query: String?, authority: String?) throws {
        let parsed = try RequestLine.parse(literal(line)[...], limits: HTTP1Limits()).get()
        #expect(parsed.target == String(line.split(separator: " ")[1]))
        #expect(parsed.path == path)
        #expect(parsed.query == query)
        #expect(parsed.authority == authority)
    }

    @Test(
        "V36 an absolute-form target with an invalid authority is refused",
        arguments: [
            "GET http://user@b.example/x HTTP/1.1", "GET http:///x HTTP/1.1", "GET http://b,c/ HTTP/1.1",
        ].map { Vector($0, line($0), .refused(400)) })
    func v36BadAuthority(_ vector: Vector) { verify(vector) }

    @Test(
        "V37 HTTP/1.1 needs exactly one valid Host; each violation is answered 400",
        arguments: [
            Vector("no Host", #"GET / HTTP/1.1\r\n\r\n"#, .refused(400)),
            Vector("Host twice, same value", #"GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n"#, .refused(400)),
            Vector("Host twice, different values", #"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"#, .refused(400)),
            Vector("Host list", #"GET / HTTP/1.1\r\nHost: a, b\r\n\r\n"#, .refused(400)),
            Vector("Host with userinfo", #"GET / HTTP/1.1\r\nHost: user@a\r\n\r\n"#, .refused(400)),
            Vector("Host with path", #"GET / HTTP/1.1\r\nHost: a/path\r\n\r\n"#, .refused(400)),
            Vector("empty Host", #"GET / HTTP/1.1\r\nHost: \r\n\r\n"#, .refused(400)),
            Vector("HTTP/1.0 with two Hosts", #"GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n"#, .refused(400)),
        ])
    func v37(_ vector: Vector) { verify(vector) }

    @Test("V37 control: HTTP/1.0 without Host is served, then the connection closes")
    func v37Control() {
        verify(Vector("HTTP/1.0 without Host", #"GET / HTTP/1.0\r\n\r\n"#, .served(ExpectedRequest(.get, "/"), then: .closed)))
    }

    @Test(
        "V37 valid Host forms are accepted",
        arguments: [
            "a", "a:8080", "a:", "[::1]", "[::1]:8080", "[::ffff:1.2.3.4]", "1.2.3.4:80", "xn--bcher-kva.example", "a%2Fb",
            "a!$&'()*+;=-._~z",
        ])
    func v37Valid(_ host: String) {
        verify(Vector(host, #"GET / HTTP/1.1\r\nHost: \#(host)\r\n\r\n"#, .served(ExpectedRequest(.get, "/"))))
    }

    @Test(
        "V37 Host must be uri-host [ \":\" port ]: other forms are answered 400",
        arguments: [
            ":80", "a:b", "a:80:1", "a:80a", "[::1", "[]", "a]", "[::1]x", "[::1]:x", "[v1.x]", "[::g]", "a%2", "a%zz",
            "a?b", "a#b", "a\"b", "a@b:80",
        ])
    func v37Invalid(_ host: String) {
        verify(Vector(host, #"GET / HTTP/1.1\r\nHost: \#(host)\r\n\r\n"#, .refused(400)))
    }
}
