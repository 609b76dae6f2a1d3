#if canImport(Glibc)
    import Glibc
#endif

/// One value per thread, made on the thread's first use and freed with the thread: a memo that
/// needs no lock because no other thread ever sees it.
final class ThreadMemo<Value: AnyObject>: @unchecked Sendable {  // the key is set once in init; values stay on their threads
    private var key = pthread_key_t()
    private let make: () -> Value

    init(_ make: @escaping () -> Value) {
        self.make = make
        pthread_key_create(&key) { pointer in
            if let pointer { Unmanaged<AnyObject>.fromOpaque(pointer).release() }
        }
    }

    /// This thread's value.
    var value: Value {
        if let pointer = pthread_getspecific(key) {
            return Unmanaged<AnyObject>.fromOpaque(pointer).takeUnretainedValue() as! Value
        }
        let value = make()
        pthread_setspecific(key, Unmanaged.passRetained(value as AnyObject).toOpaque())
        return value
    }
}
