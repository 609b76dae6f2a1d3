import Crypto
import Foundation
import Governance
import JSON
import Postgres

/// A use case as stored (API.md section 3). `estimates` and `metrics` keep their rendered JSON.
public struct UseCaseRecord: Sendable, Equatable {
    public var id: String
    public var title: String
    public var summary: String
    public var podID: String
    public var businessUnit: String
    public var stage: Stage
    public var riskTier: RiskTier
    public var dataClassification: DataClassification
    public var deployment: Deployment
    public var modelSourcing: ModelSourcing
    /// The estimates as rendered; read `estimates` for the validated values (GET never needs them).
    public internal(set) var estimatesJSON: JSONValue
    /// The computed figures as rendered (API.md section 4); recomputed by whoever changes their inputs.
    public var metrics: JSONValue
    public var approvedFundingCents: Int64
    public var spentCents: Int64
    public var envelopeBreached: Bool
    public var version: Int
    public var createdAt: String
    public var updatedAt: String
    /// Bookkeeping, not in the representation: the budget thresholds that have alerted at the
    /// current funding (API.md section 5), and the envelope of the last approved gate.
    public var budgetAlertedPct: Set<Int> = []
    public var envelope: Envelope?

    public init(
        id: String, title: String, summary: String, podID: String, businessUnit: String, stage: Stage, riskTier: RiskTier,
        dataClassification: DataClassification, deployment: Deployment, modelSourcing: ModelSourcing, estimates: Estimates,
        metrics: JSONValue, approvedFundingCents: Int64 = 0, spentCents: Int64 = 0, envelopeBreached: Bool = false, version: Int = 1,
        createdAt: String, updatedAt: String
    ) {
        (self.id, self.title, self.summary, self.podID, self.businessUnit) = (id, title, summary, podID, businessUnit)
        (self.stage, self.riskTier, self.dataClassification, self.deployment, self.modelSourcing) =
            (stage, riskTier, dataClassification, deployment, modelSourcing)
        (self.estimatesJSON, self.metrics, self.approvedFundingCents, self.spentCents, self.envelopeBreached) =
            (estimates.json, metrics, approvedFundingCents, spentCents, envelopeBreached)
        (self.version, self.createdAt, self.updatedAt) = (version, createdAt, updatedAt)
    }

    /// The validated estimates, read back from their stored form.
    public var estimates: Estimates {
        get throws {
            guard let object = estimatesJSON.objectValue else { throw StoreError.corrupt("use_cases.estimates") }
            return try Estimates(json: object)
        }
    }

    public mutating func setEstimates(_ estimates: Estimates) { estimatesJSON = estimates.json }

    /// The bytes `GET /v1/use-cases/{id}` answers with.
    public var representation: [UInt8] { json.encoded() }

    public var json: JSONValue {
        .object(
            JSONObject([
                ("id", .string(id)), ("title", .string(title)), ("summary", .string(summary)), ("pod_id", .string(podID)),
                ("business_unit", .string(businessUnit)), ("stage", .string(stage.rawValue)), ("risk_tier", .string(riskTier.rawValue)),
                ("data_classification", .string(dataClassification.rawValue)), ("deployment", .string(deployment.rawValue)),
                ("model_sourcing", .string(modelSourcing.rawValue)), ("estimates", estimatesJSON), ("metrics", metrics),
                ("approved_funding_cents", .number(JSONNumber(approvedFundingCents))), ("spent_cents", .number(JSONNumber(spentCents))),
                ("envelope_breached", .bool(envelopeBreached)), ("version", .number(JSONNumber(version))),
                ("created_at", .string(createdAt)), ("updated_at", .string(updatedAt)),
            ]))
    }
}

/// Filters of `GET /v1/use-cases`.
public struct UseCaseFilter: Sendable {
    public var stage: Stage?
    public var podID: String?
    public var riskTier: RiskTier?
    public var businessUnit: String?
    /// Case-insensitive substring of title or summary.
    public var text: String?

    public init(stage: Stage? = nil, podID: String? = nil, riskTier: RiskTier? = nil, businessUnit: String? = nil, text: String? = nil) {
        (self.stage, self.podID, self.riskTier, self.businessUnit, self.text) = (stage, podID, riskTier, businessUnit, text)
    }
}

/// SQL for use cases.
public enum UseCaseQueries {
    static var columns: Query {
        """
        id, title, summary, pod_id, business_unit, stage, risk_tier, data_classification, deployment, model_sourcing,
        estimates::text AS estimates, metrics::text AS metrics, approved_funding_cents, spent_cents, envelope_breached, version,
        \(SQLFragments.timestamp("created_at")) AS created_at, \(SQLFragments.timestamp("updated_at")) AS updated_at, list_seq,
        budget_alerted_pct::text AS budget_alerted_pct, envelope_cost_per_million_tokens_cents, envelope_monthly_cost_cents
        """
    }

