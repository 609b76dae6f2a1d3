import API
import Foundation
import HTTP1
import HTTPServer
import Logging
import Postgres
import Store
import Synchronization
import Telemetry
import Webhooks

#if canImport(Glibc)
    import Glibc
#endif

/// A running Tollgate: the database (embedded or configured), migrations, the pool, the readiness
/// probe and the HTTP server, started in that order and stopped in reverse.
public final class TollgateApplication: Sendable {
    public let configuration: TollgateConfiguration
    public let database: PostgresConfiguration
    public let pool: PostgresPool
    public let server: HTTPServer
    public let store: Store
    private let readiness: ReadinessProbe
    private let listener: PostgresListener
    public let dispatcher: WebhookDispatcher
    /// Parked long-polls of the change feed.
    public let feed: EventFeed
    private let embedded: EmbeddedPostgres?
    private let logger: Logger
    private let stopped = Atomic<Bool>(false)
    private let maintenanceStopped = Atomic<Bool>(false)

    /// The port the server listens on.
    public var port: Int { server.port }

    /// Starts everything; throws (having stopped what it started) when any part cannot start.
    public init(configuration: TollgateConfiguration, logger: Logger) throws {
        self.configuration = configuration
        self.logger = logger

        let embedded: EmbeddedPostgres?
        var database: PostgresConfiguration
        if let url = configuration.databaseURL {
            embedded = nil
            database = PostgresConfiguration(conninfo: url)
        } else {
            let cluster = EmbeddedPostgres(dataDirectory: configuration.dataDirectory, logger: logger)
            database = try cluster.start()
            embedded = cluster
        }
        database.statementTimeout = .milliseconds(Int64(configuration.databaseStatementTimeout * 1000))
        self.embedded = embedded
        self.database = database

        do {
            let migrationsDirectory = try TollgateMigrations.directory(configuration)
            let migrator = Migrator(directory: migrationsDirectory, logger: logger)
            if configuration.migrateOnStart {
                let applied = try migrator.migrate(using: database)
                for migration in applied {
                    logger.info("migration applied", metadata: ["version": "\(migration.version)", "name": "\(migration.name)"])
                }
            }
            readiness = ReadinessProbe(database: database, expectedMigrationVersion: try migrator.latestVersion(), logger: logger)
            readiness.start()
            pool = PostgresPool(
                configuration: database, size: configuration.databasePoolSize,
                acquireTimeout: .milliseconds(Int64(configuration.databaseAcquireTimeout * 1000)), logger: logger)

            store = Store(pool: pool, logger: logger)
            if let key = configuration.bootstrapAdminKey {
                let id = try store.ensureAdmin(
                    holdingKey: key, keyName: "bootstrap", principalName: "Bootstrap admin", at: Timestamp.nowRFC3339())
                logger.info("bootstrap admin ready", metadata: ["principal_id": "\(id)"])
            }
            let authenticator = Authenticator(store: store)
            var dispatch = DispatcherConfiguration()
            dispatch.schedule = RetrySchedule(delays: configuration.webhookRetrySchedule)
            dispatch.allowPrivateAddresses = configuration.webhookAllowPrivate
            dispatch.leaseSeconds = configuration.webhookLeaseSeconds
            let dispatcher = WebhookDispatcher(store: store, configuration: dispatch, logger: logger)
            self.dispatcher = dispatcher
            let feed = EventFeed(store: store, logger: logger)
            self.feed = feed
            let seqWatch = store.seqWatch
            listener = PostgresListener(
                configuration: database, channels: ["tollgate_auth", "tollgate_events"], logger: logger,
                onNotification: { channel, payload in
                    switch channel {
                    case "tollgate_auth": authenticator.invalidateAll()
                    case "tollgate_events":
                        seqWatch.observe(payload)
                        feed.eventsCommitted()
                        dispatcher.wake()  // an event may have deliveries
                    default: break
                    }
                },
                onReconnect: {
                    authenticator.invalidateAll()
                    seqWatch.invalidate()
                    feed.eventsCommitted()  // notifications may have been missed while disconnected
                    dispatcher.wake()
                },
                onDisconnect: { seqWatch.suspend() })
            listener.start()
            // Serve only once revocations from other instances can reach this one.
            let listenDeadline = ContinuousClock.now + .seconds(3)
            while !listener.isListening && ContinuousClock.now < listenDeadline { usleep(5_000) }
            if !listener.isListening { logger.warning("LISTEN is not up yet; cached API keys expire within 30 s meanwhile") }

            let serverBox = ServerBox()
            var router = Router()
            let rateLimiter = RateLimiter(ratePerSecond: configuration.rateLimitPerSecond, burst: configuration.rateLimitBurst)
            APIRouter(
                store: store, authenticator: authenticator, rateLimiter: rateLimiter,
                webhookAllowPrivate: configuration.webhookAllowPrivate, wakeDispatcher: { dispatcher.wake() }, feed: feed,
                logger: logger
            ).register(in: &router)
            let openAPI = FileManager.default.contents(
                atPath: migrationsDirectory.deletingLastPathComponent().appendingPathComponent("openapi.yaml").path)
            OperationsRoutes(
                readiness: readiness, server: { serverBox.server }, pool: pool, webhookMetrics: dispatcher.metrics,
                openAPIDocument: openAPI.map { Array($0) }
            )
            .register(in: &router)
            let accessLog: LogSink? = configuration.accessLog && configuration.logLevel <= .info ? .standardOutput : nil
            server = try HTTPServer(configuration: configuration.http, router: router, accessLog: accessLog, logger: logger)
            serverBox.set(server)
            feed.start()
            dispatcher.start()
            startMaintenance()
        } catch {
            try? embedded?.stop()
            throw error
        }
    }

