/// Why the pool could not hand out a connection. Each case means "answer 503 and retry later".
public enum PostgresPoolError: Error, Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// Every connection stayed in use for the whole acquire timeout.
    case timeout
    /// The database cannot be reached now; `lastError` is the latest connection failure.
    case unavailable(lastError: PostgresError?)
    /// The pool was closed.
    case closed

    /// Safe to show: names the condition, never server text.
    public var description: String {
        switch self {
        case .timeout: "no database connection became free in time"
        case .unavailable: "the database is unavailable"
        case .closed: "the database pool is closed"
        }
    }

    public var debugDescription: String {
        switch self {
        case .unavailable(let lastError?): "\(description): \(lastError.debugDescription)"
        default: description
        }
    }
}

/// A snapshot of the pool's counters, for metrics and `/readyz`.
public struct PostgresPoolStats: Sendable, Equatable {
    /// The most connections the pool opens.
    public let size: Int
    /// Established connections, in use or idle.
    public let open: Int
    /// Connections lent out right now.
    public let inUse: Int
    /// Established connections waiting to be lent.
    public let idle: Int
    /// Callers waiting for a connection.
    public let waiting: Int
}
