import Foundation
import TestSupport
import Testing

@testable import Postgres

/// LISTEN/NOTIFY reaches the listener, which survives losing its connection.
@Suite struct ListenerTests {
    private struct Notification: Sendable, Equatable {
        let channel: String
        let payload: String
    }

    @Test func aNotificationArrivesWithinASecond() throws {
        let configuration = try TestCluster.shared().freshDatabase()
        let received = Recorder<Notification>()
        let listener = PostgresListener(
            configuration: configuration, channels: ["events"], logger: quietLogger,
            onNotification: { received.append(Notification(channel: $0, payload: $1)) })
        listener.start()
        defer { listener.stop() }
        #expect(eventually { listener.isListening })
        let sender = try PostgresConnection.connect(configuration)

        try sender.query(PostgresListener.notify(channel: "events", payload: "order 'o-1' shipped"))
        try sender.query(PostgresListener.notify(channel: "elsewhere", payload: "ignored"))

        #expect(received.wait(for: 1, within: .seconds(1)))
        #expect(received.all == [Notification(channel: "events", payload: "order 'o-1' shipped")])
    }

    @Test func channelsAddedLaterAreListenedToAndNamesKeepTheirCase() throws {
        let configuration = try TestCluster.shared().freshDatabase()
        let received = Recorder<Notification>()
        let listener = PostgresListener(
            configuration: configuration, logger: quietLogger,
            onNotification: { received.append(Notification(channel: $0, payload: $1)) })
        listener.start()
        defer { listener.stop() }
        let sender = try PostgresConnection.connect(configuration)

        listener.listen(channels: ["Mixed Case \"channel\""])
        #expect(eventually { listener.isListening })
        try sender.query(PostgresListener.notify(channel: "Mixed Case \"channel\"", payload: "hi"))

        #expect(received.wait(for: 1, within: .seconds(1)))
        #expect(received.all.first?.channel == "Mixed Case \"channel\"")
    }

    @Test func afterItsSessionIsKilledTheListenerReconnectsAndKeepsReceiving() throws {
        let configuration = try TestCluster.shared().freshDatabase()
        let received = Recorder<Notification>()
        let reconnects = Recorder<Bool>()
        let listener = PostgresListener(
            configuration: configuration, channels: ["events"], logger: quietLogger,
            onNotification: { received.append(Notification(channel: $0, payload: $1)) },
            onReconnect: { reconnects.append(true) })
        listener.start()
        defer { listener.stop() }
        #expect(eventually { listener.isListening })
        let sender = try PostgresConnection.connect(configuration)
        let sessions = try sender.query(
            """
            SELECT pid FROM pg_stat_activity
            WHERE datname = current_database() AND pid <> pg_backend_pid() AND query LIKE 'LISTEN%'
            """)
        let listenerPID = try #require(try sessions.first?.decode("pid", as: Int32.self))

        try terminateBackend(listenerPID, using: configuration)
        #expect(reconnects.wait(for: 1, within: .seconds(3)))
        #expect(eventually { listener.isListening })
        try sender.query(PostgresListener.notify(channel: "events", payload: "after the gap"))

        #expect(received.wait(for: 1, within: .seconds(1)))
        #expect(received.all.last?.payload == "after the gap")
    }

    @Test func stopEndsTheThreadPromptly() throws {
        let configuration = try TestCluster.shared().freshDatabase()
        let listener = PostgresListener(
            configuration: configuration, channels: ["events"], heartbeatInterval: .seconds(30), logger: quietLogger,
            onNotification: { _, _ in })
        listener.start()
        #expect(eventually { listener.isListening })
        let started = ContinuousClock.now

        let stopped = listener.stop()

        #expect(stopped)
        #expect(ContinuousClock.now - started < .milliseconds(500))
        #expect(!listener.isListening)
    }

    @Test func aListenerWithoutADatabaseKeepsRetryingAndStillStops() {
        let configuration = PostgresConfiguration(conninfo: "host=/nonexistent-socket-folder dbname=x")
        let listener = PostgresListener(
            configuration: configuration, channels: ["events"], logger: quietLogger,
            onNotification: { _, _ in })
        listener.start()
        usleep(200_000)

        #expect(!listener.isListening)
        #expect(listener.stop())
    }
}
