import Foundation
import Logging

/// Receives `NOTIFY` messages on a thread of its own, over a connection of its own.
///
/// After `start()`, the listener connects, runs `LISTEN` for each channel and waits for
/// notifications, calling `onNotification` for each on its thread (keep it quick). When the
/// connection breaks it reconnects with backoff (50 ms doubling to 2 s), listens again and
/// calls `onReconnect`: notifications sent during the gap are lost, so consumers should
/// sweep for missed work then (and may stop trusting what they heard at `onDisconnect`). A quiet
/// connection is checked every `heartbeatInterval`.
public final class PostgresListener: Sendable {
    private let configuration: PostgresConfiguration
    private let logger: Logger
    private let heartbeatInterval: Duration
    private let onNotification: @Sendable (_ channel: String, _ payload: String) -> Void
    private let onReconnect: @Sendable () -> Void
    private let onDisconnect: @Sendable () -> Void
    private let state: ConditionLock<ListenerState>
    private let wakePipe: WakePipe?

    private struct ListenerState: Sendable {
        enum Phase: Sendable { case created, running, stopping, stopped }
        var phase = Phase.created
        var channels: [String] = []
        var isListening = false
    }

    /// - Parameters:
    ///   - channels: channels to listen on from the start; more can be added with ``listen(channels:)``.
    ///   - onNotification: called on the listener's thread with the channel and the payload.
    ///   - onReconnect: called on the listener's thread after listening resumed on a new connection.
    ///   - onDisconnect: called on the listener's thread when a listening connection is lost.
    public init(
        configuration: PostgresConfiguration,
        channels: [String] = [],
        heartbeatInterval: Duration = .seconds(10),
        logger: Logger,
        onNotification: @escaping @Sendable (_ channel: String, _ payload: String) -> Void,
        onReconnect: @escaping @Sendable () -> Void = {},
        onDisconnect: @escaping @Sendable () -> Void = {}
    ) {
        self.configuration = configuration
        self.heartbeatInterval = heartbeatInterval
        self.logger = logger
        self.onNotification = onNotification
        self.onReconnect = onReconnect
        self.onDisconnect = onDisconnect
        self.state = ConditionLock(ListenerState(channels: Self.validChannels(channels, logger: logger)))
        self.wakePipe = WakePipe()
    }

    /// A query that sends `payload` to everyone listening on `channel` when its transaction commits.
    public static func notify(channel: String, payload: String) -> Query {
        "SELECT pg_notify(\(channel), \(payload))"
    }

    /// Whether `LISTEN` is in effect for every channel right now.
    public var isListening: Bool {
        state.withLock { $0.isListening }
    }

    /// Adds channels; the listener starts listening on them within moments.
    ///
    /// A channel name must be 1 to 63 bytes without NUL; others are logged and ignored.
    public func listen(channels: [String]) {
        let valid = Self.validChannels(channels, logger: logger)
        state.withLock { state in
            for channel in valid where !state.channels.contains(channel) {
                state.channels.append(channel)
                state.isListening = false
            }
        }
        wakePipe?.wake()
    }

    /// Starts the listener's thread; calling it again does nothing.
    public func start() {
        let shouldStart = state.withLock { state in
            guard state.phase == .created else { return false }
            state.phase = .running
            return true
        }
        guard shouldStart else { return }
        let thread = Thread { [self] in
            run()
            state.withLock { $0.phase = .stopped }
            state.broadcast()
        }
        thread.name = "postgres-listener"
        thread.start()
    }

    /// Stops listening and waits for the thread to finish, at most `timeout`.
    ///
    /// - Returns: whether the thread finished in time (it is stuck in a callback otherwise).
    @discardableResult
    public func stop(timeout: Duration = .seconds(1)) -> Bool {
        state.withLock { state in
            if state.phase == .running { state.phase = .stopping }
            if state.phase == .created { state.phase = .stopped }
        }
        wakePipe?.wake()
        let deadline = Deadline.after(timeout)
        return state.wait { state in
            if state.phase == .stopped { return .done(true) }
            return deadline.hasPassed ? .done(false) : .wait(until: deadline)
        }
    }

