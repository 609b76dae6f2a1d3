import Foundation
import JSON
import Logging
import Postgres
import Store
import Synchronization
import Telemetry

/// How the dispatcher behaves; the defaults are API.md's and SERVER.md's.
public struct DispatcherConfiguration: Sendable {
    public var schedule = RetrySchedule.standard
    /// Let webhooks reach loopback and private addresses (tests, on-prem).
    public var allowPrivateAddresses = false
    /// Longer than an attempt's total timeout; renewed after preparing a claim, just before sending.
    public var leaseSeconds = 30
    public var maxInFlight = 256
    /// A subscription failing without a success this long is disabled.
    public var disableAfterFailingSeconds = 5 * 86_400
    /// The periodic sweep for due deliveries, besides the wake-ups on new events.
    public var sweepInterval: Duration = .seconds(1)

    public init() {}
}

/// Webhook delivery metrics for `/metrics`.
public final class WebhookMetrics: Sendable {
    private struct State {
        var attempts: [String: Int] = [:]
        var latency = Histogram()
        var queueDepth = 0
    }
    private let state = Mutex(State())

    public init() {}

    func attempt(outcome: String, seconds: Double) {
        state.withLock {
            $0.attempts[outcome, default: 0] += 1
            $0.latency.observe(seconds)
        }
    }

    func queueDepth(_ depth: Int) { state.withLock { $0.queueDepth = depth } }

    public func render(into text: inout PrometheusText) {
        let snapshot = state.withLock { $0 }
        text.header("tollgate_webhook_queue_depth", type: "gauge", help: "Webhook deliveries waiting to be attempted.")
        text.sample("tollgate_webhook_queue_depth", snapshot.queueDepth)
        text.header("tollgate_webhook_attempts_total", type: "counter", help: "Webhook delivery attempts by outcome.")
        for outcome in ["succeeded", "failed", "error"] {
            text.sample("tollgate_webhook_attempts_total", labels: [("outcome", outcome)], snapshot.attempts[outcome, default: 0])
        }
        text.header("tollgate_webhook_attempt_duration_seconds", type: "histogram", help: "Webhook delivery attempt latency.")
        text.histogram("tollgate_webhook_attempt_duration_seconds", snapshot.latency)
    }
}

/// Delivers webhooks (SERVER.md section 4): claims due deliveries with `FOR UPDATE SKIP LOCKED`
/// under a lease, sends them from one thread over curl's multi interface, and records every
/// attempt and its consequence (retry, failure, a disabled subscription) in the database. Woken
/// by committed events (LISTEN) and by a periodic sweep; any number of instances share the work.
public final class WebhookDispatcher: Sendable {
    let store: Store
    let configuration: DispatcherConfiguration
    let logger: Logger
    public let metrics: WebhookMetrics
    private let stopped = Atomic<Bool>(false)
    private let finished = Mutex<Bool>(false)
    private let waker = Mutex<CurlWaker?>(nil)
    private let pendingWake = Atomic<Bool>(true)

    public init(store: Store, configuration: DispatcherConfiguration, metrics: WebhookMetrics = WebhookMetrics(), logger: Logger) {
        self.store = store
        self.configuration = configuration
        self.metrics = metrics
        self.logger = logger
    }

    /// Starts the dispatcher's thread.
    public func start() {
        _ = BackgroundThread.start(name: "webhooks") { [self] in run() }
    }

    /// New deliveries may be due: look now rather than at the next sweep. Any thread.
    public func wake() {
        pendingWake.store(true, ordering: .releasing)
        waker.withLock { $0?.wakeUp() }
    }

    /// Stops claiming; attempts in flight are abandoned to their lease (they are due again later).
    public func stop(timeout: Duration = .seconds(2)) {
        stopped.store(true, ordering: .releasing)
        waker.withLock { $0?.wakeUp() }
        let deadline = ContinuousClock.now + timeout
        while !finished.withLock({ $0 }) && ContinuousClock.now < deadline { usleep(5_000) }
    }

