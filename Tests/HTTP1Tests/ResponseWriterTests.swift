import Testing

@testable import HTTP1

/// Serialises `response` and returns the bytes as text (the writer only emits ASCII here).
private func written(
    _ response: Response, isHead: Bool = false, keepAlive: Bool = true, http10KeepAlive: Bool = false
) -> String {
    var buffer: [UInt8] = []
    ResponseWriter.write(
        response, isHead: isHead, keepAlive: keepAlive, http10KeepAlive: http10KeepAlive,
        date: ArraySlice("Thu, 01 Jan 2026 00:00:00 GMT".utf8), requestID: "req-1", into: &buffer)
    return String(decoding: buffer, as: UTF8.self)
}

@Suite("ResponseWriter")
struct ResponseWriterTests {
    @Test("a 200 has a status line, Date, X-Request-Id, Content-Length, the fields, a blank line, then the body")
    func fullResponse() {
        let text = written(Response(status: .ok, headers: ["Content-Type": "text/plain"], body: Array("hello".utf8)))
        #expect(
            text == "HTTP/1.1 200 OK\r\nDate: Thu, 01 Jan 2026 00:00:00 GMT\r\nX-Request-Id: req-1\r\n"
                + "Content-Length: 5\r\nContent-Type: text/plain\r\n\r\nhello")
    }

    @Test("Content-Length is the body's length in decimal", arguments: [0, 1, 9, 10, 99, 100, 12_345, 1_048_576])
    func contentLength(_ length: Int) {
        let text = written(Response(status: .ok, body: [UInt8](repeating: 0x61, count: length)))
        #expect(text.contains("\r\nContent-Length: \(length)\r\n"))
        #expect(text.hasSuffix("\r\n\r\n" + String(repeating: "a", count: length)))
    }

    @Test("HEAD gets the Content-Length of the body but no body bytes")
    func head() {
        let text = written(Response(status: .ok, body: Array("hello".utf8)), isHead: true)
        #expect(text.contains("\r\nContent-Length: 5\r\n"))
        #expect(text.hasSuffix("\r\n\r\n"))
    }

    @Test("204 and 304 carry neither Content-Length nor body bytes", arguments: [HTTPStatus.noContent, .notModified])
    func noBodyStatuses(_ status: HTTPStatus) {
        let text = written(Response(status: status, body: Array("ignored".utf8)))
        #expect(text.hasPrefix("HTTP/1.1 \(status.code) \(status.reasonPhrase)\r\n"))
        #expect(!text.contains("Content-Length"))
        #expect(text.hasSuffix("\r\n\r\n"))
        #expect(!text.contains("ignored"))
    }

    @Test("keepAlive false adds Connection: close; an HTTP/1.0 keep-alive gets Connection: keep-alive")
    func connection() {
        #expect(written(Response(status: .badRequest), keepAlive: false).contains("\r\nConnection: close\r\n"))
        #expect(!written(Response(status: .ok), keepAlive: true).contains("Connection:"))
        #expect(written(Response(status: .ok), http10KeepAlive: true).contains("\r\nConnection: keep-alive\r\n"))
        #expect(!written(Response(status: .ok), keepAlive: false, http10KeepAlive: true).contains("keep-alive"))
    }

    @Test("an error response has an empty body with Content-Length: 0 and Connection: close")
    func errorResponse() {
        let text = written(Response(status: .requestHeaderFieldsTooLarge), keepAlive: false)
        #expect(text.hasPrefix("HTTP/1.1 431 Request Header Fields Too Large\r\n"))
        #expect(text.contains("\r\nContent-Length: 0\r\n"))
        #expect(text.hasSuffix("\r\nConnection: close\r\n\r\n"))
    }

    @Test("the interim response is exactly HTTP/1.1 100 Continue and a blank line")
    func continueResponse() {
        #expect(ResponseWriter.continueResponse == Array("HTTP/1.1 100 Continue\r\n\r\n".utf8))
    }

    @Test("responses append to the buffer, so pipelined answers stay in order")
    func appends() {
        var buffer: [UInt8] = []
        for status in [HTTPStatus.ok, .noContent] {
            ResponseWriter.write(
                Response(status: status), isHead: false, keepAlive: true,
                date: ArraySlice("d".utf8), requestID: "r", into: &buffer)
        }
        let text = String(decoding: buffer, as: UTF8.self)
        #expect(text.hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(text.contains("\r\n\r\nHTTP/1.1 204 No Content\r\n"))
    }
}

@Suite("ResponseWriter refuses response splitting")
struct ResponseWriterSplittingTests {
    @Test("a header value carrying CR or LF is left out instead of splitting the response")
    func headerInjectionIsDropped() {
        var buffer: [UInt8] = []
        let response = Response(status: .ok, headers: ["X-Safe": "yes", "X-Evil": "a\r\nSet-Cookie: stolen=1"], body: [])
        ResponseWriter.write(
            response, isHead: false, keepAlive: true, date: Array("Sun, 29 Nov 2026 00:00:00 GMT".utf8)[...], requestID: "r1", into: &buffer
        )
        let text = String(decoding: buffer, as: UTF8.self)
        #expect(text.contains("X-Safe: yes\r\n"))
        #expect(!text.contains("Set-Cookie"))
        #expect(!text.contains("X-Evil"))
    }
}
