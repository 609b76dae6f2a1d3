import Foundation
import Testing

@testable import Postgres

/// Server errors arrive as `PostgresError` with the SQLSTATE mapped to a code.
@Suite struct ErrorMappingTests {
    private static let schema = """
        CREATE TABLE parent (id int PRIMARY KEY);
        CREATE TABLE child (
            parent_id int REFERENCES parent (id),
            quantity int CHECK (quantity > 0),
            name text NOT NULL
        );
        INSERT INTO parent VALUES (1);
        """

    private func connectionWithSchema() throws -> PostgresConnection {
        let (connection, _) = try freshConnection()
        try connection.execute(unsafeScript: Self.schema)
        return connection
    }

    private func failure(_ body: () throws -> Void) -> PostgresError? {
        do {
            try body()
            return nil
        } catch {
            return error as? PostgresError
        }
    }

    @Test func uniqueViolationNamesTheConstraint() throws {
        let connection = try connectionWithSchema()

        let error = failure { try connection.query("INSERT INTO parent VALUES (\(1))") }

        #expect(error?.code == .uniqueViolation)
        #expect(error?.sqlState == "23505")
        #expect(error?.constraint == "parent_pkey")
        #expect(error?.detail?.contains("(id)=(1)") == true)
        #expect(error.map { !$0.description.contains("(id)=(1)") } == true)
        #expect(!connection.isBroken)
    }

    @Test func foreignKeyViolation() throws {
        let connection = try connectionWithSchema()

        let error = failure { try connection.query("INSERT INTO child VALUES (\(99), \(1), \("x"))") }

        #expect(error?.code == .foreignKeyViolation)
        #expect(error?.constraint == "child_parent_id_fkey")
    }

    @Test func checkViolation() throws {
        let connection = try connectionWithSchema()

        let error = failure { try connection.query("INSERT INTO child VALUES (\(1), \(-5), \("x"))") }

        #expect(error?.code == .checkViolation)
        #expect(error?.constraint == "child_quantity_check")
    }

    @Test func notNullViolation() throws {
        let connection = try connectionWithSchema()
        let noName: String? = nil

        let error = failure { try connection.query("INSERT INTO child VALUES (\(1), \(1), \(noName))") }

        #expect(error?.code == .notNullViolation)
    }

    @Test func otherErrorsKeepTheirSQLState() throws {
        let connection = try connectionWithSchema()

        let error = failure { try connection.query("SELECT * FROM no_such_table") }

        #expect(error?.code == .other)
        #expect(error?.sqlState == "42P01")
        #expect(!connection.isBroken)
    }

    @Test func writeSkewBetweenTwoSerializableTransactionsIsASerializationFailure() throws {
        let (first, configuration) = try freshConnection()
        let second = try PostgresConnection.connect(configuration)
        try first.execute(
            unsafeScript: "CREATE TABLE doctors (id int PRIMARY KEY, on_call bool); INSERT INTO doctors VALUES (1, true), (2, true);")

        // Each transaction sees two doctors on call and takes one off: together they break the rule.
        for connection in [first, second] {
            try connection.query("BEGIN ISOLATION LEVEL SERIALIZABLE")
            try connection.query("SELECT count(*) FROM doctors WHERE on_call")
        }
        try first.query("UPDATE doctors SET on_call = false WHERE id = \(1)")
        try second.query("UPDATE doctors SET on_call = false WHERE id = \(2)")
        try first.query("COMMIT")
        let error = failure { try second.query("COMMIT") }

        #expect(error?.code == .serializationFailure)
        #expect(error?.isTransient == true)
    }

    @Test func statementTimeoutCancelsTheQuery() throws {
        let (connection, _) = try freshConnection(statementTimeout: .milliseconds(200))
        let started = ContinuousClock.now

        let error = failure { try connection.query("SELECT pg_sleep(10)") }

        #expect(error?.code == .queryCanceled)
        #expect(ContinuousClock.now - started < .seconds(2))
        #expect(!connection.isBroken)
        #expect(try connection.query("SELECT 1").count == 1)
    }

    @Test func aTerminatedSessionIsAConnectionFailureAndBreaksTheConnection() throws {
        let (connection, configuration) = try freshConnection()

        try terminateBackend(connection.backendPID, using: configuration)
        let error = failure { try connection.query("SELECT 1") }

        #expect(error?.code == .connectionFailure)
        #expect(connection.isBroken)
    }

    @Test func anUnreachableServerIsAConnectionFailure() throws {
        let configuration = PostgresConfiguration(conninfo: "host=/nonexistent-socket-folder dbname=x")

        let error = failure { _ = try PostgresConnection.connect(configuration) }

        #expect(error?.code == .connectionFailure)
    }

    @Test func aClosedConnectionRefusesQueries() throws {
        let (connection, _) = try freshConnection()

        connection.close()

        #expect(connection.isBroken)
        #expect(failure { try connection.query("SELECT 1") }?.code == .connectionFailure)
    }
}
