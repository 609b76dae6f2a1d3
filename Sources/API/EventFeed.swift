import Foundation
import Logging
import Store
import Synchronization
import Telemetry

/// Parked long-polls of `GET /v1/events?wait=` (API.md section 7). A parked request holds no
/// thread and no database connection: it is a closure in this registry. When events commit (on
/// any instance: LISTEN `tollgate_events`), one query reads what is new and every waiter whose
/// filter matches is answered from it; a waiter whose wait ends is answered with no events.
public final class EventFeed: Sendable {
    struct Waiter: Sendable {
        let after: Int64
        let types: [String]
        let limit: Int
        let deadline: ContinuousClock.Instant
        let respond: @Sendable ([EventQueries.StoredEvent]) -> Void
    }

    private struct State {
        var waiters: [Int: Waiter] = [:]
        var nextID = 0
        var committed = false
        var closed = false
    }

    private let state = Mutex(State())
    private let signal = NSCondition()
    private let store: Store
    private let logger: Logger

    public init(store: Store, logger: Logger) {
        self.store = store
        self.logger = logger
    }

    /// How many requests are parked now.
    public var parkedCount: Int { state.withLock { $0.waiters.count } }

    public func start() {
        _ = BackgroundThread.start(name: "event-feed") { [self] in run() }
    }

    /// Parks a request until an event it wants commits or `deadline`; false when the feed is closed.
    func park(
        after: Int64, types: [String], limit: Int, deadline: ContinuousClock.Instant,
        respond: @escaping @Sendable ([EventQueries.StoredEvent]) -> Void
    ) -> Bool {
        let parked = state.withLock { state -> Bool in
            guard !state.closed else { return false }
            state.nextID += 1
            state.waiters[state.nextID] = Waiter(after: after, types: types, limit: limit, deadline: deadline, respond: respond)
            // The caller's query ran before this: an event that committed in between must not be missed.
            state.committed = true
            return true
        }
        poke()
        return parked
    }

    /// Events committed (a NOTIFY arrived, or the listener reconnected): look now. Any thread.
    public func eventsCommitted() {
        state.withLock { $0.committed = true }
        poke()
    }

    /// Answers every parked request at once with no events, and parks no more (shutdown).
    public func close() {
        let waiters = state.withLock { state -> [Waiter] in
            state.closed = true
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.respond([]) }
        poke()
    }

    private func poke() {
        signal.lock()
        signal.signal()
        signal.unlock()
    }

    private func run() {
        while !state.withLock({ $0.closed }) {
            let (committed, waiters) = state.withLock { state -> (Bool, [Int: Waiter]) in
                defer { state.committed = false }
                return (state.committed, state.waiters)
            }
            if committed && !waiters.isEmpty { deliver(to: waiters) }
            expire()
            let next = state.withLock { $0.waiters.values.map(\.deadline).min() }
            signal.lock()
            if !state.withLock({ $0.committed || $0.closed }) {
                let wait = next.map { ContinuousClock.now.duration(to: $0) } ?? .seconds(1)
                let seconds = max(0.001, min(1, Double(wait.components.seconds) + Double(wait.components.attoseconds) / 1e18))
                _ = signal.wait(until: Date().addingTimeInterval(seconds))
            }
            signal.unlock()
        }
    }

    /// One query for what is new since the earliest waiter's `after`; each waiter gets its part.
    private func deliver(to waiters: [Int: Waiter]) {
        guard let since = waiters.values.map(\.after).min() else { return }
        let events: [EventQueries.StoredEvent]
        do {
            events = try store.read { try EventQueries.list(after: since, limit: 1000, types: [], on: $0) }
        } catch {
            logger.warning("long-poll wake-up query failed", metadata: ["error": "\(error)"])
            state.withLock { $0.committed = true }  // try again on the next round
            return
        }
        guard !events.isEmpty else { return }
        for (id, waiter) in waiters {
            let wanted = events.filter { $0.seq > waiter.after && (waiter.types.isEmpty || WebhookRecord.matches(waiter.types, $0.type)) }
            guard !wanted.isEmpty else { continue }
            guard state.withLock({ $0.waiters.removeValue(forKey: id) }) != nil else { continue }
            waiter.respond(Array(wanted.prefix(waiter.limit)))
        }
    }

    private func expire() {
        let now = ContinuousClock.now
        let due = state.withLock { state -> [Waiter] in
            let ids = state.waiters.filter { $0.value.deadline <= now }.map(\.key)
            return ids.compactMap { state.waiters.removeValue(forKey: $0) }
        }
        for waiter in due { waiter.respond([]) }
    }
}
