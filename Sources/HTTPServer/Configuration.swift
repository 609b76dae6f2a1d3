import Glibc
import HTTP1

/// Everything the server needs to know, with SERVER.md's defaults. Durations in seconds.
public struct HTTPServerConfiguration: Sendable {
    public var host = "127.0.0.1"
    /// 0 picks a free port; `HTTPServer.port` tells which.
    public var port = 8080
    public var eventLoopCount = max(1, Int(sysconfNumberOfCores()))
    public var workerThreadCount = 16
    /// Requests waiting for a worker beyond this are answered 503 at once.
    public var workerQueueCapacity = 1024
    public var limits = HTTP1Limits()
    public var headerTimeout = 10.0
    public var bodyProgressTimeout = 30.0
    public var bodyTotalTimeout = 60.0
    public var idleTimeout = 15.0
    public var writeTimeout = 30.0
    public var maxConnections = 10_000
    public var backlog: Int32 = 1024
    /// How long a closing connection keeps discarding what the client still sends.
    public var lingerTimeout = 2.0
    /// During shutdown, a connection with only part of a head gets this long to finish it.
    public var shutdownPartialHeadGrace = 1.0
    /// Responses a connection may have in flight before the server stops reading from it.
    public var maxPipelinedRequests = 64

    public init() {}
}

func sysconfNumberOfCores() -> Int {
    Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
}
