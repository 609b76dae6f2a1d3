import CSystem
import HTTP1
import Synchronization
import Telemetry

#if canImport(Glibc)
    import Glibc
#endif

/// Shared, immutable parts of the server that every loop reads.
struct ServerCore: Sendable {
    let configuration: HTTPServerConfiguration
    let router: Router
    let pool: WorkerPool
    let metrics: ServerMetrics
    let accessLog: LogSink?
}

/// Work handed to a loop from other threads.
enum LoopMessage: Sendable {
    case completed(fd: Int32, connectionID: UInt64, seq: UInt64, HandlerResult)
    case drain
    case forceClose
}

/// One epoll event loop: accepts on its own SO_REUSEPORT listener, reads, parses, dispatches,
/// writes in request order, and enforces timeouts. Never blocks except in `epoll_wait`.
final class EventLoop: @unchecked Sendable {  // loop state is touched only by its own thread; other threads use `post`
    let index: Int
    let core: ServerCore
    private let epfd: Int32
    private let wakeFd: Int32
    private var listenFd: Int32
    private var listening = false
    private let mailbox = Mutex<[LoopMessage]>([])

    private var connections: [Connection?] = []
    private(set) var connectionCount = 0
    private let maxConnections: Int
    private var nextConnectionID: UInt64 = 1
    private var dateCache = DateCache()
    private var requestIDs = RequestIDGenerator()
    private var logClock = Timestamp.Cache()
    private let readBuffer: UnsafeMutableRawBufferPointer
    private var actions: [HTTP1Connection.Action] = []
    private var draining = false
    private var drainStartedAt: UInt64 = 0
    private var finished = false
    private var lastSweep: UInt64 = 0
    private var pausedForFileLimit = false

    static let readBufferSize = 64 * 1024
    static let readsPerWakeup = 4

    init(index: Int, core: ServerCore, listenFd: Int32, maxConnections: Int) throws {
        self.index = index
        self.core = core
        self.listenFd = listenFd
        self.maxConnections = maxConnections
        epfd = epoll_create1(Int32(EPOLL_CLOEXEC))
        guard epfd >= 0 else { throw SystemCallError("epoll_create1") }
        wakeFd = eventfd(0, Int32(EFD_NONBLOCK) | Int32(EFD_CLOEXEC))
        guard wakeFd >= 0 else { throw SystemCallError("eventfd") }
        readBuffer = .allocate(byteCount: EventLoop.readBufferSize, alignment: 16)
        register(wakeFd, events: CSYSTEM_EPOLLIN, op: EPOLL_CTL_ADD)
        startListening()
    }

    deinit {
        readBuffer.deallocate()
        close(epfd)
        close(wakeFd)
    }

    // MARK: Cross-thread entry

    /// Hands a message to the loop from any thread.
    func post(_ message: LoopMessage) {
        let wasEmpty = mailbox.withLock { box in
            box.append(message)
            return box.count == 1
        }
        if wasEmpty {
            var one: UInt64 = 1
            _ = write(wakeFd, &one, 8)
        }
    }

    // MARK: The loop

    func run() {
        let capacity = 256
        let events = UnsafeMutablePointer<epoll_event>.allocate(capacity: capacity)
        defer { events.deallocate() }
        dateCache.refresh()
        while !finished {
            let n = epoll_wait(epfd, events, Int32(capacity), 250)
            dateCache.refresh()
            if n > 0 {
                for i in 0..<Int(n) {
                    let event = events[i]
                    let fd = event.data.fd
                    if fd == wakeFd {
                        drainMailbox()
                    } else if fd == listenFd && listening {
                        acceptConnections()
                    } else if let connection = connection(fd) {
                        if event.events & (CSYSTEM_EPOLLHUP | CSYSTEM_EPOLLERR) != 0 {
                            closeConnection(connection)  // reset or fully closed: nothing more can be written
                            continue
                        }
                        if event.events & CSYSTEM_EPOLLIN != 0 {
                            onReadable(connection)
                        }
                        if event.events & CSYSTEM_EPOLLOUT != 0, self.connection(fd) === connection {
                            flush(connection)
                        }
                    }
                }
            }
            let now = monotonicNanos()
            if now &- lastSweep >= 250_000_000 {
                lastSweep = now
                sweep(now)
            }
            if draining && connectionCount == 0 { finished = true }
        }
        for fd in connections.indices { if let c = connections[fd] { closeConnection(c) } }
        stopListening(closing: true)
    }

