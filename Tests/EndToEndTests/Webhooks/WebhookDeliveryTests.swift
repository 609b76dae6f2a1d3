import Crypto
import Foundation
import Postgres
import TestSupport
import Testing

extension OneAtATime {
    @Suite("Webhook deliveries, end to end")
    struct WebhookDeliveryTests {
        static func app(schedule: [Int] = [1, 1]) throws -> TestApp {
            try TestApp {
                $0.webhookAllowPrivate = true
                $0.webhookRetrySchedule = schedule
            }
        }

        static func subscribe(_ app: TestApp, url: String, types: String = #"["use_case.*", "pod.*"]"#) throws -> (
            id: String, secret: String
        ) {
            let created = try app.call(
                "POST", "/v1/webhooks", json: #"{"url": "\#(url)", "event_types": \#(types), "description": "finance"}"#)
            #expect(created.status == 201, "\(created.bodyText)")
            return (try #require(created.object["id"] as? String), try #require(created.object["secret"] as? String))
        }

        /// Verifies a delivery's Standard Webhooks signature with the secret.
        static func verify(_ received: WebhookReceiver.Received, secret: String) -> Bool {
            guard let id = received.headers["webhook-id"], let timestamp = received.headers["webhook-timestamp"],
                let signatures = received.headers["webhook-signature"],
                let key = Data(base64Encoded: String(secret.dropFirst("whsec_".count)))
            else { return false }
            let mac = HMAC<SHA256>.authenticationCode(
                for: Array("\(id).\(timestamp).".utf8) + received.body, using: SymmetricKey(data: key))
            return signatures.split(separator: " ").contains { $0 == "v1," + Data(mac).base64EncodedString() }
        }

        @Test("an event is delivered signed, with the event id as webhook-id and the event's data plus seq")
        func delivered() throws {
            let receiver = try WebhookReceiver()
            let app = try Self.app()
            let (webhookID, secret) = try Self.subscribe(app, url: receiver.url)
            let f = GateFixtures(app: app)
            let (podID, member) = try f.pod()
            let useCaseID = try f.useCase(podID: podID, key: member.key)
            let received = receiver.waitFor(1)
            let first = try #require(received.first)
            #expect(Self.verify(first, secret: secret))
            #expect(first.headers["content-type"] == "application/json")
            #expect(first.headers["user-agent"]?.hasPrefix("Tollgate-Webhooks/") == true)
            let body = first.json
            #expect(body["type"] as? String == "use_case.created")
            let data = try #require(body["data"] as? [String: Any])
            #expect((data["use_case"] as? [String: Any])?["id"] as? String == useCaseID)
            #expect(data["seq"] as? Int != nil)
            let events = try app.call("GET", "/v1/events?types=use_case.created").object["events"] as? [[String: Any]] ?? []
            #expect(first.headers["webhook-id"] == events.first?["id"] as? String)
            #expect(
                try eventually(within: .seconds(5)) {
                    let list =
                        try app.call("GET", "/v1/webhooks/\(webhookID)/deliveries?status=succeeded").object["items"] as? [[String: Any]]
                        ?? []
                    return list.count == 1
                })
        }

        @Test("failures are retried on the schedule with the same webhook-id, then the delivery fails; redeliver sends it again")
        func retriedThenFailed() throws {
            let receiver = try WebhookReceiver(answers: [(500, [:])])
            let app = try Self.app(schedule: [1, 1])
            let (webhookID, secret) = try Self.subscribe(app, url: receiver.url)
            let test = try app.call("POST", "/v1/webhooks/\(webhookID)/test")
            #expect(test.status == 202, "\(test.bodyText)")
            let attempts = receiver.waitFor(3)
            #expect(attempts.count == 3)
            #expect(Set(attempts.compactMap { $0.headers["webhook-id"] }).count == 1)
            #expect(attempts.allSatisfy { Self.verify($0, secret: secret) })
            #expect(attempts.first?.json["type"] as? String == "webhook.test")
            let failed = try #require(
                eventually(within: .seconds(5)) {
                    (try app.call("GET", "/v1/webhooks/\(webhookID)/deliveries?status=failed").object["items"] as? [[String: Any]] ?? [])
                        .count == 1
                }
                    ? (try app.call("GET", "/v1/webhooks/\(webhookID)/deliveries?status=failed").object["items"] as? [[String: Any]])?.first
                    : nil)
            #expect((failed["attempts"] as? [[String: Any]])?.map { $0["response_status"] as? Int } == [500, 500, 500])
            receiver.answer([(204, [:])])
            let deliveryID = try #require(failed["id"] as? String)
            let redeliver = try app.call("POST", "/v1/webhooks/\(webhookID)/deliveries/\(deliveryID)/redeliver")
            #expect(redeliver.status == 202, "\(redeliver.bodyText)")
            receiver.waitFor(4)
            #expect(
                try eventually(within: .seconds(5)) {
                    (try app.call("GET", "/v1/webhooks/\(webhookID)/deliveries?status=succeeded").object["items"] as? [[String: Any]] ?? [])
                        .count
                        == 1
                })
        }

