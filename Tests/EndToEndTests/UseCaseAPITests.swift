import Foundation
import Postgres
import TestSupport
import Testing

/// Use cases, their computed metrics, settings, and the event log (API.md sections 3, 4 and 7).
@Suite("use cases, settings and the event log")
struct UseCaseAPITests {
    /// A pod with a member who holds a key; returns (podID, member key).
    static func podWithMember(_ app: TestApp, name: String = "Invoice Pod") throws -> (String, String) {
        let pod = try app.call("POST", "/v1/pods", json: #"{"name": "\#(name)", "business_unit": "Finance Ops"}"#)
        let podID = try #require(pod.object["id"] as? String, "pod: \(pod.bodyText)")
        let member = try #require(
            try app.call("POST", "/v1/principals", json: #"{"name": "Member of \#(name)", "functions": ["engineering"]}"#).object["id"]
                as? String)
        #expect(try app.call("PUT", "/v1/pods/\(podID)/members/\(member)", json: #"{"role": "member"}"#).status == 200)
        let key = try #require(try app.call("POST", "/v1/principals/\(member)/keys", json: #"{"name": "k"}"#).object["key"] as? String)
        return (podID, key)
    }

    static func useCaseBody(podID: String, title: String = "Invoice triage assistant") -> String {
        """
        {"title": "\(title)", "summary": "Routes supplier invoices", "pod_id": "\(podID)", "risk_tier": "limited",
         "data_classification": "confidential", "deployment": "cloud", "model_sourcing": "proprietary",
         "estimates": {"one_time_cost_cents": 5000000, "expected_annual_benefit_cents": 12000000, "monthly_tokens": 200000000,
                       "price_per_million_tokens_cents": 250, "monthly_infra_cost_cents": 100000, "monthly_energy_kwh": 120.5,
                       "energy_price_cents_per_kwh": 30, "grid_carbon_g_per_kwh": 400}}
        """
    }

    @Test("a pod member creates a use case: 201, proposed, version 1, Location, metrics computed, business unit from the pod")
    func create() throws {
        let app = try TestApp()
        let (podID, key) = try Self.podWithMember(app)
        let created = try app.call("POST", "/v1/use-cases", key: key, json: Self.useCaseBody(podID: podID))
        #expect(created.status == 201, "\(created.bodyText)")
        let id = try #require(created.object["id"] as? String)
        #expect(created.header("Location") == "/v1/use-cases/\(id)")
        #expect(created.object["stage"] as? String == "proposed")
        #expect(created.object["version"] as? Int == 1)
        #expect(created.object["business_unit"] as? String == "Finance Ops")
        let metrics = try #require(created.object["metrics"] as? [String: Any])
        // token cost 200e6 * 250 / 1e6 = 50,000; energy 120.5 * 30 = 3,615; run = 12 * (50,000 + 100,000 + 3,615) = 1,843,380.
        #expect(metrics["monthly_token_cost_cents"] as? Int == 50_000)
        #expect(metrics["monthly_energy_cost_cents"] as? Int == 3_615)
        #expect(metrics["annual_run_cost_cents"] as? Int == 1_843_380)
        #expect(metrics["annual_net_benefit_cents"] as? Int == 10_156_620)
        #expect(metrics["realized_roi_pct"] is NSNull)
        #expect(try app.call("GET", "/v1/use-cases/\(id)").object["title"] as? String == "Invoice triage assistant")
    }

    @Test("outsiders cannot create in a pod they are not in; admins can; unknown pods and bad fields are 422 with pointers")
    func createRules() throws {
        let app = try TestApp()
        let (podID, _) = try Self.podWithMember(app)
        let (_, otherKey) = try Self.podWithMember(app, name: "Other Pod")
        #expect(try app.call("POST", "/v1/use-cases", key: otherKey, json: Self.useCaseBody(podID: podID)).status == 403)
        #expect(try app.call("POST", "/v1/use-cases", json: Self.useCaseBody(podID: podID)).status == 201)
        let unknownPod = try app.call("POST", "/v1/use-cases", json: Self.useCaseBody(podID: "pod_00000000000000000000000000"))
        #expect(unknownPod.status == 422)
        #expect(unknownPod.pointers == ["/pod_id"])
        let bad = Self.useCaseBody(podID: podID).replacingOccurrences(of: #""monthly_tokens": 200000000"#, with: #""monthly_tokens": -1"#)
            .replacingOccurrences(of: #""risk_tier": "limited""#, with: #""risk_tier": "extreme""#)
            .replacingOccurrences(of: #""monthly_energy_kwh": 120.5"#, with: #""monthly_energy_kwh": "lots""#)
        let refused = try app.call("POST", "/v1/use-cases", json: bad)
        #expect(refused.status == 422)
        #expect(Set(refused.pointers) == ["/risk_tier", "/estimates/monthly_tokens", "/estimates/monthly_energy_kwh"])
        let huge = Self.useCaseBody(podID: podID).replacingOccurrences(
            of: #""one_time_cost_cents": 5000000"#, with: #""one_time_cost_cents": 99999999999999999999999"#)
        #expect(try app.call("POST", "/v1/use-cases", json: huge).pointers == ["/estimates/one_time_cost_cents"])
        let readOnly = try app.call(
            "POST", "/v1/use-cases",
            json: Self.useCaseBody(podID: podID).replacingOccurrences(of: #""title":"#, with: #""stage": "scaled", "title":"#))
        #expect(readOnly.pointers == ["/stage"])
        let items = try app.call("GET", "/v1/use-cases").object["items"] as? [Any]
        #expect(items?.count == 1)
    }

    @Test("merge patch with If-Match updates fields and estimates, recomputes metrics, bumps the version; read-only fields are 422")
    func patch() throws {
        let app = try TestApp()
        let (podID, key) = try Self.podWithMember(app)
        let created = try app.call("POST", "/v1/use-cases", key: key, json: Self.useCaseBody(podID: podID))
        let id = try #require(created.object["id"] as? String)
        let tag = try #require(created.header("ETag"))
        let patched = try app.call(
            "PATCH", "/v1/use-cases/\(id)", key: key,
            json: #"{"title": "Invoice triage v2", "estimates": {"monthly_infra_cost_cents": 0, "monthly_energy_kwh": null}}"#,
            contentType: "application/merge-patch+json", headers: ["If-Match: \(tag)"])
        #expect(patched.status == 200, "\(patched.bodyText)")
        #expect(patched.object["version"] as? Int == 2)
        #expect(patched.object["title"] as? String == "Invoice triage v2")
        let estimates = try #require(patched.object["estimates"] as? [String: Any])
        #expect(estimates["monthly_infra_cost_cents"] as? Int == 0)
        #expect(estimates["monthly_energy_kwh"] as? Int == 0)
        #expect(estimates["monthly_tokens"] as? Int == 200_000_000, "untouched fields stay")
        #expect((patched.object["metrics"] as? [String: Any])?["annual_run_cost_cents"] as? Int == 600_000)
        let newTag = try #require(patched.header("ETag"))
        #expect(
            try app.call("PATCH", "/v1/use-cases/\(id)", key: key, json: #"{"stage": "pilot"}"#, headers: ["If-Match: \(newTag)"]).pointers
                == ["/stage"])
        #expect(
            try app.call("PATCH", "/v1/use-cases/\(id)", key: key, json: #"{"title": "x"}"#, headers: ["If-Match: \(tag)"]).status == 412)
        #expect(try app.call("PATCH", "/v1/use-cases/\(id)", key: key, json: #"{"title": "x"}"#).status == 428)
    }

    @Test("retire moves to retired once; a second retire is 409 invalid-state")
    func retire() throws {
        let app = try TestApp()
        let (podID, key) = try Self.podWithMember(app)
        let id = try #require(try app.call("POST", "/v1/use-cases", key: key, json: Self.useCaseBody(podID: podID)).object["id"] as? String)
        let retired = try app.call("POST", "/v1/use-cases/\(id)/retire", key: key, json: #"{"reason": "Superseded"}"#)
        #expect(retired.object["stage"] as? String == "retired")
        let again = try app.call("POST", "/v1/use-cases/\(id)/retire", key: key, json: #"{"reason": "Again"}"#)
        #expect(again.status == 409)
        #expect(again.problemSlug == "invalid-state")
    }

    @Test("list filters by stage, pod, risk tier, business unit and text")
    func filters() throws {
        let app = try TestApp()
        let (podA, keyA) = try Self.podWithMember(app, name: "Pod A")
        let (podB, keyB) = try Self.podWithMember(app, name: "Pod B")
        _ = try app.call("POST", "/v1/use-cases", key: keyA, json: Self.useCaseBody(podID: podA, title: "Contract Summariser"))
        _ = try app.call("POST", "/v1/use-cases", key: keyB, json: Self.useCaseBody(podID: podB, title: "Fraud triage"))
        func titles(_ query: String) throws -> [String] {
            (try app.call("GET", "/v1/use-cases?\(query)").object["items"] as? [[String: Any]] ?? []).compactMap { $0["title"] as? String }
        }
        #expect(try titles("pod_id=\(podA)") == ["Contract Summariser"])
        #expect(try titles("q=TRIAGE") == ["Fraud triage"])
        #expect(try titles("stage=proposed").count == 2)
        #expect(try titles("stage=pilot").isEmpty)
        #expect(try titles("risk_tier=limited&business_unit=Finance%20Ops").count == 2)
        #expect(try app.call("GET", "/v1/use-cases?stage=nonsense").status == 400)
    }

    @Test("PUT /v1/settings validates the whole object and recomputes every use case's metrics")
    func settings() throws {
        let app = try TestApp()
        let (podID, key) = try Self.podWithMember(app)
        let id = try #require(try app.call("POST", "/v1/use-cases", key: key, json: Self.useCaseBody(podID: podID)).object["id"] as? String)
        let before = try app.call("GET", "/v1/use-cases/\(id)")
        let current = try app.call("GET", "/v1/settings")
        #expect(current.object["horizon_years"] as? Int == 3)
        let put = try app.call(
            "PUT", "/v1/settings",
            json:
                #"{"currency": "USD", "horizon_years": 5, "discount_rate_pct": 7.5, "budget_alert_thresholds_pct": [50, 80, 100], "envelope_tolerance_pct": 10}"#
        )
        #expect(put.status == 200, "\(put.bodyText)")
        #expect(put.object["version"] as? Int == 2)
        let after = try app.call("GET", "/v1/use-cases/\(id)")
        let totalBefore = (before.object["metrics"] as? [String: Any])?["total_cost_cents"] as? Int
        let totalAfter = (after.object["metrics"] as? [String: Any])?["total_cost_cents"] as? Int
        // total = one_time + H * annual_run: 5,000,000 + 3 * 1,843,380 -> 5,000,000 + 5 * 1,843,380.
        #expect(totalBefore == 10_530_140)
        #expect(totalAfter == 14_216_900)
        #expect(before.header("ETag") != after.header("ETag"), "the ETag follows the recomputed figures")
        let bad = try app.call(
            "PUT", "/v1/settings",
            json:
                #"{"currency": "usd", "horizon_years": 0, "discount_rate_pct": 10, "budget_alert_thresholds_pct": [100, 80], "envelope_tolerance_pct": 20}"#
        )
        #expect(bad.status == 422)
        #expect(Set(bad.pointers).isSuperset(of: ["/currency", "/horizon_years"]))
        #expect(try app.call("PUT", "/v1/settings", key: key, json: put.bodyText).status == 403)
    }

    @Test("events are written with each change, in order, and filtered by type")
    func events() throws {
        let app = try TestApp()
        let (podID, key) = try Self.podWithMember(app)
        let created = try app.call("POST", "/v1/use-cases", key: key, json: Self.useCaseBody(podID: podID))
        let id = try #require(created.object["id"] as? String)
        _ = try app.call("POST", "/v1/use-cases/\(id)/retire", key: key, json: #"{"reason": "Done"}"#)
        let feed = try app.call("GET", "/v1/events?after=0")
        let events = feed.object["events"] as? [[String: Any]] ?? []
        #expect(events.map { $0["type"] as? String } == ["use_case.created", "use_case.retired"])
        #expect(((events.first?["data"] as? [String: Any])?["use_case"] as? [String: Any])?["id"] as? String == id)
        let seqs = events.compactMap { $0["seq"] as? Int }
        #expect(seqs == seqs.sorted() && Set(seqs).count == 2)
        #expect(feed.object["next_after"] as? Int == seqs.last)
        let filtered = try app.call("GET", "/v1/events?after=0&types=use_case.retired").object["events"] as? [[String: Any]] ?? []
        #expect(filtered.count == 1)
        let prefixed = try app.call("GET", "/v1/events?after=0&types=use_case.*").object["events"] as? [[String: Any]] ?? []
        #expect(prefixed.count == 2)
        #expect(try app.call("GET", "/v1/events?after=\(seqs.last ?? 0)").object["events"] as? [Any] == nil ? false : true)
        #expect(try app.call("GET", "/v1/events?types=bad type").status == 400)
    }

    @Test("a reader paging by after never misses an event that commits after a later seq became visible")
    func eventLogNeverSkips() throws {
        let app = try TestApp()
        let (podID, key) = try Self.podWithMember(app)
        let writers = 8, perWriter = 10
        let done = Locked<Int>(0)
        let threads = (0..<writers).map { w in
            TestThread.start {
                for i in 0..<perWriter {
                    _ = try? app.call("POST", "/v1/use-cases", key: key, json: Self.useCaseBody(podID: podID, title: "W\(w)-\(i)"))
                }
                done.withLock { $0 += 1 }
            }
        }
        // Page through the log while writers commit, the way a dashboard would.
        var after = 0
        var seen: [Int] = []
        while true {
            let finished = done.withLock { $0 } == writers
            let page = try app.call("GET", "/v1/events?after=\(after)&limit=7")
            let events = page.object["events"] as? [[String: Any]] ?? []
            seen += events.compactMap { $0["seq"] as? Int }
            after = page.object["next_after"] as? Int ?? after
            if finished && events.isEmpty { break }
        }
        #expect(threads.allSatisfy { $0.join(within: .seconds(60)) })
        let connection = try app.databaseConnection()
        defer { connection.close() }
        let all = try connection.query("SELECT seq FROM events ORDER BY seq").map { try $0.decode("seq", as: Int.self) }
        #expect(all.count == writers * perWriter)
        #expect(seen == all, "the reader saw every committed event exactly once, in order")
    }
}
