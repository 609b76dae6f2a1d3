import Foundation
import Logging
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// A private PostgreSQL cluster run from the installed server binaries, reachable only
/// through a unix socket (no TCP port), with trust authentication for its superuser.
///
/// The data folder holds the cluster (`pgdata/`), the socket (`run/`, or a short folder under
/// /tmp when that path would be too long), the server's log (`postgres.log`) and the output of
/// the commands run (`embedded-postgres.log`). When this process is root, the cluster runs as
/// the `postgres` user (or a `tollgate-pg` system user, created if needed).
public final class EmbeddedPostgres: Sendable {
    /// The cluster's superuser, which every connection uses.
    public static let superuser = "tollgate"
    /// The database `start()` creates and returns.
    public static let defaultDatabase = "tollgate"

    private let layout: ClusterLayout
    private let logger: Logger
    private let binaryDirectoryOverride: String?
    private let ephemeral: Bool
    private let state = Mutex<Running?>(nil)

    /// What a started cluster needs to be reached and stopped.
    private struct Running: Sendable {
        let binaries: URL
        let account: ServiceAccount?
        let socketDirectory: String
        let port: Int
        /// False when the cluster was already running: then `stop()` leaves it running.
        let ownsServer: Bool
    }

    /// - Parameters:
    ///   - dataDirectory: the folder for everything the cluster keeps; created if missing.
    ///   - binaryDirectory: the folder with `initdb` and `pg_ctl`; found automatically when nil.
    ///   - ephemeral: for throwaway test clusters: no fsync, so a crash can lose data.
    public init(dataDirectory: String, logger: Logger, binaryDirectory: String? = nil, ephemeral: Bool = false) {
        self.layout = ClusterLayout(dataDirectory: dataDirectory)
        self.logger = logger
        self.binaryDirectoryOverride = binaryDirectory
        self.ephemeral = ephemeral
    }

    /// The data folder, absolute.
    public var dataDirectory: URL { layout.root }

    /// Creates the cluster on first use, starts it unless it is already running, creates the
    /// `tollgate` database if missing, and returns how to connect to it.
    ///
    /// Calling it again while started returns the same configuration.
    /// - Throws: ``EmbeddedPostgresError`` with the end of the command log when a step fails.
    public func start() throws(EmbeddedPostgresError) -> PostgresConfiguration {
        try state.withLock { (running: inout Running?) throws(EmbeddedPostgresError) -> PostgresConfiguration in
            if let running { return Self.configuration(running, database: Self.defaultDatabase) }
            let started = try bringUp()
            do throws(EmbeddedPostgresError) {
                try ensureDatabase(Self.defaultDatabase, on: started)
            } catch {
                if started.ownsServer { try? stopServer(started) }
                throw error
            }
            running = started
            return Self.configuration(started, database: Self.defaultDatabase)
        }
    }

    /// Stops the cluster with `pg_ctl stop -m fast` if this object started it; otherwise only
    /// forgets it. Calling it when stopped does nothing.
    public func stop() throws(EmbeddedPostgresError) {
        try state.withLock { (running: inout Running?) throws(EmbeddedPostgresError) in
            guard let current = running else { return }
            running = nil
            guard current.ownsServer else {
                logger.info("leaving the embedded PostgreSQL running: this process did not start it")
                return
            }
            try stopServer(current)
        }
    }

    /// How to connect to `database` in the started cluster.
    ///
    /// - Throws: when the cluster is not started or the name is not a plain identifier.
    public func configuration(database: String) throws(EmbeddedPostgresError) -> PostgresConfiguration {
        try Self.validateIdentifier(database)
        guard let running = state.withLock({ $0 }) else { throw EmbeddedPostgresError("the embedded PostgreSQL is not started") }
        return Self.configuration(running, database: database)
    }