        @Test("410 Gone disables the subscription and emits webhook.disabled")
        func goneDisables() throws {
            let receiver = try WebhookReceiver(answers: [(410, [:])])
            let app = try Self.app()
            let (webhookID, _) = try Self.subscribe(app, url: receiver.url)
            #expect(try app.call("POST", "/v1/webhooks/\(webhookID)/test").status == 202)
            receiver.waitFor(1)
            #expect(
                try eventually(within: .seconds(5)) { try app.call("GET", "/v1/webhooks/\(webhookID)").object["enabled"] as? Bool == false }
            )
            #expect(try GateFixtures(app: app).eventTypes().contains("webhook.disabled"))
        }

        @Test("the address guard refuses loopback URLs unless private targets are allowed")
        func addressGuard() throws {
            let app = try TestApp()
            let refused = try app.call("POST", "/v1/webhooks", json: #"{"url": "http://127.0.0.1:9/hook", "event_types": ["use_case.*"]}"#)
            #expect(refused.status == 422, "\(refused.bodyText)")
            #expect(refused.pointers == ["/url"])
            let scheme = try app.call("POST", "/v1/webhooks", json: #"{"url": "ftp://example.com/hook", "event_types": ["use_case.*"]}"#)
            #expect(scheme.status == 422)
        }

        @Test("the address guard is checked again at delivery: a subscription to a loopback receiver gets nothing")
        func guardAtDelivery() throws {
            let receiver = try WebhookReceiver()
            let app = try TestApp { $0.webhookRetrySchedule = [1] }  // private targets refused
            // A subscription the API would refuse, written behind its back (as if the name had
            // resolved to a public address at creation and to a loopback one now).
            let connection = try app.databaseConnection()
            defer { connection.close() }
            let id = "wh_00000000000000000000000000"
            try connection.query(
                """
                INSERT INTO webhooks (id, url, event_types, secret, created_at, updated_at)
                VALUES (\(id), \(receiver.url), '{use_case.*}', 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', now(), now())
                """)
            let f = GateFixtures(app: app)
            let (podID, member) = try f.pod()
            _ = try f.useCase(podID: podID, key: member.key)
            let failed = try #require(
                eventually(within: .seconds(10)) {
                    (try app.call("GET", "/v1/webhooks/\(id)/deliveries?status=failed").object["items"] as? [[String: Any]] ?? []).count
                        == 1
                } ? (try app.call("GET", "/v1/webhooks/\(id)/deliveries?status=failed").object["items"] as? [[String: Any]])?.first : nil)
            let attempts = failed["attempts"] as? [[String: Any]] ?? []
            #expect(attempts.count == 2)
            #expect(attempts.allSatisfy { ($0["error"] as? String)?.contains("127.0.0.1") == true && $0["response_status"] is NSNull })
            #expect(receiver.received.isEmpty)
        }
    }
}
