import Logging
import Postgres
import Synchronization
import Telemetry

#if canImport(Glibc)
    import Glibc
#endif

/// Watches the database from its own connection, twice a second, so `/readyz` answers from memory
/// and turns 503 within a second of the database going away (and 200 again when it returns).
final class ReadinessProbe: Sendable {
    enum State: Sendable, Equatable {
        case ready
        case databaseUnreachable
        case migrationsBehind(applied: Int, expected: Int)
        case shuttingDown
    }

    private let database: PostgresConfiguration
    private let expectedVersion: Int
    private let logger: Logger
    private let stateBox = Mutex<State>(.databaseUnreachable)
    private let stopping = Atomic<Bool>(false)
    private let stopped = Atomic<Bool>(false)

    init(database: PostgresConfiguration, expectedMigrationVersion: Int, logger: Logger) {
        var probeConfig = database
        probeConfig.connectTimeout = .seconds(1)
        probeConfig.statementTimeout = .seconds(1)
        probeConfig.applicationName = "tollgate-readiness"
        self.database = probeConfig
        self.expectedVersion = expectedMigrationVersion
        self.logger = logger
    }

    var state: State { stateBox.withLock { $0 } }

    /// Checks once now (so the first answer is right), then keeps checking in the background.
    func start() {
        var connection: PostgresConnection?
        check(&connection)
        let box = ConnectionBox(connection)
        BackgroundThread.start(name: "readiness") { [self] in
            var connection = box.take()
            while !stopping.load(ordering: .relaxed) {
                usleep(500_000)
                check(&connection)
            }
            connection?.close()
            stopped.store(true, ordering: .releasing)
        }
    }

    /// Readiness turns false at once and stays false: the load balancer drains us before we stop accepting.
    func beginShutdown() {
        stateBox.withLock { $0 = .shuttingDown }
        stopping.store(true, ordering: .relaxed)
    }

    private func check(_ connection: inout PostgresConnection?) {
        let newState: State
        do {
            if connection == nil || connection?.isBroken == true {
                connection?.close()
                connection = try PostgresConnection.connect(database)
            }
            let applied = try Migrator.appliedVersion(on: connection!)
            newState = applied >= expectedVersion ? .ready : .migrationsBehind(applied: applied, expected: expectedVersion)
        } catch {
            connection?.close()
            connection = nil
            newState = .databaseUnreachable
        }
        let old = stateBox.withLock { state -> State in
            let old = state
            if state != .shuttingDown { state = newState }
            return old
        }
        if old != newState && old != .shuttingDown {
            logger.notice("readiness changed", metadata: ["state": "\(newState)"])
        }
    }
}

/// Moves the probe's first connection into its thread.
private final class ConnectionBox: @unchecked Sendable {  // written once before the thread starts, taken once by it
    private var connection: PostgresConnection?
    init(_ connection: PostgresConnection?) { self.connection = connection }
    func take() -> PostgresConnection? {
        defer { connection = nil }
        return connection
    }
}
