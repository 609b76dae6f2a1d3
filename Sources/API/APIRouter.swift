import HTTP1
import HTTPServer
import JSON
import Logging
import Postgres
import Store
import Telemetry

/// Registers the `/v1` routes. Every handler runs behind the same steps: authenticate, admit
/// (rate limit), run, and turn any error into problem+json in one place.
public struct APIRouter: Sendable {
    let store: Store
    let authenticator: Authenticator
    let idempotency: IdempotencyGuard
    let rateLimiter: RateLimiter
    let logger: Logger
    /// Whether webhook URLs may point at loopback and private addresses.
    let webhookAllowPrivate: Bool
    /// Tells the webhook dispatcher that deliveries are due now (a test, a redelivery).
    let wakeDispatcher: @Sendable () -> Void
    /// Where long-polls park; nil answers `wait` at once.
    let feed: EventFeed?

    public init(
        store: Store, authenticator: Authenticator, rateLimiter: RateLimiter, webhookAllowPrivate: Bool = false,
        wakeDispatcher: @escaping @Sendable () -> Void = {}, feed: EventFeed? = nil, logger: Logger
    ) {
        self.store = store
        self.authenticator = authenticator
        self.rateLimiter = rateLimiter
        self.idempotency = IdempotencyGuard(store: store)
        self.webhookAllowPrivate = webhookAllowPrivate
        self.wakeDispatcher = wakeDispatcher
        self.feed = feed
        self.logger = logger
    }

    public func register(in router: inout Router) {
        PrincipalRoutes(api: self).register(in: &router)
        PodRoutes(api: self).register(in: &router)
        UseCaseRoutes(api: self).register(in: &router)
        SettingsRoutes(api: self).register(in: &router)
        AuditRoutes(api: self).register(in: &router)
        EventRoutes(api: self).register(in: &router)
        GatePolicyRoutes(api: self).register(in: &router)
        GateReviewRoutes(api: self).register(in: &router)
        UsageReportRoutes(api: self).register(in: &router)
        WebhookRoutes(api: self).register(in: &router)
        PortfolioRoutes(api: self).register(in: &router)
    }

    /// Adds an authenticated route; POST routes honour `Idempotency-Key`.
    func route(
        _ method: HTTPMethod, _ template: String, _ handler: @escaping @Sendable (APIContext) throws -> Response, in router: inout Router
    ) {
        router.add(method, template, .blocking(onWorker(method, handler)))
    }

    /// Adds an authenticated route whose answer is often in memory (a cached document, a 304):
    /// for a caller whose key is in the authenticator's cache, `fromMemory` runs on the event loop,
    /// with no thread hop; it returns nil when it needs the database, and `handler` then answers
    /// on a worker as for `route`.
    func route(
        _ method: HTTPMethod, _ template: String, fromMemory: @escaping @Sendable (RequestContext, Caller) -> Response?,
        _ handler: @escaping @Sendable (APIContext) throws -> Response, in router: inout Router
    ) {
        let api = self
        let inline: @Sendable (RequestContext) -> HandlerResult? = { http in
            guard let caller = api.authenticator.cachedCaller(http.request.headers["Authorization"]),
                (try? APIRouter.refuseNUL(in: http)) != nil,
                let response = fromMemory(http, caller)
            else { return nil }
            do {
                try api.admit(caller)  // one token per request, taken once the answer is known to be here
                return HandlerResult(response, principalID: caller.principalID)
            } catch {
                return HandlerResult(api.problemResponse(for: error, http: http), principalID: caller.principalID)
            }
        }
        router.add(method, template, .inlineFirst(inline, otherwise: onWorker(method, handler)))
    }

