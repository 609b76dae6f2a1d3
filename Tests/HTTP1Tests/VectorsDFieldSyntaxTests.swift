import Testing

@testable import HTTP1

/// A GET whose head holds `Host: a` and then `fields` (escaped, each ending in CRLF).
private func get(fields: String, body: String = "") -> String {
    #"GET / HTTP/1.1\r\nHost: a\r\n\#(fields)\r\n\#(body)"#
}

/// HTTP-REFERENCE.md section 1.3, D: field syntax (V28-V34).
@Suite("D. Field syntax")
struct VectorsDFieldSyntaxTests {
    @Test(
        "V28 whitespace between a field name and the colon is refused (MUST) and closes",
        arguments: [
            Vector(
                "Content-Length SP :",
                #"GET / HTTP/1.1\r\nHost: a\r\nContent-Length : 34\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n"#, .refused(400)),
            Vector("Transfer-Encoding SP :", get(fields: #"Transfer-Encoding : chunked\r\n"#, body: #"0\r\n\r\n"#), .refused(400)),
            Vector("Content-Length HTAB :", get(fields: #"Content-Length\t: 5\r\n"#, body: "hello"), .refused(400)),
            Vector("Content-Length x:", get(fields: #"Content-Length x: 5\r\n"#, body: "hello"), .refused(400)),
        ])
    func v28(_ vector: Vector) { verify(vector) }

    @Test(
        "V29 obs-fold and whitespace before a field are refused and close",
        arguments: [
            Vector("continuation line", get(fields: #"X-Test: value\r\n continued\r\n"#), .refused(400)),
            Vector(
                "folded Content-Length",
                #"POST /hello HTTP/1.1\r\nHost: a\r\nFoo: bar\r\n Content-Length: 38\r\n\r\nGET /bye HTTP/1.1\r\nHost: a\r\n\r\n"#,
                .refused(400)),
            Vector(
                "folded Transfer-Encoding value", get(fields: #"Transfer-Encoding:\r\n chunked\r\n"#, body: #"0\r\n\r\n"#), .refused(400)),
            Vector("HTAB-indented first field", #"GET / HTTP/1.1\r\n\tContent-Length: 1\r\n\r\nX"#, .refused(400)),
            Vector("SP-indented first field", #"GET / HTTP/1.1\r\n Host: foo\r\n\r\n"#, .refused(400)),
        ])
    func v29(_ vector: Vector) { verify(vector) }

    @Test(
        "V30 a bare CR anywhere in the head is refused and closes",
        arguments: [
            Vector("in a value", get(fields: #"Header: va\rlue\r\n"#), .refused(400)),
            Vector("between two fields in a value", get(fields: #"Visible: :/\rSmuggled: :)\r\n"#), .refused(400)),
            Vector("as a field separator", get(fields: #"Foo: 1\rBar: 2\r\n"#), .refused(400)),
            Vector("inside a name", get(fields: #"Content\rLength: 003\r\n"#, body: "abc"), .refused(400)),
            Vector("ending the request line", #"GET / HTTP/1.1\rHost: a\r\n\r\n"#, .refused(400)),
            Vector(
                "before Transfer-Encoding", get(fields: #"Foo: bar\rTransfer-Encoding: chunked\r\n"#, body: #"0\r\n\r\n"#),
                .refused(400)),
        ])
    func v30(_ vector: Vector) { verify(vector) }

    @Test("V31 the head does not end at CRLF CR followed by another byte")
    func v31() {
        verify(Vector("V31", #"GET / HTTP/1.1\r\nHost: a\r\n\rZGET /evil: HTTP/1.1\r\nHost: a\r\n\r\n"#, .refused(400)))
    }

    @Test(
        "V32 a bare LF anywhere in the head is refused (rec) and closes",
        arguments: [
            Vector(
                "before Transfer-Encoding",
                #"POST / HTTP/1.1\r\nHost: a\r\nx:x\nTransfer-Encoding: chunked\r\n\r\n1\r\nA\r\n0\r\n\r\n"#, .refused(400)),
            Vector(
                "before Content-Length",
                get(
                    fields: #"Dummy: x\nContent-Length: 23\r\n"#, body: #"GET / HTTP/1.1\r\nDummy: GET /admin HTTP/1.1\r\nHost: a\r\n\r\n"#),
                .refused(400)),
            Vector("empty value then LF LF", get(fields: #"Useless:\n\nGET / HTTP/1.1\r\n"#), .refused(400)),
            Vector("only LFs", #"GET / HTTP/1.1\nHost: a\n\n"#, .refused(400)),
            Vector("LF inside the request line", #"GET /\nHTTP/1.1\r\n\r\n"#, .refused(400)),
            Vector("LF ending the head", #"GET / HTTP/1.1\r\nHost: a\r\n\n"#, .refused(400)),
        ])
    func v32(_ vector: Vector) { verify(vector) }

    @Test(
        "V33 NUL and other control bytes in a value are refused; never truncated",
        arguments: [
            Vector("NUL then text", get(fields: #"Test: test\x00THESE BYTES GET DROPPED\r\nConnection: close\r\n"#), .refused(400)),
            Vector("trailing NUL", get(fields: #"Evil: evil\x00\r\n"#), .refused(400)),
            Vector("NUL in Host", #"GET / HTTP/1.1\r\nHost: google.com\x00.kallus.org\r\n\r\n"#, .refused(400)),
            Vector("SOH", get(fields: #"X: a\x01b\r\n"#), .refused(400)),
            Vector("DEL", get(fields: #"X: a\x7fb\r\n"#), .refused(400)),
            Vector("VT", get(fields: #"X: a\x0bb\r\n"#), .refused(400)),
        ])
    func v33(_ vector: Vector) { verify(vector) }

    /// Long values are checked eight bytes at a time: a control byte at each place in a word, and
    /// HTAB (allowed) in the same places.
    @Test("V33 a control byte anywhere in a long value is refused; HTAB there is kept", arguments: [0, 7, 8, 15, 16, 23])
    func v33Positions(_ position: Int) {
        let controls = Array(UInt8(0x00)...UInt8(0x1F)).filter { $0 != 0x09 } + [0x7F]
        for byte in controls {
            var value = Array("abcdefghijklmnopqrstuvwx".utf8)
            value[position] = byte
            verify(
                Vector(
                    "<\(byte)> at \(position)", bytes: wire(#"GET / HTTP/1.1\r\nHost: a\r\nX: "#) + value + wire(#"\r\n\r\n"#),
                    .refused(400)))
        }
        var value = Array("abcdefghijklmnopqrstuvwx".utf8)
        value[position] = 0x09
        verify(
            Vector(
                "HTAB at \(position)", bytes: wire(#"GET / HTTP/1.1\r\nHost: a\r\nX: "#) + value + wire(#"\r\n\r\n"#),
                .served(ExpectedRequest(.get, "/", body: ""))))
    }

    /// Line ends are looked for eight bytes at a time: a bare CR or LF at each place of the first two
    /// words of a field line is refused (the harness also delivers every vector byte by byte and split).
    @Test("V32 a bare CR or LF at any place of a long field line is refused", arguments: Array(0..<16))
    func bareLineEndPositions(_ position: Int) {
        for byte: UInt8 in [0x0D, 0x0A] {
            var line = Array("X-Long: abcdefghijklmnopqrstuvwx".utf8)
            line[position] = byte
            verify(
                Vector(
                    "<\(byte)> at \(position)", bytes: wire(#"GET / HTTP/1.1\r\nHost: a\r\n"#) + line + wire(#"\r\n\r\n"#), .refused(400)))
        }
    }

    @Test(
        "V34 invalid field names are refused and close",
        arguments: [
            Vector("empty name", get(fields: #": ignored\r\n"#), .refused(400)),
            Vector("empty name, empty value", get(fields: #":\r\nI: am chopped off\r\n"#), .refused(400)),
            Vector("no colon", get(fields: #"Content-Length 10\r\n"#, body: "0123456789"), .refused(400)),
            Vector("obs-text first", get(fields: #"\xefoo: bar\r\n"#), .refused(400)),
            Vector("@ in name", get(fields: #"Fo@: Failure\r\n"#), .refused(400)),
            Vector("[ in name", get(fields: #"Bad[Name: v\r\n"#), .refused(400)),
            Vector("name split by CRLF", get(fields: #"Transfer-\r\nEncoding: chunked\r\n"#, body: #"0\r\n\r\n"#), .refused(400)),
        ])
    func v34(_ vector: Vector) { verify(vector) }

    /// Every control byte, and every delimiter of RFC 9110 section 5.6.2 (SP included), inside a field name.
    static let nonTokenBytes: [UInt8] = Array(0x00...0x1F) + [0x20, 0x7F] + Array(#""(),/;<=>?@[\]{}"#.utf8)

    @Test("V34 a control byte or delimiter inside a field name is refused", arguments: nonTokenBytes)
    func v34NameByte(_ byte: UInt8) {
        verify(Vector("X<\(byte)>Y", bytes: wire(#"GET / HTTP/1.1\r\nHost: a\r\nX"#) + [byte] + wire(#"Y: v\r\n\r\n"#), .refused(400)))
        verify(Vector("<\(byte)> alone", bytes: wire(#"GET / HTTP/1.1\r\nHost: a\r\n"#) + [byte] + wire(#": v\r\n\r\n"#), .refused(400)))
    }

    @Test("V34 every tchar is accepted in a field name")
    func v34Tchars() {
        verify(Vector("all tchars", get(fields: #"!#$%&'*+-.^_`|~09azAZ: v\r\n"#), .served(ExpectedRequest(.get, "/", body: ""))))
    }

    @Test("D field values keep obs-text and inner whitespace, lose only surrounding SP and HTAB")
    func fieldValueTrimming() throws {
        let line = wire(#"X-Name:  \t a \xa0 b\t \t"#)
        let parts = try FieldLine.split(line[...]).get()
        #expect(Array(parts.name) == literal("X-Name"))
        #expect(Array(parts.value) == wire(#"a \xa0 b"#))
    }
}
