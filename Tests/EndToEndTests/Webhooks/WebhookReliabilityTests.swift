import Foundation
import HTTP1
import HTTPServer
import Logging
import Postgres
import TestSupport
import Testing

/// A receiver whose answers go beyond `WebhookReceiver`'s: big bodies and slow answers (it answers
/// on worker threads, so a slow answer holds no event loop). Answers are used per call, in
/// order; the last one repeats.
final class ScriptedReceiver: Sendable {
    struct Answer: Sendable {
        var status = 200
        var headers: [String: String] = [:]
        var bodyBytes = 2
        var delay = 0.0
    }

    private let state: Locked<(received: [WebhookReceiver.Received], answers: [Answer])>
    private let server: HTTPServer

    init(_ answers: [Answer]) throws {
        let state = Locked<(received: [WebhookReceiver.Received], answers: [Answer])>(([], answers))
        self.state = state
        var router = Router()
        router.add(
            .post, "/hook",
            .blocking { context in
                var headers: [String: String] = [:]
                for (name, value) in context.request.headers { headers[name.lowercased()] = value }
                let answer = state.withLock { state -> Answer in
                    state.received.append(WebhookReceiver.Received(headers: headers, body: context.request.body, at: Date()))
                    return state.answers.count > 1 ? state.answers.removeFirst() : state.answers[0]
                }
                if answer.delay > 0 { usleep(UInt32(answer.delay * 1_000_000)) }
                var responseHeaders = HTTPHeaders()
                for (name, value) in answer.headers { responseHeaders.add(name: name, value: value) }
                return HandlerResult(
                    Response(
                        status: HTTPStatus(code: answer.status), headers: responseHeaders,
                        body: [UInt8](repeating: UInt8(ascii: "x"), count: answer.bodyBytes)))
            })
        var configuration = HTTPServerConfiguration()
        configuration.port = 0
        configuration.eventLoopCount = 1
        configuration.workerThreadCount = 4
        server = try HTTPServer(
            configuration: configuration, router: router, accessLog: nil,
            logger: Logger(label: "receiver", factory: { _ in SwiftLogNoOpLogHandler() }))
    }

    deinit { _ = server.shutdown(grace: 1) }

    var url: String { "http://127.0.0.1:\(server.port)/hook" }
    var received: [WebhookReceiver.Received] { state.withLock { $0.received } }

    @discardableResult
    func waitFor(_ count: Int, timeout: Duration = .seconds(15)) -> [WebhookReceiver.Received] {
        _ = eventually(within: timeout) { self.received.count >= count }
        return received
    }
}

extension OneAtATime {
    /// Delivery under faults: Retry-After, the schedule, redirects, big bodies, refused connections,
    /// the five-day rule, restarts and two instances on one database, and the metrics.
    @Suite("Webhook delivery reliability")
    struct WebhookReliabilityTests {
        typealias Kit = WebhookKit

        static func httpDate(_ date: Date) -> String {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "GMT")
            formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
            return formatter.string(from: date)
        }

        /// One sample of `/metrics` (the exact name with labels), or nil.
        static func metric(_ app: TestApp, _ name: String) throws -> Double? {
            let text = try app.call("GET", "/metrics", key: nil).bodyText
            for line in text.split(separator: "\n") where !line.hasPrefix("#") {
                let parts = line.split(separator: " ")
                if parts.count == 2, parts[0] == name { return Double(parts[1]) }
            }
            return nil
        }

