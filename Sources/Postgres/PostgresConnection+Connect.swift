import CLibpq

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

extension PostgresConnection {
    /// Opens a connection without ever blocking past `deadline` (nor `connectTimeout`), except
    /// for host name resolution, which libpq does up front.
    ///
    /// - Parameter cancelDescriptor: a descriptor that becomes readable to abandon the attempt.
    static func connect(
        _ configuration: PostgresConfiguration, deadline: Deadline, cancelDescriptor: Int32? = nil
    ) throws(PostgresError) -> PostgresConnection {
        let limit = min(deadline, .after(configuration.connectTimeout))
        let parameters = configuration.connectionParameters
        let started = CStringArray(parameters.map(\.keyword)).withPointers { keywords in
            CStringArray(parameters.map(\.value)).withPointers { values in
                PQconnectStartParams(keywords, values, 1)
            }
        }
        guard let handle = started else {
            throw PostgresError(code: .connectionFailure, message: "libpq could not allocate a connection")
        }
        let connection = PostgresConnection(handle: handle)  // owns the handle from here, even on error
        guard PQstatus(handle) != CONNECTION_BAD else {
            throw PostgresError(code: .connectionFailure, message: LibpqResult.connectionMessage(handle))
        }
        var polling = PGRES_POLLING_WRITING
        while polling != PGRES_POLLING_OK {
            guard polling != PGRES_POLLING_FAILED else {
                throw PostgresError(code: .connectionFailure, message: LibpqResult.connectionMessage(handle))
            }
            let events = Int16(polling == PGRES_POLLING_READING ? POLLIN : POLLOUT)
            var requests = [(fd: PQsocket(handle), events: events)]
            if let cancelDescriptor { requests.append((cancelDescriptor, Int16(POLLIN))) }
            guard let ready = waitForEvents(requests, until: limit) else {
                throw PostgresError(code: .connectionFailure, message: "timed out connecting to the database")
            }
            if ready.count > 1, ready[1] != 0 {
                throw PostgresError(code: .connectionFailure, message: "connecting was abandoned")
            }
            polling = PQconnectPoll(handle)
        }
        try connection.prepareSession(configuration)
        return connection
    }

    /// Silences notices (libpq would print them to stderr) and sets the session's settings.
    private func prepareSession(_ configuration: PostgresConfiguration) throws(PostgresError) {
        guard let handle = rawHandle else {
            throw PostgresError(code: .connectionFailure, message: "the connection is closed")
        }
        PQsetNoticeProcessor(handle, { _, _ in }, nil)
        recordBackendPID()
        try execute(unsafeScript: configuration.sessionSetupSQL)
    }
}
