import Foundation
import Logging
import Postgres
import TestSupport
import Tollgate

#if canImport(Glibc)
    import Glibc
#endif

/// A Tollgate on a free port with its own fresh database and a bootstrap admin key.
final class TestApp: @unchecked Sendable {  // immutable after init; `app` is Sendable
    static let adminKey = "test-admin-key-0123456789abcdef"
    let app: TollgateApplication
    let database: PostgresConfiguration

    init(_ configure: (inout TollgateConfiguration) -> Void = { _ in }) throws {
        database = try TestCluster.shared().freshDatabase()
        var configuration = TollgateConfiguration()
        configuration.http.port = 0
        configuration.databaseURL = database.conninfo
        configuration.accessLog = false
        configuration.bootstrapAdminKey = TestApp.adminKey
        configuration.rateLimitPerSecond = 0  // tests drive one key hard; the limiter has its own test
        configuration.reviewExpirySweepSeconds = 0  // tests run the sweep when they mean to: app.app.expireDueReviews()
        configure(&configuration)
        app = try TollgateApplication(configuration: configuration, logger: TestApp.logger)
    }

    /// Silent, unless TESTS_LOG=1 asks for the server's log on standard error.
    static var logger: Logger {
        ProcessInfo.processInfo.environment["TESTS_LOG"] == "1"
            ? Logger(label: "test", factory: { StreamLogHandler.standardError(label: $0) })
            : Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
    }

    private init(sharing other: TestApp) throws {
        database = other.database
        var configuration = other.app.configuration
        configuration.http.port = 0
        configuration.migrateOnStart = false
        app = try TollgateApplication(configuration: configuration, logger: TestApp.logger)
    }

    /// A second instance on the same database, as a load balancer would run it.
    static func sharing(_ other: TestApp) throws -> TestApp { try TestApp(sharing: other) }

    deinit { app.shutdown() }

    var port: Int { app.port }

    /// Sends one request on a new connection and returns the response.
    func call(
        _ method: String, _ path: String, key: String? = TestApp.adminKey, json: String? = nil, body: [UInt8]? = nil,
        contentType: String = "application/json", headers: [String] = []
    ) throws -> ParsedResponse {
        let client = try RawClient(port: port)
        var head = "\(method) \(path) HTTP/1.1\r\nHost: a\r\nConnection: close\r\n"
        if let key { head += "Authorization: Bearer \(key)\r\n" }
        for header in headers { head += header + "\r\n" }
        let payload = body ?? json.map { Array($0.utf8) } ?? []
        if body != nil || json != nil { head += "Content-Type: \(contentType)\r\nContent-Length: \(payload.count)\r\n" }
        client.send(Array((head + "\r\n").utf8) + payload)
        client.readUntilClose()
        guard let response = ParsedResponse.parseAll(client.received, headRequests: method == "HEAD" ? [0] : []).responses.first else {
            throw ClientError("no response to \(method) \(path)")
        }
        return response
    }

    /// A superuser connection to the app's database, for what a test must do behind the API's back.
    func databaseConnection() throws -> PostgresConnection { try PostgresConnection.connect(database) }
}

extension ParsedResponse {
    var json: Any? { try? JSONSerialization.jsonObject(with: Data(body), options: [.fragmentsAllowed]) }
    var object: [String: Any] { json as? [String: Any] ?? [:] }
    var problemSlug: String? { (object["type"] as? String)?.split(separator: "/").last.map(String.init) }
    var pointers: [String] { (object["errors"] as? [[String: Any]] ?? []).compactMap { $0["pointer"] as? String } }
}
