import Foundation
import Postgres
import TestSupport
import Testing

/// Principals, keys and the conventions every `/v1` route shares, over real sockets.
@Suite("principals, keys and API conventions")
struct PrincipalAPITests {
    @Test("a missing, unknown or malformed key gets 401 with WWW-Authenticate: Bearer")
    func unauthenticated() throws {
        let app = try TestApp()
        for key in [nil, "tg_unknownunknownunknownunknown00", "short"] as [String?] {
            let response = try app.call("GET", "/v1/me", key: key)
            #expect(response.status == 401)
            #expect(response.header("WWW-Authenticate") == "Bearer")
            #expect(response.problemSlug == "unauthenticated")
        }
    }

    @Test("the bootstrap admin key authenticates as an admin; GET /v1/me answers with ETag and 304")
    func me() throws {
        let app = try TestApp()
        let me = try app.call("GET", "/v1/me")
        #expect(me.status == 200)
        #expect(me.object["admin"] as? Bool == true)
        let tag = try #require(me.header("ETag"))
        let again = try app.call("GET", "/v1/me", headers: ["If-None-Match: \(tag)"])
        #expect(again.status == 304)
        #expect(again.body.isEmpty)
    }

    @Test("creating a principal answers 201 with Location; the new key works at once and stops at once when revoked")
    func keyLifecycle() throws {
        let app = try TestApp()
        let created = try app.call(
            "POST", "/v1/principals", json: #"{"name": "Fiona Finance", "email": "fiona@example.com", "functions": ["finance"]}"#)
        #expect(created.status == 201)
        let id = try #require(created.object["id"] as? String)
        #expect(id.hasPrefix("prn_"))
        #expect(created.header("Location") == "/v1/principals/\(id)")
        #expect(created.object["functions"] as? [String] == ["finance"])

        let keyResponse = try app.call("POST", "/v1/principals/\(id)/keys", json: #"{"name": "laptop"}"#)
        #expect(keyResponse.status == 201)
        let key = try #require(keyResponse.object["key"] as? String)
        let keyID = try #require(keyResponse.object["id"] as? String)
        #expect(key.hasPrefix("tg_") && key.count >= 35)
        #expect((keyResponse.object["prefix"] as? String).map { key.hasPrefix($0) } == true)

        let me = try app.call("GET", "/v1/me", key: key)
        #expect(me.object["id"] as? String == id)
        #expect(try app.call("POST", "/v1/principals", key: key, json: #"{"name": "x", "functions": []}"#).status == 403)

        #expect(try app.call("DELETE", "/v1/principals/\(id)/keys/\(keyID)").status == 204)
        #expect(try app.call("GET", "/v1/me", key: key).status == 401)
        #expect(try app.call("DELETE", "/v1/principals/\(id)/keys/\(keyID)").status == 404)

        // Only the hash is stored.
        let connection = try app.databaseConnection()
        defer { connection.close() }
        let stored = try connection.query("SELECT count(*) AS n FROM api_keys WHERE encode(key_hash, 'escape') LIKE \("%" + key + "%")")
        #expect(try stored.first?.decode("n", as: Int.self) == 0)
    }

    @Test(
        "bad bodies get problem+json with a pointer per error and change nothing",
        arguments: [
            (#"{"name": "A", "functions": ["finance"], "colour": "red"}"#, 422, "/colour"),
            (#"{"name": 7, "functions": ["finance"]}"#, 422, "/name"),
            (#"{"name": "A", "functions": ["wizardry"]}"#, 422, "/functions/0"),
            (#"{"name": "", "functions": []}"#, 422, "/name"),
            (#"{"functions": []}"#, 422, "/name"),
            (#"{"name": "A", "functions": [], "admin": "yes"}"#, 422, "/admin"),
            (#"{"name": "A", "functions": [], "id": "prn_x"}"#, 422, "/id"),
            (#"{"name": "A", "name": "B", "functions": []}"#, 400, ""),
            (#"[1, 2]"#, 422, ""),
            (#"{"name": "A", "functions": [}"#, 400, ""),
            (String(repeating: "[", count: 40) + String(repeating: "]", count: 40), 400, ""),
        ])
    func badBodies(body: String, status: Int, pointer: String) throws {
        let app = try TestApp()
        let before = try app.call("GET", "/v1/principals?limit=200").object["items"] as? [Any]
        let response = try app.call("POST", "/v1/principals", json: body)
        #expect(response.status == status)
        #expect(response.header("Content-Type") == "application/problem+json")
        if status == 422 { #expect(response.pointers.contains(pointer), "pointers: \(response.pointers)") }
        let after = try app.call("GET", "/v1/principals?limit=200").object["items"] as? [Any]
        #expect(before?.count == after?.count)
    }

    @Test("a body that is not UTF-8, or not JSON at all, is refused")
    func notJSON() throws {
        let app = try TestApp()
        #expect(
            try app.call("POST", "/v1/principals", body: Array(#"{"name": "A"#.utf8) + [0xC0, 0xAF] + Array(#"", "functions": []}"#.utf8))
                .status == 400)
        #expect(try app.call("POST", "/v1/principals", json: "name=A", contentType: "application/x-www-form-urlencoded").status == 415)
    }

    @Test("PATCH needs If-Match: 428 without it, 412 when stale, 200 with a new ETag and version")
    func conditionalPatch() throws {
        let app = try TestApp()
        let created = try app.call("POST", "/v1/principals", json: #"{"name": "Rita Risk", "functions": ["risk"]}"#)
        let id = try #require(created.object["id"] as? String)
        let tag = try #require(created.header("ETag"))
        let patch = #"{"functions": ["risk", "legal"]}"#
        let noMatch = try app.call("PATCH", "/v1/principals/\(id)", json: patch, contentType: "application/merge-patch+json")
        #expect(noMatch.status == 428)
        #expect(noMatch.problemSlug == "precondition-required")
        let ok = try app.call(
            "PATCH", "/v1/principals/\(id)", json: patch, contentType: "application/merge-patch+json", headers: ["If-Match: \(tag)"])
        #expect(ok.status == 200)
        #expect(ok.object["version"] as? Int == 2)
        #expect(ok.object["functions"] as? [String] == ["risk", "legal"])
        #expect(ok.header("ETag") != tag)
        let stale = try app.call("PATCH", "/v1/principals/\(id)", json: #"{"name": "R"}"#, headers: ["If-Match: \(tag)"])
        #expect(stale.status == 412)
        #expect(stale.problemSlug == "precondition-failed")
        #expect(try app.call("PATCH", "/v1/principals/\(id)", json: #"{"version": 9}"#, headers: ["If-Match: *"]).pointers == ["/version"])
    }

    @Test("pages neither skip nor repeat items while rows are inserted between pages, and Link points to the next page")
    func pagination() throws {
        let app = try TestApp()
        for i in 0..<5 { _ = try app.call("POST", "/v1/principals", json: #"{"name": "P\#(i)", "functions": []}"#) }
        var seen: [String] = []
        var path = "/v1/principals?limit=2"
        var pages = 0
        while pages < 10 {
            let page = try app.call("GET", path)
            #expect(page.status == 200)
            let items = page.object["items"] as? [[String: Any]] ?? []
            seen += items.compactMap { $0["id"] as? String }
            _ = try app.call("POST", "/v1/principals", json: #"{"name": "Late \#(pages)", "functions": []}"#)
            pages += 1
            guard let cursor = page.object["next_cursor"] as? String else {
                #expect(page.header("Link") == nil)
                break
            }
            let link = try #require(page.header("Link"))
            #expect(link.contains("cursor=\(cursor)") && link.hasSuffix(#"rel="next""#))
            path = "/v1/principals?limit=2&cursor=\(cursor)"
        }
        #expect(seen.count == 6, "5 created plus the bootstrap admin")
        #expect(Set(seen).count == seen.count, "no repeats")
        #expect(try app.call("GET", "/v1/principals?cursor=garbage").status == 400)
        #expect(try app.call("GET", "/v1/principals?limit=0").status == 400)
    }

    @Test("Idempotency-Key replays the first response, refuses a different request with 422, and creates once")
    func idempotency() throws {
        let app = try TestApp()
        let body = #"{"name": "Once", "functions": []}"#
        let first = try app.call("POST", "/v1/principals", json: body, headers: ["Idempotency-Key: k-1"])
        let second = try app.call("POST", "/v1/principals", json: body, headers: ["Idempotency-Key: k-1"])
        #expect(first.status == 201 && second.status == 201)
        #expect(second.header("Idempotent-Replayed") == "true")
        #expect(first.bodyText == second.bodyText)
        #expect(first.header("Location") == second.header("Location"))
        let other = try app.call("POST", "/v1/principals", json: #"{"name": "Other", "functions": []}"#, headers: ["Idempotency-Key: k-1"])
        #expect(other.status == 422)
        #expect(other.problemSlug == "idempotency-key-reused")
        let items = try app.call("GET", "/v1/principals?limit=200").object["items"] as? [[String: Any]] ?? []
        #expect(items.filter { $0["name"] as? String == "Once" }.count == 1)
    }
}