    private func connection(_ fd: Int32) -> Connection? {
        Int(fd) < connections.count ? connections[Int(fd)] : nil
    }

    private func drainMailbox() {
        var counter: UInt64 = 0
        _ = read(wakeFd, &counter, 8)
        let messages = mailbox.withLock { box -> [LoopMessage] in
            defer { box.removeAll(keepingCapacity: true) }
            return box
        }
        for message in messages {
            switch message {
            case .completed(let fd, let id, let seq, let result):
                guard let connection = connection(fd), connection.id == id,
                    let index = connection.slotIndex(for: seq)
                else { continue }  // the client left meanwhile
                connection.slots[index].result = result
                flush(connection)
            case .drain:
                beginDrain()
            case .forceClose:
                for fd in connections.indices { if let c = connections[fd] { closeConnection(c) } }
                finished = true
            }
        }
    }

    // MARK: Accepting

    private func startListening() {
        guard !listening, !draining, listenFd >= 0 else { return }
        register(listenFd, events: CSYSTEM_EPOLLIN, op: EPOLL_CTL_ADD)
        listening = true
    }

    private func stopListening(closing: Bool = false) {
        if listening {
            var event = epoll_event()
            epoll_ctl(epfd, EPOLL_CTL_DEL, listenFd, &event)
            listening = false
        }
        if closing, listenFd >= 0 {
            close(listenFd)
            listenFd = -1
        }
    }

    private func acceptConnections() {
        let now = monotonicNanos()
        for _ in 0..<64 {
            if connectionCount >= maxConnections {
                stopListening()  // clients wait in the backlog until a connection closes
                return
            }
            let fd = csystem_accept4(listenFd, CSYSTEM_SOCK_NONBLOCK | CSYSTEM_SOCK_CLOEXEC)
            if fd < 0 {
                let e = errno
                if e == EMFILE || e == ENFILE {
                    pausedForFileLimit = true
                    stopListening()
                }
                return
            }
            Socket.setNoDelay(fd)
            let connection = Connection(fd: fd, id: nextConnectionID, limits: core.configuration.limits, now: now)
            nextConnectionID += 1
            if Int(fd) >= connections.count {
                connections.append(contentsOf: repeatElement(nil, count: Int(fd) - connections.count + 64))
            }
            connections[Int(fd)] = connection
            connectionCount += 1
            core.metrics.connectionOpened(loop: index)
            register(fd, events: CSYSTEM_EPOLLIN, op: EPOLL_CTL_ADD)
        }
    }

    // MARK: Reading

    private func onReadable(_ connection: Connection) {
        if connection.lingeringSince != nil {
            discardInput(connection)
            return
        }
        for _ in 0..<EventLoop.readsPerWakeup {
            let n = read(connection.fd, readBuffer.baseAddress, readBuffer.count)
            if n > 0 {
                receive(connection, UnsafeRawBufferPointer(rebasing: readBuffer[0..<n]))
                if connection.machine.isClosed || self.connection(connection.fd) !== connection { break }
                if n < readBuffer.count { break }
            } else if n == 0 {
                connection.peerClosed = true
                updateInterest(connection)
                break
            } else {
                let e = errno
                if e == EINTR { continue }
                if e != EAGAIN && e != EWOULDBLOCK { closeConnection(connection); return }
                break
            }
        }
        guard self.connection(connection.fd) === connection else { return }
        updateReadTimers(connection)
        flush(connection)
    }

