import Foundation
import Logging
import Postgres
import TestSupport
import Testing
import Tollgate

#if canImport(Glibc)
    import Glibc
#endif

extension OneAtATime {
    /// `/healthz`, `/readyz`, `/metrics`, `/openapi.yaml` and the command line, as operators use them.
    @Suite("operations", .serialized)
    struct OperationsTests {
        @Test("/metrics counts requests by route template and status, with latency histograms and pool gauges")
        func metrics() throws {
            let app = try TestApp()
            for _ in 0..<3 { #expect(status(port: app.port, "/healthz") == 200) }
            #expect(status(port: app.port, "/no-such-route") == 404)
            let client = try RawClient(port: app.port)
            client.send(request("/metrics"))
            let text = try #require(client.readResponses(1).first).bodyText
            #expect(text.contains(#"tollgate_http_requests_total{route="/healthz",method="GET",status="200"} 3"#))
            #expect(text.contains(#"tollgate_http_requests_total{route="-",method="GET",status="404"} 1"#))
            #expect(text.contains(#"tollgate_http_request_duration_seconds_bucket{route="/healthz",le="+Inf"} 3"#))
            #expect(text.contains("tollgate_http_open_connections "))
            #expect(text.contains("tollgate_db_pool_in_use "))  // the webhook dispatcher may hold one at this moment
            #expect(text.contains("tollgate_db_pool_waiting 0"))
            #expect(text.contains("tollgate_ready 1"))
            #expect(text.contains("tollgate_webhook_queue_depth "))
            #expect(text.contains(#"tollgate_webhook_attempts_total{outcome="succeeded"} "#))
            #expect(text.contains(#"tollgate_webhook_attempt_duration_seconds_bucket{le="+Inf"} "#))
        }

        @Test("/openapi.yaml serves the project's OpenAPI document")
        func openAPIDocument() throws {
            let app = try TestApp()
            let client = try RawClient(port: app.port)
            client.send(request("/openapi.yaml"))
            let response = try #require(client.readResponses(1).first)
            #expect(response.status == 200)
            #expect(response.bodyText.hasPrefix("openapi: 3.1"))
        }

        @Test("each request writes one JSON log line with its id, route template, status and duration")
        func accessLog() throws {
            let database = try TestCluster.shared().freshDatabase()
            let server = try ServerProcess(environment: ["TOLLGATE_PORT": "0", "TOLLGATE_DATABASE_URL": database.conninfo])
            let port = try server.waitUntilListening()
            let client = try RawClient(port: port)
            client.send(request("/healthz", headers: ["X-Request-Id: log-check-1"]))
            #expect(client.readResponses(1).first?.status == 200)
            #expect(eventually(within: .seconds(2)) { server.lines.contains { $0.contains("log-check-1") } })
            let line = try #require(server.lines.first { $0.contains("log-check-1") })
            let json = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            #expect(json["msg"] as? String == "request")
            #expect(json["method"] as? String == "GET")
            #expect(json["route"] as? String == "/healthz")
            #expect(json["status"] as? Int == 200)
            #expect(json["duration_ms"] is Double || json["duration_ms"] is Int)
            #expect((json["time"] as? String)?.hasSuffix("Z") == true)
            server.signal(SIGTERM)
            #expect(server.waitForExit(timeout: 12) == 0)
        }

        @Test("tollgate migrate applies pending migrations and exits 0; version and --help answer")
        func commandLine() throws {
            let database = try TestCluster.shared().blankDatabase()
            let migrate = try ServerProcess(arguments: ["migrate"], environment: ["TOLLGATE_DATABASE_URL": database.conninfo])
            #expect(migrate.waitForExit(timeout: 30) == 0)
            let connection = try PostgresConnection.connect(database)
            defer { connection.close() }
            #expect(try Migrator.appliedVersion(on: connection) >= 1)

            let bootstrap = try ServerProcess(arguments: ["bootstrap-admin"], environment: ["TOLLGATE_DATABASE_URL": database.conninfo])
            #expect(bootstrap.waitForExit(timeout: 30) == 0)
            #expect(eventually(within: .seconds(1)) { bootstrap.lines.contains { $0.hasPrefix("tg_") } })
            let printedKey = try #require(bootstrap.lines.first { $0.hasPrefix("tg_") })
            let admins = try connection.query(
                """
                SELECT count(*) AS n FROM api_keys k JOIN principals p ON p.id = k.principal_id
                WHERE p.admin AND k.key_hash = sha256(convert_to(\(printedKey), 'UTF8'))
                """)
            #expect(try admins.first?.decode("n", as: Int.self) == 1, "the printed key belongs to an admin and is stored only as its hash")

            let version = try ServerProcess(arguments: ["version"], environment: [:])
            #expect(version.waitForExit(timeout: 10) == 0)
            #expect(eventually(within: .seconds(1)) { version.lines.contains { $0.hasPrefix("tollgate ") } })
            let help = try ServerProcess(arguments: ["--help"], environment: [:])
            #expect(help.waitForExit(timeout: 10) == 0)
            #expect(eventually(within: .seconds(1)) { help.lines.joined(separator: "\n").contains("serve") })
        }
    }
}
