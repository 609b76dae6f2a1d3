#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Logging
import Postgres
import Synchronization

/// One throwaway PostgreSQL cluster per test process, started the way `tollgate serve` starts its
/// embedded one, with a migrated template; each test gets a fresh database copied from it.
enum TestCluster {
    static let templateName = "e2e_template"
    private static let counter = Atomic<Int>(0)

    private static let shared: Result<EmbeddedPostgres, any Error> = Result {
        let folder = "/tmp/tollgate-e2e-\(getpid())"
        try? FileManager.default.removeItem(atPath: folder)
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        var logger = Logger(label: "test-cluster")
        logger.logLevel = .warning
        let cluster = EmbeddedPostgres(dataDirectory: folder + "/pg", logger: logger, ephemeral: true)
        _ = try cluster.start()
        atexit {
            try? TestCluster.cluster?.stop()
            try? FileManager.default.removeItem(atPath: "/tmp/tollgate-e2e-\(getpid())")
        }
        try cluster.createDatabase(named: templateName)
        let migrations = try require(Migrator.locateDirectory(environment: [:]))
        _ = try Migrator(directory: migrations, logger: logger).migrate(using: try cluster.configuration(database: templateName))
        return cluster
    }

    static var cluster: EmbeddedPostgres? { try? shared.get() }

    /// A new, migrated database of its own for one test.
    static func freshDatabase() throws -> PostgresConfiguration {
        let cluster = try shared.get()
        let name = "e2e_\(counter.add(1, ordering: .relaxed).newValue)"
        try cluster.createDatabase(named: name, template: templateName)
        return try cluster.configuration(database: name)
    }
}

/// `#require` for code outside a test body.
private func require<T>(_ value: T?) throws -> T {
    guard let value else { throw ClientError("missing value") }
    return value
}
