import Governance
import JSON
import Postgres

/// The portfolio's settings row.
public enum SettingsQueries {
    public struct Stored: Sendable {
        public let settings: Settings
        public let version: Int
        public let updatedAt: String

        public init(settings: Settings, version: Int, updatedAt: String) {
            (self.settings, self.version, self.updatedAt) = (settings, version, updatedAt)
        }

        public var json: JSONValue {
            var members = settings.json.objectValue.map { $0.members.map { ($0.key, $0.value) } } ?? []
            members.append(("version", .number(JSONNumber(version))))
            members.append(("updated_at", .string(updatedAt)))
            return .object(JSONObject(members))
        }
    }

    public static func load(on connection: PostgresConnection, forUpdate: Bool = false) throws -> Stored {
        let lock: Query = forUpdate ? " FOR UPDATE" : ""
        guard
            let row = try connection.query(
                "SELECT document::text AS document, version, \(SQLFragments.timestamp("updated_at")) AS updated_at FROM settings WHERE id = 1\(lock)"
            ).first, let object = try JSONParser.parse(Array(try row.decode("document", as: String.self).utf8)).objectValue
        else { throw StoreError.corrupt("settings") }
        return Stored(
            settings: try Settings(json: object), version: try row.decode("version", as: Int.self),
            updatedAt: try row.decode("updated_at", as: String.self))
    }

    public static func save(_ settings: Settings, version: Int, at: String, on connection: PostgresConnection) throws {
        try connection.query(
            "UPDATE settings SET document = \(settings.json.encodedString())::jsonb, version = \(version), updated_at = \(at)::timestamptz WHERE id = 1"
        )
    }
}
