import Foundation
import TestSupport
import Testing

@testable import Postgres

/// The pool bounds connections and waits, drops broken connections and recovers.
@Suite struct PoolTests {
    @Test func connectionsOpenLazilyAndAreReused() throws {
        let configuration = try TestCluster.shared().freshDatabase()
        let pool = PostgresPool(configuration: configuration, size: 4, logger: quietLogger)
        #expect(pool.stats == PostgresPoolStats(size: 4, open: 0, inUse: 0, idle: 0, waiting: 0))

        let first = try pool.withConnection { $0.backendPID }
        let second = try pool.withConnection { $0.backendPID }

        #expect(first == second)
        #expect(pool.stats == PostgresPoolStats(size: 4, open: 1, inUse: 0, idle: 1, waiting: 0))
    }

    @Test func aThirdAcquireTimesOutWhileTwoConnectionsAreHeld() throws {
        let configuration = try TestCluster.shared().freshDatabase()
        let pool = PostgresPool(
            configuration: configuration, size: 2, acquireTimeout: .milliseconds(300), logger: quietLogger)

        try pool.withConnection { _ in
            try pool.withConnection { _ in
                #expect(pool.stats.inUse == 2)
                let started = ContinuousClock.now
                let error = #expect(throws: PostgresPoolError.self) {
                    try pool.withConnection { _ in }
                }
                let waited = ContinuousClock.now - started

                if case .timeout = error {} else { Issue.record("expected .timeout, got \(String(describing: error))") }
                #expect(waited >= .milliseconds(290))
                #expect(waited < .milliseconds(1000))
            }
        }
        #expect(pool.stats == PostgresPoolStats(size: 2, open: 2, inUse: 0, idle: 2, waiting: 0))
    }

    @Test func aWaiterGetsTheConnectionAnotherThreadReturns() throws {
        let configuration = try TestCluster.shared().freshDatabase()
        let pool = PostgresPool(configuration: configuration, size: 1, acquireTimeout: .seconds(2), logger: quietLogger)
        let holding = Recorder<Int32>()

        let holder = TestThread.start {
            _ = try? pool.withConnection { connection in
                holding.append(connection.backendPID)
                usleep(150_000)
            }
        }
        #expect(holding.wait(for: 1))
        #expect(eventually { pool.stats.inUse == 1 })
        let pid = try pool.withConnection { $0.backendPID }
        holder.join()

        #expect(pid == holding.all.first)
        #expect(pool.stats.waiting == 0)
    }

    @Test func anIdleConnectionKilledByTheServerIsDroppedAndReplaced() throws {
        let configuration = try TestCluster.shared().freshDatabase()
        let pool = PostgresPool(configuration: configuration, size: 1, logger: quietLogger)
        let oldPID = try pool.withConnection { $0.backendPID }

        try terminateBackend(oldPID, using: configuration)
        let (newPID, answer) = try pool.withConnection { connection in
            (connection.backendPID, try connection.query("SELECT 42 AS answer").first?.decode("answer", as: Int.self))
        }

        #expect(answer == 42)
        #expect(newPID != oldPID)
        #expect(pool.stats.open == 1)
    }

    @Test func aConnectionThatBreaksDuringUseIsNotReturned() throws {
        let configuration = try TestCluster.shared().freshDatabase()
        let pool = PostgresPool(configuration: configuration, size: 1, logger: quietLogger)

        let error = #expect(throws: PostgresError.self) {
            try pool.withConnection { connection in
                try terminateBackend(connection.backendPID, using: configuration)
                try connection.query("SELECT 1")
            }
        }

        #expect(error?.code == .connectionFailure)
        #expect(pool.stats.open == 0)
        #expect(try pool.withConnection { try $0.query("SELECT 1").count } == 1)
    }

    @Test func aConnectionLeftInATransactionIsRolledBackBeforeReuse() throws {
        let configuration = try TestCluster.shared().freshDatabase()
        let pool = PostgresPool(configuration: configuration, size: 1, logger: quietLogger)
        try pool.withConnection { try $0.query("CREATE TABLE t (n int)") }

        try pool.withConnection { connection in
            try connection.query("BEGIN")
            try connection.query("INSERT INTO t VALUES (1)")
        }

        #expect(try pool.withConnection { try $0.query("SELECT * FROM t").count } == 0)
        #expect(pool.stats.open == 1)
    }

    @Test func anUnreachableDatabaseFailsFastAsUnavailable() throws {
        let configuration = PostgresConfiguration(conninfo: "host=/nonexistent-socket-folder dbname=x")
        let pool = PostgresPool(configuration: configuration, size: 2, logger: quietLogger)

        for _ in 0..<3 {
            let started = ContinuousClock.now
            let error = #expect(throws: PostgresPoolError.self) { try pool.withConnection { _ in } }
            if case .unavailable = error {} else { Issue.record("expected .unavailable, got \(String(describing: error))") }
            #expect(ContinuousClock.now - started < .milliseconds(500))
        }
        #expect(pool.stats.open == 0)
    }

    @Test func thePoolReconnectsOnceTheDatabaseComesBack() throws {
        let cluster = try TestCluster.shared()
        // A database that does not exist yet stands in for a database that is down.
        let name = "late_\(UInt32.random(in: 0...UInt32.max))"
        var configuration = try cluster.embedded.configuration(database: name)
        configuration.connectTimeout = .seconds(1)
        let pool = PostgresPool(configuration: configuration, size: 2, acquireTimeout: .seconds(1), logger: quietLogger)
        #expect(throws: PostgresPoolError.self) { try pool.withConnection { _ in } }

        try cluster.embedded.createDatabase(named: name)
        let recovered = eventually(within: .seconds(5)) {
            (try? pool.withConnection { try $0.query("SELECT 1").count }) == 1
        }

        #expect(recovered)
        try cluster.embedded.dropDatabase(named: name)
    }

    @Test func aClosedPoolRefusesAndClosesLentConnectionsOnReturn() throws {
        let configuration = try TestCluster.shared().freshDatabase()
        let pool = PostgresPool(configuration: configuration, size: 2, logger: quietLogger)
        try pool.withConnection { _ in }

        try pool.withConnection { _ in
            pool.close()
        }

        #expect(pool.stats.open == 0)
        let error = #expect(throws: PostgresPoolError.self) { try pool.withConnection { _ in } }
        if case .closed = error {} else { Issue.record("expected .closed, got \(String(describing: error))") }
    }
}
