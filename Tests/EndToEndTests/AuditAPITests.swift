import Foundation
import Postgres
import TestSupport
import Testing

/// The audit chain (API.md section 8): written with every mutation, verifiable, tamper-evident.
@Suite("audit chain")
struct AuditAPITests {
    @Test("every mutation writes an entry; the chain verifies; entries list ascending by seq with before and after")
    func entriesAndVerify() throws {
        let app = try TestApp()
        let created = try app.call(
            "POST", "/v1/principals", json: #"{"name": "Audited", "functions": ["legal"]}"#, headers: ["X-Request-Id: audit-req-1"])
        let id = try #require(created.object["id"] as? String)
        let tag = try #require(created.header("ETag"))
        _ = try app.call("PATCH", "/v1/principals/\(id)", json: #"{"name": "Audited Twice"}"#, headers: ["If-Match: \(tag)"])

        let list = try app.call("GET", "/v1/audit?entity_id=\(id)")
        let items = list.object["items"] as? [[String: Any]] ?? []
        #expect(items.map { $0["action"] as? String } == ["principal.created", "principal.updated"])
        #expect(items[0]["request_id"] as? String == "audit-req-1")
        #expect(items[0]["before"] is NSNull)
        #expect((items[1]["before"] as? [String: Any])?["name"] as? String == "Audited")
        #expect((items[1]["after"] as? [String: Any])?["name"] as? String == "Audited Twice")
        #expect(items[1]["prev_hash"] as? String == items[0]["hash"] as? String)

        let verify = try app.call("GET", "/v1/audit/verify")
        #expect(verify.object["valid"] as? Bool == true)
        #expect((verify.object["entries"] as? Int ?? 0) >= 4, "bootstrap admin, its key, and the two above")
    }

    @Test("PostgreSQL refuses UPDATE and DELETE on the audit table")
    func appendOnly() throws {
        let app = try TestApp()
        let connection = try app.databaseConnection()
        defer { connection.close() }
        #expect(throws: PostgresError.self) { try connection.query("UPDATE audit_log SET action = 'forged'") }
        #expect(throws: PostgresError.self) { try connection.query("DELETE FROM audit_log") }
        #expect(throws: PostgresError.self) { try connection.query("TRUNCATE audit_log") }
    }

    @Test("a row tampered with through a superuser connection is found by verify, which names its seq")
    func tamperDetected() throws {
        let app = try TestApp()
        for i in 0..<3 { _ = try app.call("POST", "/v1/principals", json: #"{"name": "T\#(i)", "functions": []}"#) }
        let connection = try app.databaseConnection()
        defer { connection.close() }
        try connection.query("SET session_replication_role = replica")  // a superuser can bypass the trigger
        try connection.query("UPDATE audit_log SET after = '{\"name\": \"forged\"}' WHERE seq = 4")
        let verify = try app.call("GET", "/v1/audit/verify")
        #expect(verify.object["valid"] as? Bool == false)
        #expect(verify.object["first_invalid_seq"] as? Int == 4)
    }

    @Test("concurrent writers still produce one valid chain")
    func concurrentWriters() throws {
        let app = try TestApp()
        let threads = (0..<16).map { i in
            TestThread.start {
                for j in 0..<5 { _ = try? app.call("POST", "/v1/principals", json: #"{"name": "C\#(i)-\#(j)", "functions": []}"#) }
            }
        }
        #expect(threads.allSatisfy { $0.join(within: .seconds(60)) })
        let verify = try app.call("GET", "/v1/audit/verify")
        #expect(verify.object["valid"] as? Bool == true)
        #expect(verify.object["entries"] as? Int == 2 + 80)
    }

    @Test("only admins and executives read or verify the audit chain")
    func auditAccess() throws {
        let app = try TestApp()
        for (functions, allowed) in [("[]", false), (#"["finance"]"#, false), (#"["executive"]"#, true)] {
            let id = try #require(
                try app.call("POST", "/v1/principals", json: #"{"name": "Reader", "functions": \#(functions)}"#).object["id"] as? String)
            let key = try #require(try app.call("POST", "/v1/principals/\(id)/keys", json: #"{"name": "k"}"#).object["key"] as? String)
            #expect(try app.call("GET", "/v1/audit", key: key).status == (allowed ? 200 : 403))
            #expect(try app.call("GET", "/v1/audit/verify", key: key).status == (allowed ? 200 : 403))
        }
    }
}
