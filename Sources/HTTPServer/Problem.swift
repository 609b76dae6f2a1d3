import HTTP1
import Telemetry

/// RFC 9457 problem details: the one place where a status becomes an `application/problem+json` body.
public struct Problem: Error, Sendable {
    public static let typeBase = "https://tollgate.dev/problems/"

    public var status: HTTPStatus
    public var slug: String
    public var title: String
    public var detail: String
    public var headers: HTTPHeaders
    /// Extra members, already encoded as JSON (e.g. `"errors": [...]`).
    public var extensionsJSON: [(key: String, json: String)]

    public init(
        status: HTTPStatus, slug: String? = nil, title: String? = nil, detail: String, headers: HTTPHeaders = HTTPHeaders(),
        extensionsJSON: [(key: String, json: String)] = []
    ) {
        self.status = status
        self.slug = slug ?? Problem.defaultSlug(for: status.code)
        self.title = title ?? status.reasonPhrase
        self.detail = detail
        self.headers = headers
        self.extensionsJSON = extensionsJSON
    }

    /// The slug of API.md section 1 for each status the HTTP layer itself produces.
    public static func defaultSlug(for code: Int) -> String {
        switch code {
        case 400: "malformed-request"
        case 401: "unauthenticated"
        case 403: "forbidden"
        case 404: "not-found"
        case 405: "method-not-allowed"
        case 408: "request-timeout"
        case 409: "conflict"
        case 412: "precondition-failed"
        case 413: "payload-too-large"
        case 414: "uri-too-long"
        case 415: "unsupported-media-type"
        case 417: "expectation-failed"
        case 422: "validation-failed"
        case 428: "precondition-required"
        case 429: "rate-limited"
        case 431: "request-header-fields-too-large"
        case 501: "not-implemented"
        case 503: "unavailable"
        case 505: "http-version-not-supported"
        default: code >= 500 ? "internal-error" : "malformed-request"
        }
    }

    /// The response for this problem; `instance` is the request path when known.
    public func response(instance: String? = nil) -> Response {
        var body = "{\"type\":" + Problem.quote(Problem.typeBase + slug)
        body += ",\"title\":" + Problem.quote(title)
        body += ",\"status\":\(status.code)"
        body += ",\"detail\":" + Problem.quote(detail)
        if let instance { body += ",\"instance\":" + Problem.quote(instance) }
        for (key, json) in extensionsJSON { body += "," + Problem.quote(key) + ":" + json }
        body += "}"
        var headers = self.headers
        headers.replaceOrAdd(name: "Content-Type", value: "application/problem+json")
        return Response(status: status, headers: headers, body: Array(body.utf8))
    }

    /// One JSON string: the escaping of the log lines (Telemetry's `JSONLine`), not a second copy of it.
    static func quote(_ s: String) -> String {
        var bytes: [UInt8] = []
        JSONLine.appendString(s, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }
}
