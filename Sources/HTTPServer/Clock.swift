import CSystem

#if canImport(Glibc)
    import Glibc
#endif

/// Monotonic time in nanoseconds, for timeouts and durations.
@inline(__always)
func monotonicNanos() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}

@inline(__always)
func nanos(_ seconds: Double) -> UInt64 { UInt64(max(0, seconds) * 1_000_000_000) }

/// The `Date` header value, formatted at most once per second (RFC 9110 IMF-fixdate).
struct DateCache {
    private var second: time_t = 0
    private(set) var bytes: [UInt8] = []

    mutating func refresh() {
        let now = time(nil)
        guard now != second else { return }
        second = now
        var t = now
        var parts = tm()
        gmtime_r(&t, &parts)
        var buffer = [CChar](repeating: 0, count: 40)
        let n = strftime(&buffer, buffer.count, "%a, %d %b %Y %H:%M:%S GMT", &parts)
        bytes = buffer[0..<n].map { UInt8(bitPattern: $0) }
    }
}

/// Request ids: 16 lowercase hex digits from a per-loop xorshift generator seeded from the OS.
struct RequestIDGenerator {
    private var state: UInt64

    init() {
        var seed: UInt64 = 0
        withUnsafeMutableBytes(of: &seed) { _ = getrandom($0.baseAddress, 8, 0) }
        state = seed == 0 ? 0x9E37_79B9_7F4A_7C15 : seed
    }

    mutating func next() -> String {
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        let value = state
        return String(unsafeUninitializedCapacity: 16) { hex in  // 16 lowercase hex digits, zero-padded
            for i in 0..<16 {
                let nibble = UInt8(truncatingIfNeeded: value >> (60 - 4 * i)) & 0x0F
                hex[i] = nibble < 10 ? 0x30 + nibble : 0x57 + nibble
            }
            return 16
        }
    }

    /// A client's id is echoed when it is 1...128 bytes of `[A-Za-z0-9._:-]`.
    static func isSane(_ id: String) -> Bool {
        let utf8 = id.utf8
        guard !utf8.isEmpty, utf8.count <= 128 else { return false }
        return utf8.allSatisfy { b in
            (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A)
                || b == UInt8(ascii: "-") || b == UInt8(ascii: "_") || b == UInt8(ascii: ".") || b == UInt8(ascii: ":")
        }
    }
}