    /// Adds an authenticated route answered later: `handler` runs on a worker and calls `reply`
    /// now or from any thread afterwards (long-polls), exactly once.
    func routeDeferred(
        _ method: HTTPMethod, _ template: String,
        _ handler: @escaping @Sendable (APIContext, _ reply: @escaping @Sendable (Response) -> Void) throws -> Void, in router: inout Router
    ) {
        let api = self
        router.add(
            method, template,
            .deferred { http, responder in
                let now = Timestamp.nowRFC3339()
                var principalID: String?
                do {
                    let caller = try api.authenticator.authenticate(http.request.headers["Authorization"], now: now)
                    principalID = caller.principalID
                    try api.admit(caller)
                    try APIRouter.refuseNUL(in: http)
                    let principal = principalID
                    try handler(APIContext(http: http, caller: caller, now: now)) {
                        responder.respond(HandlerResult($0, principalID: principal))
                    }
                } catch {
                    responder.respond(HandlerResult(api.problemResponse(for: error, http: http), principalID: principalID))
                }
            })
    }

    /// A worker's steps for `handler`: authenticate, admit, run (through the idempotency guard for
    /// a POST with `Idempotency-Key`), and any error as problem+json.
    private func onWorker(
        _ method: HTTPMethod, _ handler: @escaping @Sendable (APIContext) throws -> Response
    ) -> @Sendable (RequestContext) -> HandlerResult {
        let api = self
        return { http in
            let now = Timestamp.nowRFC3339()
            var principalID: String?
            let response: Response
            do {
                let caller = try api.authenticator.authenticate(http.request.headers["Authorization"], now: now)
                principalID = caller.principalID
                try api.admit(caller)
                try APIRouter.refuseNUL(in: http)
                let context = APIContext(http: http, caller: caller, now: now)
                if method == .post, let key = http.request.headers["Idempotency-Key"] {
                    response = try api.idempotency.run(key: key, context: context) { try handler(context) }
                } else {
                    response = try handler(context)
                }
            } catch {
                response = api.problemResponse(for: error, http: http)
            }
            return HandlerResult(response, principalID: principalID)
        }
    }

    /// U+0000 in a path parameter (`%00`) names no resource: 404; in the query: 400. No stored text
    /// can hold it, so it is answered before a handler passes it to the database.
    private static func refuseNUL(in http: RequestContext) throws(Problem) {
        if http.parameters.values.contains(where: { $0.utf8.contains(0) }) {
            throw Problem(status: .notFound, detail: "No resource has that identifier.")
        }
        try QueryString.refuseNUL(http.request.head.query)
    }

    /// 429 when the caller's key is over its rate.
    private func admit(_ caller: Caller) throws(Problem) {
        if let wait = rateLimiter.take(for: caller.keyID) {
            throw Problem(
                status: .tooManyRequests, detail: "Too many requests for this API key; retry after \(wait) s.",
                headers: ["Retry-After": String(wait)])
        }
    }

    /// The one mapping from errors to problem responses.
    func problemResponse(for error: any Error, http: RequestContext) -> Response {
        let instance = http.request.path
        switch error {
        case let problem as Problem:
            return problem.response(instance: instance)
        case let error as PostgresPoolError:
            logger.warning("database unavailable", metadata: ["request_id": "\(http.requestID)", "error": "\(error)"])
            return Problem(
                status: .serviceUnavailable, detail: "The database is unavailable; retry shortly.", headers: ["Retry-After": "1"]
            )
            .response(instance: instance)
        case let error as PostgresError where error.code == .connectionFailure || error.code == .queryCanceled:
            logger.warning("database failure", metadata: ["request_id": "\(http.requestID)", "error": "\(error.debugDescription)"])
            return Problem(
                status: .serviceUnavailable, detail: "The database did not answer in time; retry shortly.", headers: ["Retry-After": "1"]
            )
            .response(instance: instance)
        case let error as PostgresError where error.code == .uniqueViolation:
            return Problem(status: .conflict, detail: "A resource with that unique value exists already.").response(instance: instance)
        case let error as PostgresError where error.code == .serializationFailure || error.code == .deadlockDetected:
            return Problem(status: .serviceUnavailable, detail: "The server is busy; retry shortly.", headers: ["Retry-After": "1"])
                .response(instance: instance)
        default:
            logger.error("request failed", metadata: ["request_id": "\(http.requestID)", "error": "\(String(reflecting: error))"])
            return Problem(
                status: .internalServerError, slug: "internal-error", detail: "The server failed; the request id identifies it in the logs."
            )
            .response(instance: instance)
        }
    }
}
