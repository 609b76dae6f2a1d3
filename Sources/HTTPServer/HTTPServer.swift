import HTTP1
import Logging
import Synchronization
import Telemetry

#if canImport(Glibc)
    import Glibc
#endif

/// The HTTP/1.1 server: a fixed set of epoll event loops over SO_REUSEPORT listeners, and a bounded
/// worker pool for handlers that block.
public final class HTTPServer: Sendable {
    public let configuration: HTTPServerConfiguration
    /// The bound port (useful when the configuration asked for port 0).
    public let port: Int
    public let metrics: ServerMetrics
    public let pool: WorkerPool
    private let loops: [EventLoop]
    private let threads: Mutex<[pthread_t]>
    private let logger: Logger

    /// Binds and starts serving at once.
    /// - Parameter accessLog: where one JSON line per request goes; nil turns the access log off.
    public init(configuration: HTTPServerConfiguration, router: Router, accessLog: LogSink?, logger: Logger) throws {
        signal(SIGPIPE, SIG_IGN)
        let loopCount = max(1, configuration.eventLoopCount)
        let fileLimit = Socket.raiseFileLimit(to: configuration.maxConnections + 256)
        let maxConnections = min(configuration.maxConnections, max(16, fileLimit - 128))
        if maxConnections < configuration.maxConnections {
            logger.warning("open-file limit caps connections", metadata: ["max_connections": "\(maxConnections)"])
        }
        self.configuration = configuration
        self.logger = logger
        metrics = ServerMetrics(loops: loopCount)
        pool = WorkerPool(threads: configuration.workerThreadCount, queueCapacity: configuration.workerQueueCapacity)
        let core = ServerCore(configuration: configuration, router: router, pool: pool, metrics: metrics, accessLog: accessLog)

        var listeners: [Int32] = []
        var boundPort = configuration.port
        do {
            for _ in 0..<loopCount {
                let (fd, port) = try Socket.listen(host: configuration.host, port: boundPort, backlog: configuration.backlog)
                listeners.append(fd)
                boundPort = port
            }
        } catch {
            listeners.forEach { close($0) }
            pool.shutdown()
            throw error
        }
        port = boundPort
        let perLoop = max(1, (maxConnections + loopCount - 1) / loopCount)
        loops = try listeners.enumerated().map { i, fd in
            try EventLoop(index: i, core: core, listenFd: fd, maxConnections: perLoop)
        }
        threads = Mutex(loops.map { loop in BackgroundThread.start(name: "http-loop-\(loop.index)", detached: false) { loop.run() } })
        logger.info("listening", metadata: ["host": "\(configuration.host)", "port": "\(port)", "event_loops": "\(loopCount)"])
    }

    /// Stops accepting, lets in-flight requests finish with `Connection: close`, closes idle
    /// connections, and waits until every connection is closed or `grace` seconds have passed.
    /// - Returns: true when everything finished in time; false when connections had to be cut.
    @discardableResult
    public func shutdown(grace: Double) -> Bool {
        let deadline = monotonicNanos() + nanos(grace)
        loops.forEach { $0.post(.drain) }
        var clean = true
        let joined = Atomic<Int>(0)
        let toJoin = threads.withLock { t -> [pthread_t] in
            defer { t.removeAll() }; return t
        }
        // Join in the background so the deadline can force the loops closed.
        let waiter = BackgroundThread.start(name: "http-join", detached: false) {
            for thread in toJoin { pthread_join(thread, nil) }
            joined.store(toJoin.count, ordering: .releasing)
        }
        while joined.load(ordering: .acquiring) < toJoin.count {
            if monotonicNanos() > deadline {
                clean = false
                loops.forEach { $0.post(.forceClose) }
                break
            }
            usleep(5_000)
        }
        pthread_join(waiter, nil)
        return pool.shutdown(deadline: max(deadline, monotonicNanos() + 100_000_000)) && clean
    }
}
