import Foundation
import Testing

@testable import Postgres

/// Pure tests of the text formats, the query builder and the error mapping; no database.
@Suite struct ValueCodingTests {
    @Test func interpolatedValuesBecomeNumberedPlaceholders() {
        let email = "a@example.com"
        let limit = 10
        let query: Query = "SELECT id FROM users WHERE email = \(email) AND age > \(limit) LIMIT \(limit)"

        #expect(query.sql == "SELECT id FROM users WHERE email = $1 AND age > $2 LIMIT $3")
        #expect(query.binds.map(\.text) == ["a@example.com", "10", "10"])
        #expect(query.binds.map(\.typeOID) == [0, 20, 20])
    }

    @Test func nilBindsNullTypedAsTheWrappedType() {
        let missing: Int32? = nil
        let query: Query = "SELECT \(missing)"

        #expect(query.binds == [Query.Bind(text: nil, typeOID: 23)])
    }

    @Test func fragmentsComposeWithRenumberedPlaceholders() {
        let tenant = 7
        var query: Query = "SELECT * FROM items WHERE tenant = \(tenant)"
        let filter: Query = " AND name = \("x")"
        query.append(filter)
        let wrapped: Query = "SELECT count(*) FROM (\(query)) AS q WHERE \(true)"

        #expect(wrapped.sql == "SELECT count(*) FROM (SELECT * FROM items WHERE tenant = $1 AND name = $2) AS q WHERE $3")
        #expect(wrapped.binds.map(\.text) == ["7", "x", "t"])
    }

    @Test func rawSQLNeedsTheUnsafeLabel() {
        let column = "created_at"
        let query: Query = "SELECT \(unsafe: column) FROM t WHERE id = \(1)"

        #expect(query.sql == "SELECT created_at FROM t WHERE id = $1")
        #expect(Query(unsafeSQL: "SELECT 1").binds.isEmpty)
    }

    @Test func descriptionShowsTheSQLButNoValue() {
        let secret = "hunter2"
        let query: Query = "UPDATE users SET password = \(secret)"

        #expect(!"\(query)".contains(secret))
    }

    @Test func datesFormatAsRFC3339UTCWithMilliseconds() {
        #expect(PostgresTimestamp.format(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00.000Z")
        #expect(PostgresTimestamp.format(Date(timeIntervalSince1970: 1_715_000_000.1234)) == "2024-05-06T12:53:20.123Z")
        #expect(PostgresTimestamp.format(Date(timeIntervalSince1970: -1.5)) == "1969-12-31T23:59:58.500Z")
        #expect(PostgresTimestamp.format(Date(timeIntervalSince1970: 951_782_400)) == "2000-02-29T00:00:00.000Z")
    }

    @Test func timestampOutputParsesWithAnyOffsetAndPrecision() throws {
        let expected = Date(timeIntervalSince1970: 1_715_000_000.123456)
        for text in [
            "2024-05-06 12:53:20.123456+00", "2024-05-06 14:53:20.123456+02", "2024-05-06 07:23:20.123456-05:30",
            "2024-05-06T12:53:20.123456Z",
        ] {
            let parsed = try #require(PostgresTimestamp.parse(text), "\(text)")
            #expect(abs(parsed.timeIntervalSince(expected)) < 0.000_01, "\(text)")
        }
        #expect(PostgresTimestamp.parse("2024-05-06 12:53:20+00") == Date(timeIntervalSince1970: 1_715_000_000))
    }

    @Test func timestampParsingRefusesWhatIsNotATimestamp() {
        for text in [
            "", "infinity", "2024-02-30 00:00:00+00", "2023-02-29 00:00:00+00", "2024-13-01 00:00:00+00",
            "2024-05-06 12:53:20+00 trailing", "yesterday",
        ] {
            #expect(PostgresTimestamp.parse(text) == nil, "\(text)")
        }
    }

    @Test func datesBeforeTheCommonEraRoundTrip() throws {
        let date = Date(timeIntervalSince1970: -62_167_219_200)  // 1 January 1 BC (year 0 is a leap year)
        let text = PostgresTimestamp.format(date)

        #expect(text == "0001-01-01 00:00:00.000+00 BC")
        #expect(PostgresTimestamp.parse(text) == date)
    }

