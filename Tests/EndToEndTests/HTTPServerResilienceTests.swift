import Foundation
import HTTPServer
import Testing

#if canImport(Glibc)
    import Glibc
#endif

extension OneAtATime {
    /// Slow clients, many connections, and shutdown: what keeps one client from hurting the others.
    @Suite("HTTP server resilience", .serialized)
    struct HTTPServerResilienceTests {
        @Test("200 connections sending one byte per second do not delay a normal client, and are closed by the header timeout")
        func slowloris() throws {
            let server = try startTestServer { $0.headerTimeout = 3 }
            defer { server.shutdown(grace: 1) }
            let drippers = try (0..<200).map { _ in try RawClient(port: server.port, receiveTimeout: 0.01) }
            let head = Array("GET /hello HTTP/1.1\r\nHost: a\r\nX-Slow: ".utf8)
            let normal = try RawClient(port: server.port)
            var slowest = 0.0
            let started = Date()
            for second in 0..<5 {
                for dripper in drippers { dripper.send([head[min(second, head.count - 1)]]) }
                for _ in 0..<5 {
                    let t0 = Date()
                    normal.send(request("/hello"))
                    let answered = normal.readResponses(
                        normal.received.isEmpty ? 1 : ParsedResponse.parseAll(normal.received).responses.count + 1)
                    #expect(!answered.isEmpty)
                    slowest = max(slowest, Date().timeIntervalSince(t0))
                    usleep(200_000)
                }
            }
            // Generous bound: "not delayed" means answered at once, not after the drippers.
            #expect(slowest < 1.0, "a normal request took \(slowest) s")
            #expect(Date().timeIntervalSince(started) > 3)
            var closedWith408 = 0
            for dripper in drippers {
                dripper.setReceiveTimeout(2)
                if dripper.readUntilClose(), ParsedResponse.parseAll(dripper.received).responses.first?.status == 408 { closedWith408 += 1 }
            }
            #expect(closedWith408 == 200)
        }

        @Test("graceful shutdown: 100 busy keep-alive clients each get their in-flight response in full, with Connection: close")
        func gracefulShutdownFinishesInFlightRequests() throws {
            let server = try startTestServer { $0.workerThreadCount = 100 }
            let clients = try (0..<100).map { _ in try RawClient(port: server.port) }
            for client in clients {
                client.send(request("/hello"))
                _ = client.readResponses(1)
                client.send(request("/slow?ms=500"))
            }
            usleep(100_000)  // the slow requests are in flight
            let clean = server.shutdown(grace: 5)
            #expect(clean)
            for client in clients {
                #expect(client.readUntilClose())
                let responses = ParsedResponse.parseAll(client.received).responses
                #expect(responses.map(\.status) == [200, 200])
                #expect(responses.last?.bodyText == "slept 500")
                #expect(responses.last?.closes == true)
            }
            #expect((try? RawClient(port: server.port)) == nil, "the listener is closed")
        }

        @Test("graceful shutdown answers every pipelined request already read, and only the last response closes")
        func shutdownAnswersPipelinedRequests() throws {
            let server = try startTestServer()
            let client = try RawClient(port: server.port)
            client.send(request("/slow?ms=300") + request("/items/a") + request("/slow?ms=100"))
            usleep(100_000)
            #expect(server.shutdown(grace: 5))
            #expect(client.readUntilClose())
            let responses = ParsedResponse.parseAll(client.received).responses
            #expect(responses.map(\.bodyText) == ["slept 300", "a", "slept 100"])
            #expect(responses.map(\.closes) == [false, false, true])
        }

        @Test("shutdown closes idle connections at once and cuts requests that outlive the grace time")
        func shutdownGraceIsBounded() throws {
            let server = try startTestServer()
            let idle = try RawClient(port: server.port)
            idle.send(request("/hello"))
            _ = idle.readResponses(1)
            let busy = try RawClient(port: server.port)
            busy.send(request("/slow?ms=3000"))
            usleep(100_000)
            let started = Date()
            let clean = server.shutdown(grace: 0.5)
            #expect(!clean)
            #expect(Date().timeIntervalSince(started) < 4)
            #expect(idle.readUntilClose())
        }
    }
}
