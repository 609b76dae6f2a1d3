import Foundation
import HTTP1
import HTTPServer
import JSON
import Store

/// `GET /v1/events?after=&limit=&types=&wait=` (API.md section 7): the change feed, ascending by seq,
/// long-polling up to `wait` seconds when nothing is new.
struct EventRoutes {
    let api: APIRouter
    static let typePattern = #"^[a-z_]+(\.[a-z_]+)?$|^[a-z_]+\.\*$"#

    func register(in router: inout Router) {
        let store = api.store
        let feed = api.feed
        api.routeDeferred(
            .get, "/v1/events",
            { context, reply in
                let query = context.query
                var after: Int64 = 0
                if let text = query["after"] {
                    guard let value = Int64(text), value >= 0 else {
                        throw Problem(status: .badRequest, detail: "after must be a non-negative seq.")
                    }
                    after = value
                }
                var limit = 100
                if let text = query["limit"] {
                    guard let value = Int(text), (1...1000).contains(value) else {
                        throw Problem(status: .badRequest, detail: "limit must be 1 to 1000.")
                    }
                    limit = value
                }
                var types: [String] = []
                if let text = query["types"], !text.isEmpty {
                    types = text.split(separator: ",").map(String.init)
                    guard types.count <= 50, types.allSatisfy(EventRoutes.isTypeFilter) else {
                        throw Problem(status: .badRequest, detail: "types must be event types or prefix.* patterns, comma-separated.")
                    }
                }
                var wait = 0
                if let text = query["wait"] {
                    guard let value = Int(text), (0...30).contains(value) else {
                        throw Problem(status: .badRequest, detail: "wait must be 0 to 30 seconds.")
                    }
                    wait = value
                }
                let deadline = ContinuousClock.now + .seconds(wait)
                let events = try store.read { try EventQueries.list(after: after, limit: limit, types: types, on: $0) }
                guard events.isEmpty, wait > 0, let feed else { return reply(Self.page(events, after: after)) }
                // Nothing new: park without a thread or a connection until an event commits or the wait ends.
                let since = after
                let parked = feed.park(after: since, types: types, limit: limit, deadline: deadline) { events in
                    reply(Self.page(events, after: since))
                }
                if !parked { reply(Self.page([], after: since)) }
            }, in: &router)
    }

    /// `{"events": [...], "next_after": N}`, each event's stored `data` spliced in as written.
    static func page(_ events: [EventQueries.StoredEvent], after: Int64) -> Response {
        var body: [UInt8] = Array(#"{"events":["#.utf8)
        for (index, event) in events.enumerated() {
            if index > 0 { body.append(UInt8(ascii: ",")) }
            let head = JSONValue.object(
                JSONObject([
                    ("id", .string(event.id)), ("seq", .number(JSONNumber(event.seq))), ("type", .string(event.type)),
                    ("occurred_at", .string(event.occurredAt)),
                ])
            ).encoded()
            body += head.dropLast()
            body += Array(#","data":"#.utf8) + Array(event.dataJSON.utf8) + [UInt8(ascii: "}")]
        }
        body += Array(#"],"next_after":\#(events.last?.seq ?? after)}"#.utf8)
        return Response(status: .ok, headers: ["Content-Type": Responses.jsonContentType], body: body)
    }

    static func isTypeFilter(_ text: String) -> Bool {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), text.count <= 100 else { return false }
        return parts.enumerated().allSatisfy { index, part in
            (index == 1 && part == "*") || (!part.isEmpty && part.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || $0 == UInt8(ascii: "_") })
        }
    }
}
