import HTTP1
import Synchronization
import Telemetry

/// Request counts by route template, method and status, and latency histograms, sharded per event loop.
public final class ServerMetrics: Sendable {
    struct Key: Hashable, Sendable {
        var route: String
        var method: String
        var status: Int
    }

    struct Shard: Sendable {
        var requests: [Key: Int] = [:]
        var latency: [String: Histogram] = [:]
        var openConnections = 0
        var acceptedConnections = 0
    }

    final class Locked: Sendable {
        let state = Mutex(Shard())
        func withLock<T>(_ body: (inout Shard) -> T) -> T { state.withLock { body(&$0) } }
    }

    let shards: [Locked]

    init(loops: Int) {
        shards = (0..<loops).map { _ in Locked() }
    }

    func record(loop: Int, route: String, method: HTTPMethod, status: Int, seconds: Double) {
        shards[loop].withLock { shard in
            shard.requests[Key(route: route, method: method.rawValue, status: status), default: 0] += 1
            shard.latency[route, default: Histogram()].observe(seconds)
        }
    }

    func connectionOpened(loop: Int) {
        shards[loop].withLock {
            $0.openConnections += 1
            $0.acceptedConnections += 1
        }
    }

    func connectionClosed(loop: Int) {
        shards[loop].withLock { $0.openConnections -= 1 }
    }

    public var openConnections: Int { shards.reduce(0) { sum, shard in sum + shard.withLock { $0.openConnections } } }

    /// Appends the server's metrics in Prometheus text format.
    public func render(into out: inout PrometheusText) {
        var requests: [Key: Int] = [:]
        var latency: [String: Histogram] = [:]
        var open = 0, accepted = 0
        for shard in shards {
            shard.withLock { s in
                requests.merge(s.requests, uniquingKeysWith: +)
                for (route, h) in s.latency { latency[route, default: Histogram()].merge(h) }
                open += s.openConnections
                accepted += s.acceptedConnections
            }
        }
        out.header("tollgate_http_requests_total", type: "counter", help: "HTTP requests answered, by route template, method and status.")
        for (key, value) in requests.sorted(by: {
            ($0.key.route, $0.key.method, $0.key.status) < ($1.key.route, $1.key.method, $1.key.status)
        }) {
            out.sample(
                "tollgate_http_requests_total", labels: [("route", key.route), ("method", key.method), ("status", String(key.status))],
                value)
        }
        out.header(
            "tollgate_http_request_duration_seconds", type: "histogram", help: "Time from a complete request to its response being queued.")
        for (route, h) in latency.sorted(by: { $0.key < $1.key }) {
            out.histogram("tollgate_http_request_duration_seconds", labels: [("route", route)], h)
        }
        out.header("tollgate_http_open_connections", type: "gauge", help: "Client connections open now.")
        out.sample("tollgate_http_open_connections", open)
        out.header("tollgate_http_accepted_connections_total", type: "counter", help: "Client connections accepted.")
        out.sample("tollgate_http_accepted_connections_total", accepted)
    }
}
