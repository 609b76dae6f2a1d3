import Foundation
import TestSupport
import Testing

extension OneAtATime {
    @Suite("The change feed's long-poll (GET /v1/events?wait=)")
    struct LongPollTests {
        /// Sends `GET path` on its own thread; the answer and how long it took arrive later.
        static func background(_ app: TestApp, _ path: String) -> (TestThread, Locked<(ParsedResponse, Duration)?>) {
            let result = Locked<(ParsedResponse, Duration)?>(nil)
            let thread = TestThread.start {
                let start = ContinuousClock.now
                if let response = try? app.call("GET", path) { result.withLock { $0 = (response, ContinuousClock.now - start) } }
            }
            return (thread, result)
        }

        @Test("a parked long-poll is answered within a second of a commit by another client, on another instance")
        func wokenByCommit() throws {
            let app = try TestApp()
            let other = try TestApp.sharing(app)
            let f = GateFixtures(app: app)
            let (podID, member) = try f.pod()
            let after = try f.lastSeq()
            let (thread, result) = Self.background(app, "/v1/events?after=\(after)&wait=20&types=gate_review.*,use_case.created")
            #expect(eventually(within: .seconds(5)) { app.app.feed.parkedCount == 1 })
            let committed = ContinuousClock.now
            _ = try GateFixtures(app: other).useCase(podID: podID, key: member.key)
            #expect(thread.join(within: .seconds(5)))
            let (response, _) = try #require(result.withLock { $0 })
            #expect(ContinuousClock.now - committed < .seconds(1))
            let events = response.object["events"] as? [[String: Any]] ?? []
            #expect(events.map { $0["type"] as? String } == ["use_case.created"])
            #expect(response.object["next_after"] as? Int == events.last?["seq"] as? Int)
        }

        @Test("with nothing new the long-poll answers an empty page when the wait ends; other requests are answered meanwhile")
        func emptyAfterWait() throws {
            let app = try TestApp()
            let after = try GateFixtures(app: app).lastSeq()
            let polls = (0..<20).map { _ in Self.background(app, "/v1/events?after=\(after)&wait=2") }
            #expect(eventually(within: .seconds(5)) { app.app.feed.parkedCount == 20 })
            let start = ContinuousClock.now
            #expect(try app.call("GET", "/v1/me").status == 200)
            #expect(ContinuousClock.now - start < .milliseconds(500), "parked polls hold no worker")
            for (thread, result) in polls {
                #expect(thread.join(within: .seconds(10)))
                let (response, took) = try #require(result.withLock { $0 })
                #expect(response.status == 200)
                #expect((response.object["events"] as? [Any])?.isEmpty == true)
                #expect(response.object["next_after"] as? Int == after)
                #expect(took >= .milliseconds(1_900) && took < .seconds(5))
            }
        }

        @Test("an event of another type leaves the poll parked; shutdown answers parked polls at once")
        func filterAndShutdown() throws {
            let app = try TestApp()
            let after = try GateFixtures(app: app).lastSeq()
            let (thread, result) = Self.background(app, "/v1/events?after=\(after)&wait=30&types=funding.approved")
            #expect(eventually(within: .seconds(5)) { app.app.feed.parkedCount == 1 })
            let f = GateFixtures(app: app)
            let (podID, member) = try f.pod()
            _ = try f.useCase(podID: podID, key: member.key)
            usleep(300_000)
            #expect(result.withLock { $0 } == nil, "use_case.created is not what it waits for")
            let start = ContinuousClock.now
            app.app.shutdown()
            #expect(thread.join(within: .seconds(5)))
            #expect(ContinuousClock.now - start < .seconds(3))
            let (response, _) = try #require(result.withLock { $0 })
            #expect(response.status == 200)
            #expect((response.object["events"] as? [Any])?.isEmpty == true)
        }

        @Test("bad wait values are 400")
        func badWait() throws {
            let app = try TestApp()
            for wait in ["-1", "31", "x"] {
                #expect(try app.call("GET", "/v1/events?wait=\(wait)").status == 400)
            }
        }

        @Test("1,000 long-polls parked at once hold no worker: other requests stay prompt, and one commit answers them all")
        func thousandParked() throws {
            let app = try TestApp()
            let f = GateFixtures(app: app)
            let (podID, member) = try f.pod()
            let after = try f.lastSeq()
            var clients: [RawClient] = []
            for _ in 0..<1_000 {
                let client = try RawClient(port: app.port, receiveTimeout: 20)
                #expect(
                    client.send(
                        "GET /v1/events?after=\(after)&wait=25 HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer \(TestApp.adminKey)\r\n\r\n"))
                clients.append(client)
            }
            #expect(eventually(within: .seconds(20)) { app.app.feed.parkedCount == 1_000 }, "parked: \(app.app.feed.parkedCount)")
            var slowest = Duration.zero
            for _ in 0..<20 {
                let start = ContinuousClock.now
                #expect(try app.call("GET", "/v1/me").status == 200)
                slowest = max(slowest, ContinuousClock.now - start)
            }
            #expect(slowest < .milliseconds(500), "other requests stay prompt: slowest \(slowest)")
            let committed = ContinuousClock.now
            _ = try f.useCase(podID: podID, key: member.key)
            var answered = 0
            for client in clients {
                guard let response = client.readResponses(1).first else { continue }
                if response.status == 200, (response.object["events"] as? [[String: Any]])?.first?["type"] as? String == "use_case.created"
                {
                    answered += 1
                }
            }
            #expect(answered == 1_000)
            #expect(ContinuousClock.now - committed < .seconds(10))
            #expect(app.app.feed.parkedCount == 0)
        }
    }
}