    // MARK: The listener's thread

    private var isStopping: Bool {
        state.withLock { $0.phase != .running }
    }

    private func run() {
        guard let wakePipe else {
            logger.error("the listener cannot start: no file descriptors for its wake-up pipe")
            return
        }
        var delay: Duration?
        var hasListenedBefore = false
        while !isStopping {
            if let pause = delay {
                _ = waitForEvents([(wakePipe.readDescriptor, Int16(POLLIN))], until: .after(pause))
                wakePipe.drain()
                if isStopping { return }
            }
            // Only a stop should abandon the connection attempt, not an earlier listen(channels:).
            wakePipe.drain()
            if isStopping { return }
            let connection: PostgresConnection
            do {
                connection = try PostgresConnection.connect(
                    configuration, deadline: .after(configuration.connectTimeout),
                    cancelDescriptor: wakePipe.readDescriptor)
                var listened: Set<String> = []
                try listenOnNewChannels(connection, listened: &listened)
                delay = nil
                if hasListenedBefore {
                    logger.info("listener reconnected")
                    onReconnect()
                }
                hasListenedBefore = true
                serve(connection, listened: &listened, wakePipe: wakePipe)
            } catch {
                if delay == nil, !isStopping {
                    logger.warning("listener cannot connect", metadata: ["error": "\(error.debugDescription)"])
                }
                delay = delay.map { min($0 * 2, ReconnectBackoff.maximumDelay) } ?? ReconnectBackoff.initialDelay
                continue
            }
            state.withLock { $0.isListening = false }
            connection.close()
            if !isStopping {
                logger.warning("listener connection lost; reconnecting")
                onDisconnect()
            }
        }
    }

    /// Waits for and delivers notifications until the connection breaks or `stop()` is called.
    private func serve(_ connection: PostgresConnection, listened: inout Set<String>, wakePipe: WakePipe) {
        while !isStopping {
            do {
                try listenOnNewChannels(connection, listened: &listened)
            } catch {
                return
            }
            let ready = waitForEvents(
                [(connection.socket, Int16(POLLIN)), (wakePipe.readDescriptor, Int16(POLLIN))],
                until: .after(heartbeatInterval))
            guard let ready else {
                // Quiet for a while: prove the connection still works (and catch a silent peer).
                guard (try? connection.query("SELECT 1")) != nil else { return }
                deliverNotifications(connection)
                continue
            }
            if ready[1] != 0 { wakePipe.drain() }
            if ready[0] != 0 {
                let alive = connection.consumeInput()
                deliverNotifications(connection)
                if !alive { return }
            }
        }
    }

    /// Runs `LISTEN` for channels added since the last look, then marks the listener listening.
    private func listenOnNewChannels(_ connection: PostgresConnection, listened: inout Set<String>) throws(PostgresError) {
        let channels = state.withLock { $0.channels }
        for channel in channels where !listened.contains(channel) {
            try connection.query(Query(unsafeSQL: "LISTEN " + PostgresConnection.quotedIdentifier(channel)))
            listened.insert(channel)
        }
        deliverNotifications(connection)
        state.withLock { state in
            state.isListening = state.channels.allSatisfy { listened.contains($0) }
        }
    }

    private func deliverNotifications(_ connection: PostgresConnection) {
        while let notification = connection.nextNotification() {
            onNotification(notification.channel, notification.payload)
        }
    }

    private static func validChannels(_ channels: [String], logger: Logger) -> [String] {
        channels.filter { channel in
            let valid = !channel.isEmpty && channel.utf8.count <= 63 && !channel.utf8.contains(0)
            if !valid { logger.error("ignoring an invalid channel name", metadata: ["channel": "\(channel)"]) }
            return valid
        }
    }
}
