import Foundation
import TestSupport
import Testing

/// Pods and their members (API.md section 2), over real sockets against a real database.
@Suite("pods and pod members")
struct PodAPITests {
    static let unknownPod = "pod_" + String(repeating: "0", count: 26)
    static let unknownPrincipal = "prn_" + String(repeating: "0", count: 26)

    @Test("creating a pod answers 201 with Location; GET returns it with an ETag and 304; the list shows it newest first")
    func createListGet() throws {
        let app = try TestApp()
        let first = try app.call("POST", "/v1/pods", json: #"{"name": "Claims", "business_unit": "Insurance Ops"}"#)
        let created = try app.call(
            "POST", "/v1/pods", json: #"{"name": "Invoices", "business_unit": "Finance Ops", "description": "AP automation"}"#)

        #expect(first.status == 201 && created.status == 201)
        let id = try #require(created.object["id"] as? String)
        #expect(id.hasPrefix("pod_"))
        #expect(created.header("Location") == "/v1/pods/\(id)")
        #expect(created.object["name"] as? String == "Invoices")
        #expect(created.object["business_unit"] as? String == "Finance Ops")
        #expect(created.object["description"] as? String == "AP automation")
        #expect((created.object["members"] as? [Any])?.isEmpty == true)
        #expect(created.object["version"] as? Int == 1)
        #expect((created.object["created_at"] as? String)?.wholeMatch(of: /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/) != nil)
        #expect(created.object["updated_at"] as? String == created.object["created_at"] as? String)
        #expect(first.object["description"] is NSNull)

        let fetched = try app.call("GET", "/v1/pods/\(id)")
        #expect(fetched.status == 200)
        #expect(fetched.bodyText == created.bodyText)
        let tag = try #require(fetched.header("ETag"))
        #expect(tag == created.header("ETag"))
        let again = try app.call("GET", "/v1/pods/\(id)", headers: ["If-None-Match: \(tag)"])
        #expect(again.status == 304)
        #expect(again.body.isEmpty)

        let outsider = try app.key(for: try app.principal("Reader"))
        let list = try app.call("GET", "/v1/pods", key: outsider)
        #expect(list.status == 200)
        #expect(list.items.map { $0["name"] as? String } == ["Invoices", "Claims"])
        #expect(list.object["next_cursor"] is NSNull)
        #expect(try app.call("GET", "/v1/pods/\(id)", key: outsider).status == 200)
    }

    @Test("pod lists page by cursor with a Link to the next page")
    func pagination() throws {
        let app = try TestApp()
        for i in 0..<3 { _ = try app.call("POST", "/v1/pods", json: #"{"name": "Pod \#(i)", "business_unit": "BU"}"#) }
        let page1 = try app.call("GET", "/v1/pods?limit=2")
        #expect(page1.items.map { $0["name"] as? String } == ["Pod 2", "Pod 1"])
        let cursor = try #require(page1.object["next_cursor"] as? String)
        #expect(page1.header("Link")?.contains("cursor=\(cursor)") == true)
        let page2 = try app.call("GET", "/v1/pods?limit=2&cursor=\(cursor)")
        #expect(page2.items.map { $0["name"] as? String } == ["Pod 0"])
        #expect(page2.object["next_cursor"] is NSNull)
        #expect(page2.header("Link") == nil)
        #expect(try app.call("GET", "/v1/pods?cursor=garbage").status == 400)
    }

    @Test("a second pod with the same name is a 409 conflict, even when both are created at once")
    func duplicateName() throws {
        let app = try TestApp()
        #expect(try app.call("POST", "/v1/pods", json: #"{"name": "Invoices", "business_unit": "Finance"}"#).status == 201)
        let duplicate = try app.call("POST", "/v1/pods", json: #"{"name": "Invoices", "business_unit": "Other"}"#)
        #expect(duplicate.status == 409)
        #expect(duplicate.problemSlug == "conflict")
        #expect((duplicate.object["detail"] as? String)?.contains("Invoices") == true)

        let outcomes = Recorder<(status: Int, detail: String?)>()
        let threads = (0..<8).map { _ in
            TestThread.start {
                let response = try? app.call("POST", "/v1/pods", json: #"{"name": "Raced", "business_unit": "BU"}"#)
                outcomes.append((response?.status ?? 0, response?.object["detail"] as? String))
            }
        }
        #expect(threads.allSatisfy { $0.join(within: .seconds(60)) })
        #expect(outcomes.all.map(\.status).sorted() == [201] + Array(repeating: 409, count: 7))
        #expect(outcomes.all.filter { $0.status == 409 }.allSatisfy { $0.detail?.contains("Raced") == true })
        #expect(try app.call("GET", "/v1/pods").items.count == 2)
    }

    @Test(
        "bad pod bodies get problem+json with a pointer per error and create nothing",
        arguments: [
            (#"{"name": "A", "business_unit": "B", "colour": "red"}"#, 422, "/colour"),
            (#"{"name": 7, "business_unit": "B"}"#, 422, "/name"),
            (#"{"name": "", "business_unit": "B"}"#, 422, "/name"),
            (#"{"name": "\#(String(repeating: "n", count: 201))", "business_unit": "B"}"#, 422, "/name"),
            (#"{"business_unit": "B"}"#, 422, "/name"),
            (#"{"name": "A"}"#, 422, "/business_unit"),
            (#"{"name": "A", "business_unit": null}"#, 422, "/business_unit"),
            (#"{"name": "A", "business_unit": "B", "description": 3}"#, 422, "/description"),
            (#"{"name": "A", "business_unit": "B", "description": "\#(String(repeating: "d", count: 4001))"}"#, 422, "/description"),
            (#"{"name": "A", "business_unit": "B", "id": "pod_x"}"#, 422, "/id"),
            (#"{"name": "A", "business_unit": "B", "members": []}"#, 422, "/members"),
            (#"["name", "A"]"#, 422, ""),
            (#"{"name": "A", "business_unit": }"#, 400, ""),
        ])
    func badBodies(body: String, status: Int, pointer: String) throws {
        let app = try TestApp()
        let response = try app.call("POST", "/v1/pods", json: body)
        #expect(response.status == status)
        #expect(response.header("Content-Type") == "application/problem+json")
        if status == 422 { #expect(response.pointers.contains(pointer), "pointers: \(response.pointers)") }
        #expect(try app.call("GET", "/v1/pods").items.isEmpty)
    }

    @Test("a null description is accepted and shown as null")
    func nullDescription() throws {
        let app = try TestApp()
        let created = try app.call("POST", "/v1/pods", json: #"{"name": "A", "business_unit": "B", "description": null}"#)
        #expect(created.status == 201)
        #expect(created.object["description"] is NSNull)
    }

    @Test("only admins create pods")
    func onlyAdminsCreate() throws {
        let app = try TestApp()
        let team = try Team(app)
        for key in [team.leadKey, team.memberKey, team.otherLeadKey, team.outsiderKey] {
            let response = try app.call("POST", "/v1/pods", key: key, json: #"{"name": "Rogue", "business_unit": "BU"}"#)
            #expect(response.status == 403)
            #expect(response.problemSlug == "forbidden")
        }
        #expect(try app.call("GET", "/v1/pods").items.compactMap { $0["name"] as? String }.sorted() == ["Alpha", "Beta"])
    }

    @Test("an admin or the pod's own lead may set members; a plain member, another pod's lead and an outsider get 403")
    func memberAuthorizationMatrix() throws {
        let app = try TestApp()
        let team = try Team(app)
        let target = try app.principal("Target")
        let path = "/v1/pods/\(team.pod)/members/\(target)"
        let before = try app.call("GET", "/v1/pods/\(team.pod)")

        for key in [team.memberKey, team.otherLeadKey, team.outsiderKey] {
            let put = try app.call("PUT", path, key: key, json: #"{"role": "member"}"#)
            #expect(put.status == 403)
            #expect(put.problemSlug == "forbidden")
            #expect(try app.call("DELETE", "/v1/pods/\(team.pod)/members/\(team.member)", key: key).status == 403)
        }
        #expect(try app.call("GET", "/v1/pods/\(team.pod)").bodyText == before.bodyText, "refused requests change nothing")

        let byAdmin = try app.call("PUT", path, json: #"{"role": "member"}"#)
        #expect(byAdmin.status == 200)
        #expect(byAdmin.object["version"] as? Int == (before.object["version"] as? Int ?? 0) + 1)
        #expect(byAdmin.object["updated_at"] as? String != before.object["updated_at"] as? String)
        #expect(byAdmin.members.contains { $0.id == target && $0.role == "member" })

        let byLead = try app.call("PUT", path, key: team.leadKey, json: #"{"role": "lead"}"#)
        #expect(byLead.status == 200)
        #expect(byLead.object["version"] as? Int == (before.object["version"] as? Int ?? 0) + 2)
        #expect(byLead.members.contains { $0.id == target && $0.role == "lead" })
        #expect(byLead.header("ETag") != nil)
        #expect(try app.call("GET", "/v1/pods/\(team.pod)").bodyText == byLead.bodyText)
    }

    @Test("members are listed leads first, then by principal id")
    func memberOrder() throws {
        let app = try TestApp()
        let team = try Team(app)
        let extra = try (0..<3).map { try app.principal("Extra \($0)") }
        for id in extra { #expect(try app.call("PUT", "/v1/pods/\(team.pod)/members/\(id)", json: #"{"role": "member"}"#).status == 200) }
        #expect(try app.call("PUT", "/v1/pods/\(team.pod)/members/\(extra[2])", json: #"{"role": "lead"}"#).status == 200)

        let members = try app.call("GET", "/v1/pods/\(team.pod)").members
        let leads = [team.lead, extra[2]].sorted()
        let plain = [team.member, extra[0], extra[1]].sorted()
        #expect(members.map(\.id) == leads + plain)
        #expect(members.map(\.role) == ["lead", "lead", "member", "member", "member"])
    }

    @Test("setting the role a member already holds answers 200 and changes nothing")
    func samePutIsNoChange() throws {
        let app = try TestApp()
        let team = try Team(app)
        let before = try app.call("GET", "/v1/pods/\(team.pod)")
        let again = try app.call("PUT", "/v1/pods/\(team.pod)/members/\(team.member)", json: #"{"role": "member"}"#)
        #expect(again.status == 200)
        #expect(again.bodyText == before.bodyText)
    }

    @Test("removing a member answers 204, bumps the version, and a second removal is 404")
    func removeMember() throws {
        let app = try TestApp()
        let team = try Team(app)
        let before = try app.call("GET", "/v1/pods/\(team.pod)")

        let removed = try app.call("DELETE", "/v1/pods/\(team.pod)/members/\(team.member)", key: team.leadKey)
        #expect(removed.status == 204)
        #expect(removed.body.isEmpty)
        let after = try app.call("GET", "/v1/pods/\(team.pod)")
        #expect(after.members.map(\.id) == [team.lead])
        #expect(after.object["version"] as? Int == (before.object["version"] as? Int ?? 0) + 1)

        let again = try app.call("DELETE", "/v1/pods/\(team.pod)/members/\(team.member)")
        #expect(again.status == 404)
        #expect(again.problemSlug == "not-found")
        // The removed member lost its say at once.
        #expect(try app.call("DELETE", "/v1/pods/\(team.pod)/members/\(team.lead)", key: team.memberKey).status == 403)
    }

    @Test("member changes are audited with the pod before and after")
    func audited() throws {
        let app = try TestApp()
        let team = try Team(app)
        _ = try app.call("DELETE", "/v1/pods/\(team.pod)/members/\(team.member)")
        let entries = try app.call("GET", "/v1/audit?entity_id=\(team.pod)").items
        #expect(entries.map { $0["action"] as? String } == ["pod.created", "pod.member_set", "pod.member_set", "pod.member_removed"])
        let last = try #require(entries.last)
        let beforeMembers = (last["before"] as? [String: Any])?["members"] as? [Any]
        let afterMembers = (last["after"] as? [String: Any])?["members"] as? [Any]
        #expect(beforeMembers?.count == 2 && afterMembers?.count == 1)
        #expect(last["actor_principal_id"] as? String != nil)
    }

    @Test("bad member bodies get 422 with a pointer and change nothing; callers who may not manage the pod get 403 first")
    func badMemberBodies() throws {
        let app = try TestApp()
        let team = try Team(app)
        let path = "/v1/pods/\(team.pod)/members/\(team.outsider)"
        let before = try app.call("GET", "/v1/pods/\(team.pod)")
        for (body, pointer) in [
            (#"{"role": "owner"}"#, "/role"), (#"{"role": 1}"#, "/role"), (#"{}"#, "/role"),
            (#"{"role": "member", "colour": "red"}"#, "/colour"), (#"{"role": "member", "principal_id": "prn_x"}"#, "/principal_id"),
            ("[]", ""),
        ] {
            let response = try app.call("PUT", path, json: body)
            #expect(response.status == 422, "\(body)")
            #expect(response.problemSlug == "validation-failed")
            #expect(response.pointers.contains(pointer), "\(body): \(response.pointers)")
        }
        #expect(try app.call("PUT", path, json: #"{"role": "#).status == 400)
        #expect(try app.call("PUT", path, json: "role=lead", contentType: "text/plain").status == 415)
        #expect(try app.call("PUT", path, key: team.memberKey, json: #"{"role": "owner"}"#).status == 403)
        #expect(try app.call("GET", "/v1/pods/\(team.pod)").bodyText == before.bodyText)
    }

    @Test("unknown or malformed pods and principals are 404")
    func notFound() throws {
        let app = try TestApp()
        let team = try Team(app)
        let role = #"{"role": "member"}"#
        let cases: [(String, String, String?)] = [
            ("GET", "/v1/pods/\(Self.unknownPod)", nil),
            ("GET", "/v1/pods/pod_nope", nil),
            ("GET", "/v1/pods/\(team.outsider)", nil),
            ("PUT", "/v1/pods/\(Self.unknownPod)/members/\(team.outsider)", role),
            ("PUT", "/v1/pods/pod_nope/members/\(team.outsider)", role),
            ("PUT", "/v1/pods/\(team.pod)/members/\(Self.unknownPrincipal)", role),
            ("PUT", "/v1/pods/\(team.pod)/members/prn_nope", role),
            ("PUT", "/v1/pods/\(team.pod)/members/\(team.pod)", role),
            ("DELETE", "/v1/pods/\(Self.unknownPod)/members/\(team.member)", nil),
            ("DELETE", "/v1/pods/\(team.pod)/members/\(team.outsider)", nil),
            ("DELETE", "/v1/pods/\(team.pod)/members/\(Self.unknownPrincipal)", nil),
            ("DELETE", "/v1/pods/\(team.pod)/members/prn_nope", nil),
        ]
        for (method, path, body) in cases {
            let response = try app.call(method, path, json: body)
            #expect(response.status == 404, "\(method) \(path)")
            #expect(response.problemSlug == "not-found", "\(method) \(path)")
        }
        #expect(try app.call("GET", "/v1/pods/\(team.pod)").object["version"] as? Int == 3, "created, then two members set")
    }
}

/// Two pods, Alpha and Beta, each with a lead, and a plain member of Alpha and an outsider.
private struct Team {
    let pod: String
    let otherPod: String
    let lead: String, member: String, otherLead: String, outsider: String
    let leadKey: String, memberKey: String, otherLeadKey: String, outsiderKey: String

    init(_ app: TestApp) throws {
        pod = try #require(try app.call("POST", "/v1/pods", json: #"{"name": "Alpha", "business_unit": "BU"}"#).object["id"] as? String)
        otherPod = try #require(
            try app.call("POST", "/v1/pods", json: #"{"name": "Beta", "business_unit": "BU"}"#).object["id"] as? String)
        (lead, member, otherLead, outsider) = (
            try app.principal("Lena Lead"), try app.principal("Mo Member"), try app.principal("Otto Other"),
            try app.principal("Xena Outsider")
        )
        (leadKey, memberKey, otherLeadKey, outsiderKey) = (
            try app.key(for: lead), try app.key(for: member), try app.key(for: otherLead), try app.key(for: outsider)
        )
        for (pod, principal, role) in [(pod, lead, "lead"), (pod, member, "member"), (otherPod, otherLead, "lead")] {
            let response = try app.call("PUT", "/v1/pods/\(pod)/members/\(principal)", json: #"{"role": "\#(role)"}"#)
            try #require(response.status == 200)
        }
    }
}

extension TestApp {
    /// A new principal without functions, created by the bootstrap admin; returns its id.
    fileprivate func principal(_ name: String) throws -> String {
        let response = try call("POST", "/v1/principals", json: #"{"name": "\#(name)", "functions": []}"#)
        return try #require(response.object["id"] as? String)
    }

    /// A fresh API key for `principalID`.
    fileprivate func key(for principalID: String) throws -> String {
        try #require(try call("POST", "/v1/principals/\(principalID)/keys", json: #"{"name": "k"}"#).object["key"] as? String)
    }
}

extension ParsedResponse {
    fileprivate var items: [[String: Any]] { object["items"] as? [[String: Any]] ?? [] }

    fileprivate var members: [(id: String, role: String)] {
        (object["members"] as? [[String: Any]] ?? []).map { ($0["principal_id"] as? String ?? "", $0["role"] as? String ?? "") }
    }
}
