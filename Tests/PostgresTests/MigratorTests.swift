import Foundation
import Synchronization
import TestSupport
import Testing

@testable import Postgres

/// Migrations apply once, in order, under a lock, and refuse edited history.
@Suite struct MigratorTests {
    /// A folder of migrations that count how often they ran.
    private func makeMigrations(_ files: [String: String]? = nil) throws -> URL {
        let folder = try TestCluster.shared().scratchDirectory(prefix: "migrations")
        let contents =
            files ?? [
                "0001_counter.sql": "CREATE TABLE runs (migration int NOT NULL); INSERT INTO runs VALUES (1);",
                "0002_slow.sql": "SELECT pg_sleep(0.2); INSERT INTO runs VALUES (2);",
                "README.md": "not a migration",
            ]
        for (name, text) in contents {
            try Data(text.utf8).write(to: folder.appendingPathComponent(name))
        }
        return folder
    }

    private func runs(_ configuration: PostgresConfiguration) throws -> [Int] {
        let connection = try PostgresConnection.connect(configuration)
        return try connection.query("SELECT migration FROM runs ORDER BY migration").map { try $0.decode(0, as: Int.self) }
    }

    @Test func filesApplyOnceInOrderAndASecondRunDoesNothing() throws {
        let configuration = try TestCluster.shared().blankDatabase()
        let migrator = Migrator(directory: try makeMigrations(), logger: quietLogger)

        let first = try migrator.migrate(using: configuration)
        let second = try migrator.migrate(using: configuration)

        #expect(first.map(\.version) == [1, 2])
        #expect(first.map(\.name) == ["counter", "slow"])
        #expect(first.allSatisfy { $0.checksum.count == 64 })
        #expect(second.isEmpty)
        #expect(try runs(configuration) == [1, 2])
        #expect(try migrator.latestVersion() == 2)
        #expect(try Migrator.appliedVersion(on: PostgresConnection.connect(configuration)) == 2)
    }

    @Test func aNewFileIsAppliedOnTheNextRun() throws {
        let configuration = try TestCluster.shared().blankDatabase()
        let folder = try makeMigrations()
        let migrator = Migrator(directory: folder, logger: quietLogger)
        try migrator.migrate(using: configuration)

        try Data("INSERT INTO runs VALUES (3);".utf8).write(to: folder.appendingPathComponent("0003_more.sql"))
        let applied = try migrator.migrate(using: configuration)

        #expect(applied.map(\.version) == [3])
        #expect(try runs(configuration) == [1, 2, 3])
    }

    @Test func anEditedAppliedFileIsRefusedWithAClearError() throws {
        let configuration = try TestCluster.shared().blankDatabase()
        let folder = try makeMigrations()
        let migrator = Migrator(directory: folder, logger: quietLogger)
        try migrator.migrate(using: configuration)

        try Data("CREATE TABLE runs (changed int);".utf8).write(to: folder.appendingPathComponent("0001_counter.sql"))
        let error = #expect(throws: MigrationError.self) { try migrator.migrate(using: configuration) }

        #expect(error?.kind == .checksumMismatch)
        #expect(error?.description.contains("0001_counter.sql changed after it was applied") == true)
    }

    @Test func aMissingAppliedFileIsRefused() throws {
        let configuration = try TestCluster.shared().blankDatabase()
        let folder = try makeMigrations()
        let migrator = Migrator(directory: folder, logger: quietLogger)
        try migrator.migrate(using: configuration)

        try FileManager.default.removeItem(at: folder.appendingPathComponent("0002_slow.sql"))
        let error = #expect(throws: MigrationError.self) { try migrator.migrate(using: configuration) }

        #expect(error?.kind == .missingFile)
        #expect(error?.description.contains("migration 2 (slow)") == true)
    }

    @Test func aBadlyNamedFileIsRefusedBeforeAnythingRuns() throws {
        let configuration = try TestCluster.shared().blankDatabase()
        let folder = try makeMigrations(["0001_ok.sql": "CREATE TABLE ok (n int);", "2_bad.sql": "SELECT 1;"])

        let error = #expect(throws: MigrationError.self) {
            try Migrator(directory: folder, logger: quietLogger).migrate(using: configuration)
        }

