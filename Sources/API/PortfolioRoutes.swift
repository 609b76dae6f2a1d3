import Foundation
import HTTP1
import HTTPServer
import JSON
import Postgres
import Store
import Synchronization

/// `GET /v1/portfolio/summary` (API.md section 7). The document is as of the last event that
/// changed a figure; it is kept in memory with the newest event seq it is known to be current at.
/// While no event commits (the seq watch says so), polling dashboards are answered on the event
/// loop, 304 when they send the ETag they hold; after an event, one small query tells whether a
/// figure changed, and only then are the totals read again.
struct PortfolioRoutes {
    let api: APIRouter

    /// A class: the memory path copies one reference out of the lock.
    final class Summary: Sendable {
        /// The newest event seq at which this document was known to be current.
        let checkedAt: Int64
        /// The event the figures are as of (`as_of_seq`).
        let figuresSeq: Int64
        let document: Responses.Prepared

        init(checkedAt: Int64, figuresSeq: Int64, document: Responses.Prepared) {
            self.checkedAt = checkedAt
            self.figuresSeq = figuresSeq
            self.document = document
        }
    }

    final class Cache: Sendable {
        private let state = Mutex<Summary?>(nil)

        var current: Summary? { state.withLock { $0 } }

        /// Keeps whichever of the two was checked at the newer seq.
        func offer(_ summary: Summary) {
            state.withLock { current in
                if current == nil || current!.checkedAt < summary.checkedAt { current = summary }
            }
        }
    }

    func register(in router: inout Router) {
        let store = api.store
        let watch = store.seqWatch
        let cache = Cache()
        api.route(
            .get, "/v1/portfolio/summary",
            fromMemory: { http, _ in
                guard let known = watch.known, let cached = cache.current, cached.checkedAt >= known else { return nil }
                return Responses.resource(cached.document, request: http.request)
            },
            { context in
                // One snapshot for the seqs and every figure, so the document is exactly as of its seq.
                let summary = try store.pool.transaction(isolation: .repeatableRead) { connection -> Summary in
                    let (newest, figuresSeq) = try PortfolioSummaryQueries.seqs(on: connection)
                    if let cached = cache.current, cached.figuresSeq == figuresSeq {
                        return Summary(checkedAt: newest, figuresSeq: figuresSeq, document: cached.document)
                    }
                    let body = try PortfolioSummaryQueries.compute(on: connection).encoded()
                    return Summary(
                        checkedAt: newest, figuresSeq: figuresSeq,
                        document: Responses.Prepared(body: body, tag: EntityTag(representation: body)))
                }
                cache.offer(summary)
                watch.learned(summary.checkedAt)
                return Responses.resource(summary.document, request: context.request)
            }, in: &router)
    }
}
