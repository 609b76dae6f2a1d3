import Foundation
import Logging
import Postgres
import Testing
import Tollgate

#if canImport(Glibc)
    import Glibc
#endif

extension OneAtATime {
    /// `/readyz` follows the database; `/healthz` follows only the process.
    @Suite("readiness follows the database", .serialized)
    struct ReadinessTests {
        @Test("PostgreSQL stopped: /readyz turns 503 within 2 s while /healthz stays 200; started again: /readyz is 200 with no restart")
        func readinessFollowsDatabase() throws {
            let folder = "/tmp/tollgate-readiness-\(getpid())"
            try? FileManager.default.removeItem(atPath: folder)
            try FileManager.default.createDirectory(
                atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
            defer { try? FileManager.default.removeItem(atPath: folder) }
            var logger = Logger(label: "readiness-test")
            logger.logLevel = .warning
            let cluster = EmbeddedPostgres(dataDirectory: folder + "/pg", logger: logger, ephemeral: true)
            let database = try cluster.start()
            defer { try? cluster.stop() }

            var configuration = TollgateConfiguration()
            configuration.http.port = 0
            configuration.databaseURL = database.conninfo
            configuration.accessLog = false
            let app = try TollgateApplication(configuration: configuration, logger: logger)
            defer { app.shutdown() }
            #expect(status(port: app.port, "/readyz") == 200)

            try cluster.stop()
            let stoppedAt = Date()
            var turnedAfter: Double?
            while Date().timeIntervalSince(stoppedAt) < 5 {
                if status(port: app.port, "/readyz") == 503 {
                    turnedAfter = Date().timeIntervalSince(stoppedAt)
                    break
                }
                usleep(50_000)
            }
            let after = try #require(turnedAfter, "/readyz never turned 503")
            #expect(after < 2, "took \(after) s")
            #expect(status(port: app.port, "/healthz") == 200)

            _ = try cluster.start()
            let restartedAt = Date()
            var readyAgain = false
            while Date().timeIntervalSince(restartedAt) < 10 && !readyAgain {
                readyAgain = status(port: app.port, "/readyz") == 200
                if !readyAgain { usleep(100_000) }
            }
            #expect(readyAgain)
            // The pool serves again too: a fresh connection replaces the ones the restart broke.
            let value = try app.pool.withConnection { try $0.query("SELECT 41 + 1 AS answer").first?.decode("answer", as: Int.self) }
            #expect(value == 42)
        }
    }
}
