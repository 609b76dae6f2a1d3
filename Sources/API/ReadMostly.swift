#if canImport(Glibc)
    import Glibc
#endif

/// A value read on every request and written rarely: readers share a pthread read-write lock,
/// so many worker threads reading one hot entry (one API key under load) never queue on a mutex.
final class ReadMostly<Value>: @unchecked Sendable {  // every access to `value` holds `lock`
    private var lock = pthread_rwlock_t()
    private var value: Value

    init(_ value: Value) {
        self.value = value
        pthread_rwlock_init(&lock, nil)
    }

    deinit { pthread_rwlock_destroy(&lock) }

    func read<T>(_ body: (Value) -> T) -> T {
        pthread_rwlock_rdlock(&lock)
        defer { pthread_rwlock_unlock(&lock) }
        return body(value)
    }

    func write<T>(_ body: (inout Value) -> T) -> T {
        pthread_rwlock_wrlock(&lock)
        defer { pthread_rwlock_unlock(&lock) }
        return body(&value)
    }
}
