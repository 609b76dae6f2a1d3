/// The parser's limits (SERVER.md section 1). Each has the status it answers with.
public struct HTTP1Limits: Sendable, Equatable {
    /// Longest request-target, in bytes: 414 beyond.
    public var maxTargetBytes: Int = 8 * 1024
    /// Longest single field line, in bytes: 431 beyond.
    public var maxFieldLineBytes: Int = 8 * 1024
    /// Largest head (request line and fields), in bytes: 431 beyond.
    public var maxHeadBytes: Int = 32 * 1024
    /// Most field lines in a head: 431 beyond.
    public var maxFieldCount: Int = 100
    /// Largest body, in bytes: 413 beyond, decided from Content-Length before reading, or as chunks arrive.
    public var maxBodyBytes: Int = 1024 * 1024
    /// Longest chunk-size line with its extensions, in bytes: 400 beyond.
    public var maxChunkLineBytes: Int = 4 * 1024
    /// Requests served on one connection before it is closed with `Connection: close`.
    public var maxRequestsPerConnection: Int = 1000

    public init() {}
}

/// Why a request could not be parsed; the connection is closed after the error response.
public struct HTTPParseError: Error, Sendable, Equatable, CustomStringConvertible {
    public let status: HTTPStatus
    /// A short reason, safe to show to the client.
    public let reason: String

    init(_ status: HTTPStatus, _ reason: String) {
        self.status = status
        self.reason = reason
    }

    public var description: String { "\(status.code): \(reason)" }

    static func bad(_ reason: String) -> HTTPParseError { HTTPParseError(.badRequest, reason) }
}
