import CLibpq
import Logging

/// A bounded pool of connections, shared by worker threads.
///
/// Connections open lazily, at most `size` at once. A caller waits at most `acquireTimeout`
/// for one, then gets ``PostgresPoolError`` (answer 503). A connection found broken is closed,
/// never lent again; while the database is unreachable, new attempts back off from 50 ms to 2 s
/// and callers fail fast with `.unavailable` instead of queueing. Every call blocks its thread.
public final class PostgresPool: Sendable {
    public let configuration: PostgresConfiguration
    public let size: Int
    public let acquireTimeout: Duration
    private let logger: Logger
    private let state: ConditionLock<PoolState>

    /// - Parameters:
    ///   - size: the most connections open at once (at least 1).
    ///   - acquireTimeout: the longest a caller waits for a connection.
    public init(
        configuration: PostgresConfiguration, size: Int = 8, acquireTimeout: Duration = .seconds(2), logger: Logger
    ) {
        self.configuration = configuration
        self.size = max(1, size)
        self.acquireTimeout = acquireTimeout
        self.logger = logger
        self.state = ConditionLock(PoolState(size: max(1, size)))
    }

    /// Lends a connection to `body` on this thread and takes it back afterwards.
    ///
    /// A connection left inside a transaction is rolled back; one left broken is closed.
    /// - Throws: ``PostgresPoolError`` when no connection could be had within `acquireTimeout`,
    ///   or whatever `body` throws.
    @discardableResult
    public func withConnection<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        let connection = try acquire(deadline: .after(acquireTimeout))
        defer { release(connection) }
        return try body(connection)
    }

    /// The current counts.
    public var stats: PostgresPoolStats {
        state.withLock { $0.stats }
    }

    /// Closes idle connections now and lent ones when they come back; later calls throw `.closed`.
    public func close() {
        let idle = state.withLock { state in
            state.closed = true
            defer { state.idle.removeAll() }
            return state.idle
        }
        state.broadcast()
        for pooled in idle { pooled.connection.close() }
    }

    // MARK: Lending

    private func acquire(deadline: Deadline) throws(PostgresPoolError) -> PostgresConnection {
        while true {
            var counted = false
            let step: PoolState.Step = state.wait { state in
                let step = state.nextAcquireStep(deadline: deadline)
                if case .wait(let until) = step {
                    if !counted { state.waiting += 1 }
                    counted = true
                    return .wait(until: until)
                }
                if counted { state.waiting -= 1 }
                return .done(step)
            }
            switch step {
            case .use(let pooled):
                if pooled.connection.looksAliveWhileIdle() { return pooled.connection }
                logger.debug("dropping an idle database connection the server closed")
                pooled.connection.close()
                state.withLock { $0.inUse -= 1 }
            case .connect:
                return try openConnection(deadline: deadline)
            case .fail(let error):
                throw error
            case .wait:
                continue  // not returned by the decision above
            }
        }
    }

    private func openConnection(deadline: Deadline) throws(PostgresPoolError) -> PostgresConnection {
        do {
            let connection = try PostgresConnection.connect(configuration, deadline: deadline)
            let recovered = state.withLock { state in
                state.connecting -= 1
                state.inUse += 1
                defer { state.backoff.recordSuccess() }
                return state.backoff.isFailing
            }
            if recovered { logger.info("database connection restored") }
            return connection
        } catch {
            let firstFailure = state.withLock { state in
                state.connecting -= 1
                defer { state.backoff.recordFailure(error) }
                return !state.backoff.isFailing
            }
            state.broadcast()  // waiters re-decide: some can now fail fast
            if firstFailure {
                logger.warning("cannot connect to the database", metadata: ["error": "\(error.debugDescription)"])
            }
            throw .unavailable(lastError: error)
        }
    }

    private func release(_ connection: PostgresConnection) {
        var reusable = !connection.isBroken
        if reusable, connection.transactionStatus != PQTRANS_IDLE {
            // Left mid-transaction by a caller that did not finish it: roll back, or give up on it.
            if connection.transactionStatus == PQTRANS_INTRANS || connection.transactionStatus == PQTRANS_INERROR {
                _ = try? connection.execute(unsafeScript: "ROLLBACK")
            }
            reusable = !connection.isBroken && connection.transactionStatus == PQTRANS_IDLE
        }
        let kept = state.withLock { state in
            state.inUse -= 1
            guard reusable, !state.closed else { return false }
            state.idle.append(PooledConnection(connection: connection))
            return true
        }
        if !kept {
            connection.close()
        }
        state.signal()
    }
}
