import CLibpq

extension PostgresConnection {
    /// Reads whatever the server sent without blocking; false when the connection broke.
    func consumeInput() -> Bool {
        guard let handle = rawHandle else { return false }
        return PQconsumeInput(handle) == 1 && PQstatus(handle) == CONNECTION_OK
    }

    /// The next notification received so far, if any; never blocks.
    func nextNotification() -> (channel: String, payload: String)? {
        guard let handle = rawHandle, let notification = PQnotifies(handle) else { return nil }
        defer { PQfreemem(notification) }
        let channel = notification.pointee.relname.map { String(cString: $0) } ?? ""
        let payload = notification.pointee.extra.map { String(cString: $0) } ?? ""
        return (channel, payload)
    }

    /// `name` as a quoted SQL identifier (`"…"`, inner quotes doubled), case preserved.
    static func quotedIdentifier(_ name: String) -> String {
        "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
