import Foundation
import Governance
import JSON
import Postgres

/// One version of a gate's policy as stored.
public struct StoredGatePolicy: Sendable, Equatable {
    public let policy: GatePolicy
    public let version: Int
    public let createdAt: String

    public init(policy: GatePolicy, version: Int, createdAt: String) {
        (self.policy, self.version, self.createdAt) = (policy, version, createdAt)
    }

    /// `{stage, version, approvals, criteria, review_ttl_days, created_at}`.
    public var json: JSONValue {
        var members: [(String, JSONValue)] = [("stage", .string(policy.stage.rawValue)), ("version", .number(JSONNumber(version)))]
        members += policy.documentMembers
        members.append(("created_at", .string(createdAt)))
        return .object(JSONObject(members))
    }
}

extension GatePolicy {
    /// `approvals`, `criteria` and `review_ttl_days`: what a `PUT` sends and the table stores.
    var documentMembers: [(String, JSONValue)] {
        let rules: [JSONValue] = approvals.map { rule in
            var members: [(String, JSONValue)] = [("function", .string(rule.function.rawValue)), ("min", .number(JSONNumber(rule.min)))]
            if let when = rule.when {
                var tests: [(String, JSONValue)] = []
                if let values = when.riskTiers { tests.append(("risk_tier", .array(values.map { .string($0.rawValue) }))) }
                if let values = when.dataClassifications {
                    tests.append(("data_classification", .array(values.map { .string($0.rawValue) })))
                }
                if let values = when.deployments { tests.append(("deployment", .array(values.map { .string($0.rawValue) }))) }
                members.append(("when", .object(JSONObject(tests))))
            }
            return .object(JSONObject(members))
        }
        let c = criteria
        let criteriaJSON = JSONObject([
            ("min_roi_pct", JSONValue(c.minROIPct)), ("max_payback_months", JSONValue(c.maxPaybackMonths)),
            ("min_npv_cents", c.minNPVCents.map { .number(JSONNumber($0)) } ?? .null),
            ("max_annual_co2e_kg", JSONValue(c.maxAnnualCO2eKg)),
            ("max_cost_per_million_tokens_cents", c.maxCostPerMillionTokensCents.map { .number(JSONNumber($0)) } ?? .null),
            ("min_usage_months", c.minUsageMonths.map { .number(JSONNumber($0)) } ?? .null),
            ("min_realized_roi_pct", JSONValue(c.minRealizedROIPct)),
            ("forbidden_risk_tiers", c.forbiddenRiskTiers.map { .array($0.map { .string($0.rawValue) }) } ?? .null),
        ])
        return [("approvals", .array(rules)), ("criteria", .object(criteriaJSON)), ("review_ttl_days", .number(JSONNumber(reviewTTLDays)))]
    }

