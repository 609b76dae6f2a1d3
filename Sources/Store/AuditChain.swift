import Crypto
import JSON
import Postgres

/// One entry of the audit chain (API.md section 8).
public struct AuditEntry: Sendable, Equatable {
    public let seq: Int64
    /// RFC 3339, UTC, milliseconds.
    public let at: String
    public let actorPrincipalID: String?
    public let action: String
    public let entityType: String
    public let entityID: String
    public let requestID: String?
    public let before: JSONValue?
    public let after: JSONValue?
    public let prevHash: String

    /// The entry without its hash, as the API shows it and as the hash covers it.
    public var json: JSONValue {
        .object(
            JSONObject([
                ("seq", .number(JSONNumber(seq))),
                ("at", .string(at)),
                ("actor_principal_id", JSONValue(actorPrincipalID)),
                ("action", .string(action)),
                ("entity_type", .string(entityType)),
                ("entity_id", .string(entityID)),
                ("request_id", JSONValue(requestID)),
                ("before", before ?? .null),
                ("after", after ?? .null),
                ("prev_hash", .string(prevHash)),
            ]))
    }
}

/// The hash chain over audit entries.
///
/// `hash = lowercase hex of SHA-256(prev_hash ‖ canonical JSON of the entry without "hash")`, where
/// `prev_hash` is the previous entry's hash as its 64 ASCII hex characters (64 zeros for the first
/// entry), and the canonical JSON is the JSON module's canonical form: object keys sorted by UTF-16
/// code units, no whitespace, strings minimally escaped, numbers as their literal text. The entry's
/// fields are `seq, at, actor_principal_id, action, entity_type, entity_id, request_id, before,
/// after, prev_hash` (absent values as `null`).
public enum AuditChain {
    public static let genesisHash = String(repeating: "0", count: 64)

    public static func hash(of entry: AuditEntry) -> String {
        hash(of: entry, before: entry.before?.canonicalEncoded(), after: entry.after?.canonicalEncoded())
    }

    /// The same hash, with `before` and `after` already in canonical form: writers render them
    /// before they take the chain's lock, so the lock covers only this and the insert.
    static func hash(of entry: AuditEntry, before: [UInt8]?, after: [UInt8]?) -> String {
        var input = Array(entry.prevHash.utf8)
        input += canonicalJSON(of: entry, before: before, after: after)
        return hex(Array(SHA256.hash(data: input)))
    }

    /// `entry.json.canonicalEncoded()`, assembled around pre-rendered `before` and `after`: the
    /// keys are fixed ASCII names, written here in their canonical (sorted) order.
    static func canonicalJSON(of entry: AuditEntry, before: [UInt8]?, after: [UInt8]?) -> [UInt8] {
        let null = Array("null".utf8)
        func scalar(_ value: JSONValue) -> [UInt8] { value.canonicalEncoded() }
        let members: [(String, [UInt8])] = [
            ("action", scalar(.string(entry.action))), ("actor_principal_id", scalar(JSONValue(entry.actorPrincipalID))),
            ("after", after ?? null), ("at", scalar(.string(entry.at))), ("before", before ?? null),
            ("entity_id", scalar(.string(entry.entityID))), ("entity_type", scalar(.string(entry.entityType))),
            ("prev_hash", scalar(.string(entry.prevHash))), ("request_id", scalar(JSONValue(entry.requestID))),
            ("seq", scalar(.number(JSONNumber(entry.seq)))),
        ]
        var out: [UInt8] = [UInt8(ascii: "{")]
        out.reserveCapacity((before?.count ?? 4) + (after?.count ?? 4) + 400)
        for (index, (key, value)) in members.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            out += scalar(.string(key))
            out.append(UInt8(ascii: ":"))
            out += value
        }
        out.append(UInt8(ascii: "}"))
        return out
    }

    public enum Verdict: Sendable, Equatable {
        case valid(entries: Int)
        case invalid(firstInvalidSeq: Int64)
    }

    /// Recomputes the chain from the stored columns, in pages, and reports the first entry whose
    /// link or hash does not hold (a row edited or removed behind the API's back).
    public static func verify(on connection: PostgresConnection) throws -> Verdict {
        var previous = genesisHash
        var expectedSeq: Int64 = 1
        var count = 0
        while true {
            let rows = try connection.query(
                """
                SELECT seq, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS at, actor_principal_id,
                       action, entity_type, entity_id, request_id, before::text AS before, after::text AS after,
                       prev_hash, hash
                FROM audit_log WHERE seq >= \(expectedSeq) ORDER BY seq LIMIT 1000
                """)
            if rows.isEmpty { return .valid(entries: count) }
            for row in rows {
                let seq = try row.decode("seq", as: Int64.self)
                guard seq == expectedSeq else { return .invalid(firstInvalidSeq: expectedSeq) }
                let entry = try AuditEntry(row: row)
                guard entry.prevHash == previous, try row.decode("hash", as: String.self) == hash(of: entry) else {
                    return .invalid(firstInvalidSeq: seq)
                }
                previous = try row.decode("hash", as: String.self)
                expectedSeq += 1
                count += 1
            }
        }
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

extension AuditEntry {
    /// Reads an entry from a row selected with `at` formatted to milliseconds and before/after as text.
    init(row: PostgresRow) throws {
        func json(_ column: String) throws -> JSONValue? {
            guard let text = try row.decode(column, as: String?.self) else { return nil }
            return try JSONParser.parse(Array(text.utf8))
        }
        self.init(
            seq: try row.decode("seq", as: Int64.self), at: try row.decode("at", as: String.self),
            actorPrincipalID: try row.decode("actor_principal_id", as: String?.self),
            action: try row.decode("action", as: String.self), entityType: try row.decode("entity_type", as: String.self),
            entityID: try row.decode("entity_id", as: String.self), requestID: try row.decode("request_id", as: String?.self),
            before: try json("before"), after: try json("after"), prevHash: try row.decode("prev_hash", as: String.self))
    }
}
