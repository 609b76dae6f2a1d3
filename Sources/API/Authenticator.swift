import Governance
import HTTPServer
import Postgres
import Store
import Telemetry

/// Bearer authentication against hashed keys, with a short-lived cache in front of the database.
///
/// Revocation and principal changes clear the cache on every instance through LISTEN/NOTIFY
/// (`tollgate_auth`), and locally before the revoking request returns; a missed notification is
/// bounded by the 30 s time-to-live, and a listener reconnect clears everything.
public final class Authenticator: Sendable {
    /// A class: a cache hit, on every request, copies one reference out of the lock.
    final class Entry: Sendable {
        let caller: Caller
        let expiresAt: String?
        let cachedAt: ContinuousClock.Instant

        init(caller: Caller, expiresAt: String?, cachedAt: ContinuousClock.Instant) {
            self.caller = caller
            self.expiresAt = expiresAt
            self.cachedAt = cachedAt
        }
    }

    /// A key's SHA-256, as the cache's key: four words hash and compare faster than 32 bytes.
    struct Digest: Hashable, Sendable {
        let a: UInt64, b: UInt64, c: UInt64, d: UInt64

        /// Hashes a key given as UTF-8.
        init(hashing key: UnsafeRawBufferPointer) {
            (a, b, c, d) = withUnsafeTemporaryAllocation(byteCount: 32, alignment: 8) { output in
                APIKeyMaterial.hash(utf8: key, into: output)
                return (
                    output.load(fromByteOffset: 0, as: UInt64.self), output.load(fromByteOffset: 8, as: UInt64.self),
                    output.load(fromByteOffset: 16, as: UInt64.self), output.load(fromByteOffset: 24, as: UInt64.self)
                )
            }
        }

        /// The 32 bytes, as stored.
        var bytes: [UInt8] {
            withUnsafeBytes(of: (a, b, c, d)) { Array($0) }
        }
    }

    private let store: Store
    /// Read on every request, written on a miss or an invalidation.
    private let cache = ReadMostly<[Digest: Entry]>([:])
    static let timeToLive: Duration = .seconds(30)
    static let maxEntries = 10_000

    public init(store: Store) { self.store = store }

    /// Forgets every cached key (after a revocation or a principal change anywhere).
    public func invalidateAll() {
        cache.write { $0.removeAll() }
    }

    /// The caller for an `Authorization` header value, or 401 `unauthenticated`.
    func authenticate(_ header: String?, now: String) throws -> Caller {
        let digest = try Authenticator.presentedKey(header)
        if let caller = try cached(digest, now: { now }) { return caller }
        let clock = ContinuousClock()
        guard let found = try store.read({ try PrincipalQueries.keyOwner(hash: digest.bytes, on: $0) }) else {
            throw Problem.unauthenticated("The API key is not valid.")
        }
        guard found.revokedAt == nil else { throw Problem.unauthenticated("The API key has been revoked.") }
        if let expiresAt = found.expiresAt, expiresAt <= now { throw Problem.unauthenticated("The API key has expired.") }
        let caller = Caller(
            principalID: found.principal.id, keyID: found.keyID, isAdmin: found.principal.admin, functions: Set(found.principal.functions))
        cache.write { cache in
            if cache.count >= Authenticator.maxEntries { cache.removeAll() }
            cache[digest] = Entry(caller: caller, expiresAt: found.expiresAt, cachedAt: clock.now)
        }
        return caller
    }

    /// The caller for a header whose key is cached and valid, found without the database; nil for
    /// anything else (`authenticate` then has the answer).
    func cachedCaller(_ header: String?) -> Caller? {
        guard let digest = try? Authenticator.presentedKey(header) else { return nil }
        return (try? cached(digest, now: Timestamp.nowRFC3339)) ?? nil
    }

    /// `now` is asked only for a key that expires.
    private func cached(_ digest: Digest, now: () -> String) throws(Problem) -> Caller? {
        guard let entry = cache.read({ $0[digest] }), ContinuousClock().now - entry.cachedAt < Authenticator.timeToLive else {
            return nil
        }
        if let expiresAt = entry.expiresAt, expiresAt <= now() { throw Problem.unauthenticated("The API key has expired.") }
        return entry.caller
    }

    /// The header last presented on this thread and its key's digest. A keep-alive client sends the
    /// same header on every request, and comparing it costs far less than hashing it again; it holds
    /// no more of a key than the thread's request buffers already do, and only until the next one.
    private final class LastPresented {
        var header = ""
        var digest: Digest?
    }
    private static let lastPresented = ThreadMemo { LastPresented() }

    /// The digest of the key in `Bearer <key>` (the scheme in any case), read where it lies in the
    /// header: this runs for every request, some of them on the event loop.
    private static func presentedKey(_ header: String?) throws(Problem) -> Digest {
        let last = lastPresented.value
        if let header, let digest = last.digest, header.hasSameBytes(as: last.header) { return digest }
        let digest = try digestOfPresentedKey(header)
        last.header = header ?? ""
        last.digest = digest
        return digest
    }

    private static func digestOfPresentedKey(_ header: String?) throws(Problem) -> Digest {
        enum Presented { case digest(Digest), noScheme, implausible }
        guard var header else { throw Problem.unauthenticated("Send Authorization: Bearer <api key>.") }
        let presented = header.withUTF8 { bytes -> Presented in
            let scheme = "bearer ".utf8
            guard bytes.count > scheme.count,
                zip(bytes, scheme).allSatisfy({ $0 == $1 || ($1 >= 0x61 && $1 <= 0x7A && $0 == $1 - 0x20) })
            else { return .noScheme }
            var key = bytes[scheme.count...]
            while let first = key.first, first == 0x20 || first == 0x09 { key = key.dropFirst() }
            while let last = key.last, last == 0x20 || last == 0x09 { key = key.dropLast() }
            let raw = UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: key))
            return APIKeyMaterial.isPlausible(utf8: raw) ? .digest(Digest(hashing: raw)) : .implausible
        }
        switch presented {
        case .digest(let digest): return digest
        case .noScheme: throw Problem.unauthenticated("Send Authorization: Bearer <api key>.")
        case .implausible: throw Problem.unauthenticated("The API key is not valid.")
        }
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
