#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// State guarded by a mutex, with a condition variable to wait for changes with a time limit.
///
/// `Synchronization.Mutex` has no condition variable, so this pairs pthread primitives; the
/// condition variable runs on `CLOCK_MONOTONIC`, so wall-clock jumps cannot stretch a wait.
// @unchecked: `state` is only read or written with `mutex` held.
final class ConditionLock<State: Sendable>: @unchecked Sendable {
    /// What a waiter decides each time it looks at the state.
    enum Decision<Result> {
        /// Stop waiting and return this.
        case done(Result)
        /// Sleep until signalled or until this time, then look again.
        case wait(until: Deadline)
    }

    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let condition: UnsafeMutablePointer<pthread_cond_t>
    private var state: State

    init(_ state: State) {
        self.state = state
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
        condition = .allocate(capacity: 1)
        condition.initialize(to: pthread_cond_t())
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        pthread_cond_init(condition, &attributes)
        pthread_condattr_destroy(&attributes)
    }

    deinit {
        pthread_cond_destroy(condition)
        condition.deallocate()
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    /// Runs `body` with the lock held.
    func withLock<Result>(_ body: (inout State) throws -> Result) rethrows -> Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&state)
    }

    /// Runs `decide` with the lock held until it answers `.done`, sleeping in between.
    ///
    /// `decide` must eventually answer `.done`, typically once its own deadline has passed.
    func wait<Result>(_ decide: (inout State) throws -> Decision<Result>) rethrows -> Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        while true {
            switch try decide(&state) {
            case .done(let result):
                return result
            case .wait(let deadline):
                var wakeAt = Self.monotonicTimespec(after: deadline.remaining)
                _ = pthread_cond_timedwait(condition, mutex, &wakeAt)
            }
        }
    }

    /// Wakes one waiter.
    func signal() { pthread_cond_signal(condition) }

    /// Wakes every waiter.
    func broadcast() { pthread_cond_broadcast(condition) }

    private static func monotonicTimespec(after duration: Duration) -> timespec {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        let (seconds, attoseconds) = duration.components
        var nanoseconds = Int(now.tv_nsec) + Int(attoseconds / 1_000_000_000)
        var wholeSeconds = Int(now.tv_sec) + Int(clamping: seconds)
        if nanoseconds >= 1_000_000_000 {
            wholeSeconds += 1
            nanoseconds -= 1_000_000_000
        }
        return timespec(tv_sec: wholeSeconds, tv_nsec: nanoseconds)
    }
}
