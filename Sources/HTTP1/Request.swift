/// A parsed request head: everything before the body.
public struct RequestHead: Sendable {
    public var method: HTTPMethod
    /// The request-target exactly as sent (origin-form, absolute-form or `*`).
    public var target: String
    /// The path of the target, without the query; `*` for `OPTIONS *`.
    public var path: String
    /// The query string after `?`, without the `?`; nil when absent.
    public var query: String?
    /// The authority of an absolute-form target, which replaces Host (RFC 9112 section 3.2.2).
    public var authority: String?
    public var version: HTTPVersion
    public var headers: HTTPHeaders
    /// Whether the connection may serve another request after this one.
    public var keepAlive: Bool
    /// Whether the client waits for `100 Continue` before it sends the body.
    public var expectsContinue: Bool
    /// The body framing the head declared.
    public var framing: BodyFraming

    public init(
        method: HTTPMethod, target: String, path: String, query: String?, authority: String? = nil,
        version: HTTPVersion, headers: HTTPHeaders, keepAlive: Bool, expectsContinue: Bool = false,
        framing: BodyFraming = .none
    ) {
        self.method = method
        self.target = target
        self.path = path
        self.query = query
        self.authority = authority
        self.version = version
        self.headers = headers
        self.keepAlive = keepAlive
        self.expectsContinue = expectsContinue
        self.framing = framing
    }
}

/// How the body of a request is delimited (RFC 9112 section 6.3).
public enum BodyFraming: Sendable, Equatable {
    case none
    case contentLength(Int)
    case chunked

    public var hasBody: Bool {
        switch self {
        case .none, .contentLength(0): false
        default: true
        }
    }
}

/// A complete request: the head and the whole body (bodies are bounded by the server's limit).
public struct Request: Sendable {
    public var head: RequestHead
    public var body: [UInt8]

    public init(head: RequestHead, body: [UInt8] = []) {
        self.head = head
        self.body = body
    }

    public var method: HTTPMethod { head.method }
    public var path: String { head.path }
    public var headers: HTTPHeaders { head.headers }
}

/// A response to be written. The writer adds `Content-Length`, `Date`, `Connection` and `X-Request-Id`.
public struct Response: Sendable {
    public var status: HTTPStatus
    public var headers: HTTPHeaders
    public var body: [UInt8]

    public init(status: HTTPStatus, headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    public init(status: HTTPStatus, contentType: String, body: String) {
        self.init(status: status, headers: ["Content-Type": contentType], body: Array(body.utf8))
    }
}
