import Foundation
import Logging
import Postgres
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// One throwaway PostgreSQL cluster for the whole test process, started on first use and
/// stopped at exit. It holds a template database migrated with the package's `migrations/`,
/// and each test copies it into a database of its own.
public final class TestCluster: Sendable {
    public static let templateName = "tollgate_template"

    public let embedded: EmbeddedPostgres
    private let root: URL
    private let nextDatabase = Mutex(0)

    /// The shared cluster; the first caller pays for initdb and start.
    public static func shared() throws -> TestCluster {
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
    public func freshDatabase(statementTimeout: Duration = .seconds(5)) throws -> PostgresConfiguration {
        let name = "t_\(nextDatabase.withLock { value in value += 1; return value })"
        try embedded.createDatabase(named: name, template: Self.templateName)
        var configuration = try embedded.configuration(database: name)
        configuration.statementTimeout = statementTimeout
        return configuration
    }

    /// A new folder inside the cluster's temporary folder, removed with it at exit.
    public func scratchDirectory(prefix: String) throws -> URL {
        let name = "\(prefix)-\(nextDatabase.withLock { value in value += 1; return value })"
        let folder = root.appendingPathComponent(name, isDirectory: true)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: false)
        return folder
    }

    /// A new empty database, with no migrations applied.
    public func blankDatabase() throws -> PostgresConfiguration {
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
public let packageMigrationsDirectory = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("migrations", isDirectory: true)

public let quietLogger = Logger(label: "postgres-tests", factory: { _ in SwiftLogNoOpLogHandler() })

/// A new 0700 folder under the system's temporary folder.
public func makeTemporaryDirectory(prefix: String) throws -> URL {
    var template = Array("\(FileManager.default.temporaryDirectory.path)/\(prefix).XXXXXX".utf8CString)
    guard let path = mkdtemp(&template) else {
        throw CocoaError(.fileWriteUnknown)
    }
    return URL(fileURLWithPath: String(cString: path), isDirectory: true)
}

/// Polls `condition` every 10 ms until it holds or `timeout` passes.
public func eventually(within timeout: Duration = .seconds(3), _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try condition() { return true }
        usleep(10_000)
    }
    return try condition()
}

/// Values collected from other threads.
public final class Recorder<Value: Sendable>: Sendable {
    private let values = Mutex<[Value]>([])

    public init() {}

    public func append(_ value: Value) { values.withLock { $0.append(value) } }

    public var all: [Value] { values.withLock { $0 } }

    /// Waits until at least `count` values arrived.
    public func wait(for count: Int, within timeout: Duration = .seconds(3)) -> Bool {
        eventually(within: timeout) { all.count >= count }
    }
}

/// Runs `body` on a new thread; `join()` waits for it.
public final class TestThread: Sendable {
    private let finished = Mutex(false)

    private init() {}

    /// Starts `body` on a new thread.
    public static func start(_ body: @escaping @Sendable () -> Void) -> TestThread {
        let handle = TestThread()
        let thread = Thread {
            body()
            handle.finished.withLock { $0 = true }
        }
        thread.start()
        return handle
    }

    @discardableResult
    public func join(within timeout: Duration = .seconds(10)) -> Bool {
        eventually(within: timeout) { finished.withLock { $0 } }
    }
}
