import Foundation
import Postgres
import TestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// A connection to a fresh migrated database.
func freshConnection(statementTimeout: Duration = .seconds(5)) throws -> (PostgresConnection, PostgresConfiguration) {
    let configuration = try TestCluster.shared().freshDatabase(statementTimeout: statementTimeout)
    return (try PostgresConnection.connect(configuration), configuration)
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
