import Testing

@testable import Postgres

/// The pool's lending decisions, as pure values; no database.
@Suite struct PoolStateTests {
    private let failure = PostgresError(code: .connectionFailure, message: "refused")

    @Test func withRoomAndNoRecentFailureTheCallerConnects() {
        var state = PoolState(size: 1)

        guard case .connect = state.nextAcquireStep(deadline: .after(.seconds(1))) else {
            Issue.record("expected .connect")
            return
        }
        #expect(state.connecting == 1)
        guard case .wait = state.nextAcquireStep(deadline: .after(.seconds(1))) else {
            Issue.record("a full pool should make the next caller wait")
            return
        }
    }

    @Test func duringBackoffACallerFailsFastWhenTheRetryComesAfterItsDeadline() {
        var state = PoolState(size: 2)
        state.backoff.recordFailure(failure)  // next attempt in 50 ms

        guard case .fail(.unavailable) = state.nextAcquireStep(deadline: .after(.milliseconds(10))) else {
            Issue.record("expected .unavailable")
            return
        }
        guard case .wait = state.nextAcquireStep(deadline: .after(.seconds(1))) else {
            Issue.record("expected to wait for the retry time")
            return
        }
    }

    @Test func backoffDoublesToTwoSecondsAndResetsOnSuccess() {
        var backoff = ReconnectBackoff()

        for _ in 0..<10 { backoff.recordFailure(failure) }
        #expect(backoff.delay == .seconds(2))
        backoff.recordSuccess()
        #expect(!backoff.isFailing)
        backoff.recordFailure(failure)
        #expect(backoff.delay == .milliseconds(50))
    }

    @Test func aPassedDeadlineIsATimeoutWhenBusyAndUnavailableWhenTheDatabaseIsDown() {
        var busy = PoolState(size: 1)
        busy.inUse = 1
        var down = PoolState(size: 1)
        down.backoff.recordFailure(failure)

        guard case .fail(.timeout) = busy.nextAcquireStep(deadline: .now) else {
            Issue.record("expected .timeout")
            return
        }
        guard case .fail(.unavailable) = down.nextAcquireStep(deadline: .now) else {
            Issue.record("expected .unavailable")
            return
        }
    }
}
