import Foundation
import Logging
import Postgres
import Store
import Telemetry

public enum TollgateVersion {
    public static let current = "0.1.0"
}

/// `tollgate migrate`: the same database choice as `serve`, then every pending migration.
public enum TollgateMigrations {
    /// `TOLLGATE_MIGRATIONS_DIR`, else `./migrations`, else the package folder of the running binary.
    static func directory(_ configuration: TollgateConfiguration) throws -> URL {
        if let configured = configuration.migrationsDirectory { return URL(fileURLWithPath: configured, isDirectory: true) }
        guard let found = Migrator.locateDirectory(environment: [:]) else {
            throw ConfigurationError(
                variable: "TOLLGATE_MIGRATIONS_DIR", problem: "no migrations folder found; set it to the project's migrations folder")
        }
        return found
    }

    public static func run(configuration: TollgateConfiguration, logger: Logger) throws {
        let embedded = configuration.databaseURL == nil ? EmbeddedPostgres(dataDirectory: configuration.dataDirectory, logger: logger) : nil
        defer { try? embedded?.stop() }
        let database = try embedded?.start() ?? PostgresConfiguration(conninfo: configuration.databaseURL ?? "")
        let migrator = Migrator(directory: try directory(configuration), logger: logger)
        let applied = try migrator.migrate(using: database)
        let version = try migrator.latestVersion()
        logger.info("migrations current", metadata: ["applied_now": "\(applied.count)", "version": "\(version)"])
    }
}

/// `tollgate bootstrap-admin`: a new admin principal with a new key, for a person setting up by hand.
public enum BootstrapAdmin {
    /// Creates the admin and returns the key, which is shown only this once.
    public static func run(configuration: TollgateConfiguration, logger: Logger) throws -> String {
        let embedded = configuration.databaseURL == nil ? EmbeddedPostgres(dataDirectory: configuration.dataDirectory, logger: logger) : nil
        defer { try? embedded?.stop() }
        let database = try embedded?.start() ?? PostgresConfiguration(conninfo: configuration.databaseURL ?? "")
        _ = try Migrator(directory: try TollgateMigrations.directory(configuration), logger: logger).migrate(using: database)
        let pool = PostgresPool(configuration: database, size: 1, logger: logger)
        defer { pool.close() }
        let key = APIKeyMaterial.generate()
        let id = try Store(pool: pool, logger: logger).ensureAdmin(
            holdingKey: key, keyName: "bootstrap-admin", principalName: "Admin", at: Timestamp.nowRFC3339())
        logger.info("admin created", metadata: ["principal_id": "\(id)"])
        return key
    }
}
