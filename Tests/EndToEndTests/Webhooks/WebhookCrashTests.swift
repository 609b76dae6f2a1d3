import Foundation
import HTTP1
import HTTPServer
import Logging
import Postgres
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A receiver on 127.0.0.1 that answers 200 slowly (the deliveries stay in flight) until told to
/// answer at once. Each request is recorded with the phase it arrived in, so the test counts only
/// the deliveries answered after the crash.
private final class CrashReceiver: Sendable {
    struct Seen: Sendable {
        let eventID: String
        let fast: Bool
    }

    private let state: Locked<(slow: Bool, seen: [Seen])>
    private let server: HTTPServer

    init(delay: Double) throws {
        let state = Locked<(slow: Bool, seen: [Seen])>((true, []))
        self.state = state
        var router = Router()
        router.add(
            .post, "/hook",
            .blocking { context in
                var eventID = ""
                for (name, value) in context.request.headers where name.lowercased() == "webhook-id" { eventID = value }
                let slow = state.withLock { state -> Bool in
                    state.seen.append(Seen(eventID: eventID, fast: !state.slow))
                    return state.slow
                }
                if slow { usleep(UInt32(delay * 1_000_000)) }
                return HandlerResult(Response(status: HTTPStatus(code: 200), headers: HTTPHeaders(), body: Array("ok".utf8)))
            })
        var configuration = HTTPServerConfiguration()
        configuration.port = 0
        configuration.eventLoopCount = 1
        configuration.workerThreadCount = 64  // every slow delivery is held at once, none waits in a queue
        server = try HTTPServer(
            configuration: configuration, router: router, accessLog: nil,
            logger: Logger(label: "receiver", factory: { _ in SwiftLogNoOpLogHandler() }))
    }

    deinit { _ = server.shutdown(grace: 1) }

    var url: String { "http://127.0.0.1:\(server.port)/hook" }
    var seen: [Seen] { state.withLock { $0.seen } }
    /// The event ids answered 200 at once (after `answerFast()`).
    var answeredFast: Set<String> { Set(seen.filter(\.fast).map(\.eventID)) }

    func answerFast() { state.withLock { $0.slow = false } }
}

extension OneAtATime {
    /// Issue 5, crash safety: the server killed with SIGKILL mid-delivery loses no event.
    @Suite("Webhook crash safety", .serialized)
    struct WebhookCrashTests {
        static let adminKey = "crash-admin-key-0123456789abcdef"
        static let useCases = 20

        /// One request on a new connection to the child process.
        static func call(port: Int, _ method: String, _ path: String, key: String = adminKey, json: String? = nil) throws
            -> ParsedResponse
        {
            let client = try RawClient(port: port, receiveTimeout: 10)
            var head = "\(method) \(path) HTTP/1.1\r\nHost: a\r\nConnection: close\r\nAuthorization: Bearer \(key)\r\n"
            let payload = Array((json ?? "").utf8)
            if json != nil { head += "Content-Type: application/json\r\nContent-Length: \(payload.count)\r\n" }
            client.send(Array((head + "\r\n").utf8) + payload)
            client.readUntilClose()
            guard let response = ParsedResponse.parseAll(client.received).responses.first else {
                throw ClientError("no response to \(method) \(path)")
            }
            return response
        }

        static func id(_ response: ParsedResponse, _ what: String) throws -> String {
            try #require(response.status == 201, "\(what): \(response.status) \(response.bodyText)")
            return try #require(response.object["id"] as? String, "\(what): \(response.bodyText)")
        }

