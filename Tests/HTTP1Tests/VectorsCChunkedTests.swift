import Testing

@testable import HTTP1

/// A chunked POST whose body (already escaped) follows the head.
private func chunked(_ body: String) -> String {
    #"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n\#(body)"#
}

private let smuggledGet = #"GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\n0\r\n\r\n"#

/// HTTP-REFERENCE.md section 1.3, C: chunked body (V19-V27).
@Suite("C. Chunked body")
struct VectorsCChunkedTests {
    @Test(
        "V19 a chunk size that is not 1*HEXDIG is refused and closes; never prefix-parsed",
        arguments: ["0_2e", "0x5", "+5", "-1", "-0x0", "1_0", "+0", " 5", "5 ", "Z", "1these-bytes-never-get-validated"].map { size in
            Vector(size, chunked(#"\#(size)\r\n\r\n"# + smuggledGet), .refused(400))
        })
    func v19(_ vector: Vector) { verify(vector) }

    @Test("V20 an empty chunk-size line is refused and closes")
    func v20() {
        verify(Vector("V20", chunked(#"\r\n\r\n"#), .refused(400)))
    }

    // The reference allows 400 (more than 16 hex digits) or 413 (over the body cap); the size overflows the
    // 64-bit count before the 17th digit is read, so the answer is 413. A 17-digit size of small value is 400.
    @Test(
        "V21 a chunk size beyond 16 hex digits or the body cap is refused and closes",
        arguments: [
            Vector("FFFFFFFFFFFFFFFF0", chunked(#"FFFFFFFFFFFFFFFF0\r\nhello\r\n0\r\n\r\n"#), .refused(413)),
            Vector("17 digits of value 5", chunked(#"00000000000000005\r\nhello\r\n0\r\n\r\n"#), .refused(400)),
            Vector("16 digits, over the body cap", chunked(#"7FFFFFFFFFFFFFFF\r\nhello\r\n0\r\n\r\n"#), .refused(413)),
            Vector(
                "16 digits, value 5", chunked(#"0000000000000005\r\nhello\r\n0\r\n\r\n"#),
                .served(ExpectedRequest(.post, "/", body: "hello"))),
        ])
    func v21(_ vector: Vector) { verify(vector) }

    @Test("V21 chunks adding up beyond the body cap are refused with 413 as they arrive")
    func v21Total() {
        var limits = HTTP1Limits()
        limits.maxBodyBytes = 8
        verify(Vector("two chunks of 5 with a cap of 8", chunked(#"5\r\nhello\r\n5\r\nworld\r\n0\r\n\r\n"#), .refused(413)), limits: limits)
    }

    @Test("V22 a bare CR in a chunk line is refused and closes; the GET after it is never served")
    func v22() {
        verify(
            Vector(
                "V22", #"GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\r;ABCD\r\n34\r\nE\r\n0\r\n\r\n"# + smuggledGet,
                .refused(400)))
    }

    @Test(
        "V23 a bare LF in chunk framing is refused and closes",
        arguments: [
            Vector("after the last-chunk size", chunked(#"0\n\r\n"#), .refused(400)),
            Vector("after chunk data", chunked(#"a\r\n0123456789\n0\r\n\r\n"#), .refused(400)),
            Vector("after a chunk size", chunked(#"5\nhello\r\n0\r\n\r\n"#), .refused(400)),
            Vector("ending the trailer section", chunked(#"0\r\n\n"#), .refused(400)),
            Vector("ending a trailer", chunked(#"0\r\nX: y\n\r\n"#), .refused(400)),
        ])
    func v23(_ vector: Vector) { verify(vector) }

    @Test(
        "V24 chunk data must be exactly size bytes followed by CRLF",
        arguments: [
            Vector("data overrun", chunked(#"5\r\nhello!!\r\n0\r\n\r\n"#), .refused(400)),
            Vector("missing CRLF after data", chunked(#"5\r\nABCDE0\r\n\r\n"#), .refused(400)),
            Vector("CR without LF after data", chunked(#"5\r\nhello\rX0\r\n\r\n"#), .refused(400)),
        ])
    func v24(_ vector: Vector) { verify(vector) }

    // llhttp's quoting example is literal text: `\"` and `\\` are quoted-pairs of two bytes each, so these
    // payloads are built with `literal`, not decoded as C escapes.
    @Test(
        "V25 valid chunk extensions are validated and ignored",
        arguments: [
            Vector(
                "quoted-pairs, tokens, bare names",
                bytes: wire(chunked("")) + literal(#"5;ilovew3="I \"love\"; \\extensions\\";somuchlove="x";blah;foo=bar"#)
                    + wire(#"\r\nhello\r\n0\r\n\r\n"#),
                .served(ExpectedRequest(.post, "/", body: "hello"))),
            Vector(
                "BWS before the semicolon", chunked(#"5 ;a=b\r\nhello\r\n0\r\n\r\n"#), .served(ExpectedRequest(.post, "/", body: "hello"))),
            Vector(
                "BWS around = and on the last chunk", chunked(#"5\t; a = b\r\nhello\r\n0;last\r\n\r\n"#),
                .served(ExpectedRequest(.post, "/", body: "hello"))),
        ])
    func v25Valid(_ vector: Vector) { verify(vector) }

    @Test(
        "V25 invalid or oversized chunk extensions are refused and close",
        arguments: [
            Vector("bare semicolon", chunked(#"5;\r\nhello\r\n0\r\n\r\n"#), .refused(400)),
            Vector("bad token", chunked(#"5;bad[=x\r\nhello\r\n0\r\n\r\n"#), .refused(400)),
            Vector("unterminated quote", chunked(#"5;a="unterminated\r\nhello\r\n0\r\n\r\n"#), .refused(400)),
            Vector("NUL after name", chunked(#"5;a\x00\r\nhello\r\n0\r\n\r\n"#), .refused(400)),
            Vector("empty value", chunked(#"5;a=\r\nhello\r\n0\r\n\r\n"#), .refused(400)),
            Vector(
                "extension over 4 KiB", bytes: wire(chunked(#"5;a="#)) + repeated("b", 5000) + wire(#"\r\nhello\r\n0\r\n\r\n"#),
                .refused(400)),
        ])
    func v25Invalid(_ vector: Vector) { verify(vector) }

    @Test("V26 trailers are parsed then ignored: they change neither framing nor Host, and /two follows")
    func v26() {
        verify(
            Vector(
                "V26",
                chunked(
                    #"5\r\nhello\r\n0\r\nContent-Length: 50\r\nHost: evil\r\nX:POST / HTTP/1.1\r\n\r\nGET /two HTTP/1.1\r\nHost: a\r\n\r\n"#
                ),
                .served(ExpectedRequest(.post, "/", body: "hello"), ExpectedRequest(.get, "/two", body: ""))))
    }

    @Test(
        "V26 trailers follow the field rules: an invalid trailer is refused and closes",
        arguments: [
            Vector("obs-fold", chunked(#"0\r\nX: a\r\n folded\r\n\r\n"#), .refused(400)),
            Vector("space before colon", chunked(#"0\r\nX : a\r\n\r\n"#), .refused(400)),
            Vector("NUL in value", chunked(#"0\r\nX: a\x00\r\n\r\n"#), .refused(400)),
            Vector("bare CR", chunked(#"0\r\nX: a\rY: b\r\n\r\n"#), .refused(400)),
        ])
    func v26InvalidTrailers(_ vector: Vector) { verify(vector) }

    @Test("V27 an invalid chunk line is never resynchronised at the next CRLF")
    func v27() {
        verify(Vector("V27", chunked(#"INVALID!!!\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n"#), .refused(400)))
    }
}
