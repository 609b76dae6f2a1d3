import Foundation
import Logging

/// Applies the SQL files of a folder to a database, each once, in order.
///
/// Files are named `NNNN_name.sql`. Each unapplied file runs in its own transaction and is
/// recorded in `schema_migrations` with its SHA-256. An advisory lock makes concurrent
/// migrators (several instances starting at once) wait for each other, so every file is
/// applied exactly once. A file must not contain transaction control (`BEGIN`, `COMMIT`) nor
/// statements that cannot run in a transaction (`CREATE INDEX CONCURRENTLY`).
public struct Migrator: Sendable {
    /// The advisory lock key: "tollgate" in ASCII, as a bigint.
    public static let advisoryLockKey: Int64 = 0x746f_6c6c_6761_7465

    public let directory: URL
    private let logger: Logger

    public init(directory: URL, logger: Logger) {
        self.directory = directory
        self.logger = logger
    }

    public init(directoryPath: String, logger: Logger) {
        self.init(directory: URL(fileURLWithPath: directoryPath, isDirectory: true), logger: logger)
    }

    /// The folder's migrations in version order. Files not ending in `.sql` are ignored.
    ///
    /// - Throws: ``MigrationError`` for an unreadable folder, a badly named `.sql` file or
    ///   two files with one version.
    public func migrationFiles() throws(MigrationError) -> [MigrationFile] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        } catch {
            throw MigrationError(
                kind: .unreadableDirectory, message: "cannot read the migrations folder \(directory.path)")
        }
        var files: [MigrationFile] = []
        for fileName in names.sorted() where fileName.hasSuffix(".sql") {
            guard let (version, name) = MigrationFile.parseFileName(fileName) else {
                throw MigrationError(
                    kind: .badFile,
                    message: "migration file \(fileName) is not named NNNN_name.sql (four or more digits, then a name)")
            }
            if let other = files.first(where: { $0.version == version }) {
                throw MigrationError(
                    kind: .duplicateVersion,
                    message: "migration files \(other.fileName) and \(fileName) have the same version \(version)")
            }
            guard let data = FileManager.default.contents(atPath: directory.appendingPathComponent(fileName).path) else {
                throw MigrationError(kind: .badFile, message: "cannot read migration file \(fileName)")
            }
            files.append(try MigrationFile(version: version, name: name, fileName: fileName, data: data))
        }
        return files.sorted { $0.version < $1.version }
    }

    /// The highest version among the files, 0 when there are none.
    public func latestVersion() throws(MigrationError) -> Int {
        try migrationFiles().last?.version ?? 0
    }

    /// Applies every file not yet applied, under the advisory lock, on a connection of its own.
    ///
    /// The connection has no statement timeout: a long migration, or a wait for another
    /// instance's, is not cut short.
    /// - Returns: the migrations applied by this call, in order (empty when up to date).
    /// - Throws: ``MigrationError``. Migrations applied before the failing one stay applied.
    @discardableResult
    public func migrate(using configuration: PostgresConfiguration) throws(MigrationError) -> [AppliedMigration] {
        let files = try migrationFiles()
        var settings = configuration
        settings.statementTimeout = .zero
        let connection = try database("cannot connect to the database to migrate") {
            try PostgresConnection.connect(settings)
        }
        defer { connection.close() }
        try database("cannot take the migration lock") {
            try connection.query("SELECT pg_advisory_lock(\(Self.advisoryLockKey))")
        }
        defer { _ = try? connection.query("SELECT pg_advisory_unlock(\(Self.advisoryLockKey))") }
        try database("cannot create schema_migrations") {
            try connection.execute(unsafeScript: Self.createTableSQL)
        }
        let applied = try database("cannot read schema_migrations") { try Self.appliedMigrations(on: connection) }
        try Self.checkApplied(applied, against: files)

        var newlyApplied: [AppliedMigration] = []
        for file in files where applied[file.version] == nil {
            logger.info("applying migration", metadata: ["file": "\(file.fileName)"])
            do {
                try connection.transaction { connection in
                    try connection.execute(unsafeScript: file.contents)
                    try connection.query(
                        """
                        INSERT INTO schema_migrations (version, name, checksum)
                        VALUES (\(file.version), \(file.name), \(file.checksum))
                        """)
                }
            } catch {
                throw MigrationError(
                    kind: .migrationFailed, message: "migration \(file.fileName) failed and was rolled back",
                    underlying: error as? PostgresError)
            }
            newlyApplied.append(AppliedMigration(version: file.version, name: file.name, checksum: file.checksum))
        }
        return newlyApplied
    }

    /// The highest applied version, 0 when `schema_migrations` does not exist or is empty.
    public static func appliedVersion(on connection: PostgresConnection) throws(PostgresError) -> Int {
        let exists = try connection.query("SELECT to_regclass('schema_migrations') IS NOT NULL AS present")
        guard let row = exists.first, (try? row.decode("present", as: Bool.self)) == true else { return 0 }
        let rows = try connection.query("SELECT coalesce(max(version), 0) AS version FROM schema_migrations")
        return rows.first.flatMap { try? $0.decode("version", as: Int.self) } ?? 0
    }

    // MARK: Steps

    static let createTableSQL = """
        CREATE TABLE IF NOT EXISTS schema_migrations (
            version int PRIMARY KEY,
            name text NOT NULL,
            checksum text NOT NULL,
            applied_at timestamptz NOT NULL DEFAULT now()
        )
        """

    private static func appliedMigrations(on connection: PostgresConnection) throws -> [Int: AppliedMigration] {
        var applied: [Int: AppliedMigration] = [:]
        for row in try connection.query("SELECT version, name, checksum FROM schema_migrations ORDER BY version") {
            let migration = AppliedMigration(
                version: try row.decode("version"), name: try row.decode("name"), checksum: try row.decode("checksum"))
            applied[migration.version] = migration
        }
        return applied
    }

    /// Refuses to go on when an applied file changed or disappeared.
    private static func checkApplied(_ applied: [Int: AppliedMigration], against files: [MigrationFile]) throws(MigrationError) {
        for migration in applied.values.sorted(by: { $0.version < $1.version }) {
            guard let file = files.first(where: { $0.version == migration.version }) else {
                throw MigrationError(
                    kind: .missingFile,
                    message: "migration \(migration.version) (\(migration.name)) was applied but its file is missing")
            }
            guard file.checksum == migration.checksum else {
                throw MigrationError(
                    kind: .checksumMismatch,
                    message: "migration \(file.fileName) changed after it was applied "
                        + "(checksum \(file.checksum), applied \(migration.checksum)); add a new migration instead")
            }
        }
    }

    @discardableResult
    private func database<T>(_ message: String, _ body: () throws -> T) throws(MigrationError) -> T {
        do {
            return try body()
        } catch {
            throw MigrationError(kind: .database, message: message, underlying: error as? PostgresError)
        }
    }
}