    /// Reads `{approvals, criteria, review_ttl_days}` for `stage`: the body of a `PUT` and the
    /// stored document alike. Criteria left out are null (not checked); unknown fields are refused.
    /// - Throws: `ValidationError` with a pointer per broken rule.
    public init(stage: Stage, document object: JSONObject) throws(ValidationError) {
        var errors: [FieldError] = []
        func fail(_ pointer: String, _ detail: String) { errors.append(FieldError(pointer: pointer, detail: detail)) }
        func enumList<E: RawRepresentable & CaseIterable>(_ value: JSONValue, at pointer: String, _: E.Type) -> [E]?
        where E.RawValue == String {
            guard let items = value.arrayValue else {
                fail(pointer, "must be an array")
                return nil
            }
            var result: [E] = []
            for (index, item) in items.enumerated() {
                guard let parsed = item.stringValue.flatMap(E.init(rawValue:)) else {
                    fail("\(pointer)/\(index)", "must be one of " + E.allCases.map(\.rawValue).joined(separator: ", "))
                    continue
                }
                if !result.contains(where: { $0.rawValue == parsed.rawValue }) { result.append(parsed) }
            }
            return result
        }
        for key in object.keys where !["approvals", "criteria", "review_ttl_days"].contains(key) {
            fail("/\(key)", ["stage", "version", "created_at"].contains(key) ? "is read-only" : "is not a known field")
        }

        var rules: [ApprovalRule] = []
        if let list = object["approvals"]?.arrayValue {
            for (index, item) in list.enumerated() {
                let at = "/approvals/\(index)"
                guard let rule = item.objectValue else {
                    fail(at, "must be an object")
                    continue
                }
                for key in rule.keys where !["function", "min", "when"].contains(key) { fail("\(at)/\(key)", "is not a known field") }
                let function = rule["function"]?.stringValue.flatMap(BusinessFunction.init(rawValue:))
                if function == nil {
                    fail("\(at)/function", "must be one of " + BusinessFunction.allCases.map(\.rawValue).joined(separator: ", "))
                }
                let min = rule["min"]?.int64Value.flatMap { Int(exactly: $0) }
                if min == nil { fail("\(at)/min", "must be an integer from 1 to 20") }
                var condition: ApprovalCondition?
                if let when = rule["when"], !when.isNull {
                    if let tests = when.objectValue {
                        var parsed = ApprovalCondition()
                        for key in tests.keys where !["risk_tier", "data_classification", "deployment"].contains(key) {
                            fail("\(at)/when/\(key)", "is not a field a rule can test (risk_tier, data_classification, deployment)")
                        }
                        parsed.riskTiers = tests["risk_tier"].flatMap { enumList($0, at: "\(at)/when/risk_tier", RiskTier.self) }
                        parsed.dataClassifications = tests["data_classification"].flatMap {
                            enumList($0, at: "\(at)/when/data_classification", DataClassification.self)
                        }
                        parsed.deployments = tests["deployment"].flatMap { enumList($0, at: "\(at)/when/deployment", Deployment.self) }
                        condition = parsed
                    } else {
                        fail("\(at)/when", "must be an object")
                    }
                }
                if let function, let min { rules.append(ApprovalRule(function: function, min: min, when: condition)) }
            }
        } else {
            fail("/approvals", object["approvals"] == nil ? "is required" : "must be an array")
        }

        var criteria = GateCriteria()
        if let value = object["criteria"] {
            if let c = value.objectValue {
                for key in c.keys where !GateCriteria.names.contains(key) { fail("/criteria/\(key)", "is not a known criterion") }
                func number(_ key: String) -> Decimal? {
                    guard let value = c[key], !value.isNull else { return nil }
                    guard let literal = value.numberValue?.literal, let decimal = Decimal(string: literal) else {
                        fail("/criteria/\(key)", "must be a number or null")
                        return nil
                    }
                    return decimal
                }
                func integer(_ key: String) -> Int64? {
                    guard let value = c[key], !value.isNull else { return nil }
                    guard let integer = value.int64Value else {
                        fail("/criteria/\(key)", "must be an integer or null")
                        return nil
                    }
                    return integer
                }
                criteria.minROIPct = number("min_roi_pct")
                criteria.maxPaybackMonths = number("max_payback_months")
                criteria.minNPVCents = integer("min_npv_cents")
                criteria.maxAnnualCO2eKg = number("max_annual_co2e_kg")
                criteria.maxCostPerMillionTokensCents = integer("max_cost_per_million_tokens_cents")
                if let months = integer("min_usage_months") {
                    if let exact = Int(exactly: months), (0...1200).contains(exact) {
                        criteria.minUsageMonths = exact
                    } else {
                        fail("/criteria/min_usage_months", "must be an integer from 0 to 1200, or null")
                    }
                }
                criteria.minRealizedROIPct = number("min_realized_roi_pct")
                if let tiers = c["forbidden_risk_tiers"], !tiers.isNull {
                    criteria.forbiddenRiskTiers = enumList(tiers, at: "/criteria/forbidden_risk_tiers", RiskTier.self)
                }
            } else {
                fail("/criteria", "must be an object")
            }
        }

        let ttl = object["review_ttl_days"]?.int64Value.flatMap { Int(exactly: $0) }
        if ttl == nil { fail("/review_ttl_days", object["review_ttl_days"] == nil ? "is required" : "must be an integer from 1 to 365") }
        // The rules run on what did parse, so one answer lists every problem; where a part did not
        // parse (a rule dropped, the TTL missing), its rule errors would be noise and are left out.
        var policy: GatePolicy?
        do {
            policy = try GatePolicy(stage: stage, approvals: rules, criteria: criteria, reviewTTLDays: ttl ?? Self.ttlDaysRange.lowerBound)
        } catch {
            let approvalsBroken = errors.contains { $0.pointer.hasPrefix("/approvals") }
            errors += error.errors.filter { rule in
                !(approvalsBroken && rule.pointer.hasPrefix("/approvals")) && !errors.contains { $0.pointer == rule.pointer }
            }
        }
        guard errors.isEmpty, let policy else { throw ValidationError(errors) }
        self = policy
    }
}

