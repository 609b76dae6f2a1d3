/// How to reach a PostgreSQL server and how to set up each connection.
public struct PostgresConfiguration: Sendable, CustomStringConvertible {
    /// A libpq connection string: a URL (`postgresql://user@host/db?sslmode=…`) or
    /// `key=value` pairs (`host=/run/postgres dbname=app`). May hold a password; never logged.
    public var conninfo: String
    /// How long opening a connection may take, including TLS and authentication.
    public var connectTimeout: Duration
    /// The server-side limit on each statement (`statement_timeout`); `.zero` means none.
    public var statementTimeout: Duration
    /// The `application_name` shown in `pg_stat_activity`, unless the conninfo sets one.
    public var applicationName: String

    public init(
        conninfo: String,
        connectTimeout: Duration = .seconds(2),
        statementTimeout: Duration = .seconds(5),
        applicationName: String = "tollgate"
    ) {
        self.conninfo = conninfo
        self.connectTimeout = connectTimeout
        self.statementTimeout = statementTimeout
        self.applicationName = applicationName
    }

    /// Redacted: the conninfo may carry a password.
    public var description: String {
        "PostgresConfiguration(conninfo: <redacted>, connectTimeout: \(connectTimeout), "
            + "statementTimeout: \(statementTimeout), applicationName: \(applicationName))"
    }

    /// The libpq keyword/value pairs, in order: the conninfo is expanded first, so the pairs
    /// after it override what it says (`fallback_application_name` only fills a gap).
    var connectionParameters: [(keyword: String, value: String)] {
        [
            ("dbname", conninfo),
            ("client_encoding", "UTF8"),
            ("fallback_application_name", applicationName),
            ("connect_timeout", String(max(2, Self.wholeSecondsRoundedUp(connectTimeout)))),
            // TCP only; libpq ignores them for unix sockets. A silent peer is noticed within
            // about 25 s (keepalives) or 10 s of unacknowledged data, not the kernel's hours.
            ("keepalives", "1"),
            ("keepalives_idle", "10"),
            ("keepalives_interval", "5"),
            ("keepalives_count", "3"),
            ("tcp_user_timeout", "10000"),
        ]
    }

    /// The statement run once on each new connection, so values and times read back the same
    /// whatever the server's defaults. Only programmer-chosen numbers are spliced.
    var sessionSetupSQL: String {
        let milliseconds = max(0, Self.milliseconds(statementTimeout))
        return """
            SET statement_timeout = \(milliseconds); SET DateStyle = 'ISO, YMD'; \
            SET TimeZone = 'UTC'; SET bytea_output = 'hex'
            """
    }

    static func milliseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }

    private static func wholeSecondsRoundedUp(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return attoseconds > 0 ? seconds + 1 : seconds
    }
}
