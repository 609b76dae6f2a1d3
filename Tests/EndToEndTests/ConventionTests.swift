import Foundation
import Postgres
import TestSupport
import Testing

/// Conventions that span instances, time and load: rate limits, key expiry, revocation
/// everywhere at once, and an idempotent request still in flight.
@Suite("API conventions across instances")
struct ConventionTests {
    @Test("a key past its burst gets 429 rate-limited with Retry-After; other keys are unaffected")
    func rateLimited() throws {
        let app = try TestApp {
            $0.rateLimitPerSecond = 1
            $0.rateLimitBurst = 5
        }
        let id = try #require(try app.call("POST", "/v1/principals", json: #"{"name": "Other", "functions": []}"#).object["id"] as? String)
        let otherKey = try #require(try app.call("POST", "/v1/principals/\(id)/keys", json: #"{"name": "k"}"#).object["key"] as? String)
        let started = Date()
        let statuses = try (0..<8).map { _ in try app.call("GET", "/v1/me").status }
        let refilled = Int(Date().timeIntervalSince(started)) + 1  // 1 token a second may come back meanwhile
        #expect(statuses.filter { $0 == 200 }.count <= 3 + refilled, "5 in the burst, 2 spent above")
        #expect(statuses.last == 429)
        let limited = try app.call("GET", "/v1/me")
        #expect(limited.problemSlug == "rate-limited")
        #expect(Int(limited.header("Retry-After") ?? "") ?? 0 >= 1)
        #expect(try app.call("GET", "/v1/me", key: otherKey).status == 200, "each key has its own bucket")
    }

