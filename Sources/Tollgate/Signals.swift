#if canImport(Glibc)
    import Glibc
#endif

/// SIGTERM and SIGINT, delivered to one waiting thread instead of interrupting arbitrary ones.
public enum ShutdownSignals {
    /// Blocks the signals in the calling thread and every thread it starts afterwards.
    /// Call first thing in `main`, before any thread exists.
    public static func block() {
        var set = signalSet()
        pthread_sigmask(SIG_BLOCK, &set, nil)
    }

    /// Waits until SIGTERM or SIGINT arrives and returns its number.
    public static func wait() -> Int32 {
        var set = signalSet()
        var signal: Int32 = 0
        while sigwait(&set, &signal) != 0 {}
        return signal
    }

    private static func signalSet() -> sigset_t {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGTERM)
        sigaddset(&set, SIGINT)
        return set
    }
}