    private func receive(_ connection: Connection, _ bytes: UnsafeRawBufferPointer) {
        actions.removeAll(keepingCapacity: true)
        connection.machine.receive(bytes, into: &actions)
        for action in actions {
            switch action {
            case .sendContinue:
                if connection.slots.isEmpty {
                    connection.out.append(contentsOf: ResponseWriter.continueResponse)
                } else {
                    connection.continueForSeq = connection.nextSeq
                }
            case .request(let request):
                if connection.continueForSeq == connection.nextSeq { connection.continueForSeq = nil }
                start(request, on: connection)
            case .fail(let error):
                let slot = addSlot(
                    to: connection, method: .get, keepAlive: false, http10KeepAlive: false, requestID: requestIDs.next(), route: "-")
                connection.slots[slot].result = HandlerResult(Problem(status: error.status, detail: error.reason).response())
            }
        }
        if connection.machine.isReadingBody { connection.bodyProgressAt = monotonicNanos() }
    }

    private func updateReadTimers(_ connection: Connection) {
        let machine = connection.machine
        if machine.isReadingHead {
            if connection.headStartedAt == nil { connection.headStartedAt = monotonicNanos() }
        } else {
            connection.headStartedAt = nil
        }
        if machine.isReadingBody {
            if connection.bodyStartedAt == nil { connection.bodyStartedAt = monotonicNanos() }
        } else {
            connection.bodyStartedAt = nil
        }
    }

