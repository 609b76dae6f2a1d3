import Foundation

/// When a failed delivery is tried again (API.md section 7): the schedule's delay for the attempt,
/// with +-20 % jitter, and never sooner than a `Retry-After` the receiver sent with 429 or 503.
public struct RetrySchedule: Sendable, Equatable {
    /// Delays in seconds after the first, second, ... failed attempt; after the last, `failed`.
    public let delays: [Int]

    /// API.md's default: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h.
    public static let standard = RetrySchedule(delays: [5, 300, 1_800, 7_200, 18_000, 36_000, 36_000])

    public init(delays: [Int]) { self.delays = delays }

    /// The delay after failed attempt number `attempt` (1-based) of a round, or nil when that was
    /// the last one. `jitter` in -1...1 scales the +-20 %.
    public func delay(afterAttempt attempt: Int, retryAfter: Int?, jitter: Double) -> Double? {
        guard attempt >= 1, attempt <= delays.count else { return nil }
        let base = Double(delays[attempt - 1])
        let jittered = base * (1 + 0.2 * max(-1, min(1, jitter)))
        return max(jittered, Double(retryAfter ?? 0))
    }

    /// `Retry-After` as delta-seconds or an HTTP date, in seconds from `now`; nil when absent or unreadable.
    public static func retryAfterSeconds(_ value: String?, now: Date = Date()) -> Int? {
        guard let value = value?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        if let seconds = Int(value), seconds >= 0 { return min(seconds, 7 * 86_400) }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        guard let date = formatter.date(from: value) else { return nil }
        return max(0, min(Int(date.timeIntervalSince(now).rounded(.up)), 7 * 86_400))
    }
}
