import Governance
import JSON
import Postgres

/// A principal as stored.
public struct PrincipalRecord: Sendable, Equatable {
    public var id: String
    public var name: String
    public var email: String?
    public var functions: [BusinessFunction]
    public var admin: Bool
    public var version: Int
    public var createdAt: String
    public var updatedAt: String

    public init(
        id: String, name: String, email: String?, functions: [BusinessFunction], admin: Bool, version: Int, createdAt: String,
        updatedAt: String
    ) {
        (self.id, self.name, self.email, self.functions, self.admin) = (id, name, email, functions, admin)
        (self.version, self.createdAt, self.updatedAt) = (version, createdAt, updatedAt)
    }

    /// The representation API.md section 2 gives.
    public var json: JSONValue {
        .object(
            JSONObject([
                ("id", .string(id)), ("name", .string(name)), ("email", JSONValue(email)),
                ("functions", .array(functions.map { .string($0.rawValue) })), ("admin", .bool(admin)),
                ("version", .number(JSONNumber(version))), ("created_at", .string(createdAt)), ("updated_at", .string(updatedAt)),
            ]))
    }
}

/// An API key's public fields (the secret itself is never stored).
public struct APIKeyRecord: Sendable {
    public var id: String
    public var principalID: String
    public var name: String
    public var prefix: String
    public var createdAt: String
    public var expiresAt: String?

    public init(id: String, principalID: String, name: String, prefix: String, createdAt: String, expiresAt: String?) {
        (self.id, self.principalID, self.name, self.prefix, self.createdAt, self.expiresAt) = (
            id, principalID, name, prefix, createdAt, expiresAt
        )
    }
}

/// The owner of a key, for authentication.
public struct KeyOwner: Sendable {
    public let principal: PrincipalRecord
    public let keyID: String
    public let expiresAt: String?
    public let revokedAt: String?
}

/// SQL for principals and their keys.
public enum PrincipalQueries {
    static var columns: Query {
        """
        p.id, p.name, p.email, array_to_string(p.functions, ',') AS functions, p.admin, p.version,
        \(SQLFragments.timestamp("p.created_at")) AS created_at, \(SQLFragments.timestamp("p.updated_at")) AS updated_at,
        p.list_seq
        """
    }

    static func record(_ row: PostgresRow) throws -> PrincipalRecord {
        let functions = try row.decode("functions", as: String.self).split(separator: ",").compactMap {
            BusinessFunction(rawValue: String($0))
        }
        return PrincipalRecord(
            id: try row.decode("id", as: String.self), name: try row.decode("name", as: String.self),
            email: try row.decode("email", as: String?.self), functions: functions, admin: try row.decode("admin", as: Bool.self),
            version: try row.decode("version", as: Int.self), createdAt: try row.decode("created_at", as: String.self),
            updatedAt: try row.decode("updated_at", as: String.self))
    }

    public static func keyOwner(hash: [UInt8], on connection: PostgresConnection) throws -> KeyOwner? {
        let rows = try connection.query(
            """
            SELECT \(columns), k.id AS key_id, \(SQLFragments.timestamp("k.expires_at")) AS expires_at,
                   \(SQLFragments.timestamp("k.revoked_at")) AS revoked_at
            FROM api_keys k JOIN principals p ON p.id = k.principal_id
            WHERE k.key_hash = \(hash)
            """)
        guard let row = rows.first else { return nil }
        return KeyOwner(
            principal: try record(row), keyID: try row.decode("key_id", as: String.self),
            expiresAt: try row.decode("expires_at", as: String?.self), revokedAt: try row.decode("revoked_at", as: String?.self))
    }

    public static func find(_ id: String, on connection: PostgresConnection, forUpdate: Bool = false) throws -> PrincipalRecord? {
        let lock: Query = forUpdate ? " FOR UPDATE" : ""
        return try connection.query("SELECT \(columns) FROM principals p WHERE p.id = \(id)\(lock)").first.map(record)
    }

    /// Newest first, after `cursor` (a `list_seq`), at most `limit` rows plus one to tell if more follow.
    public static func list(after cursor: Int64?, limit: Int, on connection: PostgresConnection) throws -> [(PrincipalRecord, Int64)] {
        let rows = try connection.query(
            """
            SELECT \(columns) FROM principals p
            WHERE \(cursor == nil) OR p.list_seq < \(cursor ?? 0)
            ORDER BY p.list_seq DESC LIMIT \(limit + 1)
            """)
        return try rows.map { (try record($0), try $0.decode("list_seq", as: Int64.self)) }
    }

    public static func insert(_ principal: PrincipalRecord, on connection: PostgresConnection) throws {
        try connection.query(
            """
            INSERT INTO principals (id, name, email, functions, admin, version, created_at, updated_at)
            VALUES (\(principal.id), \(principal.name), \(principal.email),
                    string_to_array(\(principal.functions.map(\.rawValue).joined(separator: ",")), ',')::text[],
                    \(principal.admin), \(principal.version), \(principal.createdAt)::timestamptz, \(principal.updatedAt)::timestamptz)
            """)
    }

    public static func update(_ principal: PrincipalRecord, on connection: PostgresConnection) throws {
        try connection.query(
            """
            UPDATE principals SET name = \(principal.name), email = \(principal.email),
                functions = string_to_array(\(principal.functions.map(\.rawValue).joined(separator: ",")), ',')::text[],
                admin = \(principal.admin), version = \(principal.version), updated_at = \(principal.updatedAt)::timestamptz
            WHERE id = \(principal.id)
            """)
        try connection.query("SELECT pg_notify('tollgate_auth', \(principal.id))")
    }

    public static func insertKey(_ key: APIKeyRecord, hash: [UInt8], on connection: PostgresConnection) throws {
        try connection.query(
            """
            INSERT INTO api_keys (id, principal_id, name, prefix, key_hash, created_at, expires_at)
            VALUES (\(key.id), \(key.principalID), \(key.name), \(key.prefix), \(hash), \(key.createdAt)::timestamptz,
                    \(key.expiresAt)::timestamptz)
            """)
    }

    /// Marks a key revoked; false when the principal has no such key (or it was revoked already).
    public static func revokeKey(_ keyID: String, of principalID: String, at: String, on connection: PostgresConnection) throws
        -> APIKeyRecord?
    {
        let rows = try connection.query(
            """
            UPDATE api_keys SET revoked_at = \(at)::timestamptz
            WHERE id = \(keyID) AND principal_id = \(principalID) AND revoked_at IS NULL
            RETURNING id, principal_id, name, prefix, \(SQLFragments.timestamp("created_at")) AS created_at,
                      \(SQLFragments.timestamp("expires_at")) AS expires_at
            """)
        guard let row = rows.first else { return nil }
        try connection.query("SELECT pg_notify('tollgate_auth', \(keyID))")
        return APIKeyRecord(
            id: try row.decode("id", as: String.self), principalID: try row.decode("principal_id", as: String.self),
            name: try row.decode("name", as: String.self), prefix: try row.decode("prefix", as: String.self),
            createdAt: try row.decode("created_at", as: String.self), expiresAt: try row.decode("expires_at", as: String?.self))
    }
}
