import Crypto
import Foundation
import TestSupport
import Testing

/// Helpers shared by the webhook API and reliability suites.
enum WebhookKit {
    /// An app whose webhooks may reach 127.0.0.1, retrying on a schedule of seconds.
    static func app(schedule: [Int] = [1, 1]) throws -> TestApp {
        try TestApp {
            $0.webhookAllowPrivate = true
            $0.webhookRetrySchedule = schedule
        }
    }

    static func create(_ app: TestApp, url: String, types: String = #"["use_case.*"]"#, description: String = "finance")
        throws -> ParsedResponse
    {
        try app.call(
            "POST", "/v1/webhooks", json: #"{"url": "\#(url)", "event_types": \#(types), "description": "\#(description)"}"#)
    }

    /// A subscription; returns its id and secret.
    static func subscribe(_ app: TestApp, url: String, types: String = #"["use_case.*"]"#) throws -> (id: String, secret: String) {
        let created = try create(app, url: url, types: types)
        #expect(created.status == 201, "\(created.bodyText)")
        return (try #require(created.object["id"] as? String), try #require(created.object["secret"] as? String))
    }

    /// `POST /v1/webhooks/{id}/test`; returns the event id.
    @discardableResult
    static func sendTest(_ app: TestApp, _ id: String) throws -> String {
        let test = try app.call("POST", "/v1/webhooks/\(id)/test")
        #expect(test.status == 202, "\(test.bodyText)")
        return try #require(test.object["event_id"] as? String, "\(test.bodyText)")
    }

    static func deliveries(_ app: TestApp, _ id: String, status: String? = nil) throws -> [[String: Any]] {
        let path = "/v1/webhooks/\(id)/deliveries?limit=200" + (status.map { "&status=\($0)" } ?? "")
        return try app.call("GET", path).object["items"] as? [[String: Any]] ?? []
    }

    /// Waits until `count` deliveries of the webhook have `status`; returns them.
    @discardableResult
    static func waitForDeliveries(
        _ app: TestApp, _ id: String, status: String, count: Int, within timeout: Duration = .seconds(10)
    ) throws -> [[String: Any]] {
        var found: [[String: Any]] = []
        _ = try eventually(within: timeout) {
            found = try deliveries(app, id, status: status)
            return found.count >= count
        }
        return found
    }

    static func attempts(_ delivery: [String: Any]) -> [[String: Any]] { delivery["attempts"] as? [[String: Any]] ?? [] }

    /// The response statuses of a delivery's attempts (nil where there was no response).
    static func statuses(_ delivery: [String: Any]) -> [Int?] { attempts(delivery).map { $0["response_status"] as? Int } }

    /// The signature `secret` makes for a received request, as `v1,<base64>`.
    static func signature(_ received: WebhookReceiver.Received, secret: String) -> String? {
        guard let id = received.headers["webhook-id"], let timestamp = received.headers["webhook-timestamp"],
            let key = Data(base64Encoded: String(secret.dropFirst("whsec_".count)))
        else { return nil }
        let mac = HMAC<SHA256>.authenticationCode(
            for: Array("\(id).\(timestamp).".utf8) + received.body, using: SymmetricKey(data: key))
        return "v1," + Data(mac).base64EncodedString()
    }

    /// The space-separated signatures of `webhook-signature`.
    static func signatures(_ received: WebhookReceiver.Received) -> [String] {
        (received.headers["webhook-signature"] ?? "").split(separator: " ").map(String.init)
    }

    static func verify(_ received: WebhookReceiver.Received, secret: String) -> Bool {
        guard let expected = signature(received, secret: secret) else { return false }
        return signatures(received).contains(expected)
    }

    /// Whether an `event_types` entry selects `type`: exact, or `prefix.*`.
    static func matches(_ pattern: String, _ type: String) -> Bool {
        pattern.hasSuffix(".*") ? type.hasPrefix(String(pattern.dropLast())) : pattern == type
    }

    static func date(_ text: Any?) -> Date? {
        guard let text = text as? String else { return nil }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return date }
        return ISO8601DateFormatter().date(from: text)
    }

    static func pause(_ seconds: Double) { usleep(UInt32(seconds * 1_000_000)) }

    /// A well-formed id that names nothing.
    static let unknownWebhookID = "wh_" + String(repeating: "0", count: 26)
    static let unknownDeliveryID = "dlv_" + String(repeating: "0", count: 26)
}

extension OneAtATime {
    @Suite("Webhook subscriptions API")
    struct WebhookAPITests {
        typealias Kit = WebhookKit

        // MARK: Create, read, list

        @Test("create answers 201 with Location and the secret, which GET and the list never show")
        func create() throws {
            let receiver = try WebhookReceiver()
            let app = try Kit.app()
            let created = try Kit.create(app, url: receiver.url, types: #"["use_case.*", "funding.approved"]"#, description: "ledger")
            #expect(created.status == 201, "\(created.bodyText)")
            let id = try #require(created.object["id"] as? String)
            #expect(id.hasPrefix("wh_") && id.count == 29)
            #expect(created.header("Location") == "/v1/webhooks/\(id)")
            let secret = try #require(created.object["secret"] as? String)
            #expect(secret.hasPrefix("whsec_"))
            #expect(Data(base64Encoded: String(secret.dropFirst(6)))?.count == 32, "whsec_ and the base64 of 32 bytes: \(secret)")
            #expect(created.object["url"] as? String == receiver.url)
            #expect(created.object["event_types"] as? [String] == ["use_case.*", "funding.approved"])
            #expect(created.object["description"] as? String == "ledger")
            #expect(created.object["enabled"] as? Bool == true)
            #expect(created.object["disabled_reason"] is NSNull)
            #expect(created.object["version"] as? Int == 1)
            #expect(Kit.date(created.object["created_at"]) != nil && Kit.date(created.object["updated_at"]) != nil)
            let fields: Set<String> = [
                "id", "url", "event_types", "description", "enabled", "disabled_reason", "version", "created_at", "updated_at",
            ]
            #expect(Set(created.object.keys) == fields.union(["secret"]))

            let read = try app.call("GET", "/v1/webhooks/\(id)")
            #expect(read.status == 200)
            #expect(Set(read.object.keys) == fields, "\(read.bodyText)")
            #expect(!read.bodyText.contains(secret))
            #expect(read.object["url"] as? String == receiver.url)
            #expect(read.object["created_at"] as? String == created.object["created_at"] as? String)

            let list = try app.call("GET", "/v1/webhooks")
            #expect(list.status == 200)
            let items = list.object["items"] as? [[String: Any]] ?? []
            #expect(items.compactMap { $0["id"] as? String } == [id])
            #expect(items.allSatisfy { $0["secret"] == nil })
            #expect(!list.bodyText.contains(secret))

            // description is optional; two subscriptions get two different secrets.
            let bare = try app.call("POST", "/v1/webhooks", json: #"{"url": "\#(receiver.url)", "event_types": ["webhook.test"]}"#)
            #expect(bare.status == 201, "\(bare.bodyText)")
            #expect(bare.object["secret"] as? String != secret)
        }

        @Test("bad bodies are 422 with a pointer to each bad field")
        func validation() throws {
            let app = try Kit.app()
            let ok = "http://127.0.0.1:9/hook"
            let long = "http://127.0.0.1:9/" + String(repeating: "a", count: 2048)
            let letters = Array("abcdefghijklmnopqrstuvwxyz")
            let many = (0..<51).map { "\"t\(letters[$0 / 26])\(letters[$0 % 26]).created\"" }
            let cases: [(String, Set<String>)] = [
                (#"{"event_types": ["use_case.*"]}"#, ["/url"]),
                (#"{"url": "ftp://example.com/hook", "event_types": ["use_case.*"]}"#, ["/url"]),
                (#"{"url": "file:///etc/passwd", "event_types": ["use_case.*"]}"#, ["/url"]),
                (#"{"url": "http://user:pw@127.0.0.1:9/hook", "event_types": ["use_case.*"]}"#, ["/url"]),
                (#"{"url": "http://user@127.0.0.1:9/hook", "event_types": ["use_case.*"]}"#, ["/url"]),
                (#"{"url": "http:///hook", "event_types": ["use_case.*"]}"#, ["/url"]),
                (#"{"url": "not a url", "event_types": ["use_case.*"]}"#, ["/url"]),
                (#"{"url": "", "event_types": ["use_case.*"]}"#, ["/url"]),
                (#"{"url": 5, "event_types": ["use_case.*"]}"#, ["/url"]),
                (#"{"url": null, "event_types": ["use_case.*"]}"#, ["/url"]),
                (#"{"url": "\#(long)", "event_types": ["use_case.*"]}"#, ["/url"]),
                (#"{"url": "\#(ok)"}"#, ["/event_types"]),
                (#"{"url": "\#(ok)", "event_types": []}"#, ["/event_types"]),
                (#"{"url": "\#(ok)", "event_types": null}"#, ["/event_types"]),
                (#"{"url": "\#(ok)", "event_types": "use_case.*"}"#, ["/event_types"]),
                (#"{"url": "\#(ok)", "event_types": [\#(many.joined(separator: ", "))]}"#, ["/event_types"]),
                (
                    #"{"url": "\#(ok)", "event_types": ["use_case.created", "Use_Case.created", "use_case.created.x", "*", "use_case.*", "", 5, "use_case.", ".created", "use case.created", "use_case.c*"]}"#,
                    [
                        "/event_types/1", "/event_types/2", "/event_types/3", "/event_types/5", "/event_types/6", "/event_types/7",
                        "/event_types/8", "/event_types/9", "/event_types/10",
                    ]
                ),
                (#"{"url": "\#(ok)", "event_types": ["use_case.*"], "colour": "red"}"#, ["/colour"]),
                (#"{"url": "\#(ok)", "event_types": ["use_case.*"], "description": 5}"#, ["/description"]),
                (
                    #"{"url": "\#(ok)", "event_types": ["use_case.*"], "description": "\#(String(repeating: "d", count: 1001))"}"#,
                    ["/description"]
                ),
                (#"{"url": "ftp://x.example/", "event_types": [], "extra": 1}"#, ["/url", "/event_types", "/extra"]),
            ]
            for (body, pointers) in cases {
                let response = try app.call("POST", "/v1/webhooks", json: body)
                #expect(response.status == 422, "\(body.prefix(120)): \(response.bodyText)")
                #expect(response.problemSlug == "validation-failed", "\(body.prefix(120))")
                #expect(Set(response.pointers) == pointers, "\(body.prefix(120)): \(response.bodyText)")
            }
            for field in ["id", "enabled", "secret", "version", "created_at", "updated_at", "disabled_reason"] {
                let value = field == "enabled" ? "true" : field == "version" ? "1" : field == "disabled_reason" ? "null" : #""x""#
                let body = #"{"url": "\#(ok)", "event_types": ["use_case.*"], "\#(field)": \#(value)}"#
                let response = try app.call("POST", "/v1/webhooks", json: body)
                #expect(response.status == 422, "read-only \(field): \(response.bodyText)")
                #expect(response.pointers == ["/\(field)"], "read-only \(field): \(response.bodyText)")
            }
            #expect(try app.call("POST", "/v1/webhooks", json: "{").status == 400)
            #expect(try app.call("POST", "/v1/webhooks", json: #"["http://127.0.0.1/"]"#).status != 201)
            #expect((try app.call("GET", "/v1/webhooks").object["items"] as? [Any])?.isEmpty == true, "nothing was created")
        }

        @Test(
            "with private targets refused, every loopback, private, link-local and metadata URL is 422 /url, on create and on PATCH"
        )
        func privateTargetsRefused() throws {
            let app = try TestApp()  // the default: private targets refused
            let refused = [
                "http://127.0.0.1/hook", "http://127.1.2.3:8080/hook", "http://localhost/hook", "http://LOCALHOST:9000/hook",
                "http://[::1]/hook", "http://[::ffff:127.0.0.1]/hook", "http://2130706433/hook", "http://0x7f.1/hook",
                "http://10.0.0.1/hook", "http://172.16.5.4/hook", "http://192.168.1.1/hook", "http://169.254.169.254/latest/meta-data",
                "http://100.64.0.1/hook", "http://0.0.0.0/hook", "http://[fe80::1]/hook", "http://[fd00::1]/hook", "http://[::]/hook",
                "http://224.0.0.1/hook", "https://127.0.0.1:8443/hook",
            ]
            for url in refused {
                let response = try app.call("POST", "/v1/webhooks", json: #"{"url": "\#(url)", "event_types": ["use_case.*"]}"#)
                #expect(response.status == 422, "\(url): \(response.bodyText)")
                #expect(response.pointers == ["/url"], "\(url): \(response.bodyText)")
            }
            // A public address passes the guard (nothing is sent: no event matches).
            let created = try app.call("POST", "/v1/webhooks", json: #"{"url": "http://8.8.8.8/hook", "event_types": ["budget.never"]}"#)
            #expect(created.status == 201, "\(created.bodyText)")
            let id = try #require(created.object["id"] as? String)
            for url in ["http://127.0.0.1/hook", "http://localhost/hook", "http://[::1]/hook", "http://169.254.169.254/"] {
                let tag = try #require(try app.call("GET", "/v1/webhooks/\(id)").header("ETag"))
                let patched = try app.call("PATCH", "/v1/webhooks/\(id)", json: #"{"url": "\#(url)"}"#, headers: ["If-Match: \(tag)"])
                #expect(patched.status == 422, "\(url): \(patched.bodyText)")
                #expect(patched.pointers == ["/url"], "\(url)")
            }
            #expect(try app.call("GET", "/v1/webhooks/\(id)").object["url"] as? String == "http://8.8.8.8/hook")
            #expect((try app.call("GET", "/v1/webhooks").object["items"] as? [Any])?.count == 1, "only the public one exists")
        }

        @Test("every webhook route is 403 for principals who are not admins, 401 without a key")
        func adminOnly() throws {
            let receiver = try WebhookReceiver()
            let app = try Kit.app()
            let f = GateFixtures(app: app)
            let (id, _) = try Kit.subscribe(app, url: receiver.url)
            try Kit.sendTest(app, id)
            receiver.waitFor(1)
            let delivery = try #require(try Kit.waitForDeliveries(app, id, status: "succeeded", count: 1).first?["id"] as? String)
            let tag = try #require(try app.call("GET", "/v1/webhooks/\(id)").header("ETag"))
            let body = #"{"url": "\#(receiver.url)", "event_types": ["use_case.*"]}"#
            let routes: [(String, String, String?, [String])] = [
                ("POST", "/v1/webhooks", body, []),
                ("GET", "/v1/webhooks", nil, []),
                ("GET", "/v1/webhooks/\(id)", nil, []),
                ("PATCH", "/v1/webhooks/\(id)", #"{"enabled": false}"#, ["If-Match: \(tag)"]),
                ("DELETE", "/v1/webhooks/\(id)", nil, []),
                ("POST", "/v1/webhooks/\(id)/rotate-secret", nil, []),
                ("POST", "/v1/webhooks/\(id)/test", nil, []),
                ("GET", "/v1/webhooks/\(id)/deliveries", nil, []),
                ("GET", "/v1/webhooks/\(id)/deliveries?status=failed", nil, []),
                ("POST", "/v1/webhooks/\(id)/deliveries/\(delivery)/redeliver", nil, []),
                ("GET", "/v1/webhooks/\(Kit.unknownWebhookID)", nil, []),
            ]
            let (podID, member) = try f.pod()
            let lead = try f.principal("Lead", functions: ["engineering"])
            #expect(try app.call("PUT", "/v1/pods/\(podID)/members/\(lead.id)", json: #"{"role": "lead"}"#).status == 200)
            var callers = [("member", member.key), ("lead", lead.key)]
            for function in ["finance", "risk", "security", "legal", "business", "executive"] {
                callers.append((function, try f.principal("Holder of \(function)", functions: [function]).key))
            }
            callers.append(
                ("all functions", try f.principal("Everything", functions: ["engineering", "finance", "risk", "executive"]).key))
            for (who, key) in callers {
                for (method, path, json, headers) in routes {
                    let response = try app.call(method, path, key: key, json: json, headers: headers)
                    #expect(response.status == 403, "\(who): \(method) \(path): \(response.status) \(response.bodyText)")
                    #expect(response.problemSlug == "forbidden", "\(who): \(method) \(path)")
                }
            }
            for (method, path, json, headers) in routes {
                let response = try app.call(method, path, key: nil, json: json, headers: headers)
                #expect(response.status == 401, "anonymous: \(method) \(path): \(response.status)")
                let wrong = try app.call(method, path, key: "not-a-key-0123456789abcdef", json: json, headers: headers)
                #expect(wrong.status == 401, "bad key: \(method) \(path): \(wrong.status)")
            }
            // Nothing happened: one subscription, unchanged, one delivery.
            let after = try app.call("GET", "/v1/webhooks/\(id)")
            #expect(after.object["version"] as? Int == 1 && after.object["enabled"] as? Bool == true)
            #expect((try app.call("GET", "/v1/webhooks").object["items"] as? [Any])?.count == 1)
            Kit.pause(0.5)
            #expect(receiver.received.count == 1)
            #expect(try Kit.deliveries(app, id).count == 1)
            // Another admin may.
            let admin = try f.principal("Second admin", admin: true)
            #expect(try app.call("GET", "/v1/webhooks/\(id)", key: admin.key).status == 200)
        }

        @Test("unknown and malformed ids are 404 on every route")
        func notFound() throws {
            let receiver = try WebhookReceiver()
            let app = try Kit.app()
            let (id, _) = try Kit.subscribe(app, url: receiver.url)
            let (otherID, _) = try Kit.subscribe(app, url: receiver.url, types: #"["funding.approved"]"#)
            try Kit.sendTest(app, otherID)
            let otherDelivery = try #require(try Kit.waitForDeliveries(app, otherID, status: "succeeded", count: 1).first?["id"] as? String)
            for missing in [Kit.unknownWebhookID, "wh_nope", "uc_" + String(repeating: "0", count: 26)] {
                let routes: [(String, String, String?)] = [
                    ("GET", "/v1/webhooks/\(missing)", nil),
                    ("PATCH", "/v1/webhooks/\(missing)", #"{"description": "x"}"#),
                    ("DELETE", "/v1/webhooks/\(missing)", nil),
                    ("POST", "/v1/webhooks/\(missing)/rotate-secret", nil),
                    ("POST", "/v1/webhooks/\(missing)/test", nil),
                    ("GET", "/v1/webhooks/\(missing)/deliveries", nil),
                    ("POST", "/v1/webhooks/\(missing)/deliveries/\(otherDelivery)/redeliver", nil),
                ]
                for (method, path, json) in routes {
                    let response = try app.call(method, path, json: json, headers: ["If-Match: *"])
                    #expect(response.status == 404, "\(method) \(path): \(response.status) \(response.bodyText)")
                    #expect(response.problemSlug == "not-found", "\(method) \(path)")
                }
            }
            for delivery in [Kit.unknownDeliveryID, "dlv_x", otherDelivery] {
                // Another subscription's delivery is not found under this one.
                let response = try app.call("POST", "/v1/webhooks/\(id)/deliveries/\(delivery)/redeliver")
                #expect(response.status == 404, "\(delivery): \(response.bodyText)")
            }
        }

        @Test("the list pages newest first with limit and cursor, and refuses bad limits and cursors")
        func listPaging() throws {
            let app = try Kit.app()
            var ids: [String] = []
            for index in 0..<5 {
                let created = try Kit.create(app, url: "http://127.0.0.1:9/hook\(index)")
                ids.append(try #require(created.object["id"] as? String))
            }
            var seen: [String] = []
            var cursor: String?
            var pages = 0
            repeat {
                let path = "/v1/webhooks?limit=2" + (cursor.map { "&cursor=\($0)" } ?? "")
                let page = try app.call("GET", path)
                #expect(page.status == 200, "\(page.bodyText)")
                let items = page.object["items"] as? [[String: Any]] ?? []
                #expect(items.count <= 2)
                seen += items.compactMap { $0["id"] as? String }
                cursor = page.object["next_cursor"] as? String
                #expect((cursor != nil) == (page.header("Link") != nil), "Link rel=next exactly when there is a next page")
                pages += 1
            } while cursor != nil && pages < 10
            #expect(pages == 3)
            #expect(seen == Array(ids.reversed()), "newest first, each once")
            let all = try app.call("GET", "/v1/webhooks").object
            #expect((all["items"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == Array(ids.reversed()))
            #expect(all["next_cursor"] is NSNull)
            // A deleted subscription leaves the list.
            #expect(try app.call("DELETE", "/v1/webhooks/\(ids[2])").status == 204)
            let afterDelete = (try app.call("GET", "/v1/webhooks").object["items"] as? [[String: Any]])?.compactMap { $0["id"] as? String }
            #expect(afterDelete == [ids[4], ids[3], ids[1], ids[0]])
            for bad in ["limit=0", "limit=201", "limit=x", "cursor=garbage", "cursor=" + String(repeating: "A", count: 100)] {
                let response = try app.call("GET", "/v1/webhooks?\(bad)")
                #expect(response.status == 400, "\(bad): \(response.bodyText)")
            }
        }

        @Test("GET answers with an ETag and 304 for If-None-Match; the tag changes with the subscription")
        func etag() throws {
            let app = try Kit.app()
            let id = try #require(try Kit.create(app, url: "http://127.0.0.1:9/hook").object["id"] as? String)
            let first = try app.call("GET", "/v1/webhooks/\(id)")
            let tag = try #require(first.header("ETag"))
            let again = try app.call("GET", "/v1/webhooks/\(id)", headers: ["If-None-Match: \(tag)"])
            #expect(again.status == 304)
            #expect(again.body.isEmpty)
            #expect(again.header("ETag") == tag)
            let patched = try app.call("PATCH", "/v1/webhooks/\(id)", json: #"{"description": "new"}"#, headers: ["If-Match: \(tag)"])
            #expect(patched.status == 200, "\(patched.bodyText)")
            let newTag = try #require(patched.header("ETag"))
            #expect(newTag != tag)
            let afterChange = try app.call("GET", "/v1/webhooks/\(id)", headers: ["If-None-Match: \(tag)"])
            #expect(afterChange.status == 200)
            #expect(afterChange.header("ETag") == newTag)
            #expect(try app.call("GET", "/v1/webhooks/\(id)", headers: ["If-None-Match: \(newTag)"]).status == 304)
        }

        // MARK: PATCH

        @Test("PATCH needs If-Match (428), refuses a stale one (412), and changes url, event_types and description")
        func patch() throws {
            let first = try WebhookReceiver()
            let second = try WebhookReceiver()
            let app = try Kit.app()
            let f = GateFixtures(app: app)
            let (podID, member) = try f.pod()
            let (id, secret) = try Kit.subscribe(app, url: first.url, types: #"["use_case.*"]"#)
            let original = try app.call("GET", "/v1/webhooks/\(id)")
            let tag = try #require(original.header("ETag"))

            let noTag = try app.call("PATCH", "/v1/webhooks/\(id)", json: #"{"description": "x"}"#)
            #expect(noTag.status == 428, "\(noTag.bodyText)")
            #expect(noTag.problemSlug == "precondition-required")
            let wrongTag = try app.call("PATCH", "/v1/webhooks/\(id)", json: #"{"description": "x"}"#, headers: [#"If-Match: "nope""#])
            #expect(wrongTag.status == 412, "\(wrongTag.bodyText)")

            let described = try app.call(
                "PATCH", "/v1/webhooks/\(id)", json: #"{"description": "risk ledger"}"#, headers: ["If-Match: \(tag)"])
            #expect(described.status == 200, "\(described.bodyText)")
            #expect(described.object["description"] as? String == "risk ledger")
            #expect(described.object["version"] as? Int == 2)
            #expect(described.object["secret"] == nil && !described.bodyText.contains(secret))
            #expect(described.object["created_at"] as? String == original.object["created_at"] as? String)
            let stale = try app.call("PATCH", "/v1/webhooks/\(id)", json: #"{"description": "late"}"#, headers: ["If-Match: \(tag)"])
            #expect(stale.status == 412, "\(stale.bodyText)")
            #expect(stale.problemSlug == "precondition-failed")
            #expect(try app.call("GET", "/v1/webhooks/\(id)").object["description"] as? String == "risk ledger")

            // Bad PATCH bodies change nothing.
            var current = try #require(described.header("ETag"))
            let badBodies: [(String, [String])] = [
                (#"{"url": "ftp://example.com/"}"#, ["/url"]),
                (#"{"url": null}"#, ["/url"]),
                (#"{"event_types": []}"#, ["/event_types"]),
                (#"{"event_types": ["use_case.*", "BAD"]}"#, ["/event_types/1"]),
                (#"{"enabled": "yes"}"#, ["/enabled"]),
                (#"{"enabled": null}"#, ["/enabled"]),
                (#"{"id": "wh_x"}"#, ["/id"]),
                (#"{"secret": "whsec_x"}"#, ["/secret"]),
                (#"{"version": 9}"#, ["/version"]),
                (#"{"disabled_reason": "x"}"#, ["/disabled_reason"]),
                (#"{"colour": "red"}"#, ["/colour"]),
            ]
            for (body, pointers) in badBodies {
                let response = try app.call("PATCH", "/v1/webhooks/\(id)", json: body, headers: ["If-Match: \(current)"])
                #expect(response.status == 422, "\(body): \(response.bodyText)")
                #expect(response.pointers == pointers, "\(body): \(response.bodyText)")
            }
            #expect(try app.call("GET", "/v1/webhooks/\(id)").object["version"] as? Int == 2)

            // A use case reaches the first receiver.
            _ = try f.useCase(podID: podID, key: member.key)
            #expect(first.waitFor(1).count == 1)

            // Narrowed to funding.approved: the next use case is not delivered.
            let narrowed = try app.call(
                "PATCH", "/v1/webhooks/\(id)", json: #"{"event_types": ["funding.approved"]}"#, headers: ["If-Match: \(current)"])
            #expect(narrowed.status == 200, "\(narrowed.bodyText)")
            #expect(narrowed.object["event_types"] as? [String] == ["funding.approved"])
            #expect(narrowed.object["version"] as? Int == 3)
            current = try #require(narrowed.header("ETag"))
            _ = try f.useCase(podID: podID, key: member.key)

            // Moved to the second receiver: the test event goes there, signed with the same secret.
            let moved = try app.call("PATCH", "/v1/webhooks/\(id)", json: #"{"url": "\#(second.url)"}"#, headers: ["If-Match: \(current)"])
            #expect(moved.status == 200, "\(moved.bodyText)")
            #expect(moved.object["url"] as? String == second.url)
            current = try #require(moved.header("ETag"))
            let eventID = try Kit.sendTest(app, id)
            let got = try #require(second.waitFor(1).first)
            #expect(got.headers["webhook-id"] == eventID)
            #expect(Kit.verify(got, secret: secret))
            Kit.pause(1)
            #expect(first.received.count == 1, "nothing more reaches the old url, and the narrowed types held")

            // Widened again, with several changes at once; an empty PATCH changes nothing.
            let widened = try app.call(
                "PATCH", "/v1/webhooks/\(id)", json: #"{"event_types": ["use_case.created"], "description": "", "url": "\#(first.url)"}"#,
                headers: ["If-Match: \(current)"])
            #expect(widened.status == 200, "\(widened.bodyText)")
            #expect(widened.object["description"] as? String == "")
            let version = widened.object["version"] as? Int
            let widenedTag = try #require(widened.header("ETag"))
            let empty = try app.call("PATCH", "/v1/webhooks/\(id)", json: "{}", headers: ["If-Match: \(widenedTag)"])
            #expect(empty.status == 200)
            #expect(empty.object["version"] as? Int == version, "an empty PATCH is no change")
            _ = try f.useCase(podID: podID, key: member.key)
            let both = first.waitFor(2)
            #expect(both.count == 2)
            #expect(both.last?.json["type"] as? String == "use_case.created")
        }

        @Test("a disabled subscription's pending delivery waits; enabled again, it is delivered")
        func disableAndEnable() throws {
            let receiver = try WebhookReceiver(answers: [(500, [:]), (200, [:])])
            let app = try Kit.app(schedule: [2, 2])
            let f = GateFixtures(app: app)
            let (podID, member) = try f.pod()
            let (id, secret) = try Kit.subscribe(app, url: receiver.url)
            let eventID = try Kit.sendTest(app, id)
            receiver.waitFor(1)
            let tag = try #require(try app.call("GET", "/v1/webhooks/\(id)").header("ETag"))
            let disabled = try app.call("PATCH", "/v1/webhooks/\(id)", json: #"{"enabled": false}"#, headers: ["If-Match: \(tag)"])
            #expect(disabled.status == 200, "\(disabled.bodyText)")
            #expect(disabled.object["enabled"] as? Bool == false)
            #expect(disabled.object["disabled_reason"] as? String == "disabled by an admin")
            // An event while disabled is not sent either.
            _ = try f.useCase(podID: podID, key: member.key)
            Kit.pause(3.8)  // past the retry (2 s + 20 % jitter) and a sweep
            #expect(receiver.received.count == 1, "a disabled subscription gets nothing")
            let pending = try Kit.deliveries(app, id, status: "pending")
            #expect(pending.count == 1, "\(pending)")
            #expect(pending.first?["event_id"] as? String == eventID)
            #expect(Kit.statuses(pending.first ?? [:]) == [500])

            let disabledTag = try #require(disabled.header("ETag"))
            let enabled = try app.call("PATCH", "/v1/webhooks/\(id)", json: #"{"enabled": true}"#, headers: ["If-Match: \(disabledTag)"])
            #expect(enabled.status == 200, "\(enabled.bodyText)")
            #expect(enabled.object["enabled"] as? Bool == true)
            #expect(enabled.object["disabled_reason"] is NSNull)
            let received = receiver.waitFor(2, timeout: .seconds(5))
            #expect(received.count >= 2)
            #expect(received.count >= 2 && received[1].headers["webhook-id"] == eventID, "the pending delivery, retried")
            #expect(received.allSatisfy { Kit.verify($0, secret: secret) })
            let done = try Kit.waitForDeliveries(app, id, status: "succeeded", count: 1)
            #expect(done.first.map(Kit.statuses) == [500, 200])
        }

        @Test("DELETE answers 204, then 404 everywhere; no more deliveries, pending ones included")
        func delete() throws {
            let receiver = try WebhookReceiver(answers: [(200, [:]), (503, ["Retry-After": "2"])])
            let app = try Kit.app()
            let f = GateFixtures(app: app)
            let (podID, member) = try f.pod()
            let (id, _) = try Kit.subscribe(app, url: receiver.url)
            _ = try f.useCase(podID: podID, key: member.key)
            receiver.waitFor(1)
            _ = try f.useCase(podID: podID, key: member.key)
            receiver.waitFor(2)
            let deleted = try app.call("DELETE", "/v1/webhooks/\(id)")
            #expect(deleted.status == 204, "\(deleted.bodyText)")
            #expect(deleted.body.isEmpty)
            _ = try f.useCase(podID: podID, key: member.key)
            Kit.pause(3.5)  // past the 503's Retry-After
            #expect(receiver.received.count == 2, "neither the pending retry nor the new event is sent")
            #expect(try app.call("GET", "/v1/webhooks/\(id)").status == 404)
            #expect(try app.call("DELETE", "/v1/webhooks/\(id)").status == 404)
            #expect(try app.call("PATCH", "/v1/webhooks/\(id)", json: #"{"enabled": true}"#, headers: ["If-Match: *"]).status == 404)
            #expect(try app.call("POST", "/v1/webhooks/\(id)/test").status == 404)
            #expect(try app.call("POST", "/v1/webhooks/\(id)/rotate-secret").status == 404)
            #expect(try app.call("GET", "/v1/webhooks/\(id)/deliveries").status == 404)
            #expect((try app.call("GET", "/v1/webhooks").object["items"] as? [Any])?.isEmpty == true)
        }

        // MARK: What goes where

        @Test("event_types select exactly: an exact type gets only that type, prefix.* the whole family")
        func eventTypeMatching() throws {
            let app = try Kit.app()
            let f = GateFixtures(app: app)
            let patterns: [String: [String]] = [
                "funding": ["funding.approved"],
                "use_cases": ["use_case.*"],
                "created": ["use_case.created"],
                "mixed": ["gate_review.approved", "funding.*"],
                "reviews": ["gate_review.*"],
                "budget": ["budget.*"],
                "bare": ["use_case", "funding"],  // exact names, not prefixes: match nothing
            ]
            var receivers: [String: WebhookReceiver] = [:]
            for name in patterns.keys.sorted() {
                let receiver = try WebhookReceiver()
                receivers[name] = receiver
                let list = patterns[name, default: []].map { "\"\($0)\"" }.joined(separator: ", ")
                _ = try Kit.subscribe(app, url: receiver.url, types: "[\(list)]")
            }
            let start = try f.newestSeq()
            let (podID, member) = try f.pod()
            let finance = try f.principal("Fiona Finance", functions: ["finance"])
            let useCaseID = try f.useCase(podID: podID, key: member.key)
            let requested = try f.requestReview(useCaseID, key: member.key, target: "pilot", funding: 1_000_000)
            #expect(requested.status == 201, "\(requested.bodyText)")
            let reviewID = try #require(requested.object["id"] as? String)
            #expect(try f.decide(reviewID, key: finance.key, function: "finance").status == 201)
            let events = try f.allEvents(after: start)
            let types = events.compactMap { $0["type"] as? String }
            #expect(types.contains("funding.approved") && types.contains("use_case.created"), "\(types)")

            var expected: [String: [String: String]] = [:]  // receiver -> event id -> type
            for (name, list) in patterns {
                for event in events {
                    guard let type = event["type"] as? String, let eventID = event["id"] as? String else { continue }
                    if list.contains(where: { Kit.matches($0, type) }) { expected[name, default: [:]][eventID] = type }
                }
            }
            #expect(expected["funding"]?.values.sorted() == ["funding.approved"])
            #expect(expected["created"]?.values.sorted() == ["use_case.created"])
            #expect(expected["bare"] == nil && expected["budget"] == nil)
            for (name, receiver) in receivers {
                receiver.waitFor(expected[name]?.count ?? 0, timeout: .seconds(10))
            }
            Kit.pause(1)
            for (name, receiver) in receivers {
                let got = receiver.received
                var byID: [String: String] = [:]
                for request in got {
                    byID[request.headers["webhook-id"] ?? "?"] = request.json["type"] as? String
                }
                #expect(got.count == byID.count, "\(name): each event once")
                #expect(byID == expected[name, default: [:]], "\(name): \(patterns[name] ?? []) got \(byID.values.sorted())")
            }
            #expect(receivers["funding"]?.received.compactMap { $0.json["type"] as? String } == ["funding.approved"])
        }

        @Test("POST /test sends a webhook.test event to that endpoint only, whatever its event types")
        func testEvent() throws {
            let target = try WebhookReceiver()
            let bystander = try WebhookReceiver()
            let exact = try WebhookReceiver()
            let unrelated = try WebhookReceiver()
            let app = try Kit.app()
            let (id, secret) = try Kit.subscribe(app, url: target.url, types: #"["webhook.*"]"#)
            let (_, bystanderSecret) = try Kit.subscribe(app, url: bystander.url, types: #"["webhook.*"]"#)
            _ = try Kit.subscribe(app, url: exact.url, types: #"["webhook.test"]"#)
            let (unrelatedID, _) = try Kit.subscribe(app, url: unrelated.url, types: #"["use_case.*"]"#)

            let test = try app.call("POST", "/v1/webhooks/\(id)/test", json: "{}")
            #expect(test.status == 202, "\(test.bodyText)")
            #expect(test.object["webhook_id"] as? String == id)
            #expect(test.object["event_type"] as? String == "webhook.test")
            let eventID = try #require(test.object["event_id"] as? String)
            #expect(eventID.hasPrefix("evt_"))
            let got = try #require(target.waitFor(1).first)
            #expect(got.headers["webhook-id"] == eventID)
            #expect(Kit.verify(got, secret: secret))
            #expect(got.json["type"] as? String == "webhook.test")
            let data = try #require(got.json["data"] as? [String: Any])
            let webhook = try #require(data["webhook"] as? [String: Any])
            #expect(webhook["id"] as? String == id)
            #expect(webhook["secret"] == nil)
            #expect(data["seq"] as? Int != nil)
            let body = String(decoding: got.body, as: UTF8.self)
            #expect(!body.contains(secret) && !body.contains(bystanderSecret), "no secret in the payload")
            let feed = try app.call("GET", "/v1/events?types=webhook.test")
            #expect(!feed.bodyText.contains(secret))

            // The unrelated subscription gets its own test, though it does not subscribe to webhook.*.
            let other = try Kit.sendTest(app, unrelatedID)
            #expect(unrelated.waitFor(1).first?.headers["webhook-id"] == other)
            Kit.pause(1)
            #expect(target.received.count == 1)
            #expect(bystander.received.isEmpty, "webhook.test goes to its endpoint only")
            #expect(exact.received.isEmpty, "webhook.test goes to its endpoint only")
            #expect(unrelated.received.count == 1)
            #expect(try app.call("POST", "/v1/webhooks/\(id)/test", json: #"{"x": 1}"#).status == 422)
        }

        // MARK: Secrets

        @Test("rotate-secret returns a new secret; deliveries then carry the new and the old signature, in that order")
        func rotateSecret() throws {
            let receiver = try WebhookReceiver()
            let app = try Kit.app()
            let (id, original) = try Kit.subscribe(app, url: receiver.url)
            try Kit.sendTest(app, id)
            let before = try #require(receiver.waitFor(1).first)
            #expect(Kit.signatures(before).count == 1)
            #expect(Kit.signatures(before) == [Kit.signature(before, secret: original)].compactMap { $0 })

            let rotated = try app.call("POST", "/v1/webhooks/\(id)/rotate-secret")
            #expect(rotated.status == 200, "\(rotated.bodyText)")
            let second = try #require(rotated.object["secret"] as? String)
            #expect(second.hasPrefix("whsec_") && second != original)
            #expect(Data(base64Encoded: String(second.dropFirst(6)))?.count == 32)
            #expect(rotated.object["id"] as? String == id)
            #expect(rotated.object["version"] as? Int == 2)
            let read = try app.call("GET", "/v1/webhooks/\(id)")
            #expect(read.object["secret"] == nil && !read.bodyText.contains(second) && !read.bodyText.contains(original))

            try Kit.sendTest(app, id)
            let during = try #require(receiver.waitFor(2).last)
            let signatures = Kit.signatures(during)
            #expect(signatures.count == 2, "\(during.headers["webhook-signature"] ?? "")")
            #expect(signatures.first == Kit.signature(during, secret: second), "the new secret's signature first")
            #expect(signatures.last == Kit.signature(during, secret: original), "then the old one's")
            #expect(Kit.verify(during, secret: second) && Kit.verify(during, secret: original))

            // Rotating again retires the first secret: the second is now the old one.
            let again = try app.call("POST", "/v1/webhooks/\(id)/rotate-secret", json: "{}")
            #expect(again.status == 200, "\(again.bodyText)")
            let third = try #require(again.object["secret"] as? String)
            try Kit.sendTest(app, id)
            let later = try #require(receiver.waitFor(3).last)
            #expect(Kit.signatures(later) == [Kit.signature(later, secret: third), Kit.signature(later, secret: second)].compactMap { $0 })
            #expect(!Kit.verify(later, secret: original))

            #expect(try app.call("POST", "/v1/webhooks/\(id)/rotate-secret", json: #"{"secret": "whsec_mine"}"#).status == 422)
        }

        // MARK: Deliveries

        @Test("deliveries list every attempt, filter by status (400 for others), and redeliver (409 while pending)")
        func deliveriesAndRedeliver() throws {
            let receiver = try WebhookReceiver(answers: [
                (200, [:]), (500, [:]), (500, [:]), (500, [:]), (503, ["Retry-After": "60"]),
            ])
            let app = try Kit.app()
            let (id, _) = try Kit.subscribe(app, url: receiver.url)
            let (otherID, _) = try Kit.subscribe(app, url: receiver.url, types: #"["funding.approved"]"#)
            let firstEvent = try Kit.sendTest(app, id)
            receiver.waitFor(1)
            try Kit.waitForDeliveries(app, id, status: "succeeded", count: 1)
            let secondEvent = try Kit.sendTest(app, id)
            receiver.waitFor(4)
            try Kit.waitForDeliveries(app, id, status: "failed", count: 1)
            let thirdEvent = try Kit.sendTest(app, id)
            receiver.waitFor(5)
            #expect(
                try eventually(within: .seconds(5)) {
                    try Kit.deliveries(app, id, status: "pending").first.map { Kit.attempts($0).count == 1 } == true
                })

            let all = try Kit.deliveries(app, id)
            #expect(all.compactMap { $0["event_id"] as? String } == [thirdEvent, secondEvent, firstEvent], "newest first")
            #expect(all.compactMap { $0["status"] as? String } == ["pending", "failed", "succeeded"])
            for delivery in all {
                #expect((delivery["id"] as? String)?.hasPrefix("dlv_") == true)
                #expect(delivery["webhook_id"] as? String == id)
                #expect(delivery["event_type"] as? String == "webhook.test")
                #expect(Kit.date(delivery["created_at"]) != nil && Kit.date(delivery["updated_at"]) != nil)
                for attempt in Kit.attempts(delivery) {
                    #expect(Kit.date(attempt["at"]) != nil, "\(attempt)")
                    #expect((attempt["duration_ms"] as? Int).map { $0 >= 0 } == true, "\(attempt)")
                    #expect(attempt.keys.contains("error") && attempt.keys.contains("response_status"))
                }
            }
            let succeeded = try #require(all.last)
            #expect(Kit.statuses(succeeded) == [200])
            #expect(Kit.attempts(succeeded).first?["error"] is NSNull)
            #expect(succeeded["next_attempt_at"] is NSNull)
            let failed = all[1]
            #expect(Kit.statuses(failed) == [500, 500, 500])
            #expect(failed["next_attempt_at"] is NSNull)
            let pending = all[0]
            #expect(Kit.statuses(pending) == [503])
            let next = try #require(Kit.date(pending["next_attempt_at"]), "\(pending)")
            #expect(next.timeIntervalSinceNow > 50, "Retry-After 60 honoured: \(pending["next_attempt_at"] ?? "")")

            for (status, expected) in [("pending", [thirdEvent]), ("failed", [secondEvent]), ("succeeded", [firstEvent])] {
                #expect(try Kit.deliveries(app, id, status: status).compactMap { $0["event_id"] as? String } == expected, "\(status)")
            }
            for bad in ["bogus", "", "SUCCEEDED", "pending,failed"] {
                let response = try app.call("GET", "/v1/webhooks/\(id)/deliveries?status=\(bad)")
                #expect(response.status == 400, "status=\(bad): \(response.bodyText)")
            }
            let paged = try app.call("GET", "/v1/webhooks/\(id)/deliveries?limit=1")
            #expect((paged.object["items"] as? [Any])?.count == 1)
            let cursor = try #require(paged.object["next_cursor"] as? String)
            let page2 = try app.call("GET", "/v1/webhooks/\(id)/deliveries?limit=1&cursor=\(cursor)")
            #expect((page2.object["items"] as? [[String: Any]])?.first?["event_id"] as? String == secondEvent)
            #expect((try Kit.deliveries(app, otherID)).isEmpty, "the other subscription has none")

            let pendingID = try #require(pending["id"] as? String)
            let conflict = try app.call("POST", "/v1/webhooks/\(id)/deliveries/\(pendingID)/redeliver")
            #expect(conflict.status == 409, "\(conflict.bodyText)")
            #expect(conflict.problemSlug == "invalid-state")

            receiver.answer([(200, [:])])
            let failedID = try #require(failed["id"] as? String)
            let redeliver = try app.call("POST", "/v1/webhooks/\(id)/deliveries/\(failedID)/redeliver")
            #expect(redeliver.status == 202, "\(redeliver.bodyText)")
            #expect(redeliver.object["id"] as? String == failedID)
            #expect(redeliver.object["status"] as? String == "pending")
            #expect(Kit.statuses(redeliver.object) == [500, 500, 500], "the history is kept")
            let resent = receiver.waitFor(6)
            #expect(resent.last?.headers["webhook-id"] == secondEvent, "the same webhook-id again")
            #expect(
                try eventually(within: .seconds(5)) {
                    try Kit.deliveries(app, id, status: "succeeded").first { $0["id"] as? String == failedID }.map(Kit.statuses)
                        == [500, 500, 500, 200]
                })

            // A succeeded delivery may be sent again too.
            let succeededID = try #require(succeeded["id"] as? String)
            #expect(try app.call("POST", "/v1/webhooks/\(id)/deliveries/\(succeededID)/redeliver", json: "{}").status == 202)
            #expect(receiver.waitFor(7).last?.headers["webhook-id"] == firstEvent)
            #expect(
                try eventually(within: .seconds(5)) {
                    try Kit.deliveries(app, id, status: "succeeded").first { $0["id"] as? String == succeededID }.map(Kit.statuses)
                        == [200, 200]
                })
            #expect(try app.call("POST", "/v1/webhooks/\(id)/deliveries/\(pendingID)/redeliver", json: #"{"x": 1}"#).status == 422)
        }

        // MARK: Audit

        @Test("every change is audited without the secret, and the chain verifies")
        func audited() throws {
            let receiver = try WebhookReceiver()
            let app = try Kit.app()
            let f = GateFixtures(app: app)
            let (id, secret) = try Kit.subscribe(app, url: receiver.url)
            let tag = try #require(try app.call("GET", "/v1/webhooks/\(id)").header("ETag"))
            #expect(
                try app.call("PATCH", "/v1/webhooks/\(id)", json: #"{"description": "audited"}"#, headers: ["If-Match: \(tag)"]).status
                    == 200)
            let rotated = try #require(try app.call("POST", "/v1/webhooks/\(id)/rotate-secret").object["secret"] as? String)
            try Kit.sendTest(app, id)
            let delivery = try #require(try Kit.waitForDeliveries(app, id, status: "succeeded", count: 1).first?["id"] as? String)
            #expect(try app.call("POST", "/v1/webhooks/\(id)/deliveries/\(delivery)/redeliver").status == 202)
            try Kit.waitForDeliveries(app, id, status: "succeeded", count: 1)
            #expect(try app.call("DELETE", "/v1/webhooks/\(id)").status == 204)

            let entries = try app.call("GET", "/v1/audit?entity_id=\(id)")
            #expect(entries.status == 200)
            let actions = (entries.object["items"] as? [[String: Any]] ?? []).compactMap { $0["action"] as? String }
            #expect(actions == ["webhook.created", "webhook.updated", "webhook.secret_rotated", "webhook.deleted"], "\(actions)")
            #expect(!entries.bodyText.contains(secret) && !entries.bodyText.contains(rotated), "no secret in the audit log")
            let redelivered = try app.call("GET", "/v1/audit?entity_id=\(delivery)")
            #expect(
                (redelivered.object["items"] as? [[String: Any]] ?? []).compactMap { $0["action"] as? String } == ["webhook.redelivered"])
            let everything = try app.call("GET", "/v1/audit?limit=200")
            #expect(
                !everything.bodyText.contains(String(secret.dropFirst(6))) && !everything.bodyText.contains(String(rotated.dropFirst(6))))
            #expect(try f.auditChainIsValid())
        }
    }
}