    /// Creates a database, as a copy of `template` when given (which nobody may be connected to).
    ///
    /// Names must match `^[a-z_][a-z0-9_]*$` (at most 63 bytes): identifiers cannot be bound.
    /// - Throws: for an invalid name, a stopped cluster, or the server's error (for example
    ///   when the database exists).
    public func createDatabase(named name: String, template: String? = nil) throws(EmbeddedPostgresError) {
        try Self.validateIdentifier(name)
        if let template { try Self.validateIdentifier(template) }
        let sql = "CREATE DATABASE \(name)" + (template.map { " TEMPLATE \($0)" } ?? "")
        try runMaintenance(Query(unsafeSQL: sql), failure: "cannot create the database \(name)")
    }

    /// Drops a database if it exists, disconnecting its sessions first.
    ///
    /// - Throws: for an invalid name, a stopped cluster, or the server's error.
    public func dropDatabase(named name: String) throws(EmbeddedPostgresError) {
        try Self.validateIdentifier(name)
        try runMaintenance(
            Query(unsafeSQL: "DROP DATABASE IF EXISTS \(name) WITH (FORCE)"), failure: "cannot drop the database \(name)")
    }

    // MARK: Steps

    private func bringUp() throws(EmbeddedPostgresError) -> Running {
        let root = layout.root
        guard ClusterLayout.isQuotable(root.path) else {
            throw EmbeddedPostgresError("the data folder's path must not contain quotes, $, ` or \\: \(root.path)")
        }
        guard let binaries = ClusterLayout.binaryDirectory(override: binaryDirectoryOverride) else {
            throw EmbeddedPostgresError(
                "no PostgreSQL server binaries (initdb, pg_ctl) found; install PostgreSQL or set a database URL")
        }
        try createFolder(root)
        let commands = ChildProcess(logFile: layout.commandLog)
        let account = try ServiceAccount.forCluster(commands: commands, logger: logger)
        if let account {
            try account.ensureCanTraverse(to: root, logger: logger)
            if !account.owns(root) || !account.owns(layout.clusterDirectory) {
                try account.takeOwnership(of: root, recursive: true)
            }
        }
        try initializeClusterIfNeeded(binaries: binaries, account: account, commands: commands)

        let pgCtl = binaries.appendingPathComponent("pg_ctl").path
        let statusCode = try commands.run(
            pgCtl, ["status", "-D", layout.clusterDirectory.path], as: account?.name, in: root)
        if statusCode == 0, let socket = layout.runningSocket() {
            logger.info("reusing the running embedded PostgreSQL", metadata: ["data": "\(root.path)"])
            return Running(
                binaries: binaries, account: account, socketDirectory: socket.directory, port: socket.port,
                ownsServer: false)
        }

        let socketDirectory = layout.socketDirectory
        try createFolder(socketDirectory)
        if let account { try account.takeOwnership(of: socketDirectory, recursive: false) }
        try checkPrivate(socketDirectory, account: account)
        var options =
            "-c listen_addresses='' -k \(socketDirectory.path) -p \(ClusterLayout.port) -c unix_socket_permissions=0700"
        if ephemeral { options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off" }
        logger.info("starting the embedded PostgreSQL", metadata: ["data": "\(root.path)"])
        let startCode = try commands.run(
            pgCtl,
            ["start", "-D", layout.clusterDirectory.path, "-l", layout.serverLog.path, "-w", "-t", "60", "-o", options],
            as: account?.name, in: root)
        guard startCode == 0 else {
            throw EmbeddedPostgresError(
                "pg_ctl start failed (exit \(startCode))", logTail: commands.tail() + "\n" + serverLogTail())
        }
        return Running(
            binaries: binaries, account: account, socketDirectory: socketDirectory.path, port: ClusterLayout.port,
            ownsServer: true)
    }

    private func initializeClusterIfNeeded(
        binaries: URL, account: ServiceAccount?, commands: ChildProcess
    ) throws(EmbeddedPostgresError) {
        let cluster = layout.clusterDirectory
        guard !FileManager.default.fileExists(atPath: cluster.appendingPathComponent("PG_VERSION").path) else { return }
        if let contents = try? FileManager.default.contentsOfDirectory(atPath: cluster.path), !contents.isEmpty {
            throw EmbeddedPostgresError("\(cluster.path) exists but holds no PostgreSQL cluster; move it away")
        }
        logger.info("creating the embedded PostgreSQL cluster", metadata: ["data": "\(layout.root.path)"])
        var arguments = ["-D", cluster.path, "-A", "trust", "-E", "UTF8", "--locale=C", "-U", Self.superuser]
        if ephemeral { arguments.append("--no-sync") }
        let code = try commands.run(
            binaries.appendingPathComponent("initdb").path, arguments, as: account?.name, in: layout.root)
        guard code == 0 else {
            throw EmbeddedPostgresError("initdb failed (exit \(code))", logTail: commands.tail())
        }
    }

    private func stopServer(_ running: Running) throws(EmbeddedPostgresError) {
        let commands = ChildProcess(logFile: layout.commandLog)
        logger.info("stopping the embedded PostgreSQL", metadata: ["data": "\(layout.root.path)"])
        let code = try commands.run(
            running.binaries.appendingPathComponent("pg_ctl").path,
            ["stop", "-D", layout.clusterDirectory.path, "-m", "fast", "-w", "-t", "60"],
            as: running.account?.name, in: layout.root)
        guard code == 0 else {
            throw EmbeddedPostgresError("pg_ctl stop failed (exit \(code))", logTail: commands.tail())
        }
    }

    private func ensureDatabase(_ name: String, on running: Running) throws(EmbeddedPostgresError) {
        do {
            let connection = try PostgresConnection.connect(Self.configuration(running, database: "postgres"))
            defer { connection.close() }
            let existing = try connection.query("SELECT 1 FROM pg_database WHERE datname = \(name)")
            guard existing.isEmpty else { return }
            do {
                try connection.query(Query(unsafeSQL: "CREATE DATABASE \(name)"))
            } catch  where error.sqlState == "42P04" {
                return  // another process created it meanwhile
            }
        } catch {
            throw EmbeddedPostgresError("cannot create the database \(name)", underlying: error)
        }
    }

    private func runMaintenance(_ query: Query, failure: String) throws(EmbeddedPostgresError) {
        let configuration = try configuration(database: "postgres")
        do {
            let connection = try PostgresConnection.connect(configuration)
            defer { connection.close() }
            try connection.query(query)
        } catch {
            throw EmbeddedPostgresError(failure, underlying: error)
        }
    }

    private func createFolder(_ url: URL) throws(EmbeddedPostgresError) {
        do {
            try FileManager.default.createDirectory(
                at: url, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw EmbeddedPostgresError("cannot create \(url.path): \(error.localizedDescription)")
        }
    }

    /// The socket folder must belong to the cluster's user: a folder someone else made under
    /// /tmp beforehand could expose the socket.
    private func checkPrivate(_ url: URL, account: ServiceAccount?) throws(EmbeddedPostgresError) {
        var info = stat()
        let owner = account?.uid ?? geteuid()
        guard stat(url.path, &info) == 0, info.st_uid == owner, info.st_mode & 0o077 == 0 else {
            throw EmbeddedPostgresError("the socket folder \(url.path) must be private to the cluster's user")
        }
    }

    private func serverLogTail() -> String {
        ChildProcess(logFile: layout.serverLog).tail()
    }

    private static func configuration(_ running: Running, database: String) -> PostgresConfiguration {
        PostgresConfiguration(
            conninfo: "host=\(quoted(running.socketDirectory)) port=\(running.port) "
                + "dbname=\(quoted(database)) user=\(quoted(superuser))")
    }

    /// A conninfo value in single quotes, with `\` and `'` escaped.
    private static func quoted(_ value: String) -> String {
        "'" + value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'") + "'"
    }

    /// Accepts `^[a-z_][a-z0-9_]*$` up to 63 bytes, the names safe to splice unquoted.
    static func validateIdentifier(_ name: String) throws(EmbeddedPostgresError) {
        let bytes = Array(name.utf8)
        let valid =
            !bytes.isEmpty && bytes.count <= 63
            && bytes.enumerated().allSatisfy { index, byte in
                byte == UInt8(ascii: "_") || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                    || (index > 0 && (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte))
            }
        guard valid else {
            throw EmbeddedPostgresError("invalid database name \"\(name)\": use lowercase letters, digits and _")
        }
    }
}