    static func record(_ row: PostgresRow) throws -> UseCaseRecord {
        func enumValue<E: RawRepresentable>(_ column: String, _: E.Type) throws -> E where E.RawValue == String {
            guard let value = E(rawValue: try row.decode(column, as: String.self)) else { throw StoreError.corrupt("use_cases.\(column)") }
            return value
        }
        guard let estimatesObject = try JSONParser.parse(Array(try row.decode("estimates", as: String.self).utf8)).objectValue,
            let metricsObject = try JSONParser.parse(Array(try row.decode("metrics", as: String.self).utf8)).objectValue
        else { throw StoreError.corrupt("use_cases.estimates") }
        var record = UseCaseRecord(
            id: try row.decode("id", as: String.self), title: try row.decode("title", as: String.self),
            summary: try row.decode("summary", as: String.self), podID: try row.decode("pod_id", as: String.self),
            businessUnit: try row.decode("business_unit", as: String.self), stage: try enumValue("stage", Stage.self),
            riskTier: try enumValue("risk_tier", RiskTier.self),
            dataClassification: try enumValue("data_classification", DataClassification.self),
            deployment: try enumValue("deployment", Deployment.self), modelSourcing: try enumValue("model_sourcing", ModelSourcing.self),
            estimates: .zero, metrics: .object(metricsObject),
            approvedFundingCents: try row.decode("approved_funding_cents", as: Int64.self),
            spentCents: try row.decode("spent_cents", as: Int64.self),
            envelopeBreached: try row.decode("envelope_breached", as: Bool.self), version: try row.decode("version", as: Int.self),
            createdAt: try row.decode("created_at", as: String.self), updatedAt: try row.decode("updated_at", as: String.self))
        record.estimatesJSON = .object(estimatesObject)  // validated when written; parsed again only when needed
        let alerted = try row.decode("budget_alerted_pct", as: String.self).trimmingCharacters(in: CharacterSet(charactersIn: "{}"))
        record.budgetAlertedPct = Set(alerted.split(separator: ",").compactMap { Int($0) })
        if let monthly = try row.decode("envelope_monthly_cost_cents", as: Int64?.self) {
            record.envelope = Envelope(
                costPerMillionTokensCents: try row.decode("envelope_cost_per_million_tokens_cents", as: Int64?.self),
                monthlyCostCents: monthly)
        }
        return record
    }

    public static func find(_ id: String, on connection: PostgresConnection, forUpdate: Bool = false) throws -> UseCaseRecord? {
        let lock: Query = forUpdate ? " FOR UPDATE" : ""
        return try connection.query("SELECT \(columns) FROM use_cases WHERE id = \(id)\(lock)").first.map(record)
    }

    /// Whether the use case exists (for routes under it that read other tables).
    public static func exists(_ id: String, on connection: PostgresConnection) throws -> Bool {
        try !connection.query("SELECT 1 AS found FROM use_cases WHERE id = \(id)").isEmpty
    }

    public static func list(_ filter: UseCaseFilter, after cursor: Int64?, limit: Int, on connection: PostgresConnection) throws -> [(
        UseCaseRecord, Int64
    )] {
        let pattern = filter.text.map { "%" + $0.replacingAll("\\", "\\\\").replacingAll("%", "\\%").replacingAll("_", "\\_") + "%" }
        let rows = try connection.query(
            """
            SELECT \(columns) FROM use_cases
            WHERE (\(cursor == nil) OR list_seq < \(cursor ?? 0))
              AND (\(filter.stage == nil) OR stage = \(filter.stage?.rawValue ?? ""))
              AND (\(filter.podID == nil) OR pod_id = \(filter.podID ?? ""))
              AND (\(filter.riskTier == nil) OR risk_tier = \(filter.riskTier?.rawValue ?? ""))
              AND (\(filter.businessUnit == nil) OR business_unit = \(filter.businessUnit ?? ""))
              AND (\(pattern == nil) OR title ILIKE \(pattern ?? "") OR summary ILIKE \(pattern ?? ""))
            ORDER BY list_seq DESC LIMIT \(limit + 1)
            """)
        return try rows.map { (try record($0), try $0.decode("list_seq", as: Int64.self)) }
    }

