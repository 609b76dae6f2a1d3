import JSON
import Postgres

/// A stored answer to an idempotent POST.
public struct StoredResponse: Sendable {
    public let status: Int
    public let headers: [(String, String)]
    public let body: [UInt8]

    public init(status: Int, headers: [(String, String)], body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }
}

/// `Idempotency-Key` records (API.md section 1): claimed before the work, completed after it,
/// kept 24 hours.
public enum IdempotencyQueries {
    public enum Claim: Sendable {
        /// The caller owns the key now and must complete or release it.
        case claimed
        /// The same key was used for a different request.
        case reused
        /// The first request with this key is still running.
        case inFlight
        /// The first request finished: answer with its response.
        case replay(StoredResponse)
    }

    /// Claims `key` for `principalID`, in its own short transaction so other requests see the claim.
    public static func claim(principalID: String, key: String, requestHash: [UInt8], on connection: PostgresConnection) throws -> Claim {
        for _ in 0..<2 {
            let inserted = try connection.query(
                """
                INSERT INTO idempotency_keys (principal_id, key, request_hash, created_at)
                VALUES (\(principalID), \(key), \(requestHash), now())
                ON CONFLICT DO NOTHING RETURNING 1 AS claimed
                """)
            if !inserted.isEmpty { return .claimed }
            let rows = try connection.query(
                """
                SELECT request_hash, response_status, response_headers::text AS headers, response_body,
                       created_at < now() - interval '24 hours' AS expired
                FROM idempotency_keys WHERE principal_id = \(principalID) AND key = \(key)
                """)
            guard let row = rows.first else { continue }  // released meanwhile: try to claim again
            if try row.decode("expired", as: Bool.self) {
                try connection.query(
                    "DELETE FROM idempotency_keys WHERE principal_id = \(principalID) AND key = \(key) AND created_at < now() - interval '24 hours'"
                )
                continue
            }
            guard try row.decode("request_hash", as: [UInt8].self) == requestHash else { return .reused }
            guard let status = try row.decode("response_status", as: Int?.self) else { return .inFlight }
            let headerText = try row.decode("headers", as: String?.self) ?? ""
            return .replay(
                StoredResponse(
                    status: status, headers: decodeHeaders(headerText), body: try row.decode("response_body", as: [UInt8]?.self) ?? []))
        }
        return .inFlight
    }

    public static func complete(principalID: String, key: String, response: StoredResponse, on connection: PostgresConnection) throws {
        try connection.query(
            """
            UPDATE idempotency_keys SET response_status = \(response.status), response_headers = \(encodeHeaders(response.headers))::jsonb,
                   response_body = \(response.body)
            WHERE principal_id = \(principalID) AND key = \(key)
            """)
    }

    /// Forgets a claim whose request failed in a way worth retrying (5xx).
    public static func release(principalID: String, key: String, on connection: PostgresConnection) throws {
        try connection.query(
            "DELETE FROM idempotency_keys WHERE principal_id = \(principalID) AND key = \(key) AND response_status IS NULL")
    }

    /// Deletes records older than 24 hours.
    public static func sweep(on connection: PostgresConnection) throws {
        try connection.query("DELETE FROM idempotency_keys WHERE created_at < now() - interval '24 hours'")
    }

    /// Headers are kept as a JSON array of `[name, value]` pairs.
    static func encodeHeaders(_ headers: [(String, String)]) -> String {
        JSONValue.array(headers.map { .array([.string($0.0), .string($0.1)]) }).encodedString()
    }

    static func decodeHeaders(_ text: String) -> [(String, String)] {
        guard let pairs = (try? JSONParser.parse(Array(text.utf8)))?.arrayValue else { return [] }
        return pairs.compactMap { pair in
            guard let name = pair[0]?.stringValue, let value = pair[1]?.stringValue else { return nil }
            return (name, value)
        }
    }
}
