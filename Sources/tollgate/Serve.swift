import ArgumentParser
import Foundation
import Logging
import Synchronization
import Telemetry
import Tollgate

struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve the API. With no TOLLGATE_DATABASE_URL, runs a private PostgreSQL under TOLLGATE_DATA_DIR.")

    func run() throws {
        ShutdownSignals.block()  // before any thread starts, so only `ShutdownSignals.wait` sees them
        let (configuration, logger) = try loadConfiguration()
        let startup = Startup()
        // Start on another thread, so a signal during a slow start (initdb) is still heard.
        Thread.detachNewThread {
            do {
                let app = try TollgateApplication(configuration: configuration, logger: logger)
                if !startup.started(app) { _ = app.shutdown() }
            } catch {
                logger.critical("start failed", metadata: ["error": "\(error)"])
                _ = LogSink.standardOutput.flush(waitingAtMost: 5)
                startup.failed()
            }
        }
        let signal = ShutdownSignals.wait()
        logger.info("signal received", metadata: ["signal": "\(signal)"])
        guard let app = startup.interrupt() else {
            _ = LogSink.standardOutput.flush(waitingAtMost: 5)
            throw ExitCode(1)  // interrupted during start; the start thread shuts down what it started
        }
        if !app.shutdown() { throw ExitCode(1) }
    }
}

/// The start thread and the signal waiter agree on who stops the application.
private final class Startup: Sendable {
    private enum State { case starting, running(TollgateApplication), interrupted, failed }
    private let state = Mutex<State>(.starting)
    private let done = DispatchSemaphore(value: 0)

    /// False when a signal arrived meanwhile: the caller must shut the application down itself.
    func started(_ app: TollgateApplication) -> Bool {
        defer { done.signal() }
        return state.withLock { state in
            if case .interrupted = state { return false }
            state = .running(app)
            return true
        }
    }

    func failed() {
        state.withLock { $0 = .failed }
        exit(1)
    }

    /// The running application, or nil (after waiting for the start to wind down) if it never ran.
    func interrupt() -> TollgateApplication? {
        let app = state.withLock { state -> TollgateApplication? in
            if case .running(let app) = state { return app }
            state = .interrupted
            return nil
        }
        if app == nil { _ = done.wait(timeout: .now() + 65) }  // pg_ctl waits at most 60 s
        return app
    }
}