    private func run() {
        let sender = CurlSender()
        waker.withLock { $0 = sender.waker }
        var inFlight: [Int: (ClaimedDelivery, String)] = [:]  // token -> (delivery, attempt start time)
        var nextToken = 0
        var lastSweep = ContinuousClock.now - configuration.sweepInterval
        while !stopped.load(ordering: .acquiring) {
            let room = configuration.maxInFlight - inFlight.count
            let sweep = ContinuousClock.now - lastSweep >= configuration.sweepInterval
            // A wake-up is consumed only by a claim: with no room it waits for room.
            // Claims come in batches (a quarter of the window, or whatever room there is when idle):
            // each claim costs round trips, and a trickle of tiny claims would cap the throughput.
            let batchReady = room >= configuration.maxInFlight / 4 || inFlight.isEmpty
            if room > 0, batchReady, sweep || pendingWake.exchange(false, ordering: .acquiringAndReleasing) {
                if sweep { lastSweep = ContinuousClock.now }
                let claimed = claim(limit: room, countQueue: sweep)
                if claimed.count == room { pendingWake.store(true, ordering: .releasing) }  // more may be due: claim again at once
                for (delivery, prepared, startedAt) in prepareHeld(claimed) {
                    switch prepared {
                    case .success(let request):
                        nextToken += 1
                        inFlight[nextToken] = (delivery, startedAt)
                        sender.start(request, token: nextToken)
                    case .failure(let refusal):
                        settle([(delivery, AttemptOutcome(status: nil, error: refusal.description, durationMS: 0), startedAt)])
                    }
                }
            }
            let finished = sender.poll(timeoutMS: inFlight.isEmpty ? 1_000 : 200).compactMap { token, outcome in
                inFlight.removeValue(forKey: token).map { ($0.0, outcome, $0.1) }
            }
            settle(finished)
        }
        waker.withLock { $0 = nil }  // no other thread reaches the multi handle after this
        sender.close()
        finished.withLock { $0 = true }
    }

    private func claim(limit: Int, countQueue: Bool) -> [ClaimedDelivery] {
        do {
            let token = Identifiers.make(.delivery)
            return try store.pool.withConnection { connection in
                let claimed = try DeliveryQueries.claim(
                    limit: limit, leaseSeconds: configuration.leaseSeconds, token: token, on: connection)
                if countQueue { metrics.queueDepth(try DeliveryQueries.pendingCount(on: connection)) }
                return claimed
            }
        } catch {
            logger.warning("webhook claim failed", metadata: ["error": "\(error)"])
            return []
        }
    }

    /// Prepares the claimed deliveries side by side (the address guard resolves names, which can
    /// be slow), then renews their leases: a delivery whose lease ran out meanwhile belongs to
    /// another claim and is not sent by this one.
    private func prepareHeld(_ claimed: [ClaimedDelivery]) -> [(ClaimedDelivery, Result<OutgoingRequest, WebhookURLError>, String)] {
        guard let token = claimed.first?.leaseToken else { return [] }
        let results = Mutex<[Int: Result<OutgoingRequest, WebhookURLError>]>([:])
        DispatchQueue.concurrentPerform(iterations: claimed.count) { index in
            let prepared = prepare(claimed[index])
            results.withLock { $0[index] = prepared }
        }
        let held: Set<String>
        do {
            held = try store.pool.withConnection {
                try DeliveryQueries.renewLeases(claimed.map(\.id), token: token, leaseSeconds: configuration.leaseSeconds, on: $0)
            }
        } catch {
            logger.warning("renewing webhook leases failed", metadata: ["error": "\(error)"])
            return []  // the leases run out and the deliveries are claimed again
        }
        let startedAt = Timestamp.nowRFC3339()
        let prepared = results.withLock { $0 }
        return claimed.indices.compactMap { index in
            guard held.contains(claimed[index].id), let result = prepared[index] else { return nil }
            return (claimed[index], result, startedAt)
        }
    }

    /// The request for an attempt: the address guard first (the checked address pinned), then
    /// the signed Standard Webhooks request.
    func prepare(_ delivery: ClaimedDelivery) -> Result<OutgoingRequest, WebhookURLError> {
        let target: WebhookTarget
        switch WebhookTarget.parse(delivery.url) {
        case .success(let parsed): target = parsed
        case .failure(let error): return .failure(error)
        }
        var pinned: String?
        if !configuration.allowPrivateAddresses {
            switch AddressGuard.check(target) {
            case .success(let address):
                pinned = "\(target.host):\(target.port):\(address.contains(":") ? "[\(address)]" : address)"
            case .failure(let error): return .failure(error)
            }
        }
        let body = delivery.body
        let timestamp = Int(Date().timeIntervalSince1970)
        let headers = [
            "Content-Type: application/json", "webhook-id: \(delivery.eventID)", "webhook-timestamp: \(timestamp)",
            "webhook-signature: \(WebhookSignature.header(secrets: delivery.secrets, id: delivery.eventID, timestamp: timestamp, body: body))",
        ]
        return .success(OutgoingRequest(url: delivery.url, headers: headers, body: body, pinnedAddress: pinned))
    }

