import CLibpq

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// One libpq connection to PostgreSQL.
///
/// Not thread-safe: a connection belongs to one thread at a time, which is what libpq allows.
/// Every call blocks that thread (never call it on an event loop). Results come back as
/// decoded Swift values; no libpq pointer outlives a call.
public final class PostgresConnection {
    /// The `PGconn`, nil once closed.
    private var handle: OpaquePointer?

    /// The server process serving this connection (`pg_backend_pid()`), 0 once closed.
    public private(set) var backendPID: Int32
    /// Statements prepared on this session, by SQL text and parameter types: a statement runs
    /// parse and plan once per connection, then only bind and execute (as `pgbench -M prepared`).
    private var prepared: [PreparedKey: String] = [:]
    static let maxPreparedStatements = 256

    init(handle: OpaquePointer) {
        self.handle = handle
        self.backendPID = 0
    }

    /// Reads the backend's process id once the connection is established.
    func recordBackendPID() {
        backendPID = handle.map { PQbackendPID($0) } ?? 0
    }

    deinit {
        if let handle { PQfinish(handle) }
    }

    /// Opens a connection and prepares its session (statement timeout, UTC, ISO dates, hex bytea).
    ///
    /// Blocks at most `configuration.connectTimeout` for the connection itself.
    /// - Throws: ``PostgresError`` with code `.connectionFailure` when the server cannot be
    ///   reached or refuses the login, or the error of the session setup.
    public static func connect(_ configuration: PostgresConfiguration) throws(PostgresError) -> PostgresConnection {
        try connect(configuration, deadline: .after(configuration.connectTimeout))
    }

    /// Whether the connection is closed or libpq has seen it fail; a broken connection stays broken.
    public var isBroken: Bool {
        guard let handle else { return true }
        return PQstatus(handle) != CONNECTION_OK
    }

    /// Closes the connection. Later calls throw `.connectionFailure`; closing twice is harmless.
    public func close() {
        if let handle { PQfinish(handle) }
        handle = nil
        backendPID = 0
    }

    /// Runs one statement with its bound parameters and returns all of its rows.
    ///
    /// Parameters and results use the text format. The statement is limited by the session's
    /// `statement_timeout`.
    /// - Throws: ``PostgresError``: the server's error with its SQLSTATE mapped to a code, or
    ///   `.connectionFailure` when the connection is or becomes broken.
    @discardableResult
    public func query(_ query: Query) throws(PostgresError) -> PostgresRows {
        let handle = try openHandle()
        defer { closeIfMidProtocol() }
        let binds = query.binds
        let parameters = try ParameterBuffer(binds)
        let key = PreparedKey(sql: query.sql, types: parameters.typeOIDs)
        let name: String
        if let existing = prepared[key] {
            name = existing
        } else {
            if prepared.count >= Self.maxPreparedStatements {
                _ = try LibpqResult.rows(from: PQexec(handle, "DEALLOCATE ALL"), connection: handle)
                prepared.removeAll()
            }
            name = "tg\(prepared.count)"
            let preparation = parameters.withCArrays { types, _ in
                PQprepare(handle, name, query.sql, Int32(binds.count), types)
            }
            _ = try LibpqResult.rows(from: preparation, connection: handle)
            prepared[key] = name
        }
        let result = parameters.withCArrays { _, values in
            PQexecPrepared(handle, name, Int32(binds.count), values, nil, nil, 0)
        }
        return try LibpqResult.rows(from: result, connection: handle)
    }

    /// Runs a script of one or more statements separated by semicolons, without parameters.
    ///
    /// For migrations only: nothing in `unsafeScript` may come from data. Outside an explicit
    /// transaction the statements run as one implicit transaction.
    /// - Throws: ``PostgresError`` for the first statement that fails.
    public func execute(unsafeScript: String) throws(PostgresError) {
        let handle = try openHandle()
        defer { closeIfMidProtocol() }
        _ = try LibpqResult.rows(from: PQexec(handle, unsafeScript), connection: handle)
    }

    /// The transaction state libpq tracks from the server's ReadyForQuery messages.
    var transactionStatus: PGTransactionStatusType {
        guard let handle else { return PQTRANS_UNKNOWN }
        return PQtransactionStatus(handle)
    }

    /// The socket, for waiting with poll(2); -1 when closed.
    var socket: Int32 {
        guard let handle else { return -1 }
        return PQsocket(handle)
    }

    /// The underlying `PGconn` for calls this type does not wrap; valid until `close()`.
    var rawHandle: OpaquePointer? { handle }

    /// Checks, without blocking, that an idle connection has not been closed by the server.
    ///
    /// An idle connection should receive nothing; anything readable (a termination notice,
    /// end of file) or a socket error means it is no longer worth using.
    func looksAliveWhileIdle() -> Bool {
        guard !isBroken, transactionStatus == PQTRANS_IDLE else { return false }
        var descriptor = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
        let ready = poll(&descriptor, 1, 0)
        return ready == 0
    }

    /// A statement that started COPY leaves the connection expecting COPY data; nothing else
    /// can run on it, so it is closed (and so counts as broken).
    private func closeIfMidProtocol() {
        if transactionStatus == PQTRANS_ACTIVE { close() }
    }

    private func openHandle() throws(PostgresError) -> OpaquePointer {
        guard let handle else {
            throw PostgresError(code: .connectionFailure, message: "the connection is closed")
        }
        return handle
    }
}

@available(*, unavailable, message: "a connection belongs to one thread at a time")
extension PostgresConnection: Sendable {}

/// What makes two statements the same prepared statement.
struct PreparedKey: Hashable {
    let sql: String
    let types: [UInt32]
}