    /// Reads and drops what a closing client still sends, so our last response is not lost to a reset.
    private func discardInput(_ connection: Connection) {
        while true {
            let n = read(connection.fd, readBuffer.baseAddress, readBuffer.count)
            if n > 0 { continue }
            if n < 0 && errno == EINTR { continue }
            if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) { return }
            closeConnection(connection)
            return
        }
    }

    // MARK: Dispatch

    private func addSlot(
        to connection: Connection, method: HTTPMethod, keepAlive: Bool, http10KeepAlive: Bool, requestID: String, route: String
    ) -> Int {
        let seq = connection.nextSeq
        connection.nextSeq += 1
        connection.slots.append(
            ResponseSlot(
                seq: seq, method: method, keepAlive: keepAlive, http10KeepAlive: http10KeepAlive,
                requestID: requestID, route: route, startedAt: monotonicNanos(), result: nil))
        return connection.slots.count - 1
    }

    private func start(_ request: Request, on connection: Connection) {
        let head = request.head
        let requestID = head.headers["X-Request-Id"].flatMap { RequestIDGenerator.isSane($0) ? $0 : nil } ?? requestIDs.next()
        let keepAlive = head.keepAlive
        let slot = addSlot(
            to: connection, method: head.method, keepAlive: keepAlive,
            http10KeepAlive: keepAlive && head.version == .http1_0, requestID: requestID, route: "-")
        let seq = connection.slots[slot].seq

        switch core.router.resolve(head.method, path: head.path) {
        case .notFound:
            if head.method == .options && head.path == "*" {
                connection.slots[slot].result = HandlerResult(
                    Response(status: .noContent, headers: ["Allow": HTTPMethod.allCases.map(\.rawValue).joined(separator: ", ")]))
            } else {
                connection.slots[slot].result = HandlerResult(
                    Problem(status: .notFound, detail: "No route matches \(head.path).").response(instance: head.path))
            }
        case .methodNotAllowed(let allow):
            let allowValue = allow.map(\.rawValue).joined(separator: ", ")
            if head.method == .options {
                connection.slots[slot].result = HandlerResult(Response(status: .noContent, headers: ["Allow": allowValue]))
            } else {
                connection.slots[slot].result = HandlerResult(
                    Problem(
                        status: .methodNotAllowed, detail: "\(head.method.rawValue) is not allowed here.", headers: ["Allow": allowValue]
                    ).response(instance: head.path))
            }
        case .found(let handler, let template, let parameters):
            connection.slots[slot].route = template
            let context = RequestContext(request: request, parameters: parameters, requestID: requestID, routeTemplate: template)
            let fd = connection.fd, id = connection.id
            func onWorker(_ body: @escaping @Sendable (RequestContext) -> HandlerResult) {
                let accepted = core.pool.submit { [self] in
                    post(.completed(fd: fd, connectionID: id, seq: seq, body(context)))
                }
                if !accepted {
                    connection.slots[slot].result = HandlerResult(
                        Problem(
                            status: .serviceUnavailable, detail: "The server is at capacity; retry shortly.", headers: ["Retry-After": "1"]
                        ).response(instance: head.path))
                }
            }
            switch handler {
            case .inline(let body):
                connection.slots[slot].result = body(context)
            case .blocking(let body):
                onWorker(body)
            case .inlineFirst(let body, let otherwise):
                if let result = body(context) {
                    connection.slots[slot].result = result
                } else {
                    onWorker(otherwise)
                }
            case .deferred(let body):
                let once = Atomic<Bool>(false)
                let responder = Responder { [self] result in
                    guard once.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged else {
                        return
                    }
                    post(.completed(fd: fd, connectionID: id, seq: seq, result))
                }
                // The body's first step (authentication, a first query) may block: a worker runs it, and
                // is free again when it returns; the answer comes later through the responder.
                let accepted = core.pool.submit { body(context, responder) }
                if !accepted {
                    connection.slots[slot].result = HandlerResult(
                        Problem(
                            status: .serviceUnavailable, detail: "The server is at capacity; retry shortly.", headers: ["Retry-After": "1"]
                        ).response(instance: head.path))
                }
            }
        }
    }

    // MARK: Writing

    /// Serialises every answered response at the front of the queue, in order, and writes.
    private func flush(_ connection: Connection) {
        while let first = connection.slots.first, let result = first.result {
            // While draining, the last response owed ends the connection; earlier pipelined ones keep it open.
            let lastOwed = connection.slots.count == 1 && !connection.machine.isReadingBody
            let keepAlive = first.keepAlive && !(draining && lastOwed)
            ResponseWriter.write(
                result.response, isHead: first.method == .head, keepAlive: keepAlive,
                http10KeepAlive: first.http10KeepAlive && keepAlive, date: dateCache.bytes[...],
                requestID: first.requestID, into: &connection.out)
            finishedResponse(first, result)
            connection.slots.removeFirst()
            connection.baseSeq += 1
            if !keepAlive {
                connection.closeAfterWrite = true
                connection.machine.close()
                connection.slots.removeAll()
                break
            }
            if connection.slots.isEmpty { connection.idleSince = monotonicNanos() }
        }
        if connection.slots.isEmpty, let seq = connection.continueForSeq, seq == connection.nextSeq {
            connection.out.append(contentsOf: ResponseWriter.continueResponse)
            connection.continueForSeq = nil
        }
        writePending(connection)
    }

    private func writePending(_ connection: Connection) {
        if connection.outOffset == 0 { connection.writeProgressAt = monotonicNanos() }  // the write timeout starts now
        while connection.hasPendingOutput {
            let n = connection.out.withUnsafeBytes { raw in
                send(connection.fd, raw.baseAddress! + connection.outOffset, raw.count - connection.outOffset, Int32(MSG_NOSIGNAL))
            }
            if n > 0 {
                connection.outOffset += n
                connection.writeProgressAt = monotonicNanos()
            } else if n < 0 && errno == EINTR {
                continue
            } else if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                break
            } else {
                closeConnection(connection)
                return
            }
        }
        if !connection.hasPendingOutput {
            if connection.out.capacity > 256 * 1024 {
                connection.out = []
            } else {
                connection.out.removeAll(keepingCapacity: true)
            }
            connection.outOffset = 0
            if connection.closeAfterWrite {
                beginLingeringClose(connection)
                return
            }
            if connection.peerClosed && connection.slots.isEmpty {
                closeConnection(connection)
                return
            }
        }
        updateInterest(connection)
    }

    private func finishedResponse(_ slot: ResponseSlot, _ result: HandlerResult) {
        let nanos = monotonicNanos() &- slot.startedAt
        core.metrics.record(
            loop: index, route: slot.route, method: slot.method, status: result.response.status.code, seconds: Double(nanos) / 1e9)
        guard let log = core.accessLog else { return }
        var line = JSONLine()
        line.field("time", rawJSONBytes: logClock.nowQuotedJSON())
        line.field("level", "info")
        line.field("msg", "request")
        line.field("request_id", slot.requestID)
        line.field("method", slot.method.rawValue)
        line.field("route", slot.route)
        line.field("status", result.response.status.code)
        line.field("duration_ms", thousandths: Int(nanos / 1000))
        if let principal = result.principalID { line.field("principal_id", principal) }
        log.write(line: line.finish())
    }

    // MARK: Interest, closing, timers

    private func updateInterest(_ connection: Connection) {
        let wantsWrite = connection.hasPendingOutput
        let wantsRead: Bool
        if connection.lingeringSince != nil {
            wantsRead = true
        } else {
            wantsRead =
                !connection.peerClosed && !connection.machine.isClosed
                && connection.slots.count < core.configuration.maxPipelinedRequests
                && connection.out.count - connection.outOffset < 1 << 20
        }
        guard wantsRead != connection.wantsRead || wantsWrite != connection.wantsWrite else { return }
        connection.wantsRead = wantsRead
        connection.wantsWrite = wantsWrite
        var events: UInt32 = 0
        if wantsRead { events |= CSYSTEM_EPOLLIN }
        if wantsWrite { events |= CSYSTEM_EPOLLOUT }
        register(connection.fd, events: events, op: EPOLL_CTL_MOD)
    }

    private func beginLingeringClose(_ connection: Connection) {
        guard !connection.peerClosed else { closeConnection(connection); return }
        shutdown(connection.fd, Int32(SHUT_WR))
        connection.lingeringSince = monotonicNanos()
        updateInterest(connection)
        discardInput(connection)
    }

    private func closeConnection(_ connection: Connection) {
        guard self.connection(connection.fd) === connection else { return }
        connections[Int(connection.fd)] = nil
        close(connection.fd)
        connectionCount -= 1
        core.metrics.connectionClosed(loop: index)
        if !listening && !draining && connectionCount < maxConnections { startListening() }
    }

    /// Answers a request that took too long to arrive with 408 and closes.
    private func timeOut(_ connection: Connection, _ reason: String) {
        connection.machine.close()
        let slot = addSlot(to: connection, method: .get, keepAlive: false, http10KeepAlive: false, requestID: requestIDs.next(), route: "-")
        connection.slots[slot].result = HandlerResult(Problem(status: .requestTimeout, detail: reason).response())
        flush(connection)
    }

    private func sweep(_ now: UInt64) {
        let config = core.configuration
        if pausedForFileLimit && !draining {
            pausedForFileLimit = false
            startListening()
        }
        for case let connection? in connections {
            if let since = connection.lingeringSince {
                if now &- since > nanos(config.lingerTimeout) { closeConnection(connection) }
            } else if connection.hasPendingOutput {
                if now &- connection.writeProgressAt > nanos(config.writeTimeout) { closeConnection(connection) }
            } else if connection.machine.isReadingHead, let started = connection.headStartedAt {
                if now &- started > nanos(config.headerTimeout) {
                    timeOut(connection, "The request head did not arrive within \(Int(config.headerTimeout)) s.")
                } else if draining && now &- drainStartedAt > nanos(config.shutdownPartialHeadGrace) {
                    closeConnection(connection)
                }
            } else if connection.machine.isReadingBody, let started = connection.bodyStartedAt {
                if now &- connection.bodyProgressAt > nanos(config.bodyProgressTimeout) || now &- started > nanos(config.bodyTotalTimeout) {
                    timeOut(connection, "The request body did not arrive in time.")
                }
            } else if connection.slots.isEmpty {
                if draining || now &- connection.idleSince > nanos(config.idleTimeout) { closeConnection(connection) }
            }
        }
    }

    private func beginDrain() {
        guard !draining else { return }
        draining = true
        drainStartedAt = monotonicNanos()
        stopListening(closing: true)
        for case let connection? in connections where connection.isIdle {
            closeConnection(connection)
        }
    }

    private func register(_ fd: Int32, events: UInt32, op: Int32) {
        var event = epoll_event()
        event.events = events
        event.data.fd = fd
        epoll_ctl(epfd, op, fd, &event)
    }
}
