import Foundation
import HTTP1
import HTTPServer
import JSON
import Postgres
import Store
import Synchronization

/// The newest event seq this instance knows of, from NOTIFY payloads (every instance's commits).
/// -1 while unknown (at start, and after the listener reconnected: notifications may be lost).
public final class SeqWatch: Sendable {
    private let latest = Atomic<Int64>(-1)

    public init() {}

    public var known: Int64? {
        let value = latest.load(ordering: .acquiring)
        return value >= 0 ? value : nil
    }

    /// A `tollgate_events` payload: the highest seq a transaction committed. Seqs are drawn in
    /// commit order, so the newest notification also covers any that were missed before it.
    public func observe(_ payload: String) {
        guard let seq = Int64(payload) else { return invalidate() }
        learned(seq)
    }

    /// A seq known to be committed (from a notification, or read by a request): the watch keeps the highest.
    func learned(_ seq: Int64) {
        var current = latest.load(ordering: .relaxed)
        while seq > current {
            let (exchanged, original) = latest.compareExchange(expected: current, desired: seq, ordering: .acquiringAndReleasing)
            if exchanged { return }
            current = original
        }
    }

    public func invalidate() { latest.store(-1, ordering: .releasing) }
}

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
        let watch = api.seqWatch
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