        #expect(error?.kind == .badFile)
        #expect(error?.description.contains("2_bad.sql") == true)
        #expect(try Migrator.appliedVersion(on: PostgresConnection.connect(configuration)) == 0)
    }

    @Test func duplicateVersionsAreRefused() throws {
        let folder = try makeMigrations(["0001_a.sql": "SELECT 1;", "0001_b.sql": "SELECT 1;"])

        let error = #expect(throws: MigrationError.self) {
            try Migrator(directory: folder, logger: quietLogger).migrationFiles()
        }

        #expect(error?.kind == .duplicateVersion)
    }

    @Test func aFailingMigrationRollsBackAndKeepsTheEarlierOnes() throws {
        let configuration = try TestCluster.shared().blankDatabase()
        let folder = try makeMigrations([
            "0001_good.sql": "CREATE TABLE good (n int);",
            "0002_bad.sql": "CREATE TABLE half (n int); SELECT no_such_function();",
        ])

        let error = #expect(throws: MigrationError.self) {
            try Migrator(directory: folder, logger: quietLogger).migrate(using: configuration)
        }

        #expect(error?.kind == .migrationFailed)
        #expect(error?.description.contains("0002_bad.sql") == true)
        let connection = try PostgresConnection.connect(configuration)
        #expect(try Migrator.appliedVersion(on: connection) == 1)
        #expect(try connection.query("SELECT to_regclass('half') IS NULL AS gone").first?.decode("gone", as: Bool.self) == true)
    }

    @Test func twoConcurrentMigratorsApplyEachFileExactlyOnce() throws {
        let configuration = try TestCluster.shared().blankDatabase()
        let migrator = Migrator(directory: try makeMigrations(), logger: quietLogger)
        let results = Recorder<[Int]>()
        let failures = Recorder<String>()

        let threads = (0..<2).map { _ in
            TestThread.start {
                do {
                    results.append(try migrator.migrate(using: configuration).map(\.version))
                } catch {
                    failures.append("\(error)")
                }
            }
        }
        threads.forEach { $0.join() }

        #expect(failures.all.isEmpty)
        #expect(results.all.flatMap { $0 }.sorted() == [1, 2])
        #expect(try runs(configuration) == [1, 2])
    }

    @Test func appliedVersionIsZeroBeforeAnyMigration() throws {
        let connection = try PostgresConnection.connect(TestCluster.shared().blankDatabase())

        #expect(try Migrator.appliedVersion(on: connection) == 0)
    }

    @Test func thePackageMigrationsAreAppliedToEachTestDatabase() throws {
        let (connection, _) = try freshConnection()
        let latest = try Migrator(directory: packageMigrationsDirectory, logger: quietLogger).latestVersion()

        #expect(latest >= 1)
        #expect(try Migrator.appliedVersion(on: connection) == latest)
        #expect(try connection.query("SELECT id FROM tollgate_instance").count == 1)
    }

    @Test func theMigrationsFolderIsFoundFromTheEnvironmentTheWorkingFolderOrTheExecutable() throws {
        let tree = try TestCluster.shared().scratchDirectory(prefix: "locate")
        let package = tree.appendingPathComponent("package")
        let binary = package.appendingPathComponent(".build/debug/tollgate")
        try FileManager.default.createDirectory(at: binary.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: package.appendingPathComponent("migrations"), withIntermediateDirectories: true)
        try Data().write(to: package.appendingPathComponent("Package.swift"))
        let elsewhere = tree.appendingPathComponent("elsewhere")
        try FileManager.default.createDirectory(at: elsewhere.appendingPathComponent("migrations"), withIntermediateDirectories: true)

        let fromEnvironment = Migrator.locateDirectory(
            environment: ["TOLLGATE_MIGRATIONS_DIR": "/opt/m"], currentDirectory: elsewhere.path, executablePath: binary.path)
        let fromWorkingFolder = Migrator.locateDirectory(
            environment: [:], currentDirectory: elsewhere.path, executablePath: binary.path)
        let fromExecutable = Migrator.locateDirectory(
            environment: [:], currentDirectory: tree.path, executablePath: binary.path)
        let nowhere = Migrator.locateDirectory(environment: [:], currentDirectory: tree.path, executablePath: "/usr/bin/env")

        #expect(fromEnvironment?.path == "/opt/m")
        #expect(fromWorkingFolder?.standardizedFileURL.path == elsewhere.appendingPathComponent("migrations").path)
        #expect(fromExecutable?.standardizedFileURL.path == package.appendingPathComponent("migrations").path)
        #expect(nowhere == nil)
    }
}
