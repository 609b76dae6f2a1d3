import CLibpq

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// A transaction isolation level.
public enum TransactionIsolation: String, Sendable, CaseIterable {
    case readCommitted = "READ COMMITTED"
    case repeatableRead = "REPEATABLE READ"
    case serializable = "SERIALIZABLE"
}

extension PostgresConnection {
    /// Runs `body` in one transaction: COMMIT when it returns, ROLLBACK when it throws.
    ///
    /// No retry here (see ``PostgresPool/transaction(isolation:maxAttempts:_:)``).
    /// - Throws: what `body` throws, the COMMIT's error (for example `.serializationFailure`),
    ///   or `.other` when `body` swallowed a statement error, which aborted the transaction.
    @discardableResult
    public func transaction<T>(
        isolation: TransactionIsolation = .readCommitted, _ body: (PostgresConnection) throws -> T
    ) throws -> T {
        try query(Query(unsafeSQL: "BEGIN ISOLATION LEVEL \(isolation.rawValue)"))
        let value: T
        do {
            value = try body(self)
        } catch {
            rollbackQuietly()
            throw error
        }
        if transactionStatus == PQTRANS_INERROR {
            // COMMIT would "succeed" by rolling back; say so instead of losing the writes silently.
            rollbackQuietly()
            throw PostgresError(
                code: .other, sqlState: "25P02",
                message: "the transaction was aborted by an earlier error that was caught, and rolled back")
        }
        do {
            try query("COMMIT")
        } catch {
            rollbackQuietly()
            throw error
        }
        return value
    }

    /// Ends any open transaction, ignoring errors (a broken connection is dropped by its owner).
    func rollbackQuietly() {
        guard !isBroken, transactionStatus != PQTRANS_IDLE else { return }
        _ = try? query("ROLLBACK")
    }
}

extension PostgresPool {
    /// Runs `body` in a transaction on a pooled connection, running it again from the start
    /// when PostgreSQL reports a serialization failure or a deadlock.
    ///
    /// `body` may run up to `maxAttempts` times, so it must have no effects outside the
    /// transaction. Between attempts the caller sleeps a short random time (at most ~100 ms).
    /// - Throws: ``PostgresPoolError`` when no connection could be had, the last
    ///   ``PostgresError`` once attempts are used up, or what `body` throws.
    @discardableResult
    public func transaction<T>(
        isolation: TransactionIsolation = .readCommitted, maxAttempts: Int = 5,
        _ body: (PostgresConnection) throws -> T
    ) throws -> T {
        var attempt = 1
        while true {
            do {
                return try withConnection { connection in
                    try connection.transaction(isolation: isolation, body)
                }
            } catch let error as PostgresError where error.isTransient && attempt < maxAttempts {
                Self.pauseBeforeRetry(attempt: attempt)
                attempt += 1
            }
        }
    }

    /// Sleeps a random time up to 5 ms · 2^attempt (capped at 100 ms), so retries spread out.
    private static func pauseBeforeRetry(attempt: Int) {
        let ceiling = min(100_000, 5_000 << min(attempt, 10))
        usleep(UInt32.random(in: 1_000...UInt32(ceiling)))
    }
}