/// SQL for gate policies.
public enum GatePolicyQueries {
    static func stored(_ row: PostgresRow) throws -> StoredGatePolicy {
        guard let stage = Stage(rawValue: try row.decode("stage", as: String.self)),
            let document = try JSONParser.parse(Array(try row.decode("document", as: String.self).utf8)).objectValue
        else { throw StoreError.corrupt("gate_policies") }
        return StoredGatePolicy(
            policy: try GatePolicy(stage: stage, document: document), version: try row.decode("version", as: Int.self),
            createdAt: try row.decode("created_at", as: String.self))
    }

    static let columns: Query = "stage, version, document::text AS document, \(SQLFragments.timestamp("created_at")) AS created_at"

    /// The current version of every gate, in gate order.
    public static func current(on connection: PostgresConnection) throws -> [StoredGatePolicy] {
        try connection.query(
            """
            SELECT DISTINCT ON (stage) \(columns) FROM gate_policies
            ORDER BY stage, version DESC
            """
        ).map(stored).sorted { Stage.gated.firstIndex(of: $0.policy.stage)! < Stage.gated.firstIndex(of: $1.policy.stage)! }
    }

    /// The current version of the gate into `stage` (nil `version`), or the given version.
    public static func find(_ stage: Stage, version: Int? = nil, on connection: PostgresConnection) throws -> StoredGatePolicy? {
        try connection.query(
            """
            SELECT \(columns) FROM gate_policies
            WHERE stage = \(stage.rawValue) AND (\(version == nil) OR version = \(version ?? 0))
            ORDER BY version DESC LIMIT 1
            """
        ).first.map(stored)
    }

    /// Takes the gate's policy lock (held to commit) and returns its current version: two
    /// concurrent PUTs of one gate make two versions, one after the other, never one twice.
    public static func lockCurrent(_ stage: Stage, on connection: PostgresConnection) throws -> StoredGatePolicy {
        try connection.query("SELECT pg_advisory_xact_lock(hashtext('tollgate.gate_policy'), hashtext(\(stage.rawValue)))")
        guard let current = try find(stage, on: connection) else {
            throw StoreError.corrupt("gate_policies has no version of \(stage.rawValue)")
        }
        return current
    }

    /// Adds the version after `current` (from `lockCurrent`, in this transaction).
    public static func addVersion(
        _ policy: GatePolicy, after current: StoredGatePolicy, by principalID: String?, at: String,
        on connection: PostgresConnection
    ) throws -> StoredGatePolicy {
        let version = current.version + 1
        let document = JSONValue.object(JSONObject(policy.documentMembers))
        try connection.query(
            """
            INSERT INTO gate_policies (stage, version, document, created_at, created_by)
            VALUES (\(policy.stage.rawValue), \(version), \(document.encodedString())::json, \(at)::timestamptz, \(principalID))
            """)
        return StoredGatePolicy(policy: policy, version: version, createdAt: at)
    }
}