        static func attempts(_ app: TestApp, _ outcome: String) throws -> Int {
            Int(try metric(app, #"tollgate_webhook_attempts_total{outcome="\#(outcome)"}"#) ?? -1)
        }

        static func gap(_ received: [WebhookReceiver.Received], _ index: Int) -> Double {
            received[index].at.timeIntervalSince(received[index - 1].at)
        }

        @Test("Retry-After on 503 (seconds) and 429 (an HTTP date) delays the retry past the schedule; on 500 it is ignored")
        func retryAfter() throws {
            let app = try Kit.app(schedule: [1, 1])
            let unavailable = try WebhookReceiver(answers: [(503, ["Retry-After": "3"]), (200, [:])])
            let dated = Date().addingTimeInterval(5)
            let limited = try WebhookReceiver(answers: [(429, ["Retry-After": Self.httpDate(dated)]), (200, [:])])
            let plain = try WebhookReceiver(answers: [(500, ["Retry-After": "30"]), (200, [:])])
            let ids = try [unavailable, limited, plain].map { try Kit.subscribe(app, url: $0.url).id }
            for id in ids { try Kit.sendTest(app, id) }

            let first = unavailable.waitFor(2, timeout: .seconds(10))
            try #require(first.count == 2)
            #expect(Self.gap(first, 1) >= 2.9, "503 Retry-After: 3 with a [1, 1] schedule: \(Self.gap(first, 1)) s")
            #expect(Self.gap(first, 1) < 5.0, "and not much later: \(Self.gap(first, 1)) s")
            #expect(first[0].headers["webhook-id"] == first[1].headers["webhook-id"])

            let second = limited.waitFor(2, timeout: .seconds(10))
            try #require(second.count == 2)
            let notBefore = dated.timeIntervalSince1970.rounded(.down)  // the date's whole second
            #expect(second[1].at.timeIntervalSince1970 >= notBefore - 0.2, "429 Retry-After date \(Self.httpDate(dated))")
            #expect(Self.gap(second, 1) >= 2.0, "\(Self.gap(second, 1)) s")
            #expect(second[1].at.timeIntervalSince1970 < notBefore + 2.5)

            let third = plain.waitFor(2, timeout: .seconds(10))
            try #require(third.count == 2)
            #expect(Self.gap(third, 1) < 2.6, "Retry-After on a 500 is not honoured: \(Self.gap(third, 1)) s")
            #expect(Self.gap(third, 1) >= 0.75)

            for id in ids { try Kit.waitForDeliveries(app, id, status: "succeeded", count: 1) }
            #expect(try Kit.deliveries(app, ids[0]).first.map(Kit.statuses) == [503, 200])
            #expect(try Kit.deliveries(app, ids[1]).first.map(Kit.statuses) == [429, 200])
        }

        @Test("retries follow the configured schedule (+-20 % jitter), then the delivery fails")
        func scheduleSpacing() throws {
            let app = try Kit.app(schedule: [1, 2])
            let receiver = try WebhookReceiver(answers: [(500, [:])])
            let (id, _) = try Kit.subscribe(app, url: receiver.url)
            try Kit.sendTest(app, id)
            let received = receiver.waitFor(3, timeout: .seconds(10))
            try #require(received.count == 3)
            // Lower bounds: never sooner than the jittered delay; upper: the delay plus a 1 s sweep and slack.
            #expect(Self.gap(received, 1) >= 0.75 && Self.gap(received, 1) <= 2.6, "after 1 s: \(Self.gap(received, 1))")
            #expect(Self.gap(received, 2) >= 1.55 && Self.gap(received, 2) <= 3.8, "after 2 s: \(Self.gap(received, 2))")
            let failed = try #require(try Kit.waitForDeliveries(app, id, status: "failed", count: 1).first)
            #expect(Kit.statuses(failed) == [500, 500, 500])
            let times = Kit.attempts(failed).compactMap { Kit.date($0["at"]) }
            #expect(times.count == 3)
            if times.count == 3 {
                #expect(times[1].timeIntervalSince(times[0]) >= 0.75)
                #expect(times[2].timeIntervalSince(times[1]) >= 1.55)
            }
            Kit.pause(1.5)
            #expect(receiver.received.count == 3, "nothing after the last retry")
        }

        @Test("a 3xx is not followed: recorded as a failed attempt with its status, and retried")
        func redirectNotFollowed() throws {
            let app = try Kit.app(schedule: [1, 1])
            let elsewhere = try WebhookReceiver()
            let redirecting = try WebhookReceiver(answers: [(302, ["Location": elsewhere.url])])
            let (id, _) = try Kit.subscribe(app, url: redirecting.url)
            try Kit.sendTest(app, id)
            #expect(redirecting.waitFor(3, timeout: .seconds(10)).count == 3, "the first attempt and two retries")
            let failed = try #require(try Kit.waitForDeliveries(app, id, status: "failed", count: 1).first)
            #expect(Kit.statuses(failed) == [302, 302, 302])
            #expect(elsewhere.received.isEmpty, "the Location was never requested")
        }

        @Test("a 200 with a body far beyond 64 KiB is a failed attempt, retried, and the worker is not stuck")
        func bigResponseBody() throws {
            // Issue 5: receivers that "send 10 MB bodies ... each becomes a recorded failed attempt and a retry".
            let app = try Kit.app(schedule: [1])
            let receiver = try ScriptedReceiver([ScriptedReceiver.Answer(status: 200, bodyBytes: 10 << 20)])
            let (id, _) = try Kit.subscribe(app, url: receiver.url)
            let first = try Kit.sendTest(app, id)
            receiver.waitFor(2)
            var all: [[String: Any]] = []
            _ = try eventually(within: .seconds(10)) {
                all = try Kit.deliveries(app, id)
                return all.count == 1 && all.allSatisfy { $0["status"] as? String == "failed" }
            }
            let outcome = all.map { Kit.attempts($0).map { "\($0["response_status"] ?? "-") \($0["error"] ?? "-")" } }
            #expect(all.compactMap { $0["event_id"] as? String } == [first])
            #expect(all.first?["status"] as? String == "failed", "\(outcome)")
            let attempts = all.first.map(Kit.attempts) ?? []
            #expect(attempts.count == 2, "the attempt and its one retry: \(outcome)")
            #expect(attempts.allSatisfy { ($0["error"] as? String)?.contains("64 KiB") == true }, "\(outcome)")
            // A body of exactly 64 KiB is read whole: a plain success.
            let limit = try ScriptedReceiver([ScriptedReceiver.Answer(status: 200, bodyBytes: 64 << 10)])
            let (limitID, _) = try Kit.subscribe(app, url: limit.url)
            try Kit.sendTest(app, limitID)
            let whole = try #require(try Kit.waitForDeliveries(app, limitID, status: "succeeded", count: 1).first)
            #expect(Kit.statuses(whole) == [200])
        }

        @Test("a refused connection is an attempt with error text and no status; other subscriptions still deliver")
        func connectionRefused() throws {
            let app = try Kit.app(schedule: [1, 1])
            var closed: WebhookReceiver? = try WebhookReceiver()
            let closedURL = try #require(closed?.url)
            closed = nil  // its port is closed now
            let healthy = try WebhookReceiver()
            let (id, _) = try Kit.subscribe(app, url: closedURL)
            let (healthyID, _) = try Kit.subscribe(app, url: healthy.url)
            try Kit.sendTest(app, id)
            try Kit.sendTest(app, healthyID)
            #expect(healthy.waitFor(1).count == 1)
            let failed = try #require(try Kit.waitForDeliveries(app, id, status: "failed", count: 1, within: .seconds(10)).first)
            let attempts = Kit.attempts(failed)
            #expect(attempts.count == 3)
            for attempt in attempts {
                #expect(attempt["response_status"] is NSNull, "\(attempt)")
                let error = attempt["error"] as? String ?? ""
                #expect(!error.isEmpty, "\(attempt)")
            }
            #expect(try Self.attempts(app, "error") == 3)
            #expect(try Self.attempts(app, "succeeded") == 1)
        }

        @Test("five days without a success: the next failing attempt disables the subscription and emits webhook.disabled once")
        func fiveDaysDisable() throws {
            let app = try Kit.app(schedule: [1, 1, 1, 1])
            let failing = try WebhookReceiver(answers: [(500, [:])])
            let monitor = try WebhookReceiver()
            let (id, secret) = try Kit.subscribe(app, url: failing.url)
            _ = try Kit.subscribe(app, url: monitor.url, types: #"["webhook.disabled"]"#)
            for _ in 0..<3 { try Kit.sendTest(app, id) }
            failing.waitFor(3)
            #expect(
                try eventually(within: .seconds(5)) {
                    try Kit.deliveries(app, id).allSatisfy { !Kit.attempts($0).isEmpty }
                })
            #expect(try app.call("GET", "/v1/webhooks/\(id)").object["enabled"] as? Bool == true, "a day's failures disable nothing")
            do {
                let connection = try app.databaseConnection()
                defer { connection.close() }
                try connection.query("UPDATE webhooks SET failing_since = now() - interval '6 days' WHERE id = \(id)")
            }
            #expect(
                try eventually(within: .seconds(6)) { try app.call("GET", "/v1/webhooks/\(id)").object["enabled"] as? Bool == false })
            let webhook = try app.call("GET", "/v1/webhooks/\(id)").object
            let reason = webhook["disabled_reason"] as? String ?? ""
            #expect(reason.contains("5 days"), "\(reason)")
            Kit.pause(0.5)
            let attemptsAtDisable = failing.received.count
            let notice = try #require(monitor.waitFor(1).first)
            Kit.pause(2.5)
            #expect(failing.received.count == attemptsAtDisable, "nothing is attempted once disabled")
            #expect(monitor.received.count == 1, "webhook.disabled once")
            #expect(notice.json["type"] as? String == "webhook.disabled")
            let data = notice.json["data"] as? [String: Any] ?? [:]
            #expect((data["webhook"] as? [String: Any])?["id"] as? String == id)
            #expect((data["webhook"] as? [String: Any])?["enabled"] as? Bool == false)
            #expect(data["reason"] as? String == reason)
            #expect(!String(decoding: notice.body, as: UTF8.self).contains(secret))
            let f = GateFixtures(app: app)
            #expect(try f.eventTypes().filter { $0 == "webhook.disabled" }.count == 1)
            let audit = (try app.call("GET", "/v1/audit?entity_id=\(id)").object["items"] as? [[String: Any]] ?? []).compactMap {
                $0["action"] as? String
            }
            #expect(audit.contains("webhook.disabled"), "\(audit)")
            #expect(try Kit.deliveries(app, id, status: "pending").count == 3, "the deliveries wait")
            #expect(try f.auditChainIsValid())

            // Enabled again, the failure clock restarts: the next failures do not disable it at once.
            let tag = try #require(try app.call("GET", "/v1/webhooks/\(id)").header("ETag"))
            #expect(
                try app.call("PATCH", "/v1/webhooks/\(id)", json: #"{"enabled": true}"#, headers: ["If-Match: \(tag)"]).status == 200)
            failing.waitFor(attemptsAtDisable + 1, timeout: .seconds(5))
            Kit.pause(0.5)
            #expect(try app.call("GET", "/v1/webhooks/\(id)").object["enabled"] as? Bool == true)
            #expect(monitor.received.count == 1)
        }

        @Test("never lost: events committed while no dispatcher runs are delivered by the next instance")
        func deliveredAfterRestart() throws {
            let app = try Kit.app(schedule: [1, 1])
            let receiver = try WebhookReceiver()
            let f = GateFixtures(app: app)
            let (podID, member) = try f.pod()
            let (id, secret) = try Kit.subscribe(app, url: receiver.url)
            let start = try f.newestSeq()
            app.app.dispatcher.stop()
            for _ in 0..<10 { _ = try f.useCase(podID: podID, key: member.key) }
            Kit.pause(1.5)
            #expect(receiver.received.isEmpty, "no dispatcher, nothing sent")
            #expect(try Kit.deliveries(app, id, status: "pending").count == 10)

            let next = try TestApp.sharing(app)
            let events = try f.allEvents(after: start).filter { $0["type"] as? String == "use_case.created" }
            #expect(events.count == 10)
            let received = receiver.waitFor(10, timeout: .seconds(10))
            Kit.pause(0.5)
            let ids = receiver.received.compactMap { $0.headers["webhook-id"] }
            #expect(Set(ids) == Set(events.compactMap { $0["id"] as? String }), "every event")
            #expect(ids.count == 10, "each once")
            #expect(received.allSatisfy { Kit.verify($0, secret: secret) })
            try Kit.waitForDeliveries(app, id, status: "succeeded", count: 10)
            withExtendedLifetime(next) {}
        }

        @Test("never lost: a server shut down with deliveries pending mid-retry; the next instance delivers them all")
        func deliveredAfterShutdown() throws {
            let app = try Kit.app(schedule: [1, 1])
            let receiver = try WebhookReceiver(answers: [(500, [:])])
            let f = GateFixtures(app: app)
            let (podID, member) = try f.pod()
            let (id, _) = try Kit.subscribe(app, url: receiver.url)
            let start = try f.newestSeq()
            for _ in 0..<8 { _ = try f.useCase(podID: podID, key: member.key) }
            receiver.waitFor(8)
            app.app.shutdown()
            receiver.answer([(200, [:])])

            let next = try TestApp.sharing(app)
            let g = GateFixtures(app: next)
            for _ in 0..<4 { _ = try g.useCase(podID: podID, key: member.key) }
            let events = try g.allEvents(after: start).filter { $0["type"] as? String == "use_case.created" }
            #expect(events.count == 12)
            let wanted = Set(events.compactMap { $0["id"] as? String })
            #expect(
                eventually(within: .seconds(10)) {
                    wanted.isSubset(of: Set(receiver.received.compactMap { $0.headers["webhook-id"] }))
                })
            let done = try Kit.waitForDeliveries(next, id, status: "succeeded", count: 12)
            #expect(done.count == 12, "every delivery succeeded")
            #expect(done.allSatisfy { Kit.statuses($0).last == 200 })
        }

        @Test("a dispatcher that dies mid-attempt leaves the delivery to its lease; then another instance delivers it")
        func leaseExpiry() throws {
            let app = try Kit.app(schedule: [1, 1])
            let receiver = try ScriptedReceiver([ScriptedReceiver.Answer(delay: 2), ScriptedReceiver.Answer()])
            let (id, _) = try Kit.subscribe(app, url: receiver.url)
            let eventID = try Kit.sendTest(app, id)
            receiver.waitFor(1)
            app.app.dispatcher.stop()  // the attempt in flight is abandoned, its claim held
            Kit.pause(2.5)
            #expect(receiver.received.count == 1)
            let pending = try #require(try Kit.deliveries(app, id, status: "pending").first)
            #expect(Kit.attempts(pending).isEmpty, "the abandoned attempt was never recorded")
            let next = try TestApp.sharing(app)
            Kit.pause(1.5)
            #expect(receiver.received.count == 1, "the lease still holds: nobody else attempts it")
            do {  // the lease runs out (30 s, shortened here)
                let connection = try app.databaseConnection()
                defer { connection.close() }
                try connection.query("UPDATE webhook_deliveries SET lease_until = now() - interval '1 second' WHERE webhook_id = \(id)")
            }
            let again = receiver.waitFor(2, timeout: .seconds(5))
            #expect(again.count == 2)
            #expect(again.last?.headers["webhook-id"] == eventID, "at least once, same webhook-id")
            let done = try #require(try Kit.waitForDeliveries(next, id, status: "succeeded", count: 1).first)
            #expect(Kit.statuses(done) == [200])
        }

        @Test("two instances on one database: every event delivered, each attempted once, no duplicates")
        func twoInstances() throws {
            let app = try Kit.app(schedule: [1, 1])
            let other = try TestApp.sharing(app)
            let receiver = try WebhookReceiver()
            let f = GateFixtures(app: app)
            let (podID, member) = try f.pod()
            let (id, secret) = try Kit.subscribe(app, url: receiver.url)
            let start = try f.newestSeq()
            let failures = Locked<[String]>([])
            let body = """
                {"title": "Invoice triage", "pod_id": "\(podID)", "risk_tier": "limited", "data_classification": "confidential",
                 "deployment": "cloud", "model_sourcing": "proprietary", "estimates": \(GateFixtures.healthyEstimates)}
                """
            let key = member.key
            DispatchQueue.concurrentPerform(iterations: 6) { worker in
                for index in 0..<5 {
                    let target = (worker + index) % 2 == 0 ? app : other
                    do {
                        let created = try target.call("POST", "/v1/use-cases", key: key, json: body)
                        if created.status != 201 { failures.withLock { $0.append("\(created.status) \(created.bodyText)") } }
                    } catch {
                        failures.withLock { $0.append("\(error)") }
                    }
                }
            }
            #expect(failures.withLock { $0 }.isEmpty, "\(failures.withLock { $0 })")
            let events = try f.allEvents(after: start).filter { $0["type"] as? String == "use_case.created" }
            #expect(events.count == 30)
            receiver.waitFor(30, timeout: .seconds(15))
            Kit.pause(1)
            let received = receiver.received
            let ids = received.compactMap { $0.headers["webhook-id"] }
            #expect(ids.count == 30, "\(ids.count) requests for 30 events")
            #expect(Set(ids).count == ids.count, "duplicates: \(ids.count - Set(ids).count)")
            #expect(Set(ids) == Set(events.compactMap { $0["id"] as? String }))
            #expect(received.allSatisfy { Kit.verify($0, secret: secret) })
            let deliveries = try Kit.waitForDeliveries(app, id, status: "succeeded", count: 30)
            #expect(deliveries.count == 30)
            #expect(deliveries.allSatisfy { Kit.attempts($0).count == 1 }, "one attempt each")
            let bothInstances = try Self.attempts(app, "succeeded") + Self.attempts(other, "succeeded")
            #expect(bothInstances == 30, "the two dispatchers made 30 attempts between them")
        }

        @Test("/metrics shows the queue depth and the attempts by outcome changing")
        func metrics() throws {
            let app = try Kit.app(schedule: [1, 1])
            let busy = (503, ["Retry-After": "2"])
            let receiver = try WebhookReceiver(answers: [busy, busy, busy, (200, [:])])
            let (id, _) = try Kit.subscribe(app, url: receiver.url)
            #expect(try Self.metric(app, "tollgate_webhook_queue_depth") == 0)
            #expect(try Self.attempts(app, "succeeded") == 0 && Self.attempts(app, "failed") == 0 && Self.attempts(app, "error") == 0)
            for _ in 0..<3 { try Kit.sendTest(app, id) }
            #expect(
                try eventually(within: .seconds(5)) {
                    try Self.attempts(app, "failed") == 3 && Self.metric(app, "tollgate_webhook_queue_depth") == 3
                }, "three failed attempts, three deliveries waiting")
            #expect(
                try eventually(within: .seconds(8)) {
                    try Self.attempts(app, "succeeded") == 3 && Self.metric(app, "tollgate_webhook_queue_depth") == 0
                }, "then delivered, the queue empty")
            #expect(try Self.attempts(app, "failed") == 3)
            #expect(try Self.metric(app, "tollgate_webhook_attempt_duration_seconds_count") == 6)
            #expect(try Self.metric(app, #"tollgate_webhook_attempt_duration_seconds_bucket{le="+Inf"}"#) == 6)
        }
    }
}
