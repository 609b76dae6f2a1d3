import Crypto
import HTTP1
import HTTPServer
import JSON
import Store

/// `Idempotency-Key` on POST (API.md section 1): the same key from the same principal with the
/// same method, path and body replays the first response for 24 hours; a different request is
/// 422 `idempotency-key-reused`; while the first runs, 409 `idempotency-key-in-use`.
struct IdempotencyGuard: Sendable {
    let store: Store

    func run(key: String, context: APIContext, _ body: () throws -> Response) throws -> Response {
        guard (1...255).contains(key.count), key.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) else {
            throw Problem(status: .badRequest, detail: "Idempotency-Key must be 1 to 255 visible ASCII characters.")
        }
        let request = context.request
        var fingerprint = Array("\(request.method.rawValue) \(request.head.target)\n".utf8)
        fingerprint += request.body
        let hash = Array(SHA256.hash(data: fingerprint))
        let principal = context.caller.principalID
        switch try store.read({ try IdempotencyQueries.claim(principalID: principal, key: key, requestHash: hash, on: $0) }) {
        case .reused:
            throw Problem(
                status: .unprocessableContent, slug: "idempotency-key-reused",
                detail: "This Idempotency-Key was used for a different request.")
        case .inFlight:
            throw Problem(
                status: .conflict, slug: "idempotency-key-in-use", detail: "A request with this Idempotency-Key is still being processed.")
        case .replay(let stored):
            var headers = HTTPHeaders(stored.headers.map { (name: $0.0, value: $0.1) })
            headers.add(name: "Idempotent-Replayed", value: "true")
            return Response(status: HTTPStatus(code: stored.status), headers: headers, body: stored.body)
        case .claimed:
            let response: Response
            do {
                response = try body()
            } catch let problem as Problem where problem.status.code < 500 {
                response = problem.response(instance: request.path)
            } catch {
                try? store.read { try IdempotencyQueries.release(principalID: principal, key: key, on: $0) }
                throw error
            }
            if response.status.code >= 500 {
                try? store.read { try IdempotencyQueries.release(principalID: principal, key: key, on: $0) }
                return response
            }
            // A response marked no-store holds a secret shown once (a new API key, a webhook secret):
            // it is kept without it, so a replay says what was created but never repeats the secret.
            var storedBody = response.body
            if response.headers["Cache-Control"] == "no-store", var object = (try? JSONParser.parse(response.body))?.objectValue {
                _ = object.removeValue(forKey: "key")
                _ = object.removeValue(forKey: "secret")
                storedBody = JSONValue.object(object).encoded()
            }
            let kept = response.headers.filter { ["content-type", "location", "etag", "cache-control"].contains($0.name.lowercased()) }.map
            {
                ($0.name, $0.value)
            }
            try store.read {
                try IdempotencyQueries.complete(
                    principalID: principal, key: key,
                    response: StoredResponse(status: response.status.code, headers: kept, body: storedBody), on: $0)
            }
            return response
        }
    }
}
