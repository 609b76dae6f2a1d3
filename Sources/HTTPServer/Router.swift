import HTTP1

/// What the server knows about a request while a handler answers it.
public struct RequestContext: Sendable {
    public let request: Request
    /// Values of the `{name}` segments of the matched route template.
    public let parameters: [String: String]
    public let requestID: String
    /// The matched template (e.g. `/v1/use-cases/{id}`), for logs and metrics.
    public let routeTemplate: String

    public init(request: Request, parameters: [String: String], requestID: String, routeTemplate: String) {
        self.request = request
        self.parameters = parameters
        self.requestID = requestID
        self.routeTemplate = routeTemplate
    }
}

/// A response plus what the access log should say about who asked.
public struct HandlerResult: Sendable {
    public var response: Response
    public var principalID: String?

    public init(_ response: Response, principalID: String? = nil) {
        self.response = response
        self.principalID = principalID
    }
}

/// Completes a deferred request from any thread, exactly once.
public struct Responder: Sendable {
    let deliver: @Sendable (HandlerResult) -> Void

    public init(_ deliver: @escaping @Sendable (HandlerResult) -> Void) { self.deliver = deliver }

    public func respond(_ result: HandlerResult) { deliver(result) }
    public func respond(_ response: Response) { deliver(HandlerResult(response)) }
}

/// Where a handler runs.
public enum RouteHandler: Sendable {
    /// On the event loop: only for work that never blocks (health, metrics, static bytes).
    case inline(@Sendable (RequestContext) -> HandlerResult)
    /// On the bounded worker pool: anything that touches the database.
    case blocking(@Sendable (RequestContext) -> HandlerResult)
    /// Tried on the event loop first, where it answers what it can from memory (a cached
    /// document, a 304); when it returns nil, `otherwise` runs on the worker pool as `.blocking`.
    case inlineFirst(@Sendable (RequestContext) -> HandlerResult?, otherwise: @Sendable (RequestContext) -> HandlerResult)
    /// Started on the worker pool, which it leaves when the body returns; answered later through the
    /// `Responder`, from any thread, holding no thread meanwhile (long-polls).
    case deferred(@Sendable (RequestContext, Responder) -> Void)
}

/// Routes by method and path template, with `{name}` path parameters, 404 and 405 with `Allow`.
public struct Router: Sendable {
    public enum Resolution: Sendable {
        case found(RouteHandler, template: String, parameters: [String: String])
        case notFound
        case methodNotAllowed(allow: [HTTPMethod])
    }

    private final class Node: @unchecked Sendable {  // built once before the server starts, then only read
        var literal: [String: Node] = [:]
        var parameter: (name: String, node: Node)?
        var handlers: [HTTPMethod: RouteHandler] = [:]
        var template = ""
    }

    private let root = Node()
    /// The nodes of templates without parameters, by template: most requests are found in one
    /// lookup of their whole path; a path of the same bytes walks to the same node.
    private var exact: [String: Node] = [:]

    public init() {}

    /// Adds a route. A GET route also answers HEAD.
    public mutating func add(_ method: HTTPMethod, _ template: String, _ handler: RouteHandler) {
        var node = root
        Router.forEachSegment(of: template) { segment in
            if segment.hasPrefix("{") && segment.hasSuffix("}") {
                let name = String(segment.dropFirst().dropLast())
                if let existing = node.parameter {
                    precondition(existing.name == name, "conflicting parameter names in \(template)")
                    node = existing.node
                } else {
                    let next = Node()
                    node.parameter = (name, next)
                    node = next
                }
            } else if let next = node.literal[String(segment)] {
                node = next
            } else {
                let next = Node()
                node.literal[String(segment)] = next
                node = next
            }
            return true
        }
        precondition(node.handlers[method] == nil, "duplicate route \(method) \(template)")
        node.handlers[method] = handler
        node.template = template
        if !template.contains("{") { exact[template] = node }
    }

    public func resolve(_ method: HTTPMethod, path: String) -> Resolution {
        var node = root
        var parameters: [String: String] = [:]
        var matched = true
        if let found = exact[path] {
            node = found
        } else {
            matched = Router.forEachSegment(of: path) { segment in
                if let next = node.literal[String(segment)] {
                    node = next
                } else if let (name, next) = node.parameter, !segment.isEmpty {
                    parameters[name] = Router.percentDecoded(segment)
                    node = next
                } else {
                    return false
                }
                return true
            }
        }
        if !matched || node.handlers.isEmpty { return .notFound }
        if let handler = node.handlers[method] {
            return .found(handler, template: node.template, parameters: parameters)
        }
        if method == .head, let handler = node.handlers[.get] {
            return .found(handler, template: node.template, parameters: parameters)
        }
        var allow = Array(node.handlers.keys)
        if node.handlers[.get] != nil { allow.append(.head) }
        return .methodNotAllowed(allow: allow.sorted { $0.rawValue < $1.rawValue })
    }

    /// Calls `body` with each `/`-separated segment of `path` (one leading slash, and one trailing
    /// slash, ignored: `/a/b/` is `a`, `b`; `/` is one empty segment; `` is none) until it
    /// returns false; returns whether every call returned true. Walks the bytes without copying:
    /// this runs for every request.
    @discardableResult
    static func forEachSegment(of path: String, _ body: (Substring) -> Bool) -> Bool {
        let utf8 = path.utf8
        guard !utf8.isEmpty else { return true }  // no segments at all
        let slash = UInt8(ascii: "/")
        var start = utf8.startIndex
        var end = utf8.endIndex
        if start < end, utf8[start] == slash { start = utf8.index(after: start) }
        if start < end, utf8[utf8.index(before: end)] == slash { end = utf8.index(before: end) }
        var segmentStart = start
        var index = start
        while index < end {
            if utf8[index] == slash {
                guard body(path[segmentStart..<index]) else { return false }
                segmentStart = utf8.index(after: index)
            }
            index = utf8.index(after: index)
        }
        return body(path[segmentStart..<end])
    }

    /// Decodes %XX escapes; an invalid escape leaves the segment as it was.
    static func percentDecoded(_ segment: Substring) -> String {
        guard segment.contains("%") else { return String(segment) }
        var bytes: [UInt8] = []
        var it = Array(segment.utf8)[...]
        while let b = it.popFirst() {
            if b == UInt8(ascii: "%"), it.count >= 2,
                let hi = hexDigit(it[it.startIndex]), let lo = hexDigit(it[it.startIndex + 1])
            {
                bytes.append(hi << 4 | lo)
                it = it.dropFirst(2)
            } else {
                bytes.append(b)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func hexDigit(_ b: UInt8) -> UInt8? {
        switch b {
        case 0x30...0x39: b - 0x30
        case 0x41...0x46: b - 0x37
        case 0x61...0x66: b - 0x57
        default: nil
        }
    }
}
