/// An error reported by PostgreSQL or by libpq.
///
/// `description` is the ``safeMessage``, fit to show a client: it names the kind of failure and
/// never the SQL, the values or the server's text. The server's ``message`` and ``detail``
/// (which can quote data, for example a duplicate key) are for logs and `debugDescription` only.
public struct PostgresError: Error, Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The kinds of failure that callers act on; everything else is ``other``.
    public enum Code: String, Sendable, Hashable {
        /// 23505: a unique constraint or index refused the row.
        case uniqueViolation
        /// 23503: a foreign key refused the row.
        case foreignKeyViolation
        /// 23514: a check constraint refused the row.
        case checkViolation
        /// 23502: a NOT NULL column got NULL.
        case notNullViolation
        /// 40001: a serializable or repeatable-read transaction must be retried.
        case serializationFailure
        /// 40P01: the transaction was chosen as a deadlock victim and may be retried.
        case deadlockDetected
        /// 57014: the statement was cancelled, usually by `statement_timeout`.
        case queryCanceled
        /// SQLSTATE class 08, a server shutting down, or a connection libpq reports broken:
        /// the connection is gone, and the outcome of an in-flight commit is unknown.
        case connectionFailure
        /// Any other failure.
        case other

        /// Maps a five-character SQLSTATE to a code.
        public init(sqlState: String) {
            switch sqlState {
            case "23505": self = .uniqueViolation
            case "23503": self = .foreignKeyViolation
            case "23514": self = .checkViolation
            case "23502": self = .notNullViolation
            case "40001": self = .serializationFailure
            case "40P01": self = .deadlockDetected
            case "57014": self = .queryCanceled
            // admin_shutdown, crash_shutdown, cannot_connect_now: the session is over.
            case "57P01", "57P02", "57P03": self = .connectionFailure
            default: self = sqlState.hasPrefix("08") ? .connectionFailure : .other
            }
        }
    }

    /// What kind of failure this is.
    public let code: Code
    /// The five-character SQLSTATE, when the server sent one.
    public let sqlState: String?
    /// The server's or libpq's primary message. May quote data: log it, do not show it.
    public let message: String
    /// The server's detail line, if any. May quote data: log it, do not show it.
    public let detail: String?
    /// The violated constraint's name, for integrity violations.
    public let constraint: String?

    public init(code: Code, sqlState: String? = nil, message: String, detail: String? = nil, constraint: String? = nil) {
        self.code = code
        self.sqlState = sqlState
        self.message = message
        self.detail = detail
        self.constraint = constraint
    }

    /// A message fit to show a client: the kind of failure, without server text or data.
    public var safeMessage: String {
        switch code {
        case .uniqueViolation: "the value conflicts with an existing record"
        case .foreignKeyViolation: "the record refers to a missing record, or is still referenced"
        case .checkViolation: "the value is not allowed"
        case .notNullViolation: "a required value is missing"
        case .serializationFailure: "the transaction conflicted with another one"
        case .deadlockDetected: "the transaction deadlocked with another one"
        case .queryCanceled: "the database query took too long"
        case .connectionFailure: "the database is unavailable"
        case .other: "database error"
        }
    }

    /// Whether running the whole transaction again may succeed.
    public var isTransient: Bool {
        code == .serializationFailure || code == .deadlockDetected
    }

    public var description: String { safeMessage }

    /// Everything known, for logs.
    public var debugDescription: String {
        var text = "PostgresError(\(code.rawValue)"
        if let sqlState { text += ", sqlState: \(sqlState)" }
        text += ", message: \(message)"
        if let detail { text += ", detail: \(detail)" }
        if let constraint { text += ", constraint: \(constraint)" }
        return text + ")"
    }
}
