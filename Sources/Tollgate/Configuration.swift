import HTTPServer
import Logging

/// Tollgate's configuration, read once from `TOLLGATE_*` environment variables (SERVER.md section 6).
/// Every field has its default here; a bad value stops the start with a message naming the variable.
public struct TollgateConfiguration: Sendable {
    public var http = HTTPServerConfiguration()
    /// A libpq connection string or URL; nil runs the embedded PostgreSQL under `dataDirectory`.
    public var databaseURL: String?
    public var dataDirectory = "./.tollgate"
    public var migrationsDirectory: String?
    public var migrateOnStart = true
    public var databasePoolSize = 8
    public var databaseAcquireTimeout = 2.0
    public var databaseStatementTimeout = 5.0
    public var bootstrapAdminKey: String?
    /// Seconds before each retry (API.md: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h), +-20 % jitter.
    public var webhookRetrySchedule: [Int] = [5, 300, 1_800, 7_200, 18_000, 36_000, 36_000]
    public var webhookAllowPrivate = false
    /// How long a dispatcher's claim on a delivery lasts: longer than an attempt's 10 s total timeout.
    public var webhookLeaseSeconds = 30
    public var logLevel: Logger.Level = .info
    public var accessLog = true
    public var rateLimitPerSecond = 50.0
    public var rateLimitBurst = 100
    public var shutdownGrace = 10.0
    /// How often pending gate reviews past their TTL are written down as expired; 0 turns the
    /// sweep off (reads treat them as expired regardless).
    public var reviewExpirySweepSeconds = 30

    public init() {}

    /// Reads the configuration from `environment`, starting from the defaults.
    public static func fromEnvironment(_ environment: [String: String]) throws(ConfigurationError) -> TollgateConfiguration {
        var config = TollgateConfiguration()
        var env = EnvironmentReader(environment)
        config.http.host = try env.string("TOLLGATE_HOST") ?? config.http.host
        config.http.port = try env.int("TOLLGATE_PORT", in: 0...65535) ?? config.http.port
        config.databaseURL = try env.string("TOLLGATE_DATABASE_URL")
        config.dataDirectory = try env.string("TOLLGATE_DATA_DIR") ?? config.dataDirectory
        config.migrationsDirectory = try env.string("TOLLGATE_MIGRATIONS_DIR")
        config.migrateOnStart = try env.bool("TOLLGATE_MIGRATE_ON_START") ?? config.migrateOnStart
        config.databasePoolSize = try env.int("TOLLGATE_DB_POOL_SIZE", in: 1...512) ?? config.databasePoolSize
        config.databaseAcquireTimeout =
            try env.seconds("TOLLGATE_DB_ACQUIRE_TIMEOUT_SECONDS", in: 0.01...60) ?? config.databaseAcquireTimeout
        config.databaseStatementTimeout =
            try env.seconds("TOLLGATE_DB_STATEMENT_TIMEOUT_SECONDS", in: 0.01...3600) ?? config.databaseStatementTimeout
        config.bootstrapAdminKey = try env.string("TOLLGATE_BOOTSTRAP_ADMIN_KEY")
        if let key = config.bootstrapAdminKey, !(16...256).contains(key.utf8.count) || !key.utf8.allSatisfy({ $0 >= 0x21 && $0 <= 0x7E }) {
            throw ConfigurationError(variable: "TOLLGATE_BOOTSTRAP_ADMIN_KEY", problem: "must be 16 to 256 visible ASCII characters")
        }
        config.webhookRetrySchedule = try env.intList("TOLLGATE_WEBHOOK_RETRY_SCHEDULE", in: 0...604_800) ?? config.webhookRetrySchedule
        config.webhookAllowPrivate = try env.bool("TOLLGATE_WEBHOOK_ALLOW_PRIVATE") ?? config.webhookAllowPrivate
        config.webhookLeaseSeconds = try env.int("TOLLGATE_WEBHOOK_LEASE_SECONDS", in: 11...3_600) ?? config.webhookLeaseSeconds
        config.logLevel = try env.logLevel("TOLLGATE_LOG_LEVEL") ?? config.logLevel
        config.accessLog = try env.bool("TOLLGATE_ACCESS_LOG") ?? config.accessLog
        config.rateLimitPerSecond = try env.seconds("TOLLGATE_RATE_LIMIT_PER_SECOND", in: 0...1_000_000) ?? config.rateLimitPerSecond
        config.rateLimitBurst = try env.int("TOLLGATE_RATE_LIMIT_BURST", in: 0...10_000_000) ?? config.rateLimitBurst
        config.shutdownGrace = try env.seconds("TOLLGATE_SHUTDOWN_GRACE_SECONDS", in: 0...3600) ?? config.shutdownGrace
        config.reviewExpirySweepSeconds =
            try env.int("TOLLGATE_REVIEW_EXPIRY_SWEEP_SECONDS", in: 0...86_400) ?? config.reviewExpirySweepSeconds

        var limits = config.http.limits
        limits.maxBodyBytes = try env.int("TOLLGATE_MAX_BODY_BYTES", in: 0...(1 << 30)) ?? limits.maxBodyBytes
        limits.maxTargetBytes = try env.int("TOLLGATE_MAX_TARGET_BYTES", in: 64...(1 << 20)) ?? limits.maxTargetBytes
        limits.maxFieldLineBytes = try env.int("TOLLGATE_MAX_FIELD_BYTES", in: 64...(1 << 20)) ?? limits.maxFieldLineBytes
        limits.maxHeadBytes = try env.int("TOLLGATE_MAX_HEAD_BYTES", in: 256...(1 << 22)) ?? limits.maxHeadBytes
        limits.maxFieldCount = try env.int("TOLLGATE_MAX_FIELDS", in: 1...100_000) ?? limits.maxFieldCount
        limits.maxRequestsPerConnection =
            try env.int("TOLLGATE_MAX_REQUESTS_PER_CONNECTION", in: 1...Int(Int32.max)) ?? limits.maxRequestsPerConnection
        config.http.limits = limits
        config.http.headerTimeout = try env.seconds("TOLLGATE_HEADER_TIMEOUT_SECONDS", in: 0.1...3600) ?? config.http.headerTimeout
        config.http.bodyProgressTimeout =
            try env.seconds("TOLLGATE_BODY_TIMEOUT_SECONDS", in: 0.1...3600) ?? config.http.bodyProgressTimeout
        config.http.bodyTotalTimeout =
            try env.seconds("TOLLGATE_BODY_TOTAL_TIMEOUT_SECONDS", in: 0.1...3600) ?? config.http.bodyTotalTimeout
        config.http.idleTimeout = try env.seconds("TOLLGATE_IDLE_TIMEOUT_SECONDS", in: 0.1...3600) ?? config.http.idleTimeout
        config.http.writeTimeout = try env.seconds("TOLLGATE_WRITE_TIMEOUT_SECONDS", in: 0.1...3600) ?? config.http.writeTimeout
        config.http.maxConnections = try env.int("TOLLGATE_MAX_CONNECTIONS", in: 1...1_000_000) ?? config.http.maxConnections
        config.http.eventLoopCount = try env.int("TOLLGATE_EVENT_LOOPS", in: 1...256) ?? config.http.eventLoopCount
        config.http.workerThreadCount = try env.int("TOLLGATE_WORKER_THREADS", in: 1...1024) ?? config.http.workerThreadCount
        config.http.workerQueueCapacity = try env.int("TOLLGATE_WORKER_QUEUE", in: 1...1_000_000) ?? config.http.workerQueueCapacity
        try env.rejectUnknown()
        return config
    }
}

