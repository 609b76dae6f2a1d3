import CLibpq
import Foundation

/// Turns a `PGresult` into rows or a ``PostgresError``, and always clears it.
enum LibpqResult {
    /// Reads and clears `result`.
    ///
    /// - Throws: the result's error; `.connectionFailure` when there is no result (libpq's sign
    ///   of a lost connection) or when the connection is broken after the call.
    static func rows(from result: OpaquePointer?, connection: OpaquePointer) throws(PostgresError) -> PostgresRows {
        guard let result else {
            throw PostgresError(code: .connectionFailure, message: connectionMessage(connection))
        }
        defer { PQclear(result) }
        let status = PQresultStatus(result)
        switch status {
        case PGRES_TUPLES_OK, PGRES_COMMAND_OK, PGRES_EMPTY_QUERY:
            return decodeRows(result)
        case PGRES_COPY_IN, PGRES_COPY_OUT, PGRES_COPY_BOTH:
            // The connection is now mid-COPY; its owner closes it (see PostgresConnection).
            throw PostgresError(code: .other, message: "COPY is not supported through this API")
        default:
            throw error(from: result, connection: connection)
        }
    }

    private static func decodeRows(_ result: OpaquePointer) -> PostgresRows {
        let rowCount = Int(PQntuples(result))
        let columnCount = Int(PQnfields(result))
        var names: [String] = []
        names.reserveCapacity(columnCount)
        for column in 0..<columnCount {
            names.append(PQfname(result, Int32(column)).map { String(cString: $0) } ?? "?column?")
        }
        var cells: [String?] = []
        cells.reserveCapacity(rowCount * columnCount)
        for row in 0..<rowCount {
            for column in 0..<columnCount {
                if PQgetisnull(result, Int32(row), Int32(column)) == 1 {
                    cells.append(nil)
                } else {
                    cells.append(PQgetvalue(result, Int32(row), Int32(column)).map { String(cString: $0) } ?? "")
                }
            }
        }
        let affected = PQcmdTuples(result).flatMap { Int(String(cString: $0)) } ?? 0
        return PostgresRows(columns: PostgresColumns(names: names), cells: cells, rowsAffected: affected)
    }

    private static func error(from result: OpaquePointer, connection: OpaquePointer) -> PostgresError {
        let sqlState = field(result, CLIBPQ_DIAG_SQLSTATE)
        let primary = field(result, CLIBPQ_DIAG_MESSAGE_PRIMARY)
        let message = primary ?? trimmed(PQresultErrorMessage(result)) ?? connectionMessage(connection)
        let broken = PQstatus(connection) != CONNECTION_OK
        let code: PostgresError.Code
        if let sqlState, !broken {
            code = PostgresError.Code(sqlState: sqlState)
        } else {
            code = broken ? .connectionFailure : .other
        }
        return PostgresError(
            code: code, sqlState: sqlState, message: message,
            detail: field(result, CLIBPQ_DIAG_MESSAGE_DETAIL),
            constraint: field(result, CLIBPQ_DIAG_CONSTRAINT_NAME))
    }

    static func connectionMessage(_ connection: OpaquePointer) -> String {
        trimmed(PQerrorMessage(connection)) ?? "the connection to the database was lost"
    }

    private static func field(_ result: OpaquePointer, _ code: Int32) -> String? {
        PQresultErrorField(result, code).map { String(cString: $0) }
    }

    private static func trimmed(_ text: UnsafePointer<CChar>?) -> String? {
        guard let text else { return nil }
        let message = String(cString: text).trimmingCharacters(in: .whitespacesAndNewlines)
        return message.isEmpty ? nil : message
    }
}