        @Test(
            "SIGKILL while deliveries are in flight: after a restart on the same database every use_case.created event reaches the receiver, none lost, and every delivery ends succeeded"
        )
        func sigkillMidDelivery() throws {
            let database = try TestCluster.shared().freshDatabase()
            let receiver = try CrashReceiver(delay: 5)
            let environment = [
                "TOLLGATE_PORT": "0", "TOLLGATE_DATABASE_URL": database.conninfo, "TOLLGATE_BOOTSTRAP_ADMIN_KEY": Self.adminKey,
                "TOLLGATE_MIGRATIONS_DIR": packageMigrationsDirectory.path, "TOLLGATE_WEBHOOK_ALLOW_PRIVATE": "1",
                "TOLLGATE_WEBHOOK_RETRY_SCHEDULE": "1,1,1", "TOLLGATE_WEBHOOK_LEASE_SECONDS": "11",
                "TOLLGATE_RATE_LIMIT_PER_SECOND": "0", "TOLLGATE_ACCESS_LOG": "0",
            ]

            // Server A: a subscription, a pod with a member, and 20 use cases whose deliveries the slow receiver holds.
            let first = try ServerProcess(environment: environment)
            let port = try first.waitUntilListening()
            let webhookID = try Self.id(
                try Self.call(
                    port: port, "POST", "/v1/webhooks",
                    json: #"{"url": "\#(receiver.url)", "event_types": ["use_case.*"], "description": "crash"}"#),
                "webhook")
            let podID = try Self.id(
                try Self.call(port: port, "POST", "/v1/pods", json: #"{"name": "Crash pod", "business_unit": "Finance Ops"}"#), "pod")
            let memberID = try Self.id(
                try Self.call(
                    port: port, "POST", "/v1/principals", json: #"{"name": "Crash member", "functions": ["engineering"], "admin": false}"#),
                "principal")
            let keyResponse = try Self.call(port: port, "POST", "/v1/principals/\(memberID)/keys", json: #"{"name": "k"}"#)
            let memberKey = try #require(keyResponse.object["key"] as? String, "key: \(keyResponse.bodyText)")
            let membership = try Self.call(port: port, "PUT", "/v1/pods/\(podID)/members/\(memberID)", json: #"{"role": "member"}"#)
            try #require(membership.status == 200, "\(membership.bodyText)")
            let body = """
                {"title": "Invoice triage", "pod_id": "\(podID)", "risk_tier": "limited", "data_classification": "confidential",
                 "deployment": "cloud", "model_sourcing": "proprietary", "estimates": \(GateFixtures.healthyEstimates)}
                """
            for index in 0..<Self.useCases {
                _ = try Self.id(try Self.call(port: port, "POST", "/v1/use-cases", key: memberKey, json: body), "use case \(index)")
            }

            // As soon as a delivery is in flight (the receiver holds it), kill A without a chance to clean up.
            try #require(eventually(within: .seconds(10)) { !receiver.seen.isEmpty }, "no delivery reached the receiver")
            first.signal(SIGKILL)
            try #require(first.waitForExit(timeout: 10) != nil, "server A is gone")
            let inFlightAtKill = receiver.seen.count
            usleep(500_000)  // anything A sent before dying has reached the receiver's handler as a slow request
            receiver.answerFast()

            let connection = try PostgresConnection.connect(database)
            defer { connection.close() }
            let eventIDs = Set(
                try connection.query("SELECT id FROM events WHERE type = 'use_case.created'").map { try $0.decode("id", as: String.self) })
            #expect(eventIDs.count == Self.useCases)
            let pendingAtKill = try connection.query(
                "SELECT count(*) AS n FROM webhook_deliveries WHERE webhook_id = \(webhookID) AND status = 'pending'"
            ).first?.decode("n", as: Int.self)
            #expect(pendingAtKill == Self.useCases, "A died before any delivery was answered (\(inFlightAtKill) in flight)")
            #expect(receiver.answeredFast.isEmpty, "nothing was answered before the restart")

            // Server B on the same database: once A's leases (11 s) run out, every delivery is attempted again.
            let restarted = Date()
            let second = try ServerProcess(environment: environment)
            _ = try second.waitUntilListening()
            let allReceived = eventually(within: .seconds(45)) { eventIDs.isSubset(of: receiver.answeredFast) }
            let missing = eventIDs.subtracting(receiver.answeredFast)
            #expect(
                allReceived,
                "\(missing.count) of \(eventIDs.count) events never reached the receiver after the restart: \(missing.sorted()); \(inFlightAtKill) were in flight at the kill; waited \(Date().timeIntervalSince(restarted)) s"
            )
            #expect(receiver.answeredFast.isSubset(of: eventIDs), "only use_case.created events were delivered")

            // Every delivery row ends succeeded, one per (event, subscription).
            var rows: [(event: String, status: String)] = []
            let settled = try eventually(within: .seconds(5)) {
                rows = try connection.query("SELECT event_id, status FROM webhook_deliveries WHERE webhook_id = \(webhookID)").map {
                    (try $0.decode("event_id", as: String.self), try $0.decode("status", as: String.self))
                }
                return rows.count == eventIDs.count && rows.allSatisfy { $0.status == "succeeded" }
            }
            #expect(settled, "deliveries not succeeded: \(rows.filter { $0.status != "succeeded" })")
            #expect(Set(rows.map(\.event)) == eventIDs, "one delivery per event")
            let allDeliveries = try connection.query("SELECT count(*) AS n FROM webhook_deliveries").first?.decode("n", as: Int.self)
            #expect(allDeliveries == eventIDs.count, "no delivery to anything else")

            second.signal(SIGTERM)
            #expect(second.waitForExit(timeout: 15) == 0, "server B stops cleanly")
        }
    }
}
