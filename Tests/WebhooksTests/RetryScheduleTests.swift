import Foundation
import Testing
import Webhooks

/// API.md section 7: retries after the schedule's delays with +-20 % jitter, `failed` after the
/// last; a `Retry-After` (seconds or an HTTP date) is honoured when later than the schedule.
@Suite("Webhook retry schedule and Retry-After")
struct RetryScheduleTests {
    static func httpDate(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        return formatter.string(from: date)
    }

    @Test("the standard schedule is API.md's: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h")
    func standard() {
        #expect(RetrySchedule.standard.delays == [5, 300, 1_800, 7_200, 18_000, 36_000, 36_000])
        let schedule = RetrySchedule.standard
        for (index, base) in schedule.delays.enumerated() {
            #expect(schedule.delay(afterAttempt: index + 1, retryAfter: nil, jitter: 0) == Double(base))
        }
        #expect(schedule.delay(afterAttempt: 8, retryAfter: nil, jitter: 0) == nil, "eight attempts, then failed")
    }

    @Test("without jitter the delay is the schedule's; jitter scales it by at most 20 % either way")
    func jitterBounds() throws {
        let schedule = RetrySchedule(delays: [10, 100, 1_000])
        #expect(schedule.delay(afterAttempt: 1, retryAfter: nil, jitter: 0) == 10)
        #expect(schedule.delay(afterAttempt: 2, retryAfter: nil, jitter: 0) == 100)
        #expect(schedule.delay(afterAttempt: 3, retryAfter: nil, jitter: 0) == 1_000)
        let low = try #require(schedule.delay(afterAttempt: 2, retryAfter: nil, jitter: -1))
        let high = try #require(schedule.delay(afterAttempt: 2, retryAfter: nil, jitter: 1))
        #expect(abs(low - 80) < 1e-9 && abs(high - 120) < 1e-9)
        // Out-of-range jitter is clamped.
        #expect(abs(try #require(schedule.delay(afterAttempt: 2, retryAfter: nil, jitter: 7)) - 120) < 1e-9)
        #expect(abs(try #require(schedule.delay(afterAttempt: 2, retryAfter: nil, jitter: -7)) - 80) < 1e-9)
        var seen: [Double] = []
        for _ in 0..<2_000 {
            let delay = try #require(schedule.delay(afterAttempt: 3, retryAfter: nil, jitter: Double.random(in: -1...1)))
            #expect(delay >= 800 - 1e-9 && delay <= 1_200 + 1e-9, "\(delay)")
            seen.append(delay)
        }
        #expect(Set(seen.map { Int($0) }).count > 100, "the jitter spreads the delays")
        #expect(seen.contains { $0 < 1_000 } && seen.contains { $0 > 1_000 })
    }

    @Test("nil after the last attempt, and for attempt numbers out of range")
    func afterTheLast() {
        let schedule = RetrySchedule(delays: [1, 1])
        #expect(schedule.delay(afterAttempt: 1, retryAfter: nil, jitter: 0) == 1)
        #expect(schedule.delay(afterAttempt: 2, retryAfter: nil, jitter: 0) == 1)
        #expect(schedule.delay(afterAttempt: 3, retryAfter: nil, jitter: 0) == nil)
        #expect(schedule.delay(afterAttempt: 3, retryAfter: 60, jitter: 0) == nil, "Retry-After does not add attempts")
        #expect(schedule.delay(afterAttempt: 0, retryAfter: nil, jitter: 0) == nil)
        #expect(schedule.delay(afterAttempt: -1, retryAfter: nil, jitter: 0) == nil)
        #expect(RetrySchedule(delays: []).delay(afterAttempt: 1, retryAfter: nil, jitter: 0) == nil, "no retries at all")
    }

    @Test("Retry-After is a floor: later than the schedule wins, sooner does not")
    func retryAfterFloor() throws {
        let schedule = RetrySchedule(delays: [10, 100])
        #expect(schedule.delay(afterAttempt: 1, retryAfter: 50, jitter: 0) == 50)
        #expect(schedule.delay(afterAttempt: 1, retryAfter: 50, jitter: 1) == 50)
        #expect(schedule.delay(afterAttempt: 1, retryAfter: 5, jitter: 0) == 10)
        #expect(schedule.delay(afterAttempt: 1, retryAfter: 0, jitter: -1) == 8)
        #expect(schedule.delay(afterAttempt: 2, retryAfter: 110, jitter: 1) == 120, "the jittered schedule is later")
        #expect(schedule.delay(afterAttempt: 2, retryAfter: 110, jitter: -1) == 110)
        for _ in 0..<200 {
            let delay = try #require(schedule.delay(afterAttempt: 1, retryAfter: 3_600, jitter: Double.random(in: -1...1)))
            #expect(delay == 3_600)
        }
    }

    @Test("Retry-After as delta seconds")
    func deltaSeconds() {
        #expect(RetrySchedule.retryAfterSeconds("120") == 120)
        #expect(RetrySchedule.retryAfterSeconds("0") == 0)
        #expect(RetrySchedule.retryAfterSeconds(" 3 ") == 3)
        #expect(RetrySchedule.retryAfterSeconds("3") == 3)
        // Capped at a week: a receiver cannot park a delivery for ever.
        #expect(RetrySchedule.retryAfterSeconds("99999999") == 7 * 86_400)
    }

    @Test("Retry-After as an HTTP date, relative to now")
    func httpDateValue() throws {
        let now = Date(timeIntervalSince1970: 1_700_000_000)  // Tue, 14 Nov 2023 22:13:20 GMT
        #expect(RetrySchedule.retryAfterSeconds("Tue, 14 Nov 2023 22:14:50 GMT", now: now) == 90)
        #expect(RetrySchedule.retryAfterSeconds(Self.httpDate(now.addingTimeInterval(3_600)), now: now) == 3_600)
        #expect(RetrySchedule.retryAfterSeconds(Self.httpDate(now), now: now) == 0)
        #expect(RetrySchedule.retryAfterSeconds(Self.httpDate(now.addingTimeInterval(-600)), now: now) == 0, "a past date: now")
        #expect(RetrySchedule.retryAfterSeconds(Self.httpDate(now.addingTimeInterval(30 * 86_400)), now: now) == 7 * 86_400)
        // The specification's example date.
        let example = try #require(
            ISO8601DateFormatter().date(from: "2015-10-21T07:27:30Z"))
        #expect(RetrySchedule.retryAfterSeconds("Wed, 21 Oct 2015 07:28:00 GMT", now: example) == 30)
        // A fraction of a second before the date rounds up, never sooner.
        #expect(RetrySchedule.retryAfterSeconds("Tue, 14 Nov 2023 22:13:22 GMT", now: now.addingTimeInterval(0.5)) == 2)
    }

    @Test(
        "absent or unreadable Retry-After is nil",
        arguments: [
            nil, "", "   ", "soon", "-5", "1.5", "3s", "0x10", "Tomorrow", "2023-11-14T22:14:50Z", "Tue, 14 Nov 2023",
            "Tue, 32 Nov 2023 22:14:50 GMT",
        ] as [String?])
    func garbage(_ value: String?) {
        #expect(RetrySchedule.retryAfterSeconds(value, now: Date(timeIntervalSince1970: 1_700_000_000)) == nil, "\(value ?? "nil")")
    }
}