    @Test("a key with a past expiry is refused at creation; an expired key gets 401")
    func expiry() throws {
        let app = try TestApp()
        let id = try #require(try app.call("POST", "/v1/principals", json: #"{"name": "Temp", "functions": []}"#).object["id"] as? String)
        let past = try app.call("POST", "/v1/principals/\(id)/keys", json: #"{"name": "old", "expires_at": "2001-01-01T00:00:00Z"}"#)
        #expect(past.pointers == ["/expires_at"])
        let key = try app.call("POST", "/v1/principals/\(id)/keys", json: #"{"name": "new", "expires_at": "2999-01-01T00:00:00+02:00"}"#)
            .object
        #expect(key["expires_at"] as? String == "2998-12-31T22:00:00.000Z")
        let secret = try #require(key["key"] as? String)
        let connection = try app.databaseConnection()
        defer { connection.close() }
        try connection.query("UPDATE api_keys SET expires_at = now() - interval '1 second' WHERE id = \(key["id"] as? String ?? "")")
        let expired = try app.call("GET", "/v1/me", key: secret)
        #expect(expired.status == 401)
    }

    @Test("a key revoked on one instance stops working on another at once (LISTEN/NOTIFY clears its cache)")
    func revocationReachesEveryInstance() throws {
        let first = try TestApp()
        var configuration = first.app.configuration
        configuration.http.port = 0
        let second = try TestApp.sharing(first)
        let id = try #require(
            try first.call("POST", "/v1/principals", json: #"{"name": "Roaming", "functions": []}"#).object["id"] as? String)
        let created = try first.call("POST", "/v1/principals/\(id)/keys", json: #"{"name": "k"}"#).object
        let secret = try #require(created["key"] as? String), keyID = try #require(created["id"] as? String)
        #expect(try second.call("GET", "/v1/me", key: secret).status == 200)  // now cached on the second instance
        #expect(try first.call("DELETE", "/v1/principals/\(id)/keys/\(keyID)").status == 204)
        #expect(eventually(within: .seconds(1)) { (try? second.call("GET", "/v1/me", key: secret).status) == 401 })
    }

    @Test("while the first request with an Idempotency-Key is in flight, a second gets 409 idempotency-key-in-use")
    func idempotencyInFlight() throws {
        let app = try TestApp()
        let body = #"{"name": "Slow", "functions": []}"#
        let me = try #require(try app.call("GET", "/v1/me").object["id"] as? String)
        let connection = try app.databaseConnection()
        defer { connection.close() }
        // The claim a first request leaves while it runs: same principal, key and request.
        try connection.query(
            """
            INSERT INTO idempotency_keys (principal_id, key, request_hash, created_at)
            VALUES (\(me), 'in-flight', sha256(convert_to(\("POST /v1/principals\n" + body), 'UTF8')), now())
            """)
        let second = try app.call("POST", "/v1/principals", json: body, headers: ["Idempotency-Key: in-flight"])
        #expect(second.status == 409)
        #expect(second.problemSlug == "idempotency-key-in-use")
    }
}

extension ConventionTests {
    @Test("replaying a key creation never repeats the secret, and the replay still says no-store")
    func keyReplayHidesSecret() throws {
        let app = try TestApp()
        let id = try #require(try app.call("POST", "/v1/principals", json: #"{"name": "K", "functions": []}"#).object["id"] as? String)
        let first = try app.call("POST", "/v1/principals/\(id)/keys", json: #"{"name": "k"}"#, headers: ["Idempotency-Key: key-1"])
        let replay = try app.call("POST", "/v1/principals/\(id)/keys", json: #"{"name": "k"}"#, headers: ["Idempotency-Key: key-1"])
        #expect(first.object["key"] is String)
        #expect(replay.status == 201)
        #expect(replay.header("Idempotent-Replayed") == "true")
        #expect(replay.object["key"] == nil)
        #expect(replay.object["id"] as? String == first.object["id"] as? String)
        #expect(replay.header("Cache-Control") == "no-store")
        let connection = try app.databaseConnection()
        defer { connection.close() }
        let secret = first.object["key"] as? String ?? "missing"
        let rows = try connection.query(
            "SELECT count(*) AS n FROM idempotency_keys WHERE position(\(secret) in convert_from(response_body, 'UTF8')) > 0")
        #expect(try rows.first?.decode("n", as: Int.self) == 0)
    }
}

extension ConventionTests {
    @Test("idempotency records are kept 24 hours: an older record is swept, and its key can be used afresh")
    func idempotencyRetention() throws {
        let app = try TestApp()
        let body = #"{"name": "Day one", "functions": []}"#
        let first = try app.call("POST", "/v1/principals", json: body, headers: ["Idempotency-Key: daily"])
        let connection = try app.databaseConnection()
        defer { connection.close() }
        try connection.query("UPDATE idempotency_keys SET created_at = now() - interval '25 hours' WHERE key = 'daily'")
        app.app.runMaintenance()
        #expect(try connection.query("SELECT 1 FROM idempotency_keys WHERE key = 'daily'").isEmpty)
        let later = try app.call("POST", "/v1/principals", json: body, headers: ["Idempotency-Key: daily"])
        #expect(later.status == 201)
        #expect(later.header("Idempotent-Replayed") == nil)
        #expect(later.object["id"] as? String != first.object["id"] as? String)
    }
}

extension ConventionTests {
    @Test("U+0000, which no stored text can hold: 422 in a body (with its pointer), 400 in a query, 404 in a path; nothing stored")
    func nulCharacters() throws {
        let app = try TestApp()
        let connection = try app.databaseConnection()
        defer { connection.close() }
        let podsBefore = try connection.query("SELECT count(*) AS n FROM pods").first?.decode("n", as: Int.self)

        let inName = try app.call("POST", "/v1/pods", json: #"{"name": "a\u0000b", "business_unit": "x"}"#)
        #expect(inName.status == 422)
        #expect(inName.pointers == ["/name"])
        let nested = try app.call("POST", "/v1/principals", json: #"{"name": "P", "functions": ["legal\u0000"]}"#)
        #expect(nested.status == 422)
        #expect(nested.pointers == ["/functions/0"])
        let inKey = try app.call("POST", "/v1/pods", json: #"{"name": "n", "business_unit": "x", "a\u0000": 1}"#)
        #expect(inKey.status == 422)
        #expect(try connection.query("SELECT count(*) AS n FROM pods").first?.decode("n", as: Int.self) == podsBefore)

        let query = try app.call("GET", "/v1/use-cases?q=a%00b")
        #expect(query.status == 400)
        #expect(query.problemSlug == "malformed-request")
        #expect(try app.call("GET", "/v1/use-cases?business_unit=%00").status == 400)
        #expect(try app.call("GET", "/v1/use-cases?q=%2500").status == 200, "an escaped percent sign is not a NUL")

        let path = try app.call("GET", "/v1/pods/pod_a%00b")
        #expect(path.status == 404)
        #expect(path.problemSlug == "not-found")
        #expect(try app.call("GET", "/v1/use-cases/uc_1/usage-reports/2026-0%001").status == 404)
    }
}
