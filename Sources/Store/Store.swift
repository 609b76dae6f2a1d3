import Logging
import Postgres

/// The domain's persistence: every read and write the API makes, over the connection pool.
///
/// Writes go through `write`, which runs the caller's statements and then its journal (audit
/// entries and events) in one transaction, retried as a whole on serialization failures.
public final class Store: Sendable {
    public let pool: PostgresPool
    let logger: Logger
    /// The newest committed event seq: this instance's commits and the others' notifications.
    public let seqWatch = SeqWatch()

    public init(pool: PostgresPool, logger: Logger) {
        self.pool = pool
        self.logger = logger
    }

    /// Runs `body` and then the journal it filled, in one transaction.
    /// - Returns: what `body` returned and the events that were committed.
    public func write<T: Sendable>(
        actor: String?, requestID: String?, at: String,
        _ body: (PostgresConnection, inout Journal) throws -> T
    ) throws -> (value: T, events: [CommittedEvent]) {
        let result = try pool.transaction { connection in
            var journal = Journal(actorPrincipalID: actor, requestID: requestID, at: at)
            let value = try body(connection, &journal)
            let events = try JournalWriter.append(journal, on: connection)
            return (value, events)
        }
        if let newest = result.1.map(\.seq).max() { seqWatch.learned(newest) }
        return result
    }

    /// Runs read-only statements on one pooled connection.
    public func read<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        try pool.withConnection(body)
    }
}