    @Test func byteaUsesHexFormat() {
        #expect(PostgresBytea.hexText([0x00, 0x1f, 0xab, 0xff]) == "\\x001fabff")
        #expect(PostgresBytea.bytes(fromHexText: "\\x001FABff") == [0x00, 0x1f, 0xab, 0xff])
        #expect(PostgresBytea.bytes(fromHexText: "\\x") == [])
        #expect(PostgresBytea.bytes(fromHexText: "\\x0") == nil)
        #expect(PostgresBytea.bytes(fromHexText: "\\xzz") == nil)
        #expect(PostgresBytea.bytes(fromHexText: "0011") == nil)
    }

    @Test func doublesEncodeSpecialValuesInPostgresSpelling() {
        #expect(Double.nan.postgresText == "NaN")
        #expect(Double.infinity.postgresText == "Infinity")
        #expect((-Double.infinity).postgresText == "-Infinity")
        #expect(Double(postgresText: "-Infinity") == -.infinity)
        #expect(Double(postgresText: "NaN")?.isNaN == true)
    }

    @Test(arguments: [
        ("23505", PostgresError.Code.uniqueViolation), ("23503", .foreignKeyViolation), ("23514", .checkViolation),
        ("23502", .notNullViolation), ("40001", .serializationFailure), ("40P01", .deadlockDetected),
        ("57014", .queryCanceled), ("08006", .connectionFailure), ("08001", .connectionFailure),
        ("57P01", .connectionFailure), ("42P01", .other), ("22P02", .other),
    ])
    func sqlStatesMapToCodes(sqlState: String, code: PostgresError.Code) {
        #expect(PostgresError.Code(sqlState: sqlState) == code)
    }

    @Test func errorDescriptionIsSafeToShowAndDebugDescriptionHasTheDetail() {
        let error = PostgresError(
            code: .uniqueViolation, sqlState: "23505", message: "duplicate key value violates unique constraint",
            detail: "Key (email)=(alice@example.com) already exists.", constraint: "users_email_key")

        #expect(!error.description.contains("alice"))
        #expect(error.debugDescription.contains("alice@example.com"))
        #expect(error.debugDescription.contains("users_email_key"))
    }

    @Test func migrationFileNamesAreStrict() {
        #expect(MigrationFile.parseFileName("0001_foundation.sql")! == (1, "foundation"))
        #expect(MigrationFile.parseFileName("0042_add-users_2.sql")! == (42, "add-users_2"))
        for bad in [
            "1_short.sql", "0000_zero.sql", "0001_.sql", "0001.sql", "0001_has space.sql", "abcd_x.sql",
            "0001_x.SQL",
        ] {
            #expect(MigrationFile.parseFileName(bad) == nil, "\(bad)")
        }
    }

    @Test func identifiersSplicedIntoDDLAreValidated() {
        #expect(throws: Never.self) { try EmbeddedPostgres.validateIdentifier("t_12") }
        for bad in ["", "T1", "1t", "a-b", "a;drop", "name\"", String(repeating: "a", count: 64)] {
            #expect(throws: EmbeddedPostgresError.self, "\(bad)") { try EmbeddedPostgres.validateIdentifier(bad) }
        }
    }

    @Test func socketFolderMovesUnderTmpWhenThePathIsTooLong() {
        let short = ClusterLayout(dataDirectory: "/var/lib/tollgate")
        let long = ClusterLayout(dataDirectory: "/" + String(repeating: "deep/", count: 20) + "data")

        #expect(short.socketDirectory.path == "/var/lib/tollgate/run")
        #expect(long.socketDirectory.path.hasPrefix("/tmp/tollgate-pg-"))
        #expect(ClusterLayout.fitsSocketPath(long.socketDirectory.path))
        #expect(long.socketDirectory == ClusterLayout(dataDirectory: long.root.path).socketDirectory)
    }

    @Test func configurationDescriptionHidesTheConnectionString() {
        let configuration = PostgresConfiguration(conninfo: "postgresql://app:s3cret@db/app")

        #expect(!"\(configuration)".contains("s3cret"))
    }
}