    /// Records the attempts that finished together, in one transaction (one commit for the
    /// batch; subscriptions locked in id order); if that fails, each on its own, so one bad
    /// record cannot hold up the rest. See `record` for what follows from an attempt.
    func settle(_ batch: [(ClaimedDelivery, AttemptOutcome, String)]) {
        guard !batch.isEmpty else { return }
        for (delivery, outcome, _) in batch {
            let label = outcome.succeeded ? "succeeded" : (outcome.status == nil ? "error" : "failed")
            metrics.attempt(outcome: label, seconds: Double(outcome.durationMS) / 1000)
            logger.info(
                "webhook attempt",
                metadata: [
                    "delivery_id": "\(delivery.id)", "webhook_id": "\(delivery.webhookID)", "event_id": "\(delivery.eventID)",
                    "status": "\(outcome.status.map(String.init) ?? "-")", "error": "\(outcome.error ?? "-")",
                    "duration_ms": "\(outcome.durationMS)",
                ])
        }
        let ordered = batch.sorted { ($0.0.webhookID, $0.0.id) < ($1.0.webhookID, $1.0.id) }
        let now = Timestamp.nowRFC3339()
        do {
            _ = try store.write(actor: nil, requestID: nil, at: now) { connection, journal in
                let successes = ordered.filter { $0.1.succeeded }.map { delivery, outcome, startedAt in
                    DeliveryQueries.Success(
                        deliveryID: delivery.id, leaseToken: delivery.leaseToken, webhookID: delivery.webhookID, at: startedAt,
                        status: outcome.status ?? 200, durationMS: outcome.durationMS)
                }
                try DeliveryQueries.recordSuccesses(successes, at: now, on: connection)
                for (delivery, outcome, startedAt) in ordered where !outcome.succeeded {
                    try record(delivery, outcome, startedAt: startedAt, now: now, journal: &journal, on: connection)
                }
            }
        } catch  where batch.count > 1 {
            for item in ordered { settle([item]) }
        } catch {
            // The lease runs out and the delivery is attempted again: at least once.
            logger.error("recording a webhook attempt failed", metadata: ["delivery_id": "\(batch[0].0.id)", "error": "\(error)"])
        }
    }

    /// A failed attempt and what follows from it (successes go through `recordSuccesses`): a
    /// retry at the schedule's next time (or a later `Retry-After` on 429 and 503); `failed` after
    /// the last attempt; a 410, or five days without a success, disables the subscription.
    private func record(
        _ delivery: ClaimedDelivery, _ outcome: AttemptOutcome, startedAt: String, now: String, journal: inout Journal,
        on connection: PostgresConnection
    ) throws {
        guard try DeliveryQueries.holdsLease(delivery.id, token: delivery.leaseToken, on: connection) else {
            // The lease ran out and another dispatcher took the delivery over: record only the attempt.
            try DeliveryQueries.recordAttempt(delivery.id, self.attempt(outcome, at: startedAt), on: connection)
            return
        }
        try DeliveryQueries.recordAttempt(delivery.id, self.attempt(outcome, at: startedAt), on: connection)
        let attempts = delivery.attemptsInRound + 1
        let failingTooLong = try WebhookQueries.noteFailure(
            delivery.webhookID, at: startedAt, failingFor: configuration.disableAfterFailingSeconds, on: connection)
        let retryAfter = [429, 503].contains(outcome.status ?? 0) ? RetrySchedule.retryAfterSeconds(outcome.retryAfter) : nil
        let delay =
            outcome.status == 410
            ? nil : configuration.schedule.delay(afterAttempt: attempts, retryAfter: retryAfter, jitter: Double.random(in: -1...1))
        try DeliveryQueries.settle(
            delivery.id, status: delay == nil ? "failed" : "pending", attemptsInRound: attempts, retryInSeconds: delay, at: now,
            on: connection)
        if outcome.status == 410 {
            try disable(delivery.webhookID, reason: "the endpoint answered 410 Gone", at: now, journal: &journal, on: connection)
        } else if failingTooLong {
            try disable(
                delivery.webhookID, reason: "no successful delivery for \(configuration.disableAfterFailingSeconds / 86_400) days",
                at: now, journal: &journal, on: connection)
        }
    }

    private func attempt(_ outcome: AttemptOutcome, at startedAt: String) -> DeliveryAttempt {
        DeliveryAttempt(at: startedAt, responseStatus: outcome.status, error: outcome.error, durationMS: outcome.durationMS)
    }

    private func disable(_ id: String, reason: String, at now: String, journal: inout Journal, on connection: PostgresConnection) throws {
        guard var webhook = try WebhookQueries.find(id, on: connection, forUpdate: true), webhook.enabled else { return }
        let before = webhook.json
        webhook.enabled = false
        webhook.disabledReason = reason
        webhook.version += 1
        webhook.updatedAt = now
        try WebhookQueries.update(webhook, on: connection)
        journal.audit("webhook.disabled", entityType: "webhook", entityID: id, before: before, after: webhook.json)
        journal.event("webhook.disabled", data: .object(JSONObject([("webhook", webhook.json), ("reason", .string(reason))])))
        logger.warning("webhook disabled", metadata: ["webhook_id": "\(id)", "reason": "\(reason)"])
    }
}
