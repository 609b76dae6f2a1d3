import Logging
import Postgres

public enum TollgateVersion {
    public static let current = "0.1.0"
}

/// `tollgate migrate`: the same database choice as `serve`, then every pending migration.
public enum TollgateMigrations {
    public static func run(configuration: TollgateConfiguration, logger: Logger) throws {
        let embedded = configuration.databaseURL == nil ? EmbeddedPostgres(dataDirectory: configuration.dataDirectory, logger: logger) : nil
        defer { embedded?.stop() }
        let database = try embedded?.start() ?? PostgresConfiguration(conninfo: configuration.databaseURL!)
        let migrator = Migrator(directoryPath: try Migrator.locateDirectory(override: configuration.migrationsDirectory), logger: logger)
        let applied = try migrator.migrate(using: database)
        logger.info("migrations current", metadata: ["applied_now": "\(applied.count)", "version": "\(try migrator.latestVersion())"])
    }
}
