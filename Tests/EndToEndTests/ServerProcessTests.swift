import Foundation
import Synchronization
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

extension OneAtATime {
    /// The `tollgate` binary as an operator runs it: started, probed, signalled.
    @Suite("tollgate serve as a process", .serialized)
    struct ServerProcessTests {
        @Test(
            "with nothing configured, serve runs its own PostgreSQL, answers /healthz and /readyz, reuses the cluster, and stops it on SIGTERM"
        )
        func embeddedDefault() throws {
            let directory = "/tmp/tollgate-embedded-\(getpid())"
            try? FileManager.default.removeItem(atPath: directory)
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: directory) }
            for run in 1...2 {
                let server = try ServerProcess(environment: ["TOLLGATE_PORT": "0"], directory: directory)
                let port = try server.waitUntilListening()
                #expect(status(port: port, "/healthz") == 200)
                #expect(status(port: port, "/readyz") == 200, "run \(run)")
                server.signal(SIGTERM)
                #expect(server.waitForExit(timeout: 15) == 0)
                #expect(!FileManager.default.fileExists(atPath: directory + "/.tollgate/pgdata/postmaster.pid"), "the cluster stopped")
            }
            #expect(FileManager.default.fileExists(atPath: directory + "/.tollgate/pgdata/PG_VERSION"))
        }

        @Test("a bad configuration value stops the start with a message naming the variable")
        func badConfiguration() throws {
            for (name, value) in [
                ("TOLLGATE_PORT", "eighty"), ("TOLLGATE_DB_POOL_SIZE", "0"), ("TOLLGATE_LOG_LEVEL", "loud"),
                ("TOLLGATE_WEBHOOK_RETRY_SCHEDULE", "5,x"),
            ] {
                let server = try ServerProcess(environment: [name: value])
                #expect(server.waitForExit(timeout: 10) == 2)
                usleep(50_000)
                #expect(server.standardError.contains(name), "stderr: \(server.standardError)")
            }
        }

        @Test(
            "SIGTERM while 100 keep-alive clients are busy: every started request gets its full response, and the process exits 0 within the grace time"
        )
        func sigtermDrains() throws {
            raiseOpenFileLimit()
            let database = try TestCluster.shared().freshDatabase()
            let server = try ServerProcess(environment: [
                "TOLLGATE_PORT": "0", "TOLLGATE_DATABASE_URL": database.conninfo, "TOLLGATE_ACCESS_LOG": "0",
            ])
            let port = try server.waitUntilListening()
            let clients = try (0..<100).map { _ in try RawClient(port: port) }
            let busy = Atomic<Int>(0)
            let complete = Atomic<Int>(0)
            let torn = Atomic<Int>(0)
            let threads = clients.map { client in
                TestThread.start {
                    var answered = 0
                    while client.send(request("/healthz")) {
                        guard let response = client.readResponses(1).first else { break }
                        answered += 1
                        if answered == 1 { busy.add(1, ordering: .relaxed) }
                        // Keep only what follows this response, so each parse is cheap.
                        client.received.removeFirst(ParsedResponse.parseAll(client.received).consumed)
                        if response.closes { break }
                    }
                    client.readUntilClose()
                    let parsed = ParsedResponse.parseAll(client.received)
                    complete.add(answered + parsed.responses.count, ordering: .relaxed)
                    if parsed.consumed != client.received.count { torn.add(1, ordering: .relaxed) }
                }
            }
            #expect(eventually(within: .seconds(10)) { busy.load(ordering: .relaxed) == 100 }, "every client is busy before the signal")
            usleep(200_000)
            let signalled = Date()
            server.signal(SIGTERM)
            let status = server.waitForExit(timeout: 12)
            let elapsed = Date().timeIntervalSince(signalled)
            #expect(threads.allSatisfy { $0.join(within: .seconds(15)) })
            #expect(status == 0)
            #expect(elapsed < 10, "the default grace time is 10 s")
            #expect(torn.load(ordering: .relaxed) == 0, "no response was cut short")
            #expect(complete.load(ordering: .relaxed) > 0)
        }

        @Test("1,000 idle keep-alive connections are held with the server's memory under 100 MiB")
        func thousandIdleConnections() throws {
            raiseOpenFileLimit()
            let database = try TestCluster.shared().freshDatabase()
            let server = try ServerProcess(environment: [
                "TOLLGATE_PORT": "0", "TOLLGATE_DATABASE_URL": database.conninfo, "TOLLGATE_ACCESS_LOG": "0",
            ])
            let port = try server.waitUntilListening()
            let clients = try (0..<1000).map { _ in try RawClient(port: port) }
            for client in clients { client.send(request("/healthz")) }
            #expect(clients.allSatisfy { $0.readResponses(1).first?.status == 200 })
            let rss = try #require(residentKiB(pid: server.pid))
            #expect(rss < 100 * 1024, "resident memory \(rss) KiB")
            // Still held: each connection answers again.
            for client in clients { client.send(request("/healthz")) }
            #expect(clients.allSatisfy { $0.readResponses(2).count == 2 })
            server.signal(SIGTERM)
            #expect(server.waitForExit(timeout: 12) == 0)
        }
    }
}