    /// Graceful shutdown (SERVER.md section 1): readiness turns 503 first, then the server drains
    /// within the grace time, then the pool and the embedded database stop.
    /// - Returns: true when every in-flight request finished within the grace time.
    @discardableResult
    public func shutdown() -> Bool {
        guard stopped.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged else { return true }
        logger.info("shutting down", metadata: ["grace_seconds": "\(configuration.shutdownGrace)"])
        readiness.beginShutdown()
        maintenanceStopped.store(true, ordering: .relaxed)
        feed.close()  // parked long-polls are answered at once, with what they have: nothing new
        let clean = server.shutdown(grace: configuration.shutdownGrace)
        dispatcher.stop()  // attempts in flight are left to their lease: attempted again later
        _ = listener.stop()
        pool.close()
        do {
            try embedded?.stop()
        } catch {
            logger.error("the embedded PostgreSQL did not stop cleanly", metadata: ["error": "\(error)"])
        }
        logger.info("stopped", metadata: ["clean": "\(clean)"])
        _ = LogSink.standardOutput.flush(waitingAtMost: 5)  // a stalled stdout must not keep the process from exiting
        return clean
    }
}

extension TollgateApplication {
    /// Housekeeping that keeps tables bounded: today, idempotency records past their 24 hours.
    /// Runs at start and every 10 minutes; a failure is logged and retried on the next round.
    public func runMaintenance() {
        do {
            try store.read { try IdempotencyQueries.sweep(on: $0) }
        } catch {
            logger.warning("maintenance failed", metadata: ["error": "\(error)"])
        }
    }

    /// The gate reviews' expiry sweep: every pending review past its policy's TTL becomes
    /// `expired`, with its event. Runs every `reviewExpirySweepSeconds` (30); reads and decisions treat a review past
    /// its time as expired even before the sweep reaches it.
    /// - Returns: how many reviews it expired.
    @discardableResult
    public func expireDueReviews() -> Int {
        do {
            let expired = try GateMaintenance.expireDueReviews(store: store) { id, error in
                logger.error("a gate review could not be expired", metadata: ["gate_review_id": "\(id)", "error": "\(error)"])
            }
            if expired > 0 { logger.info("gate reviews expired", metadata: ["count": "\(expired)"]) }
            return expired
        } catch {
            logger.warning("review expiry sweep failed", metadata: ["error": "\(error)"])
            return 0
        }
    }

    /// Moves the summary figures' deltas, appended by the writing transactions, into their totals
    /// (every 5 s), so computing the summary keeps reading a few rows.
    public func foldPortfolioFigures() {
        do {
            _ = try store.read { try PortfolioSummaryQueries.fold(on: $0) }
        } catch {
            logger.warning("folding the portfolio figures failed", metadata: ["error": "\(error)"])
        }
    }

    private func startMaintenance() {
        BackgroundThread.start(name: "maintenance") { [self] in
            var seconds = 0
            while !maintenanceStopped.load(ordering: .relaxed) {
                if seconds % 600 == 0 { runMaintenance() }
                let sweep = configuration.reviewExpirySweepSeconds
                if sweep > 0 && seconds % sweep == 0 { expireDueReviews() }
                if seconds % 5 == 0 { foldPortfolioFigures() }
                sleep(1)
                seconds += 1
            }
        }
    }
}

/// Lets routes built before the server reach it once it exists.
final class ServerBox: Sendable {
    private let value = Mutex<HTTPServer?>(nil)
    var server: HTTPServer? { value.withLock { $0 } }
    func set(_ server: HTTPServer) { value.withLock { $0 = server } }
}
