import Foundation
import Testing

/// Builders for the gate tests: principals holding functions, pods, use cases with chosen figures.
struct GateFixtures {
    let app: TestApp

    /// A principal holding `functions`, with a key.
    func principal(_ name: String, functions: [String] = [], admin: Bool = false) throws -> (id: String, key: String) {
        let list = functions.map { "\"\($0)\"" }.joined(separator: ", ")
        let created = try app.call("POST", "/v1/principals", json: #"{"name": "\#(name)", "functions": [\#(list)], "admin": \#(admin)}"#)
        let id = try #require(created.object["id"] as? String, "principal: \(created.bodyText)")
        let key = try #require(try app.call("POST", "/v1/principals/\(id)/keys", json: #"{"name": "k"}"#).object["key"] as? String)
        return (id, key)
    }

    /// A pod with one member (who holds engineering); returns the pod and the member.
    func pod(_ name: String = "Pod \(UUID().uuidString.prefix(8))") throws -> (podID: String, member: (id: String, key: String)) {
        let pod = try app.call("POST", "/v1/pods", json: #"{"name": "\#(name)", "business_unit": "Finance Ops"}"#)
        let podID = try #require(pod.object["id"] as? String, "pod: \(pod.bodyText)")
        let member = try principal("Member of \(name)", functions: ["engineering"])
        #expect(try app.call("PUT", "/v1/pods/\(podID)/members/\(member.id)", json: #"{"role": "member"}"#).status == 200)
        return (podID, member)
    }

    /// Estimates that pass the pilot and production gates with room: one-time 50,000.00,
    /// benefit 120,000.00 a year, run cost 18,433.80 a year (ROI 241.88 % over 3 years, payback ~ 5.9 months).
    static let healthyEstimates = """
        {"one_time_cost_cents": 5000000, "expected_annual_benefit_cents": 12000000, "monthly_tokens": 200000000,
         "price_per_million_tokens_cents": 250, "monthly_infra_cost_cents": 100000, "monthly_energy_kwh": 120.5,
         "energy_price_cents_per_kwh": 30, "grid_carbon_g_per_kwh": 400}
        """

    /// A use case in `podID`, created by `key`; returns its id.
    func useCase(
        podID: String, key: String, riskTier: String = "limited", classification: String = "confidential",
        estimates: String = GateFixtures.healthyEstimates
    ) throws -> String {
        let body = """
            {"title": "Invoice triage", "pod_id": "\(podID)", "risk_tier": "\(riskTier)", "data_classification": "\(classification)",
             "deployment": "cloud", "model_sourcing": "proprietary", "estimates": \(estimates)}
            """
        let created = try app.call("POST", "/v1/use-cases", key: key, json: body)
        return try #require(created.object["id"] as? String, "use case: \(created.bodyText)")
    }

    /// Requests the gate into `target`; returns the response.
    func requestReview(_ useCaseID: String, key: String, target: String, funding: Int = 1_000_000) throws -> ParsedResponse {
        try app.call(
            "POST", "/v1/use-cases/\(useCaseID)/gate-reviews", key: key,
            json: #"{"target_stage": "\#(target)", "requested_funding_cents": \#(funding), "justification": "Ready for \#(target)"}"#)
    }

    func decide(
        _ reviewID: String, key: String, function: String, decision: String = "approve", comment: String? = nil, hash: String? = nil
    )
        throws -> ParsedResponse
    {
        var body = #"{"function": "\#(function)", "decision": "\#(decision)""#
        if let comment { body += #", "comment": "\#(comment)""# }
        if let hash { body += #", "snapshot_hash": "\#(hash)""# }
        return try app.call("POST", "/v1/gate-reviews/\(reviewID)/decisions", key: key, json: body + "}")
    }

    /// Puts a usage report for `period`.
    func report(
        _ useCaseID: String, key: String, period: String, tokens: Int = 200_000_000, tokenCost: Int = 50_000, infraCost: Int = 100_000,
        energyCost: Int = 3_615, benefit: Int = 1_000_000
    ) throws -> ParsedResponse {
        try app.call(
            "PUT", "/v1/use-cases/\(useCaseID)/usage-reports/\(period)", key: key,
            json: """
                {"tokens_input": \(tokens / 2), "tokens_output": \(tokens - tokens / 2), "token_cost_cents": \(tokenCost),
                 "infra_cost_cents": \(infraCost), "energy_cost_cents": \(energyCost), "energy_kwh": 120.5, "realized_benefit_cents": \(benefit)}
                """)
    }

    /// The types of the events after `seq`, in order.
    func eventTypes(after seq: Int = 0) throws -> [String] {
        let events = try app.call("GET", "/v1/events?after=\(seq)&limit=200").object["events"] as? [[String: Any]] ?? []
        return events.compactMap { $0["type"] as? String }
    }

    /// The latest event seq.
    func lastSeq() throws -> Int {
        try app.call("GET", "/v1/events?after=0&limit=200").object["next_after"] as? Int ?? 0
    }
}

// Helpers for GateRaceTests and UsageBudgetTests.
extension GateFixtures {
    /// Every event after `seq`, oldest first, across as many pages as there are.
    func allEvents(after seq: Int) throws -> [[String: Any]] {
        var after = seq
        var all: [[String: Any]] = []
        while true {
            let page = try app.call("GET", "/v1/events?after=\(after)&limit=200").object
            let events = page["events"] as? [[String: Any]] ?? []
            guard !events.isEmpty, let next = page["next_after"] as? Int, next > after else { return all }
            all += events
            after = next
        }
    }

    /// The seq of the newest event (0 when there is none), found by paging the whole feed.
    func newestSeq() throws -> Int {
        try allEvents(after: 0).last?["seq"] as? Int ?? 0
    }

    /// `GET /v1/audit/verify` says the chain is valid.
    func auditChainIsValid() throws -> Bool {
        try app.call("GET", "/v1/audit/verify").object["valid"] as? Bool == true
    }
}

/// Helpers for GateRuleTests, GatePolicyTests and WorkedExampleTests.
extension GateFixtures {
    /// A principal outside every pod holding `functions` (one function by default).
    func approver(_ function: String, name: String? = nil, also: [String] = []) throws -> (id: String, key: String) {
        try principal(name ?? "Approver \(function) \(UUID().uuidString.prefix(6))", functions: [function] + also)
    }

    /// Adds `principalID` to the pod as a member.
    func addMember(_ principalID: String, to podID: String) throws {
        let added = try app.call("PUT", "/v1/pods/\(podID)/members/\(principalID)", json: #"{"role": "member"}"#)
        #expect(added.status == 200, "\(added.bodyText)")
    }

    /// The JSON object a GET returns (admin by default).
    func object(_ path: String, key: String = TestApp.adminKey) throws -> [String: Any] {
        try app.call("GET", path, key: key).object
    }

    /// The items of a list.
    func items(_ path: String, key: String = TestApp.adminKey) throws -> [[String: Any]] {
        try app.call("GET", path, key: key).object["items"] as? [[String: Any]] ?? []
    }

    /// The ids of a list's items, in order.
    func ids(_ path: String) throws -> [String] { try items(path).compactMap { $0["id"] as? String } }

    /// A use case like `useCase(...)` but with a chosen deployment.
    func useCaseDeployed(
        podID: String, key: String, deployment: String, riskTier: String = "limited", classification: String = "confidential",
        estimates: String = GateFixtures.healthyEstimates
    ) throws -> String {
        let body = """
            {"title": "Edge assistant", "pod_id": "\(podID)", "risk_tier": "\(riskTier)", "data_classification": "\(classification)",
             "deployment": "\(deployment)", "model_sourcing": "open_source", "estimates": \(estimates)}
            """
        let created = try app.call("POST", "/v1/use-cases", key: key, json: body)
        return try #require(created.object["id"] as? String, "use case: \(created.bodyText)")
    }

    /// PATCH of a use case with the If-Match of a fresh GET.
    func patchUseCase(_ id: String, key: String, json: String) throws -> ParsedResponse {
        let tag = try #require(try app.call("GET", "/v1/use-cases/\(id)").header("ETag"))
        return try app.call("PATCH", "/v1/use-cases/\(id)", key: key, json: json, headers: ["If-Match: \(tag)"])
    }

    /// Requests the gate into `target` and has `approvers` (function, key) approve it; expects it approved.
    @discardableResult
    func passGate(_ useCaseID: String, key: String, target: String, funding: Int = 1_000_000, approvers: [(String, String)]) throws
        -> String
    {
        let requested = try requestReview(useCaseID, key: key, target: target, funding: funding)
        #expect(requested.status == 201, "\(requested.bodyText)")
        let reviewID = try #require(requested.object["id"] as? String, "\(requested.bodyText)")
        for (function, approverKey) in approvers {
            let decided = try decide(reviewID, key: approverKey, function: function)
            #expect(decided.status == 201, "\(decided.bodyText)")
        }
        let review = try object("/v1/gate-reviews/\(reviewID)")
        #expect(review["status"] as? String == "approved", "\(review)")
        return reviewID
    }

    /// `{function: approvals}` of a review's `required`.
    static func approvals(_ review: [String: Any]) -> [String: Int] {
        var result: [String: Int] = [:]
        for rule in review["required"] as? [[String: Any]] ?? [] {
            if let function = rule["function"] as? String { result[function] = rule["approvals"] as? Int }
        }
        return result
    }

    /// `[function: min]` of a `required` list.
    static func requiredMins(_ object: [String: Any]) -> [String: Int] {
        var result: [String: Int] = [:]
        for rule in object["required"] as? [[String: Any]] ?? [] {
            if let function = rule["function"] as? String { result[function] = rule["min"] as? Int }
        }
        return result
    }

    /// The criterion named `name` of an evaluation (a review or the evaluation endpoint's `evaluation`).
    static func criterion(_ name: String, in object: [String: Any]) -> [String: Any]? {
        let evaluation = object["evaluation"] as? [String: Any] ?? [:]
        return (evaluation["criteria"] as? [[String: Any]] ?? []).first { $0["name"] as? String == name }
    }

    /// A JSON number as a Double.
    static func number(_ value: Any?) -> Double? { (value as? NSNumber)?.doubleValue }

    /// `GET /v1/audit/verify`: whether the chain is valid, and how many entries it holds.
    func audit() throws -> (valid: Bool, entries: Int) {
        let verify = try app.call("GET", "/v1/audit/verify").object
        return (verify["valid"] as? Bool ?? false, verify["entries"] as? Int ?? -1)
    }
}
