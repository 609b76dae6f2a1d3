import Foundation
import Synchronization
import TestSupport
import Testing

@testable import Postgres

/// Transactions commit together, roll back on a throw, and retry on conflicts.
@Suite struct TransactionTests {
    private struct Abandon: Error {}

    private func poolWithCounter() throws -> (PostgresPool, PostgresConfiguration) {
        let configuration = try TestCluster.shared().freshDatabase()
        let pool = PostgresPool(configuration: configuration, size: 2, logger: quietLogger)
        try pool.withConnection { connection in
            try connection.execute(unsafeScript: "CREATE TABLE counter (id int PRIMARY KEY, value int); INSERT INTO counter VALUES (1, 0);")
        }
        return (pool, configuration)
    }

    private func counterValue(_ pool: PostgresPool) throws -> Int {
        try pool.withConnection { connection in
            try connection.query("SELECT value FROM counter WHERE id = 1").first?.decode("value", as: Int.self) ?? -1
        }
    }

    @Test func aThrowingBodyRollsBackEverything() throws {
        let (pool, _) = try poolWithCounter()

        #expect(throws: Abandon.self) {
            try pool.transaction { connection in
                try connection.query("UPDATE counter SET value = 10 WHERE id = 1")
                try connection.query("INSERT INTO counter VALUES (2, 2)")
                throw Abandon()
            }
        }

        #expect(try counterValue(pool) == 0)
        #expect(try pool.withConnection { try $0.query("SELECT * FROM counter").count } == 1)
        #expect(pool.stats.open == pool.stats.idle)
    }

    @Test func aReturningBodyCommits() throws {
        let (pool, _) = try poolWithCounter()

        let returned = try pool.transaction(isolation: .repeatableRead) { connection in
            try connection.query("UPDATE counter SET value = 7 WHERE id = 1").rowsAffected
        }

        #expect(returned == 1)
        #expect(try counterValue(pool) == 7)
    }

    @Test func aSwallowedStatementErrorDoesNotCommitSilently() throws {
        let (pool, _) = try poolWithCounter()

        #expect(throws: PostgresError.self) {
            try pool.transaction { connection in
                try connection.query("UPDATE counter SET value = 5 WHERE id = 1")
                _ = try? connection.query("INSERT INTO counter VALUES (1, 1)")  // unique violation, ignored
            }
        }

        #expect(try counterValue(pool) == 0)
    }

    @Test func aSerializationFailureIsRetriedUntilItSucceeds() throws {
        let (pool, configuration) = try poolWithCounter()
        let intruder = try PostgresConnection.connect(configuration)
        let attempts = Mutex(0)

        try pool.transaction(isolation: .serializable) { connection in
            let attempt = attempts.withLock { value in
                value += 1; return value
            }
            let value = try connection.query("SELECT value FROM counter WHERE id = 1").first?.decode("value", as: Int.self) ?? 0
            if attempt == 1 {
                // Another session changes the row after our snapshot: our update must fail with 40001.
                try intruder.query("UPDATE counter SET value = value + 100 WHERE id = 1")
            }
            try connection.query("UPDATE counter SET value = \(value + 1) WHERE id = 1")
        }

        #expect(attempts.withLock { $0 } == 2)
        #expect(try counterValue(pool) == 101)
    }

    @Test func retriesStopAfterMaxAttempts() throws {
        let (pool, configuration) = try poolWithCounter()
        let intruder = try PostgresConnection.connect(configuration)
        let attempts = Mutex(0)

        let error = #expect(throws: PostgresError.self) {
            try pool.transaction(isolation: .repeatableRead, maxAttempts: 3) { connection in
                attempts.withLock { $0 += 1 }
                try connection.query("SELECT value FROM counter WHERE id = 1")
                try intruder.query("UPDATE counter SET value = value + 1 WHERE id = 1")
                try connection.query("UPDATE counter SET value = 0 WHERE id = 1")
            }
        }

        #expect(error?.code == .serializationFailure)
        #expect(attempts.withLock { $0 } == 3)
    }

    @Test func otherErrorsAreNotRetried() throws {
        let (pool, _) = try poolWithCounter()
        let attempts = Mutex(0)

        #expect(throws: PostgresError.self) {
            try pool.transaction { connection in
                attempts.withLock { $0 += 1 }
                try connection.query("INSERT INTO counter VALUES (1, 1)")
            }
        }

        #expect(attempts.withLock { $0 } == 1)
    }
}
