import Testing

@testable import HTTP1

/// A POST with one `Transfer-Encoding` value (escaped) and a chunked body.
private func post(te value: String, body: String = #"1\r\nZ\r\n0\r\n\r\n"#) -> String {
    #"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: \#(value)\r\n\r\n\#(body)"#
}

/// HTTP-REFERENCE.md section 1.3, B: Transfer-Encoding (V10-V18).
@Suite("B. Transfer-Encoding")
struct VectorsBTransferEncodingTests {
    @Test("V10 an unknown transfer coding is answered 501 and closes; never treated as chunked")
    func v10() {
        verify(Vector("V10", #"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: blegh\r\n\r\n1\r\nZ\r\n0\r\n\r\n"#, .refused(501)))
    }

    @Test("V11 chunked before another coding is refused with 400 (MUST) and closes")
    func v11() {
        verify(Vector("V11", #"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n"#, .refused(400)))
    }

    // The table of V12 lists `identity, chunked, identity` under 501 with the note "chunked is last", but there
    // chunked is NOT last: RFC 9112 section 6.3 (MUST) and the profile of section 1.2 item 4 require 400.
    @Test(
        "V12 other codings before a final chunked are not implemented: 501 and close",
        arguments: [
            Vector("gzip, chunked", post(te: "gzip, chunked"), .refused(501)),
            Vector("identity, chunked", post(te: "identity, chunked"), .refused(501)),
            Vector(
                "deflate then chunked on two lines",
                #"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: deflate\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nZ\r\n0\r\n\r\n"#,
                .refused(501)),
            Vector("identity, chunked, identity (chunked not last: 400)", post(te: "identity, chunked, identity"), .refused(400)),
        ])
    func v12(_ vector: Vector) { verify(vector) }

    // The reference's V13 bytes omit Host; the notation adds `Host: a` so that the TE rule is what is tested.
    @Test(
        "V13 chunked applied twice, or followed by another coding, is refused and closes",
        arguments: [
            Vector(
                "two chunked lines",
                #"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nZ\r\n0\r\n\r\n"#,
                .refused(400)),
            Vector(
                "two chunked lines, no Host (as printed)",
                #"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nZ\r\n0\r\n\r\n"#,
                .refused(400)),
            Vector("chunked, chunked", post(te: "chunked, chunked"), .refused(400)),
            Vector(
                "chunked then identity on two lines",
                #"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n\r\n1\r\nZ\r\n0\r\n\r\n"#,
                .refused(400)),
        ])
    func v13(_ vector: Vector) { verify(vector) }

    @Test(
        "V14 look-alikes of chunked are unknown codings: 501 and close",
        arguments: ["xchunked", "chunkedchunked", "chunk", #"\"chunked\""#, "'chunked'", "=?UTF-8?B?Y2h1bmtlZA==?="].map { value in
            Vector(value, post(te: value), .refused(501))
        })
    func v14(_ vector: Vector) { verify(vector) }

    @Test(
        "V14 coding names are case-insensitive: Chunked and CHUNKED are decoded as chunked",
        arguments: ["Chunked", "CHUNKED", "cHuNkEd"].map { value in
            Vector(value, post(te: value, body: #"5\r\nhello\r\n0\r\n\r\n"#), .served(ExpectedRequest(.post, "/", body: "hello")))
        })
    func v14Control(_ vector: Vector) { verify(vector) }

    @Test(
        "V15 empty list elements around chunked are ignored: the body is hello",
        arguments: [",chunked", ", chunked", "chunked,", " , chunked , "].map { value in
            Vector(value, post(te: value, body: #"5\r\nhello\r\n0\r\n\r\n"#), .served(ExpectedRequest(.post, "/", body: "hello")))
        })
    func v15Accepted(_ vector: Vector) { verify(vector) }

    @Test(
        "V15 with Content-Length, or with an empty Transfer-Encoding, the request is refused and closes",
        arguments: [",chunked", ", chunked", "chunked,"].map { value in
            Vector(
                "\(value) + Content-Length",
                #"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: \#(value)\r\nContent-Length: 5\r\n\r\n5\r\nhello\r\n0\r\n\r\n"#,
                .refused(400))
        } + [
            Vector(
                "empty TE + Content-Length",
                #"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: \r\nContent-Length: 5\r\n\r\nhello"#, .refused(400)),
            Vector("empty TE alone", #"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: \r\n\r\nhello"#, .refused(400)),
            Vector("TE of commas only", #"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: , ,\r\n\r\nhello"#, .refused(400)),
        ])
    func v15Refused(_ vector: Vector) { verify(vector) }

    @Test(
        "V16 control bytes around chunked are refused with 400 and never stripped",
        arguments: [#"\x0bchunked"#, #"\x0cchunked"#, #"chunked\x00"#, #"\x00chunked"#, #"chunked\x0b"#].map { value in
            Vector(value, post(te: value), .refused(400))
        })
    func v16Controls(_ vector: Vector) { verify(vector) }

    @Test(
        "V16 obs-text around chunked is a different coding: 501, never stripped",
        arguments: [#"\xa0chunked\xa0"#, #"\x85chunked"#, #"\xffchunked\xff"#, #"chunked\xa0"#].map { value in
            Vector(value, post(te: value), .refused(501))
        })
    func v16ObsText(_ vector: Vector) { verify(vector) }

    @Test("V17 Transfer-Encoding in HTTP/1.0 is refused and closes")
    func v17() {
        verify(Vector("V17", #"POST / HTTP/1.0\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\nhello"#, .refused(400)))
        verify(
            Vector(
                "V17 without Content-Length", #"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"#,
                .refused(400)))
    }

    @Test(
        "V18 names that only look like Transfer-Encoding are other fields: Content-Length frames hello",
        arguments: [
            Vector(
                "Transfer_Encoding", #"POST / HTTP/1.1\r\nHost: a\r\nTransfer_Encoding: chunked\r\nContent-Length: 5\r\n\r\nhello"#,
                .served(ExpectedRequest(.post, "/", body: "hello"))),
            Vector(
                "Transfer-%45ncoding", #"POST / HTTP/1.1\r\nHost: a\r\nTransfer-%45ncoding: chunked\r\nContent-Length: 5\r\n\r\nhello"#,
                .served(ExpectedRequest(.post, "/", body: "hello"))),
        ])
    func v18LookAlikes(_ vector: Vector) { verify(vector) }

    @Test(
        "V18 obs-text in a field name is refused and closes",
        arguments: [
            Vector(
                #"Transf\x82r-Encoding"#, #"POST / HTTP/1.1\r\nHost: a\r\nTransf\x82r-Encoding: chunked\r\nContent-Length: 5\r\n\r\nhello"#,
                .refused(400)),
            Vector(#"Content-Length\x85"#, #"POST / HTTP/1.1\r\nHost: a\r\nContent-Length\x85: 10\r\n\r\nhelloworld"#, .refused(400)),
        ])
    func v18ObsTextNames(_ vector: Vector) { verify(vector) }
}
