import HTTP1
import HTTPServer
import Postgres
import Telemetry
import Webhooks

/// `/healthz`, `/readyz`, `/metrics` and `/openapi.yaml` (API.md section 9). They answer from memory
/// on the event loop, so they stay fast and truthful while the database is slow or gone.
struct OperationsRoutes {
    let readiness: ReadinessProbe
    let server: @Sendable () -> HTTPServer?
    let pool: PostgresPool
    let webhookMetrics: WebhookMetrics
    let openAPIDocument: [UInt8]?

    static let healthy = Response(status: .ok, headers: ["Content-Type": "application/json"], body: Array("{\"status\":\"ok\"}".utf8))

    func register(in router: inout Router) {
        router.add(.get, "/healthz", .inline { _ in HandlerResult(OperationsRoutes.healthy) })
        router.add(
            .get, "/readyz",
            .inline { [readiness] _ in
                switch readiness.state {
                case .ready:
                    return HandlerResult(
                        Response(status: .ok, headers: ["Content-Type": "application/json"], body: Array("{\"status\":\"ready\"}".utf8)))
                case .databaseUnreachable:
                    return HandlerResult(
                        Problem(status: .serviceUnavailable, detail: "The database does not answer.", headers: ["Retry-After": "1"])
                            .response(instance: "/readyz"))
                case .migrationsBehind(let applied, let expected):
                    return HandlerResult(
                        Problem(
                            status: .serviceUnavailable, detail: "Migrations are not current (applied \(applied), expected \(expected)).",
                            headers: ["Retry-After": "5"]
                        ).response(instance: "/readyz"))
                case .shuttingDown:
                    return HandlerResult(
                        Problem(status: .serviceUnavailable, detail: "The server is shutting down.", headers: ["Retry-After": "1"])
                            .response(instance: "/readyz"))
                }
            })
        router.add(
            .get, "/metrics",
            .inline { [server, pool, readiness, webhookMetrics] _ in
                var text = PrometheusText()
                webhookMetrics.render(into: &text)
                if let server = server() {
                    server.metrics.render(into: &text)
                    let load = server.pool.load
                    text.header("tollgate_http_workers_busy", type: "gauge", help: "Worker threads running a handler.")
                    text.sample("tollgate_http_workers_busy", load.running)
                    text.header("tollgate_http_workers_queued", type: "gauge", help: "Requests waiting for a worker thread.")
                    text.sample("tollgate_http_workers_queued", load.queued)
                }
                let stats = pool.stats
                text.header("tollgate_db_pool_size", type: "gauge", help: "Most database connections the pool opens.")
                text.sample("tollgate_db_pool_size", stats.size)
                text.header("tollgate_db_pool_open", type: "gauge", help: "Database connections open now.")
                text.sample("tollgate_db_pool_open", stats.open)
                text.header("tollgate_db_pool_in_use", type: "gauge", help: "Database connections lent out now.")
                text.sample("tollgate_db_pool_in_use", stats.inUse)
                text.header("tollgate_db_pool_waiting", type: "gauge", help: "Callers waiting for a database connection.")
                text.sample("tollgate_db_pool_waiting", stats.waiting)
                text.header("tollgate_ready", type: "gauge", help: "1 when the database answers and migrations are current.")
                text.sample("tollgate_ready", readiness.state == .ready ? 1 : 0)
                return HandlerResult(
                    Response(
                        status: .ok, headers: ["Content-Type": "text/plain; version=0.0.4; charset=utf-8"], body: Array(text.text.utf8)))
            })
        router.add(.get, "/dashboard", .inline { context in HandlerResult(DashboardPage.response(to: context.request)) })
        if let openAPIDocument {
            let response = Response(status: .ok, headers: ["Content-Type": "application/yaml"], body: openAPIDocument)
            router.add(.get, "/openapi.yaml", .inline { _ in HandlerResult(response) })
        }
    }
}
