import Foundation
import Testing

@testable import Postgres

/// Values travel as bound parameters and come back as the same Swift values.
@Suite struct BoundParameterTests {
    @Test func everyTypeRoundTrips() throws {
        let (connection, _) = try freshConnection()
        let date = Date(timeIntervalSince1970: 1_715_000_000.123)
        let bytes: [UInt8] = [0x00, 0x01, 0x5c, 0x7f, 0x80, 0xff]

        let rows = try connection.query(
            """
            SELECT \("text") AS s, \(Int.max) AS i, \(Int64.min) AS i64, \(Int32.min) AS i32,
                   \(true) AS yes, \(false) AS no, \(3.141592653589793) AS d, \(Double.infinity) AS inf,
                   \(bytes) AS b, \(date) AS at, \([UInt8]()) AS empty
            """)

        let row = try #require(rows.first)
        #expect(rows.count == 1)
        #expect(try row.decode("s", as: String.self) == "text")
        #expect(try row.decode("i", as: Int.self) == Int.max)
        #expect(try row.decode("i64", as: Int64.self) == Int64.min)
        #expect(try row.decode("i32", as: Int32.self) == Int32.min)
        #expect(try row.decode("yes", as: Bool.self) == true)
        #expect(try row.decode("no", as: Bool.self) == false)
        #expect(try row.decode("d", as: Double.self) == 3.141592653589793)
        #expect(try row.decode("inf", as: Double.self) == .infinity)
        #expect(try row.decode("b", as: [UInt8].self) == bytes)
        #expect(try row.decode("empty", as: [UInt8].self) == [])
        #expect(abs(try row.decode("at", as: Date.self).timeIntervalSince(date)) < 0.000_5)
        #expect(try row.decode(0, as: String.self) == "text")
    }

    @Test func nullsRoundTripAsNilAndAreRefusedByNonOptionalTypes() throws {
        let (connection, _) = try freshConnection()
        let noText: String? = nil
        let noNumber: Int? = nil
        let noDate: Date? = nil
        let noBytes: [UInt8]? = nil
        let someNumber: Int? = 5

        let row = try #require(
            connection.query(
                "SELECT \(noText) AS s, \(noNumber) AS i, \(noDate) AS at, \(noBytes) AS b, \(someNumber) AS five"
            ).first)

        #expect(try row.decode("s", as: String?.self) == nil)
        #expect(try row.decode("i", as: Int?.self) == nil)
        #expect(try row.decode("at", as: Date?.self) == nil)
        #expect(try row.decode("b", as: [UInt8]?.self) == nil)
        #expect(try row.decode("five", as: Int?.self) == 5)
        #expect(throws: PostgresDecodingError(kind: .unexpectedNull, column: "i", type: Int.self)) {
            try row.decode("i", as: Int.self)
        }
    }

    @Test func hostileStringsAreStoredVerbatimAndNeverRunAsSQL() throws {
        let (connection, _) = try freshConnection()
        try connection.query("CREATE TABLE notes (body text NOT NULL)")
        let hostile = [
            "'; DROP TABLE notes; --",
            "it's \"quoted\" and \\back\\slashed\\",
            "ünïcødé 中文 🎉 \u{200B}",
            "$1 $2 ? %s",
            "line\nbreak\ttab\r",
            "E'\\x00'",
        ]

        for body in hostile {
            try connection.query("INSERT INTO notes (body) VALUES (\(body))")
        }
        let stored = try connection.query("SELECT body FROM notes").map { try $0.decode("body", as: String.self) }

        #expect(stored.sorted() == hostile.sorted())
        let matched = try connection.query("SELECT count(*) AS n FROM notes WHERE body = \(hostile[0])")
        #expect(try matched.first?.decode("n", as: Int.self) == 1)
    }

    @Test func aNulCharacterIsRefusedRatherThanTruncated() throws {
        let (connection, _) = try freshConnection()

        #expect {
            try connection.query("SELECT \("before\u{0}after") AS s")
        } throws: { error in
            (error as? PostgresError)?.sqlState == "22021"
        }
        #expect(!connection.isBroken)
    }

    @Test func decodingErrorsAreTypedAndNameTheColumn() throws {
        let (connection, _) = try freshConnection()
        let row = try #require(connection.query("SELECT 'abc' AS word, 1.5 AS fraction").first)

        #expect(throws: PostgresDecodingError(kind: .malformedValue, column: "word", type: Int.self)) {
            try row.decode("word", as: Int.self)
        }
        #expect(throws: PostgresDecodingError(kind: .malformedValue, column: "fraction", type: Int.self)) {
            try row.decode("fraction", as: Int.self)
        }
        #expect(throws: PostgresDecodingError(kind: .missingColumn, column: "nope", type: String.self)) {
            try row.decode("nope", as: String.self)
        }
        #expect(throws: PostgresDecodingError(kind: .missingColumn, column: "#5", type: String.self)) {
            try row.decode(5, as: String.self)
        }
    }

    @Test func rowsAffectedCountsWhatTheCommandChanged() throws {
        let (connection, _) = try freshConnection()
        try connection.query("CREATE TABLE items (n int)")

        let inserted = try connection.query("INSERT INTO items SELECT generate_series(1, \(5))")
        let updated = try connection.query("UPDATE items SET n = n + 1 WHERE n > \(2)")
        let selected = try connection.query("SELECT n FROM items ORDER BY n")

        #expect(inserted.rowsAffected == 5)
        #expect(updated.rowsAffected == 3)
        #expect(selected.count == 5)
        #expect(try selected.map { try $0.decode("n", as: Int.self) } == [1, 2, 4, 5, 6])
    }

    @Test func sessionUsesUTCAndISODatesWhateverTheServerDefault() throws {
        let (connection, _) = try freshConnection()
        let row = try #require(
            connection.query("SELECT current_setting('TimeZone') AS tz, current_setting('DateStyle') AS style").first)

        #expect(try row.decode("tz", as: String.self) == "UTC")
        #expect(try row.decode("style", as: String.self).hasPrefix("ISO"))
        let epoch = try #require(connection.query("SELECT 'epoch'::timestamptz AS at").first)
        #expect(try epoch.decode("at", as: Date.self) == Date(timeIntervalSince1970: 0))
    }

    @Test func scriptsRunSeveralStatements() throws {
        let (connection, _) = try freshConnection()

        try connection.execute(unsafeScript: "CREATE TABLE a (n int); INSERT INTO a VALUES (1), (2);")

        #expect(try connection.query("SELECT n FROM a").count == 2)
    }
}
