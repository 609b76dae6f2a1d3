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
            if bytes.elementsEqual("GET".utf8) { self = .get; return }
            if bytes.elementsEqual("PUT".utf8) { self = .put; return }
        case 4:
            if bytes.elementsEqual("POST".utf8) { self = .post; return }
            if bytes.elementsEqual("HEAD".utf8) { self = .head; return }
        case 5:
            if bytes.elementsEqual("PATCH".utf8) { self = .patch; return }
        case 6:
            if bytes.elementsEqual("DELETE".utf8) { self = .delete; return }
        case 7:
            if bytes.elementsEqual("OPTIONS".utf8) { self = .options; return }
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
