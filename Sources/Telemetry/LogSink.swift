import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A buffered writer of log lines to a file descriptor (stdout by default).
///
/// Lines are appended under a lock; a background thread writes them every 50 ms (at 40,000
/// requests a second, about 400 KiB each time). A request never waits on a `write`: when the
/// reader of stdout does not keep up (a stuck pipe, a paused terminal), lines beyond
/// `maxBufferedBytes` are dropped and counted, and a warning with the count follows the lines that
/// were kept, rather than the event loops stopping with the log.
public final class LogSink: Sendable {
    public static let standardOutput = LogSink(fileDescriptor: 1)

    private struct Pending {
        var bytes: [UInt8] = []
        var dropped = 0
    }

    private let fd: Int32
    private let maxBufferedBytes: Int
    private let pending = Mutex(Pending())
    /// Held while writing, so lines leave in order when the flusher and a final `flush()` meet.
    private let writing = Mutex(())
    private let started = Atomic<Bool>(false)

    public init(fileDescriptor: Int32, maxBufferedBytes: Int = 16 << 20) {
        self.fd = fileDescriptor
        self.maxBufferedBytes = maxBufferedBytes
    }

    /// Appends one line; a newline is added. Takes an array, not any collection: a generic called
    /// from another module for every request would copy byte by byte.
    public func write(line: [UInt8]) {
        startFlusherIfNeeded()
        pending.withLock { pending in
            guard pending.bytes.count + line.count < maxBufferedBytes else {
                pending.dropped += 1
                return
            }
            pending.bytes.append(contentsOf: line)
            pending.bytes.append(0x0A)
        }
    }

    /// Writes everything buffered so far, on the calling thread (at exit, for instance).
    public func flush() {
        writing.withLock { _ in
            let (bytes, dropped) = pending.withLock { pending in
                defer { pending = Pending() }
                return (pending.bytes, pending.dropped)
            }
            if !bytes.isEmpty { writeAll(bytes) }
            if dropped > 0 {
                var notice = JSONLine()
                notice.field("time", rawJSON: "\"\(Timestamp.nowRFC3339())\"")
                notice.field("level", "warning")
                notice.field("msg", "log lines dropped: the reader of the log did not keep up")
                notice.field("count", dropped)
                writeAll(notice.finish() + [0x0A])
            }
        }
    }

    /// Like `flush()`, for the end of the process: gives up after `seconds` when the reader of the
    /// log has stalled, so an exit never waits on it for ever. True when everything was written.
    public func flush(waitingAtMost seconds: Int) -> Bool {
        final class Done: Sendable { let flag = Atomic<Bool>(false) }
        let done = Done()
        BackgroundThread.start(name: "log-final-flush") { [self] in
            flush()
            done.flag.store(true, ordering: .releasing)
        }
        for _ in 0..<(seconds * 100) where !done.flag.load(ordering: .acquiring) { usleep(10_000) }
        return done.flag.load(ordering: .acquiring)
    }

    private func writeAll(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    return  // a closed stdout must not take the server down
                }
                offset += n
            }
        }
    }

    private func startFlusherIfNeeded() {
        guard !started.load(ordering: .relaxed) else { return }
        guard started.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged else { return }
        let sink = self
        BackgroundThread.start(name: "log-flush") {
            while true {
                usleep(50_000)
                sink.flush()
            }
        }
    }
}

/// Starts detached pthreads running a closure (no Foundation needed).
public enum BackgroundThread {
    private final class Box {
        let body: @Sendable () -> Void
        init(_ body: @escaping @Sendable () -> Void) { self.body = body }
    }

    /// Starts a thread running `body`. Returns the pthread so callers may join it.
    @discardableResult
    public static func start(name: String, detached: Bool = true, _ body: @escaping @Sendable () -> Void) -> pthread_t {
        let box = Unmanaged.passRetained(Box(body)).toOpaque()
        var thread = pthread_t()
        let rc = pthread_create(
            &thread, nil,
            { raw in
                let box = Unmanaged<Box>.fromOpaque(raw!).takeRetainedValue()
                box.body()
                return nil
            }, box)
        precondition(rc == 0, "pthread_create failed: \(rc)")
        if detached { pthread_detach(thread) }
        return thread
    }
}
