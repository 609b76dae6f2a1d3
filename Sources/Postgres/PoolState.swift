/// A connection passed between threads through the pool's lock.
// @unchecked: a pooled connection is touched only by the thread that holds the pool lock or the one thread it was lent to.
struct PooledConnection: @unchecked Sendable {
    let connection: PostgresConnection
}

/// The pool's bookkeeping, guarded by its lock. Pure values; the pool does the I/O.
struct PoolState: Sendable {
    let size: Int
    var idle: [PooledConnection] = []
    var inUse = 0
    var connecting = 0
    var waiting = 0
    var closed = false
    var backoff = ReconnectBackoff()

    init(size: Int) { self.size = size }

    /// Established connections, idle or lent.
    var open: Int { idle.count + inUse }

    /// Whether another connection may be opened now.
    var hasRoom: Bool { open + connecting < size }

    var stats: PostgresPoolStats {
        PostgresPoolStats(size: size, open: open, inUse: inUse, idle: idle.count, waiting: waiting)
    }

    /// What an acquiring caller should do next.
    enum Step {
        case use(PooledConnection)
        case connect
        case fail(PostgresPoolError)
        case wait(until: Deadline)
    }

    /// Decides the next step for a caller whose overall limit is `deadline`, updating the counts.
    mutating func nextAcquireStep(deadline: Deadline) -> Step {
        if closed { return .fail(.closed) }
        if let pooled = idle.popLast() {
            inUse += 1
            return .use(pooled)
        }
        if deadline.hasPassed {
            let databaseDown = hasRoom && backoff.isFailing
            return .fail(databaseDown ? .unavailable(lastError: backoff.lastError) : .timeout)
        }
        guard hasRoom else { return .wait(until: deadline) }
        if let retryAt = backoff.nextAttempt, !retryAt.hasPassed {
            // The database failed recently: fail fast when the next try comes after our limit.
            if retryAt > deadline { return .fail(.unavailable(lastError: backoff.lastError)) }
            return .wait(until: retryAt)
        }
        connecting += 1
        return .connect
    }
}

/// Exponential backoff between failed connection attempts: 50 ms doubling to 2 s.
struct ReconnectBackoff: Sendable {
    static let initialDelay: Duration = .milliseconds(50)
    static let maximumDelay: Duration = .seconds(2)

    private(set) var delay: Duration?
    private(set) var nextAttempt: Deadline?
    private(set) var lastError: PostgresError?

    /// Whether the latest attempt failed.
    var isFailing: Bool { delay != nil }

    mutating func recordFailure(_ error: PostgresError) {
        let next = delay.map { min($0 * 2, Self.maximumDelay) } ?? Self.initialDelay
        delay = next
        nextAttempt = .after(next)
        lastError = error
    }

    mutating func recordSuccess() {
        self = ReconnectBackoff()
    }
}
