/// The request side of one HTTP/1.1 connection as a pure state machine: bytes in, actions out.
///
/// It assembles whole requests (head and bounded body), decides keep-alive, counts requests per
/// connection, and stops interpreting input after an error or a request that ends the connection.
/// The socket layer carries the actions out and writes the responses in request order.
public struct HTTP1Connection: Sendable {
    public enum Action: Sendable {
        /// A complete request to answer. When `head.keepAlive` is false it is the last one.
        case request(Request)
        /// Send `HTTP/1.1 100 Continue` before the final response of the request being read.
        case sendContinue
        /// Answer this error with `Connection: close` and close; nothing after it is read.
        case fail(HTTPParseError)
    }

    private var parser: RequestParser
    private var current: RequestHead?
    private var body: [UInt8] = []
    private var requestCount = 0
    /// Set once the last request has been read (close requested, limit reached, or error).
    public private(set) var isClosed = false

    public init(limits: HTTP1Limits = HTTP1Limits()) {
        parser = RequestParser(limits: limits)
    }

    /// True when no part of a request has been read: the connection is idle between requests.
    public var isIdle: Bool { current == nil && !parser.isInsideHead && !isClosed }
    /// True while a request head is partly read.
    public var isReadingHead: Bool { !isClosed && parser.isInsideHead }
    /// True while a request body is being read.
    public var isReadingBody: Bool { !isClosed && current != nil }

    /// Consumes `bytes` and appends what must happen to `actions`.
    public mutating func receive(_ bytes: UnsafeRawBufferPointer, into actions: inout [Action]) {
        var offset = 0
        while !isClosed {
            let rest = UnsafeRawBufferPointer(rebasing: bytes[offset...])
            let (event, consumed) = parser.parse(rest)
            offset += consumed
            switch event {
            case .needMoreData:
                return
            case .error(let error):
                isClosed = true
                current = nil
                actions.append(.fail(error))
                return
            case .head(var head):
                requestCount += 1
                if requestCount >= parser.limits.maxRequestsPerConnection { head.keepAlive = false }
                if head.expectsContinue { actions.append(.sendContinue) }
                current = head
                body.removeAll(keepingCapacity: false)
                if case .contentLength(let length) = head.framing { body.reserveCapacity(length) }
            case .body(let range):
                body.append(contentsOf: UnsafeRawBufferPointer(rebasing: rest[range]))
            case .end:
                guard let head = current.take() else { continue }  // moved out: no copy of the head
                actions.append(.request(Request(head: head, body: body)))
                body = []
                if !head.keepAlive { isClosed = true }
            }
        }
    }

    /// Stops reading further requests (graceful shutdown of an idle or finishing connection).
    public mutating func close() { isClosed = true }
}
