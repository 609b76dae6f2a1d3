#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// A point in time on the monotonic clock, for bounding waits.
struct Deadline: Sendable, Comparable {
    let instant: ContinuousClock.Instant

    static var now: Deadline { Deadline(instant: .now) }

    static func after(_ duration: Duration) -> Deadline {
        Deadline(instant: .now + duration)
    }

    /// Time left, never negative.
    var remaining: Duration {
        let left = instant - .now
        return left > .zero ? left : .zero
    }

    var hasPassed: Bool { instant <= .now }

    /// Milliseconds left for `poll(2)`, rounded up so a wait never ends early; capped at `cap`.
    func pollTimeout(cap: Duration = .seconds(3600)) -> Int32 {
        let left = min(remaining, cap)
        let (seconds, attoseconds) = left.components
        let milliseconds = seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
        return Int32(clamping: milliseconds)
    }

    static func < (lhs: Deadline, rhs: Deadline) -> Bool { lhs.instant < rhs.instant }
}

/// Waits for a descriptor to be ready, retrying on EINTR.
///
/// - Returns: the ready events for each descriptor, or nil when `deadline` passed first.
func waitForEvents(_ requests: [(fd: Int32, events: Int16)], until deadline: Deadline) -> [Int16]? {
    var fds = requests.map { pollfd(fd: $0.fd, events: $0.events, revents: 0) }
    while true {
        let result = fds.withUnsafeMutableBufferPointer { buffer in
            poll(buffer.baseAddress, nfds_t(buffer.count), deadline.pollTimeout())
        }
        if result > 0 { return fds.map(\.revents) }
        if result == 0 {
            if deadline.hasPassed { return nil }
            continue  // woke early by rounding; wait the rest
        }
        if errno != EINTR { return fds.map { _ in Int16(POLLERR) } }
    }
}
