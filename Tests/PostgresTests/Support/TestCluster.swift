import Foundation
import Logging
import Synchronization

@testable import Postgres

#if canImport(Glibc)
    import Glibc
#endif

/// One throwaway PostgreSQL cluster for the whole test process, started on first use and
/// stopped at exit. It holds a template database migrated with the package's `migrations/`,
/// and each test copies it into a database of its own.
final class TestCluster: Sendable {
    static let templateName = "tollgate_template"

    let embedded: EmbeddedPostgres
    private let root: URL
    private let nextDatabase = Mutex(0)

    /// The shared cluster; the first caller pays for initdb and start.
    static func shared() throws -> TestCluster {
        try sharedResult.get()
    }

    private static let sharedResult: Result<TestCluster, any Error> = Result { try TestCluster() }

    private init() throws {
        root = try makeTemporaryDirectory(prefix: "tollgate-pg-tests")
        // A folder inside the 0700 temporary one, so the root code path has an ancestor to open up.
        embedded = EmbeddedPostgres(
            dataDirectory: root.appendingPathComponent("cluster").path, logger: quietLogger, ephemeral: true)
        clusterToStopAtExit.withLock { $0 = (embedded, root) }
        atexit { stopSharedClusterAtExit() }
        _ = try embedded.start()
        try embedded.createDatabase(named: Self.templateName)
        _ = try Migrator(directory: packageMigrationsDirectory, logger: quietLogger)
            .migrate(using: embedded.configuration(database: Self.templateName))
    }

    /// A new database copied from the migrated template.
    func freshDatabase(statementTimeout: Duration = .seconds(5)) throws -> PostgresConfiguration {
        let name = "t_\(nextDatabase.withLock { value in value += 1; return value })"
        try embedded.createDatabase(named: name, template: Self.templateName)
        var configuration = try embedded.configuration(database: name)
        configuration.statementTimeout = statementTimeout
        return configuration
    }

    /// A new folder inside the cluster's temporary folder, removed with it at exit.
    func scratchDirectory(prefix: String) throws -> URL {
        let name = "\(prefix)-\(nextDatabase.withLock { value in value += 1; return value })"
        let folder = root.appendingPathComponent(name, isDirectory: true)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: false)
        return folder
    }

    /// A new empty database, with no migrations applied.
    func blankDatabase() throws -> PostgresConfiguration {
        let name = "blank_\(nextDatabase.withLock { value in value += 1; return value })"
        try embedded.createDatabase(named: name)
        return try embedded.configuration(database: name)
    }
}

private let clusterToStopAtExit = Mutex<(EmbeddedPostgres, URL)?>(nil)

private func stopSharedClusterAtExit() {
    guard let (cluster, root) = clusterToStopAtExit.withLock({ $0 }) else { return }
    try? cluster.stop()
    try? FileManager.default.removeItem(at: root)
}

/// The package's own `migrations/` folder.
let packageMigrationsDirectory = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("migrations", isDirectory: true)

let quietLogger = Logger(label: "postgres-tests", factory: { _ in SwiftLogNoOpLogHandler() })

/// A new 0700 folder under the system's temporary folder.
func makeTemporaryDirectory(prefix: String) throws -> URL {
    var template = Array("\(FileManager.default.temporaryDirectory.path)/\(prefix).XXXXXX".utf8CString)
    guard let path = mkdtemp(&template) else {
        throw CocoaError(.fileWriteUnknown)
    }
    return URL(fileURLWithPath: String(cString: path), isDirectory: true)
}

/// A connection to a fresh migrated database.
func freshConnection(statementTimeout: Duration = .seconds(5)) throws -> (PostgresConnection, PostgresConfiguration) {
    let configuration = try TestCluster.shared().freshDatabase(statementTimeout: statementTimeout)
    return (try PostgresConnection.connect(configuration), configuration)
}

/// Polls `condition` every 10 ms until it holds or `timeout` passes.
func eventually(within timeout: Duration = .seconds(3), _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try condition() { return true }
        usleep(10_000)
    }
    return try condition()
}

/// Ends the session of `pid` from another connection and waits until its process is gone.
func terminateBackend(_ pid: Int32, using configuration: PostgresConfiguration) throws {
    let admin = try PostgresConnection.connect(configuration)
    defer { admin.close() }
    try admin.query("SELECT pg_terminate_backend(\(pid))")
    _ = try eventually {
        try admin.query("SELECT 1 FROM pg_stat_activity WHERE pid = \(pid)").isEmpty
    }
}

/// Values collected from other threads.
final class Recorder<Value: Sendable>: Sendable {
    private let values = Mutex<[Value]>([])

    func append(_ value: Value) { values.withLock { $0.append(value) } }

    var all: [Value] { values.withLock { $0 } }

    /// Waits until at least `count` values arrived.
    func wait(for count: Int, within timeout: Duration = .seconds(3)) -> Bool {
        eventually(within: timeout) { all.count >= count }
    }
}

/// Runs `body` on a new thread; `join()` waits for it.
final class TestThread: Sendable {
    private let finished = Mutex(false)

    private init() {}

    /// Starts `body` on a new thread.
    static func start(_ body: @escaping @Sendable () -> Void) -> TestThread {
        let handle = TestThread()
        let thread = Thread {
            body()
            handle.finished.withLock { $0 = true }
        }
        thread.start()
        return handle
    }

    @discardableResult
    func join(within timeout: Duration = .seconds(10)) -> Bool {
        eventually(within: timeout) { finished.withLock { $0 } }
    }
}
