import Governance
import JSON
import Postgres

/// One principal's place in a pod.
public struct PodMember: Sendable, Equatable {
    public var principalID: String
    public var role: PodRole

    public init(principalID: String, role: PodRole) {
        self.principalID = principalID
        self.role = role
    }

    public var json: JSONValue {
        .object(JSONObject([("principal_id", .string(principalID)), ("role", .string(role.rawValue))]))
    }
}

/// A pod as stored, with its members: leads first, then by principal id.
public struct PodRecord: Sendable, Equatable {
    public var id: String
    public var name: String
    public var businessUnit: String
    public var description: String?
    public var members: [PodMember]
    public var version: Int
    public var createdAt: String
    public var updatedAt: String

    public init(
        id: String, name: String, businessUnit: String, description: String?, members: [PodMember], version: Int, createdAt: String,
        updatedAt: String
    ) {
        (self.id, self.name, self.businessUnit, self.description, self.members) = (id, name, businessUnit, description, members)
        (self.version, self.createdAt, self.updatedAt) = (version, createdAt, updatedAt)
    }

    /// The role `principalID` holds in this pod, nil when it is not a member.
    public func role(of principalID: String) -> PodRole? {
        members.first { $0.principalID == principalID }?.role
    }

    /// The representation API.md section 2 gives.
    public var json: JSONValue {
        .object(
            JSONObject([
                ("id", .string(id)), ("name", .string(name)), ("business_unit", .string(businessUnit)),
                ("description", JSONValue(description)), ("members", .array(members.map(\.json))),
                ("version", .number(JSONNumber(version))), ("created_at", .string(createdAt)), ("updated_at", .string(updatedAt)),
            ]))
    }
}

/// SQL for pods and their members.
public enum PodQueries {
    /// The unique constraint on `pods.name`; a violation of it means the name is taken.
    public static let nameConstraint = "pods_name_key"

    /// Members travel as `role:principal_id` pairs joined by commas: ids and roles hold neither
    /// character. Leads first, then by id in byte order, so the order never depends on a locale.
    static var columns: Query {
        """
        p.id, p.name, p.business_unit, p.description, p.version,
        \(SQLFragments.timestamp("p.created_at")) AS created_at, \(SQLFragments.timestamp("p.updated_at")) AS updated_at,
        p.list_seq,
        COALESCE((SELECT string_agg(m.role || ':' || m.principal_id, ','
                                    ORDER BY CASE m.role WHEN 'lead' THEN 0 ELSE 1 END, m.principal_id COLLATE "C")
                  FROM pod_members m WHERE m.pod_id = p.id), '') AS members
        """
    }

    static func record(_ row: PostgresRow) throws -> PodRecord {
        let members = try row.decode("members", as: String.self).split(separator: ",").compactMap { pair -> PodMember? in
            let parts = pair.split(separator: ":", maxSplits: 1)
            guard parts.count == 2, let role = PodRole(rawValue: String(parts[0])) else { return nil }
            return PodMember(principalID: String(parts[1]), role: role)
        }
        return PodRecord(
            id: try row.decode("id", as: String.self), name: try row.decode("name", as: String.self),
            businessUnit: try row.decode("business_unit", as: String.self), description: try row.decode("description", as: String?.self),
            members: members, version: try row.decode("version", as: Int.self), createdAt: try row.decode("created_at", as: String.self),
            updatedAt: try row.decode("updated_at", as: String.self))
    }

    /// The pod with its members, or nil. `forUpdate` locks the pod's row until the transaction
    /// ends, which serialises every change to the pod and its membership.
    public static func find(_ id: String, on connection: PostgresConnection, forUpdate: Bool = false) throws -> PodRecord? {
        let lock: Query = forUpdate ? " FOR UPDATE OF p" : ""
        return try connection.query("SELECT \(columns) FROM pods p WHERE p.id = \(id)\(lock)").first.map(record)
    }

    /// The role `principalID` holds in pod `podID`; nil when it is not a member (or either is unknown).
    public static func role(of principalID: String, in podID: String, on connection: PostgresConnection) throws -> PodRole? {
        let rows = try connection.query("SELECT role FROM pod_members WHERE pod_id = \(podID) AND principal_id = \(principalID)")
        return try rows.first.flatMap { PodRole(rawValue: try $0.decode("role", as: String.self)) }
    }

    /// Whether a pod has exactly this name.
    public static func exists(named name: String, on connection: PostgresConnection) throws -> Bool {
        try !connection.query("SELECT 1 FROM pods WHERE name = \(name)").isEmpty
    }

    /// Newest first, after `cursor` (a `list_seq`), at most `limit` rows plus one to tell if more follow.
    public static func list(after cursor: Int64?, limit: Int, on connection: PostgresConnection) throws -> [(PodRecord, Int64)] {
        let rows = try connection.query(
            """
            SELECT \(columns) FROM pods p
            WHERE \(cursor == nil) OR p.list_seq < \(cursor ?? 0)
            ORDER BY p.list_seq DESC LIMIT \(limit + 1)
            """)
        return try rows.map { (try record($0), try $0.decode("list_seq", as: Int64.self)) }
    }

    /// Inserts the pod's row; its `members` are not written (a new pod has none).
    /// - Throws: `PostgresError.uniqueViolation` on ``nameConstraint`` when the name is taken.
    public static func insert(_ pod: PodRecord, on connection: PostgresConnection) throws {
        try connection.query(
            """
            INSERT INTO pods (id, name, business_unit, description, version, created_at, updated_at)
            VALUES (\(pod.id), \(pod.name), \(pod.businessUnit), \(pod.description), \(pod.version),
                    \(pod.createdAt)::timestamptz, \(pod.updatedAt)::timestamptz)
            """)
    }

    /// Adds `principalID` to the pod with `role`, or changes its role.
    public static func setMember(
        _ principalID: String, role: PodRole, in podID: String, at: String, on connection: PostgresConnection
    ) throws {
        try connection.query(
            """
            INSERT INTO pod_members (pod_id, principal_id, role, added_at)
            VALUES (\(podID), \(principalID), \(role.rawValue), \(at)::timestamptz)
            ON CONFLICT (pod_id, principal_id) DO UPDATE SET role = EXCLUDED.role
            """)
    }

    /// Removes `principalID` from the pod; false when it was not a member.
    public static func removeMember(_ principalID: String, from podID: String, on connection: PostgresConnection) throws -> Bool {
        try !connection.query(
            "DELETE FROM pod_members WHERE pod_id = \(podID) AND principal_id = \(principalID) RETURNING principal_id"
        ).isEmpty
    }

    /// Records that the pod changed: its new `version` and `updated_at`.
    public static func markChanged(_ podID: String, version: Int, at: String, on connection: PostgresConnection) throws {
        try connection.query("UPDATE pods SET version = \(version), updated_at = \(at)::timestamptz WHERE id = \(podID)")
    }
}
