import Foundation
import TestSupport
import Testing

/// Who may do what (API.md sections 2-4 and 8), checked route by route for every kind of caller.
@Suite("authorization matrix")
struct AuthorizationMatrixTests {
    enum Who: String, CaseIterable {
        case admin, lead, member, outsider, engineering, security, business, finance, risk, legal, executive
    }

    @Test("each route allows exactly the callers API.md names")
    func matrix() throws {
        let app = try TestApp()
        let podA = try #require(
            try app.call("POST", "/v1/pods", json: #"{"name": "Pod A", "business_unit": "BU"}"#).object["id"] as? String)
        let podB = try #require(
            try app.call("POST", "/v1/pods", json: #"{"name": "Pod B", "business_unit": "BU"}"#).object["id"] as? String)
        var keys: [Who: String] = [.admin: TestApp.adminKey]
        var ids: [Who: String] = [:]
        for who in Who.allCases where who != .admin {
            let functions = ["lead", "member", "outsider"].contains(who.rawValue) ? "[]" : #"["\#(who.rawValue)"]"#
            let id = try #require(
                try app.call("POST", "/v1/principals", json: #"{"name": "\#(who.rawValue)", "functions": \#(functions)}"#).object["id"]
                    as? String)
            ids[who] = id
            keys[who] = try #require(try app.call("POST", "/v1/principals/\(id)/keys", json: #"{"name": "k"}"#).object["key"] as? String)
        }
        let target = try #require(
            try app.call("POST", "/v1/principals", json: #"{"name": "Target", "functions": []}"#).object["id"] as? String)
        _ = try app.call("PUT", "/v1/pods/\(podA)/members/\(ids[.lead]!)", json: #"{"role": "lead"}"#)
        _ = try app.call("PUT", "/v1/pods/\(podA)/members/\(ids[.member]!)", json: #"{"role": "member"}"#)
        _ = try app.call("PUT", "/v1/pods/\(podB)/members/\(ids[.outsider]!)", json: #"{"role": "lead"}"#)
        let useCaseBody = UseCaseAPITests.useCaseBody(podID: podA)
        let everyone = Set(Who.allCases)
        let podWriters: Set<Who> = [.admin, .lead, .member]
        let settings = try app.call("GET", "/v1/settings").bodyText
            .replacingOccurrences(of: #","version":1"#, with: "").replacingOccurrences(
                of: #"(,"updated_at":"[^"]*")"#, with: "", options: .regularExpression)

        // (route, allowed callers, request) — each caller's request is built fresh.
        let cases: [(String, Set<Who>, (Who) throws -> Int)] = [
            ("GET /v1/me", everyone, { try app.call("GET", "/v1/me", key: keys[$0]).status }),
            ("GET /v1/principals", everyone, { try app.call("GET", "/v1/principals", key: keys[$0]).status }),
            (
                "POST /v1/principals", [.admin],
                { try app.call("POST", "/v1/principals", key: keys[$0], json: #"{"name": "n", "functions": []}"#).status }
            ),
            (
                "PATCH /v1/principals/{id}", [.admin],
                {
                    try app.call(
                        "PATCH", "/v1/principals/\(ids[.finance]!)", key: keys[$0], json: #"{"email": "f\#($0.rawValue)@example.com"}"#,
                        headers: ["If-Match: *"]
                    ).status
                }
            ),
            (
                "POST /v1/principals/{id}/keys", [.admin],
                { try app.call("POST", "/v1/principals/\(ids[.risk]!)/keys", key: keys[$0], json: #"{"name": "x"}"#).status }
            ),
            (
                "POST /v1/pods", [.admin],
                {
                    try app.call("POST", "/v1/pods", key: keys[$0], json: #"{"name": "Pod by \#($0.rawValue)", "business_unit": "BU"}"#)
                        .status
                }
            ),
            ("GET /v1/pods", everyone, { try app.call("GET", "/v1/pods", key: keys[$0]).status }),
            (
                "PUT /v1/pods/{id}/members/{principal_id}", [.admin, .lead],
                {
                    try app.call("PUT", "/v1/pods/\(podA)/members/\(target)", key: keys[$0], json: #"{"role": "member"}"#).status
                }
            ),
            ("POST /v1/use-cases", podWriters, { try app.call("POST", "/v1/use-cases", key: keys[$0], json: useCaseBody).status }),
            ("GET /v1/use-cases", everyone, { try app.call("GET", "/v1/use-cases", key: keys[$0]).status }),
            (
                "PATCH /v1/use-cases/{id}", podWriters,
                { who in
                    let id = try #require(try app.call("POST", "/v1/use-cases", json: useCaseBody).object["id"] as? String)
                    return try app.call(
                        "PATCH", "/v1/use-cases/\(id)", key: keys[who], json: #"{"summary": "s"}"#, headers: ["If-Match: *"]
                    ).status
                }
            ),
            (
                "POST /v1/use-cases/{id}/retire", podWriters,
                { who in
                    let id = try #require(try app.call("POST", "/v1/use-cases", json: useCaseBody).object["id"] as? String)
                    return try app.call("POST", "/v1/use-cases/\(id)/retire", key: keys[who], json: #"{"reason": "r"}"#).status
                }
            ),
            ("GET /v1/settings", everyone, { try app.call("GET", "/v1/settings", key: keys[$0]).status }),
            ("PUT /v1/settings", [.admin], { try app.call("PUT", "/v1/settings", key: keys[$0], json: settings).status }),
            ("GET /v1/events", everyone, { try app.call("GET", "/v1/events", key: keys[$0]).status }),
            ("GET /v1/audit", [.admin, .executive], { try app.call("GET", "/v1/audit", key: keys[$0]).status }),
            ("GET /v1/audit/verify", [.admin, .executive], { try app.call("GET", "/v1/audit/verify", key: keys[$0]).status }),
        ]
        for (route, allowed, call) in cases {
            for who in Who.allCases {
                let status = try call(who)
                if allowed.contains(who) {
                    #expect((200..<300).contains(status), "\(route) as \(who.rawValue): \(status)")
                } else {
                    #expect(status == 403, "\(route) as \(who.rawValue): \(status)")
                }
            }
        }
        // Revoking a key: admin only (checked last, as it ends the key).
        for who in Who.allCases where who != .admin {
            #expect(try app.call("DELETE", "/v1/principals/\(ids[who]!)/keys/key_00000000000000000000000000", key: keys[who]).status == 403)
        }
    }
}