/// A configuration value that cannot be used; the message names the variable.
public struct ConfigurationError: Error, CustomStringConvertible, Sendable {
    public let variable: String
    public let problem: String
    public var description: String { "\(variable): \(problem)" }
}

/// Typed reads of environment variables, remembering which `TOLLGATE_*` names were understood.
struct EnvironmentReader {
    private let environment: [String: String]
    private var known: Set<String> = []

    init(_ environment: [String: String]) { self.environment = environment }

    private mutating func raw(_ name: String) -> String? {
        known.insert(name)
        guard let value = environment[name] else { return nil }
        let trimmed = value.trimmingWhitespace()
        return trimmed.isEmpty ? nil : trimmed
    }

    mutating func string(_ name: String) throws(ConfigurationError) -> String? { raw(name) }

    mutating func int(_ name: String, in range: ClosedRange<Int>) throws(ConfigurationError) -> Int? {
        guard let text = raw(name) else { return nil }
        guard let value = Int(text), range.contains(value) else {
            throw ConfigurationError(
                variable: name, problem: "expected a whole number in \(range.lowerBound)...\(range.upperBound), got \"\(text)\"")
        }
        return value
    }

    mutating func seconds(_ name: String, in range: ClosedRange<Double>) throws(ConfigurationError) -> Double? {
        guard let text = raw(name) else { return nil }
        guard let value = Double(text), value.isFinite, range.contains(value) else {
            throw ConfigurationError(
                variable: name, problem: "expected a number in \(range.lowerBound)...\(range.upperBound), got \"\(text)\"")
        }
        return value
    }

    mutating func bool(_ name: String) throws(ConfigurationError) -> Bool? {
        guard let text = raw(name) else { return nil }
        switch text.lowercased() {
        case "1", "true", "yes", "on": return true
        case "0", "false", "no", "off": return false
        default: throw ConfigurationError(variable: name, problem: "expected 0 or 1, got \"\(text)\"")
        }
    }

    mutating func intList(_ name: String, in range: ClosedRange<Int>) throws(ConfigurationError) -> [Int]? {
        guard let text = raw(name) else { return nil }
        let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { String($0).trimmingWhitespace() }
        let values = parts.compactMap { Int($0) }.filter { range.contains($0) }
        guard values.count == parts.count, !values.isEmpty else {
            throw ConfigurationError(
                variable: name,
                problem: "expected comma-separated whole seconds in \(range.lowerBound)...\(range.upperBound), got \"\(text)\"")
        }
        return values
    }

    mutating func logLevel(_ name: String) throws(ConfigurationError) -> Logger.Level? {
        guard let text = raw(name) else { return nil }
        guard let level = Logger.Level(rawValue: text.lowercased()) else {
            throw ConfigurationError(
                variable: name, problem: "expected one of trace, debug, info, notice, warning, error, critical, got \"\(text)\"")
        }
        return level
    }

    /// A misspelt variable would otherwise be ignored silently.
    func rejectUnknown() throws(ConfigurationError) {
        for name in environment.keys.sorted() where name.hasPrefix("TOLLGATE_") && !known.contains(name) {
            throw ConfigurationError(variable: name, problem: "unknown setting (see README.md for the list)")
        }
    }
}

extension String {
    func trimmingWhitespace() -> String {
        var s = Substring(self)
        while let c = s.first, c.isWhitespace { s.removeFirst() }
        while let c = s.last, c.isWhitespace { s.removeLast() }
        return String(s)
    }
}
