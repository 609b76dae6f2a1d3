import Crypto
import Foundation
import JSON
import Postgres
import TestSupport
import Testing

extension OneAtATime {
    @Suite("Gate flows, end to end")
    struct GateSmokeTests {
        @Test("a pilot approved by finance alone moves the stage and adds the funding, with its events in order")
        func pilotByFinance() throws {
            let app = try TestApp()
            let f = GateFixtures(app: app)
            let (podID, member) = try f.pod()
            let finance = try f.principal("Fiona Finance", functions: ["finance"])
            let useCaseID = try f.useCase(podID: podID, key: member.key)
            let start = try f.lastSeq()
            let requested = try f.requestReview(useCaseID, key: member.key, target: "pilot", funding: 2_500_000)
            #expect(requested.status == 201, "\(requested.bodyText)")
            #expect(requested.object["status"] as? String == "pending")
            let reviewID = try #require(requested.object["id"] as? String)
            let required = requested.object["required"] as? [[String: Any]] ?? []
            #expect(required.map { $0["function"] as? String } == ["finance"])
            let decided = try f.decide(reviewID, key: finance.key, function: "finance")
            #expect(decided.status == 201, "\(decided.bodyText)")
            let review = try app.call("GET", "/v1/gate-reviews/\(reviewID)")
            #expect(review.object["status"] as? String == "approved", "\(review.bodyText)")
            let useCase = try app.call("GET", "/v1/use-cases/\(useCaseID)").object
            #expect(useCase["stage"] as? String == "pilot")
            #expect(useCase["approved_funding_cents"] as? Int == 2_500_000)
            #expect(
                try f.eventTypes(after: start) == [
                    "gate_review.requested", "gate_review.decision_recorded", "gate_review.approved", "use_case.stage_changed",
                    "funding.approved",
                ])
            let verify = try app.call("GET", "/v1/audit/verify").object
            #expect(verify["valid"] as? Bool == true)
        }

        @Test("usage reports: spent, budget alert once at 80 %, envelope breach")
        func usage() throws {
            let app = try TestApp()
            let f = GateFixtures(app: app)
            let (podID, member) = try f.pod()
            let finance = try f.principal("Fiona Finance", functions: ["finance"])
            let useCaseID = try f.useCase(podID: podID, key: member.key)
            let reviewID = try #require(
                try f.requestReview(useCaseID, key: member.key, target: "pilot", funding: 500_000).object["id"] as? String)
            #expect(try f.decide(reviewID, key: finance.key, function: "finance").status == 201)
            let start = try f.lastSeq()
            let first = try f.report(useCaseID, key: member.key, period: "2026-09")  // cost 153,615 = 30.7 %
            #expect(first.status == 201, "\(first.bodyText)")
            let second = try f.report(useCaseID, key: member.key, period: "2026-10", infraCost: 300_000)  // 353,615 -> 507,230 = 101 %
            #expect(second.status == 201, "\(second.bodyText)")
            let again = try f.report(useCaseID, key: member.key, period: "2026-10", infraCost: 300_000)
            #expect(again.status == 200)
            let useCase = try app.call("GET", "/v1/use-cases/\(useCaseID)").object
            #expect(useCase["spent_cents"] as? Int == 507_230)
            #expect(useCase["envelope_breached"] as? Bool == true)
            #expect(
                try f.eventTypes(after: start) == [
                    "usage.reported", "usage.reported", "budget.threshold_crossed", "budget.threshold_crossed",
                    "use_case.envelope_breached",
                    "usage.reported",
                ])
            let list = try app.call("GET", "/v1/use-cases/\(useCaseID)/usage-reports").object["items"] as? [[String: Any]] ?? []
            #expect(list.map { $0["period"] as? String } == ["2026-10", "2026-09"])
        }

        @Test("the background sweep writes down an expired review by itself, with its event")
        func backgroundSweep() throws {
            let app = try TestApp { $0.reviewExpirySweepSeconds = 1 }
            let f = GateFixtures(app: app)
            let (podID, member) = try f.pod()
            let useCaseID = try f.useCase(podID: podID, key: member.key)
            let reviewID = try #require(try f.requestReview(useCaseID, key: member.key, target: "pilot").object["id"] as? String)
            let connection = try app.databaseConnection()
            defer { connection.close() }
            try connection.query("UPDATE gate_reviews SET expires_at = now() - interval '1 second' WHERE id = \(reviewID)")
            let stored = {
                try connection.query("SELECT status FROM gate_reviews WHERE id = \(reviewID)").first?.decode("status", as: String.self)
            }
            #expect(try eventually(within: .seconds(10)) { try stored() == "expired" })
            #expect(try f.eventTypes().filter { $0 == "gate_review.expired" }.count == 1)
        }
    }
}

extension OneAtATime.GateSmokeTests {
    @Test("every audit entry's hash is SHA-256(prev_hash + the entry's canonical JSON), recomputed from what GET /v1/audit shows")
    func auditHashesRecomputed() throws {
        let app = try TestApp()
        let f = GateFixtures(app: app)
        let (podID, member) = try f.pod()
        let finance = try f.principal("Fiona Finance", functions: ["finance"])
        let useCaseID = try f.useCase(podID: podID, key: member.key)
        let reviewID = try #require(try f.requestReview(useCaseID, key: member.key, target: "pilot").object["id"] as? String)
        #expect(try f.decide(reviewID, key: finance.key, function: "finance").status == 201)
        #expect(try f.report(useCaseID, key: member.key, period: "2026-09").status == 201)
        let page = try app.call("GET", "/v1/audit?limit=200")
        let entries = try #require(try JSONParser.parse(page.body).objectValue?["items"]?.arrayValue)
        #expect(entries.count > 10)
        var previous = String(repeating: "0", count: 64)
        for entry in entries {
            let object = try #require(entry.objectValue)
            let hash = try #require(object["hash"]?.stringValue)
            let withoutHash = JSONValue.object(JSONObject(object.members.filter { $0.key != "hash" }.map { ($0.key, $0.value) }))
            let digest = SHA256.hash(data: Array(previous.utf8) + withoutHash.canonicalEncoded())
            #expect(digest.map { String(format: "%02x", $0) }.joined() == hash, "entry \(object["seq"]?.int64Value ?? -1)")
            #expect(object["prev_hash"]?.stringValue == previous)
            previous = hash
        }
    }
}
