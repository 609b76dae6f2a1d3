import Foundation
import HTTPServer
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The HTTP layer over real sockets: framing, order, limits and timeouts as a client sees them.
@Suite("HTTP server over sockets")
struct HTTPServerSocketTests {
    @Test("every response carries Date, X-Request-Id and Content-Length, and echoes a sane request id")
    func standardFields() throws {
        let server = try startTestServer()
        defer { server.shutdown(grace: 1) }
        let client = try RawClient(port: server.port)
        client.send(request("/hello", headers: ["X-Request-Id: abc-123"]) + request("/hello", headers: ["X-Request-Id: bad id!"]))
        let responses = client.readResponses(2)
        #expect(responses.count == 2)
        #expect(responses[0].status == 200)
        #expect(responses[0].bodyText == "Hello, World!")
        #expect(responses[0].header("Content-Length") == "13")
        #expect(responses[0].header("Date")?.hasSuffix("GMT") == true)
        #expect(responses[0].header("X-Request-Id") == "abc-123")
        let generated = try #require(responses[1].header("X-Request-Id"))
        #expect(generated.utf8.count == 16 && generated.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) })
        // Generated ids differ from request to request.
        client.send((0..<20).map { _ in request("/hello") }.joined())
        let more = client.readResponses(22).dropFirst(2).compactMap { $0.header("X-Request-Id") }  // all read so far
        #expect(more.count == 20 && Set(more + [generated]).count == 21)
    }

    @Test("pipelined requests are answered in order even when an earlier one is slower")
    func pipeliningKeepsOrder() throws {
        let server = try startTestServer()
        defer { server.shutdown(grace: 1) }
        let client = try RawClient(port: server.port)
        client.send(
            request("/slow?ms=200") + request("/items/one") + request("/echo", method: "POST", body: "payload") + request("/items/two"))
        let responses = client.readResponses(4)
        #expect(responses.map(\.bodyText) == ["slept 200", "one", "payload", "two"])
    }

    @Test("unknown paths get 404 problem+json; a known path with the wrong method gets 405 with Allow")
    func notFoundAndMethodNotAllowed() throws {
        let server = try startTestServer()
        defer { server.shutdown(grace: 1) }
        let client = try RawClient(port: server.port)
        client.send(request("/nope") + request("/hello", method: "DELETE") + request("/echo", method: "OPTIONS"))
        let responses = client.readResponses(3)
        #expect(responses.map(\.status) == [404, 405, 204])
        #expect(responses[0].header("Content-Type") == "application/problem+json")
        #expect(responses[0].bodyText.contains("/problems/not-found"))
        #expect(responses[1].header("Allow") == "GET, HEAD")
        #expect(responses[1].bodyText.contains("/problems/method-not-allowed"))
        #expect(responses[2].header("Allow") == "POST")
    }

    @Test("HEAD gets the GET head with its Content-Length and no body")
    func headHasNoBody() throws {
        let server = try startTestServer()
        defer { server.shutdown(grace: 1) }
        let client = try RawClient(port: server.port)
        client.send(request("/hello", method: "HEAD") + request("/items/x"))
        let responses = client.readResponses(2, headRequests: [0])
        #expect(responses.count == 2)
        #expect(responses[0].header("Content-Length") == "13")
        #expect(responses[0].body.isEmpty)
        #expect(responses[1].bodyText == "x")
    }

    @Test("HTTP/1.0 closes after one response unless it asks for keep-alive")
    func http10() throws {
        let server = try startTestServer()
        defer { server.shutdown(grace: 1) }
        let plain = try RawClient(port: server.port)
        plain.send("GET /hello HTTP/1.0\r\n\r\n")
        #expect(plain.readUntilClose())
        #expect(ParsedResponse.parseAll(plain.received).responses.first?.status == 200)

        let keepAlive = try RawClient(port: server.port)
        keepAlive.send("GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /items/2 HTTP/1.0\r\n\r\n")
        #expect(keepAlive.readUntilClose())
        let responses = ParsedResponse.parseAll(keepAlive.received).responses
        #expect(responses.map(\.status) == [200, 200])
        #expect(responses[0].header("Connection") == "keep-alive")
    }

