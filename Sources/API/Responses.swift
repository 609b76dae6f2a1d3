import HTTP1
import HTTPServer
import JSON

/// Builds API responses: JSON with the one content type, strong ETags on single resources and
/// list pages, and `304 Not Modified` when the client's copy is current.
enum Responses {
    static let jsonContentType = "application/json; charset=utf-8"

    static func json(_ status: HTTPStatus, _ value: JSONValue, headers: HTTPHeaders = HTTPHeaders()) -> Response {
        var headers = headers
        headers.replaceOrAdd(name: "Content-Type", value: jsonContentType)
        return Response(status: status, headers: headers, body: value.encoded())
    }

    /// A single resource with its ETag; 304 when `If-None-Match` matches.
    static func resource(_ value: JSONValue, request: Request, headers: HTTPHeaders = HTTPHeaders()) -> Response {
        resource(.ok, value, request: request, headers: headers)
    }

    static func resource(_ status: HTTPStatus, _ value: JSONValue, request: Request, headers: HTTPHeaders = HTTPHeaders()) -> Response {
        let body = value.encoded()
        return resource(status, body: body, tag: EntityTag(representation: body), request: request, headers: headers)
    }

    /// A single resource already rendered, with its tag.
    static func resource(_ status: HTTPStatus, body: [UInt8], tag: EntityTag, request: Request, headers: HTTPHeaders = HTTPHeaders())
        -> Response
    {
        var headers = headers
        headers.replaceOrAdd(name: "ETag", value: tag.quoted)
        if status == .ok, isCurrent(tag, request) {
            return Response(status: .notModified, headers: headers)
        }
        headers.replaceOrAdd(name: "Content-Type", value: jsonContentType)
        return Response(status: status, headers: headers, body: body)
    }

    /// A resource served many times as it is (a cached document): both answers built once.
    struct Prepared: Sendable {
        let tag: EntityTag
        let ok: Response
        let notModified: Response

        init(body: [UInt8], tag: EntityTag) {
            self.tag = tag
            ok = Response(status: .ok, headers: ["ETag": tag.quoted, "Content-Type": jsonContentType], body: body)
            notModified = Response(status: .notModified, headers: ["ETag": tag.quoted])
        }
    }

    static func resource(_ prepared: Prepared, request: Request) -> Response {
        isCurrent(prepared.tag, request) ? prepared.notModified : prepared.ok
    }

    /// A GET or HEAD whose `If-None-Match` names `tag`: the client's copy is current.
    private static func isCurrent(_ tag: EntityTag, _ request: Request) -> Bool {
        guard request.method == .get || request.method == .head, let inm = request.headers["If-None-Match"] else { return false }
        return tag.matchesIfNoneMatch(inm)
    }

    static func noContent() -> Response { Response(status: .noContent) }

    /// `{"items": [...], "next_cursor": ...}` with a `Link: rel="next"` header when there is more,
    /// and a strong ETag of the page: a dashboard polling a queue gets 304 while it is unchanged.
    static func list(_ items: [JSONValue], next: Cursor?, request: Request, limit: Int) -> Response {
        var headers = HTTPHeaders()
        if let next {
            var query = QueryString.parse(request.head.query)
            query["cursor"] = next.encoded
            query["limit"] = String(limit)
            let rendered = query.sorted { $0.key < $1.key }.map { "\(percentEncode($0.key))=\(percentEncode($0.value))" }.joined(
                separator: "&")
            headers.add(name: "Link", value: "<\(request.path)?\(rendered)>; rel=\"next\"")
        }
        let body = JSONValue.object(JSONObject([("items", .array(items)), ("next_cursor", JSONValue(next?.encoded))])).encoded()
        return resource(.ok, body: body, tag: EntityTag(representation: body), request: request, headers: headers)
    }

    static func percentEncode(_ text: String) -> String {
        var out = ""
        for b in text.utf8 {
            switch b {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(b))
            default:
                out += "%" + String(b, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return out
    }
}

/// `?limit=` and `?cursor=` of a list request (API.md section 1).
struct ListQuery {
    let limit: Int
    let cursor: Cursor?

    init(_ query: [String: String]) throws(Problem) {
        if let text = query["limit"] {
            guard let value = Int(text), (1...200).contains(value) else {
                throw Problem(status: .badRequest, detail: "limit must be a whole number from 1 to 200.")
            }
            limit = value
        } else {
            limit = 50
        }
        if let text = query["cursor"] {
            guard let cursor = Cursor(encoded: text) else {
                throw Problem(status: .badRequest, detail: "cursor is not one this server issued.")
            }
            self.cursor = cursor
        } else {
            cursor = nil
        }
    }

    /// Splits `limit + 1` fetched rows into the page and the cursor of the next one.
    func page<T>(_ rows: [(T, Int64)]) -> (items: [T], next: Cursor?) {
        guard rows.count > limit else { return (rows.map(\.0), nil) }
        let page = Array(rows.prefix(limit))
        return (page.map(\.0), page.last.map { Cursor(position: $0.1) })
    }
}

extension String {
    func leftPadded(to width: Int) -> String { count >= width ? self : String(repeating: "0", count: width - count) + self }
}
