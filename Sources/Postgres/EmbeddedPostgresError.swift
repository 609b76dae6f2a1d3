/// Why the embedded cluster could not be set up, started, stopped or used.
public struct EmbeddedPostgresError: Error, Sendable, CustomStringConvertible {
    /// What failed, for the operator.
    public let message: String
    /// The end of the command log (`embedded-postgres.log` in the data folder), when a command failed.
    public let logTail: String?
    /// The database's error, when there is one.
    public let underlying: PostgresError?

    init(_ message: String, logTail: String? = nil, underlying: PostgresError? = nil) {
        self.message = message
        self.logTail = logTail
        self.underlying = underlying
    }

    public var description: String {
        var text = message
        if let underlying { text += ": \(underlying.message)" }
        if let logTail, !logTail.isEmpty { text += "\n--- end of the log ---\n\(logTail)" }
        return text
    }
}
