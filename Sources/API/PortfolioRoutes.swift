import Foundation
import HTTP1
import HTTPServer
import JSON
import Postgres
import Store
import Synchronization

/// `GET /v1/portfolio/summary` (API.md section 7). The document is a function of the event seq it
/// is as of; it is computed once per new seq and kept, so polling dashboards cost one comparison
/// (no database) while nothing changes, and a 304 when they send the ETag they hold.
struct PortfolioRoutes {
    let api: APIRouter

    final class Cache: Sendable {
        let state = Mutex<(seq: Int64, body: [UInt8], tag: EntityTag)?>(nil)
    }

    func register(in router: inout Router) {
        let store = api.store
        let watch = store.seqWatch
        let cache = Cache()
        api.route(
            .get, "/v1/portfolio/summary",
            { context in
                if let known = watch.known, let cached = cache.state.withLock({ $0 }), cached.seq == known {
                    return Responses.resource(.ok, body: cached.body, tag: cached.tag, request: context.request)
                }
                // One snapshot for the head and every figure, so the document is exactly as of its seq.
                let computed = try store.pool.transaction(isolation: .repeatableRead) { connection -> (Int64, [UInt8], EntityTag) in
                    let head = try PortfolioSummaryQueries.head(on: connection).seq
                    if let cached = cache.state.withLock({ $0 }), cached.seq == head { return cached }
                    let (seq, document) = try PortfolioSummaryQueries.compute(on: connection)
                    let body = document.encoded()
                    return (seq, body, EntityTag(representation: body))
                }
                cache.state.withLock { current in
                    if current == nil || current!.seq < computed.0 { current = (computed.0, computed.1, computed.2) }
                }
                watch.learned(computed.0)
                return Responses.resource(.ok, body: computed.1, tag: computed.2, request: context.request)
            }, in: &router)
    }
}