    public static func insert(_ u: UseCaseRecord, on connection: PostgresConnection) throws {
        let representation = u.representation  // rendered once: stored, and hashed for the ETag
        try connection.query(
            """
            INSERT INTO use_cases (id, title, summary, pod_id, business_unit, stage, risk_tier, data_classification, deployment,
                                   model_sourcing, estimates, metrics, approved_funding_cents, spent_cents, envelope_breached, version,
                                   created_at, updated_at, representation, etag)
            VALUES (\(u.id), \(u.title), \(u.summary), \(u.podID), \(u.businessUnit), \(u.stage.rawValue), \(u.riskTier.rawValue),
                    \(u.dataClassification.rawValue), \(u.deployment.rawValue), \(u.modelSourcing.rawValue), \(u.estimatesJSON.encodedString())::json,
                    \(u.metrics.encodedString())::json, \(u.approvedFundingCents), \(u.spentCents), \(u.envelopeBreached), \(u.version),
                    \(u.createdAt)::timestamptz, \(u.updatedAt)::timestamptz, \(String(decoding: representation, as: UTF8.self))::json,
                    \(RepresentationTag.quoted(representation)))
            """)
    }

    public static func update(_ u: UseCaseRecord, retiredReason: String? = nil, on connection: PostgresConnection) throws {
        let representation = u.representation  // rendered once: stored, and hashed for the ETag
        try connection.query(
            """
            UPDATE use_cases SET title = \(u.title), summary = \(u.summary), business_unit = \(u.businessUnit), stage = \(u.stage.rawValue),
                risk_tier = \(u.riskTier.rawValue), data_classification = \(u.dataClassification.rawValue), deployment = \(u.deployment.rawValue),
                model_sourcing = \(u.modelSourcing.rawValue), estimates = \(u.estimatesJSON.encodedString())::json,
                metrics = \(u.metrics.encodedString())::json, approved_funding_cents = \(u.approvedFundingCents), spent_cents = \(u.spentCents),
                envelope_breached = \(u.envelopeBreached), version = \(u.version), updated_at = \(u.updatedAt)::timestamptz,
                retired_reason = coalesce(\(retiredReason), retired_reason),
                budget_alerted_pct = \("{" + u.budgetAlertedPct.sorted().map(String.init).joined(separator: ",") + "}")::integer[],
                envelope_cost_per_million_tokens_cents = \(u.envelope?.costPerMillionTokensCents),
                envelope_monthly_cost_cents = \(u.envelope?.monthlyCostCents),
                representation = \(String(decoding: representation, as: UTF8.self))::json, etag = \(RepresentationTag.quoted(representation))
            WHERE id = \(u.id)
            """)
    }

    /// Every use case's id and estimates, for recomputing metrics after a settings change.
    public static func allForRecompute(on connection: PostgresConnection) throws -> [UseCaseRecord] {
        try connection.query("SELECT \(columns) FROM use_cases ORDER BY list_seq FOR UPDATE").map(record)
    }
}

/// Data in the database that the code cannot read: a bug or a hand edit, never a client error.
public enum StoreError: Error, CustomStringConvertible {
    case corrupt(String)
    public var description: String {
        switch self {
        case .corrupt(let what): "stored value cannot be read: \(what)"
        }
    }
}

extension String {
    func replacingAll(_ target: String, _ replacement: String) -> String {
        split(separator: Character(target), omittingEmptySubsequences: false).joined(separator: replacement)
    }
}

extension UseCaseQueries {
    /// What creating a use case in `podID` needs, in one round trip: the pod's business unit,
    /// the caller's role in it, and the settings the metrics use. nil when the pod does not exist.
    public static func creationContext(podID: String, principalID: String, on connection: PostgresConnection) throws
        -> (businessUnit: String, role: PodRole?, settings: Settings)?
    {
        let rows = try connection.query(
            """
            SELECT p.business_unit, m.role, s.document::text AS settings
            FROM pods p CROSS JOIN settings s
            LEFT JOIN pod_members m ON m.pod_id = p.id AND m.principal_id = \(principalID)
            WHERE p.id = \(podID) AND s.id = 1
            """)
        guard let row = rows.first else { return nil }
        guard let settings = try JSONParser.parse(Array(try row.decode("settings", as: String.self).utf8)).objectValue else {
            throw StoreError.corrupt("settings")
        }
        return (
            try row.decode("business_unit", as: String.self), try row.decode("role", as: String?.self).flatMap(PodRole.init(rawValue:)),
            try Settings(json: settings)
        )
    }
}

extension UseCaseQueries {
    /// A use case's stored representation and ETag, for reads: one round trip, no rendering.
    public static func representation(_ id: String, on connection: PostgresConnection) throws -> (body: [UInt8], etag: String)? {
        guard let row = try connection.query("SELECT representation::text AS body, etag FROM use_cases WHERE id = \(id)").first else {
            return nil
        }
        return (Array(try row.decode("body", as: String.self).utf8), try row.decode("etag", as: String.self))
    }
}

/// Strong ETags from a representation's bytes: the first 16 bytes of its SHA-256, base64url, quoted.
/// The API's ETags for stored and freshly rendered representations come from here alike.
public enum RepresentationTag {
    public static func quoted(_ representation: [UInt8]) -> String {
        let digest = Array(SHA256.hash(data: representation).prefix(16))
        return "\"" + Base64URL.encode(digest) + "\""
    }
}
