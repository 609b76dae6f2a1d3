import Foundation
import TestSupport
import Testing

@testable import Postgres

#if canImport(Glibc)
    import Glibc
#endif

/// The embedded cluster is created once, reused, and keeps its data across restarts.
@Suite struct EmbeddedPostgresTests {
    @Test func dataSurvivesStopAndStartAndARunningClusterIsReusedNotStopped() throws {
        let folder = try makeTemporaryDirectory(prefix: "embedded")
        defer { try? FileManager.default.removeItem(at: folder) }
        let dataDirectory = folder.appendingPathComponent("data").path
        let cluster = EmbeddedPostgres(dataDirectory: dataDirectory, logger: quietLogger, ephemeral: true)
        defer { try? cluster.stop() }

        let configuration = try cluster.start()
        do {
            let connection = try PostgresConnection.connect(configuration)
            try connection.execute(unsafeScript: "CREATE TABLE kept (note text); INSERT INTO kept VALUES ('before restart');")
            #expect(try connection.query("SHOW listen_addresses").first?.decode(0, as: String.self) == "")
            connection.close()
        }
        try cluster.stop()
        let restarted = try cluster.start()
        let notes = try PostgresConnection.connect(restarted).query("SELECT note FROM kept")

        #expect(try notes.map { try $0.decode("note", as: String.self) } == ["before restart"])

        // A second owner of the same folder finds the cluster running and leaves it running.
        let visitor = EmbeddedPostgres(dataDirectory: dataDirectory, logger: quietLogger)
        let shared = try visitor.start()
        try visitor.stop()
        #expect(try PostgresConnection.connect(shared).query("SELECT note FROM kept").count == 1)
        #expect(try PostgresConnection.connect(restarted).query("SELECT 1").count == 1)
    }

    @Test func asRootTheClusterBelongsToAnUnprivilegedUser() throws {
        guard geteuid() == 0 else { return }
        let cluster = try TestCluster.shared()
        let connection = try PostgresConnection.connect(cluster.embedded.configuration(database: "postgres"))

        let owner = try connection.query("SELECT current_setting('data_directory') AS dir").first?.decode("dir", as: String.self)
        var info = stat()
        #expect(stat(try #require(owner), &info) == 0)
        #expect(info.st_uid != 0)
    }

    @Test func databasesAreCreatedFromATemplateAndDropped() throws {
        let cluster = try TestCluster.shared().embedded

        try cluster.createDatabase(named: "copy_of_template", template: TestCluster.templateName)
        let copy = try PostgresConnection.connect(cluster.configuration(database: "copy_of_template"))
        let instances = try copy.query("SELECT * FROM tollgate_instance").count
        copy.close()
        try cluster.dropDatabase(named: "copy_of_template")

        #expect(instances == 1)
        #expect(throws: PostgresError.self) {
            try PostgresConnection.connect(cluster.configuration(database: "copy_of_template"))
        }
        #expect(throws: EmbeddedPostgresError.self) { try cluster.createDatabase(named: "bad; DROP DATABASE x") }
    }
}
