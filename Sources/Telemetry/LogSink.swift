import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A buffered writer of log lines to a file descriptor (stdout by default).
///
/// Lines are appended under a lock and written by a background flush every 50 ms, or at once when
/// the buffer passes 64 KiB, so a request never waits on a `write` to a slow terminal or pipe.
public final class LogSink: Sendable {
    public static let standardOutput = LogSink(fileDescriptor: 1)

    private let fd: Int32
    private let buffer = Mutex<[UInt8]>([])
    private let started = Atomic<Bool>(false)

    public init(fileDescriptor: Int32) {
        self.fd = fileDescriptor
    }

    /// Appends one line; a newline is added.
    public func write(line: some Collection<UInt8>) {
        startFlusherIfNeeded()
        let full = buffer.withLock { buffer -> [UInt8]? in
            buffer.append(contentsOf: line)
            buffer.append(0x0A)
            guard buffer.count >= 64 * 1024 else { return nil }
            defer { buffer.removeAll(keepingCapacity: true) }
            return buffer
        }
        if let full { writeAll(full) }
    }

    /// Writes everything buffered so far.
    public func flush() {
        let pending = buffer.withLock { buffer -> [UInt8] in
            defer { buffer.removeAll(keepingCapacity: true) }
            return buffer
        }
        if !pending.isEmpty { writeAll(pending) }
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
