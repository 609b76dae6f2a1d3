import Governance
import HTTPServer
import Postgres
import Store

/// Bearer authentication against hashed keys, with a short-lived cache in front of the database.
///
/// Revocation and principal changes clear the cache on every instance through LISTEN/NOTIFY
/// (`tollgate_auth`), and locally before the revoking request returns; a missed notification is
/// bounded by the 30 s time-to-live, and a listener reconnect clears everything.
public final class Authenticator: Sendable {
    struct Entry: Sendable {
        let caller: Caller
        let expiresAt: String?
        let cachedAt: ContinuousClock.Instant
    }

    private let store: Store
    /// Read on every request, written on a miss or an invalidation.
    private let cache = ReadMostly<[[UInt8]: Entry]>([:])
    static let timeToLive: Duration = .seconds(30)
    static let maxEntries = 10_000

    public init(store: Store) { self.store = store }

    /// Forgets every cached key (after a revocation or a principal change anywhere).
    public func invalidateAll() {
        cache.write { $0.removeAll() }
    }

    /// The caller for an `Authorization` header value, or 401 `unauthenticated`.
    func authenticate(_ header: String?, now: String) throws -> Caller {
        let hash = try Authenticator.presentedKeyHash(header)
        if let caller = try cached(hash, now: now) { return caller }
        let clock = ContinuousClock()
        guard let found = try store.read({ try PrincipalQueries.keyOwner(hash: hash, on: $0) }) else {
            throw Problem.unauthenticated("The API key is not valid.")
        }
        guard found.revokedAt == nil else { throw Problem.unauthenticated("The API key has been revoked.") }
        if let expiresAt = found.expiresAt, expiresAt <= now { throw Problem.unauthenticated("The API key has expired.") }
        let caller = Caller(
            principalID: found.principal.id, keyID: found.keyID, isAdmin: found.principal.admin, functions: Set(found.principal.functions))
        cache.write { cache in
            if cache.count >= Authenticator.maxEntries { cache.removeAll() }
            cache[hash] = Entry(caller: caller, expiresAt: found.expiresAt, cachedAt: clock.now)
        }
        return caller
    }

    /// The caller for a header whose key is cached and valid, found without the database; nil for
    /// anything else (`authenticate` then has the answer).
    func cachedCaller(_ header: String?, now: String) -> Caller? {
        guard let hash = try? Authenticator.presentedKeyHash(header) else { return nil }
        return (try? cached(hash, now: now)) ?? nil
    }

    private func cached(_ hash: [UInt8], now: String) throws(Problem) -> Caller? {
        guard let entry = cache.read({ $0[hash] }), ContinuousClock().now - entry.cachedAt < Authenticator.timeToLive else {
            return nil
        }
        if let expiresAt = entry.expiresAt, expiresAt <= now { throw Problem.unauthenticated("The API key has expired.") }
        return entry.caller
    }

    /// The hash of the key in `Bearer <key>`.
    private static func presentedKeyHash(_ header: String?) throws(Problem) -> [UInt8] {
        guard let header, header.count > 7, header.prefix(7).lowercased() == "bearer " else {
            throw Problem.unauthenticated("Send Authorization: Bearer <api key>.")
        }
        let key = String(header.dropFirst(7)).trimmed(" \t")
        guard APIKeyMaterial.isPlausible(key) else { throw Problem.unauthenticated("The API key is not valid.") }
        return APIKeyMaterial.hash(key)
    }
}

extension Problem {
    static func unauthenticated(_ detail: String) -> Problem {
        Problem(status: .unauthorized, detail: detail, headers: ["WWW-Authenticate": "Bearer"])
    }

    static func forbidden(_ detail: String) -> Problem { Problem(status: .forbidden, detail: detail) }

    static func notFound(_ what: String) -> Problem { Problem(status: .notFound, detail: "No \(what) with that id.") }

    static func conflict(_ detail: String, slug: String = "conflict") -> Problem {
        Problem(status: .conflict, slug: slug, detail: detail)
    }
}