    @Test("a smuggling attempt gets one 400 and the connection closes before the smuggled request")
    func framingErrorCloses() throws {
        let server = try startTestServer()
        defer { server.shutdown(grace: 1) }
        let client = try RawClient(port: server.port)
        client.send(
            "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /hello HTTP/1.1\r\nHost: a\r\n\r\n"
        )
        #expect(client.readUntilClose())
        let responses = ParsedResponse.parseAll(client.received).responses
        #expect(responses.map(\.status) == [400])
        #expect(responses.first?.closes == true)
    }

    @Test("Expect: 100-continue gets 100 before the body is sent, then the final response")
    func expectContinue() throws {
        let server = try startTestServer()
        defer { server.shutdown(grace: 1) }
        let client = try RawClient(port: server.port)
        client.send("POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
        let interim = client.readOnce() ?? []
        #expect(String(decoding: interim, as: UTF8.self) == "HTTP/1.1 100 Continue\r\n\r\n")
        client.send("hello")
        let responses = client.readResponses(1)
        #expect(responses.first?.bodyText == "hello")
    }

    @Test("a body over the limit is refused with 413 from Content-Length alone, and no 100 is sent")
    func bodyTooLarge() throws {
        let server = try startTestServer { $0.limits.maxBodyBytes = 1024 }
        defer { server.shutdown(grace: 1) }
        let client = try RawClient(port: server.port)
        client.send("POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 999999999\r\nExpect: 100-continue\r\n\r\n")
        #expect(client.readUntilClose())
        let text = String(decoding: client.received, as: UTF8.self)
        #expect(text.hasPrefix("HTTP/1.1 413 "))
        #expect(!text.contains("100 Continue"))
    }

    @Test("a head that does not arrive within the header timeout gets 408 and is closed")
    func headerTimeout() throws {
        let server = try startTestServer { $0.headerTimeout = 0.5 }
        defer { server.shutdown(grace: 1) }
        let client = try RawClient(port: server.port)
        client.send("GET /hello HTTP/1.1\r\nHost: a\r\nX: ")
        #expect(client.readUntilClose())
        #expect(ParsedResponse.parseAll(client.received).responses.map(\.status) == [408])
    }

    @Test("an idle keep-alive connection is closed after the idle timeout")
    func idleTimeout() throws {
        let server = try startTestServer { $0.idleTimeout = 0.5 }
        defer { server.shutdown(grace: 1) }
        let client = try RawClient(port: server.port)
        client.send(request("/hello"))
        _ = client.readResponses(1)
        #expect(client.readUntilClose())
    }

    @Test("the request limit per connection ends the connection with Connection: close")
    func requestsPerConnection() throws {
        let server = try startTestServer { $0.limits.maxRequestsPerConnection = 3 }
        defer { server.shutdown(grace: 1) }
        let client = try RawClient(port: server.port)
        client.send(String(repeating: request("/hello"), count: 5))
        #expect(client.readUntilClose())
        let responses = ParsedResponse.parseAll(client.received).responses
        #expect(responses.count == 3)
        #expect(responses.last?.closes == true)
    }

    @Test("a full worker queue answers 503 with Retry-After instead of queueing without bound")
    func fullPoolAnswers503() throws {
        let server = try startTestServer {
            $0.workerThreadCount = 1
            $0.workerQueueCapacity = 1
        }
        defer { server.shutdown(grace: 3) }
        let running = try RawClient(port: server.port)
        running.send(request("/slow?ms=1500"))
        #expect(eventually(within: .seconds(1)) { server.pool.load.running == 1 })
        let queued = try RawClient(port: server.port)
        queued.send(request("/slow?ms=10"))
        #expect(eventually(within: .seconds(1)) { server.pool.load.queued == 1 })
        let refused = try RawClient(port: server.port)
        refused.send(request("/slow?ms=10"))
        let refusal = refused.readResponses(1).first
        #expect(refusal?.status == 503)
        #expect(refusal?.header("Retry-After") == "1")
        #expect(running.readResponses(1).first?.status == 200)
        #expect(queued.readResponses(1).first?.status == 200)
    }
}
