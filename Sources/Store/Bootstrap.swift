import Governance
import Postgres

extension Store {
    /// Makes sure an admin principal holds the key whose hash is given (created if missing).
    /// - Returns: the principal's id.
    @discardableResult
    public func ensureAdmin(holdingKey key: String, keyName: String, principalName: String, at now: String) throws -> String {
        let hash = APIKeyMaterial.hash(key)
        let (id, _) = try write(actor: nil, requestID: nil, at: now) { connection, journal -> String in
            try connection.query("SELECT pg_advisory_xact_lock(\(Int64(0x7467_5f62_6f6f_7473)))")  // one bootstrap at a time
            if let owner = try PrincipalQueries.keyOwner(hash: hash, on: connection) {
                if !owner.principal.admin {
                    var promoted = owner.principal
                    promoted.admin = true
                    promoted.version += 1
                    promoted.updatedAt = now
                    try PrincipalQueries.update(promoted, on: connection)
                    journal.audit(
                        "principal.updated", entityType: "principal", entityID: promoted.id, before: owner.principal.json,
                        after: promoted.json)
                }
                return owner.principal.id
            }
            let principal = PrincipalRecord(
                id: Identifiers.make(.principal), name: principalName, email: nil, functions: [], admin: true, version: 1, createdAt: now,
                updatedAt: now)
            try PrincipalQueries.insert(principal, on: connection)
            journal.audit("principal.created", entityType: "principal", entityID: principal.id, before: nil, after: principal.json)
            let record = APIKeyRecord(
                id: Identifiers.make(.apiKey), principalID: principal.id, name: keyName, prefix: APIKeyMaterial.displayPrefix(key),
                createdAt: now, expiresAt: nil)
            try PrincipalQueries.insertKey(record, hash: hash, on: connection)
            journal.audit(
                "api_key.created", entityType: "api_key", entityID: record.id, before: nil,
                after: .object(["id": .string(record.id), "name": .string(keyName)]))
            return principal.id
        }
        return id
    }
}
