/// Why migrating failed. The message names the file and is meant for the operator.
public struct MigrationError: Error, Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    public enum Kind: String, Sendable, Equatable {
        /// The migrations folder cannot be read.
        case unreadableDirectory
        /// A `.sql` file's name is not `NNNN_name.sql`, or it is not UTF-8.
        case badFile
        /// Two files have the same version number.
        case duplicateVersion
        /// An applied migration's file changed since it was applied.
        case checksumMismatch
        /// An applied migration's file is gone.
        case missingFile
        /// A migration's SQL failed; it was rolled back.
        case migrationFailed
        /// Connecting, locking or reading `schema_migrations` failed.
        case database
    }

    public let kind: Kind
    /// What went wrong and with which file.
    public let message: String
    /// The database's error, when there is one.
    public let underlying: PostgresError?

    init(kind: Kind, message: String, underlying: PostgresError? = nil) {
        self.kind = kind
        self.message = message
        self.underlying = underlying
    }

    public var description: String {
        guard let underlying else { return message }
        return "\(message): \(underlying.message)"
    }

    public var debugDescription: String {
        guard let underlying else { return message }
        return "\(message): \(underlying.debugDescription)"
    }
}
