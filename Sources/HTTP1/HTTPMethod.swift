/// The request methods Tollgate understands. Any other well-formed method token is answered 501.
public enum HTTPMethod: String, Sendable, Hashable, CaseIterable {
    case get = "GET"
    case head = "HEAD"
    case post = "POST"
    case put = "PUT"
    case patch = "PATCH"
    case delete = "DELETE"
    case options = "OPTIONS"

    /// Recognises a method from its exact, case-sensitive bytes (RFC 9110 section 9.1).
    init?(bytes: UnsafeRawBufferPointer) {
        switch bytes.count {
        case 3:
            if ASCII.equalsLiteral(bytes, "GET") { self = .get; return }
            if ASCII.equalsLiteral(bytes, "PUT") { self = .put; return }
        case 4:
            if ASCII.equalsLiteral(bytes, "POST") { self = .post; return }
            if ASCII.equalsLiteral(bytes, "HEAD") { self = .head; return }
        case 5:
            if ASCII.equalsLiteral(bytes, "PATCH") { self = .patch; return }
        case 6:
            if ASCII.equalsLiteral(bytes, "DELETE") { self = .delete; return }
        case 7:
            if ASCII.equalsLiteral(bytes, "OPTIONS") { self = .options; return }
        default:
            break
        }
        return nil
    }
}

/// The protocol version of a request. `HTTP/1.x` with x > 1 is served as 1.1.
public enum HTTPVersion: Sendable, Hashable {
    case http1_0
    case http1_1
}
