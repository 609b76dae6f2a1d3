import Telemetry

#if canImport(Glibc)
    import Glibc
#endif

/// A fixed set of threads for blocking work (libpq calls), fed by a bounded queue.
///
/// `submit` never blocks: when the queue is full it returns false and the caller answers 503,
/// so a slow database turns into fast refusals instead of an unbounded backlog.
public final class WorkerPool: @unchecked Sendable {  // all mutable state is guarded by `mutex`
    public typealias Job = @Sendable () -> Void

    private var mutex = pthread_mutex_t()
    private var condition = pthread_cond_t()
    private var queue: [Job?]
    private var head = 0
    private var count = 0
    private var busy = 0
    private var stopping = false
    private var threads: [pthread_t] = []
    public let threadCount: Int

    public init(threads: Int, queueCapacity: Int) {
        threadCount = max(1, threads)
        queue = Array(repeating: nil, count: max(1, queueCapacity))
        pthread_mutex_init(&mutex, nil)
        pthread_cond_init(&condition, nil)
        for i in 0..<threadCount {
            self.threads.append(BackgroundThread.start(name: "worker-\(i)", detached: false) { [self] in run() })
        }
    }

    /// Queues `job`; false when the queue is full or the pool is stopping.
    public func submit(_ job: @escaping Job) -> Bool {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        guard !stopping, count < queue.count else { return false }
        queue[(head + count) % queue.count] = job
        count += 1
        pthread_cond_signal(&condition)
        return true
    }

    /// Jobs running now and jobs waiting.
    public var load: (running: Int, queued: Int) {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        return (busy, count)
    }

    /// Lets queued jobs finish, then stops the threads. Waits at most until `deadline`
    /// (monotonic nanoseconds); a job still running then is left to finish on its own.
    /// - Returns: true when every thread stopped in time.
    @discardableResult
    public func shutdown(deadline: UInt64 = .max) -> Bool {
        pthread_mutex_lock(&mutex)
        stopping = true
        pthread_cond_broadcast(&condition)
        pthread_mutex_unlock(&mutex)
        while true {
            pthread_mutex_lock(&mutex)
            let idle = busy == 0 && count == 0
            pthread_mutex_unlock(&mutex)
            if idle { break }
            if monotonicNanos() >= deadline { return false }
            usleep(2_000)
        }
        for thread in threads { pthread_join(thread, nil) }
        threads.removeAll()
        return true
    }

    private func run() {
        while true {
            pthread_mutex_lock(&mutex)
            while count == 0 && !stopping { pthread_cond_wait(&condition, &mutex) }
            if count == 0 && stopping {
                pthread_mutex_unlock(&mutex)
                return
            }
            let job = queue[head]
            queue[head] = nil
            head = (head + 1) % queue.count
            count -= 1
            busy += 1
            pthread_mutex_unlock(&mutex)
            job?()
            pthread_mutex_lock(&mutex)
            busy -= 1
            pthread_mutex_unlock(&mutex)
        }
    }
}
