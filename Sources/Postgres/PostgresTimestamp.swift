import Foundation

/// Converts `Date` to and from PostgreSQL's timestamp text, without locale-dependent formatters.
///
/// Output is RFC 3339 in UTC with milliseconds (`2024-05-06T07:08:09.123Z`); input is the
/// server's ISO DateStyle output (`2024-05-06 07:08:09.123456+00`, any offset, optional ` BC`)
/// and RFC 3339. Both are proleptic Gregorian, as PostgreSQL is.
enum PostgresTimestamp {
    private static let millisecondsPerDay: Int64 = 86_400_000
    /// Beyond this a `Date` cannot be a PostgreSQL timestamp (its range ends in year 294276).
    private static let limitMilliseconds: Double = 9.2e15

    static func format(_ date: Date) -> String {
        let milliseconds = (date.timeIntervalSince1970 * 1000).rounded()
        guard milliseconds.isFinite, abs(milliseconds) < limitMilliseconds else {
            // The server rejects "NaN"; infinities have their own spelling.
            if milliseconds.isNaN { return "NaN" }
            return milliseconds < 0 ? "-infinity" : "infinity"
        }
        let total = Int64(milliseconds)
        let days = floorDivide(total, millisecondsPerDay)
        let msOfDay = total - days * millisecondsPerDay
        let (year, month, day) = civilDate(fromDays: days)
        let hour = msOfDay / 3_600_000
        let minute = msOfDay / 60_000 % 60
        let second = msOfDay / 1000 % 60
        let millisecond = msOfDay % 1000
        let time = "\(pad(hour, 2)):\(pad(minute, 2)):\(pad(second, 2)).\(pad(millisecond, 3))"
        if year <= 0 {
            // Astronomical year 0 is 1 BC; RFC 3339 cannot say it, PostgreSQL's own form can.
            return "\(pad(1 - year, 4))-\(pad(month, 2))-\(pad(day, 2)) \(time)+00 BC"
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(time)Z"
    }

    static func parse(_ text: String) -> Date? {
        var scanner = ByteScanner(Array(text.utf8))
        guard let yearDigits = scanner.digits(minimum: 4, maximum: 7), scanner.skip("-"),
            let month = scanner.digits(exactly: 2), scanner.skip("-"),
            let day = scanner.digits(exactly: 2),
            (1...12).contains(month), (1...31).contains(day)
        else { return nil }
        var secondsOfDay: Double = 0
        var offsetSeconds = 0
        if scanner.skip(" ") || scanner.skip("T") {
            guard let hour = scanner.digits(exactly: 2), scanner.skip(":"),
                let minute = scanner.digits(exactly: 2), scanner.skip(":"),
                let second = scanner.digits(exactly: 2),
                hour <= 24, minute <= 59, second <= 60
            else { return nil }
            secondsOfDay = Double(hour * 3600 + minute * 60 + second)
            if scanner.skip(".") {
                guard let fraction = scanner.fraction() else { return nil }
                secondsOfDay += fraction
            }
            if scanner.skip("Z") {
                offsetSeconds = 0
            } else if let sign = scanner.sign() {
                guard let offsetHours = scanner.digits(exactly: 2) else { return nil }
                var offset = offsetHours * 3600
                if scanner.skip(":") {
                    guard let offsetMinutes = scanner.digits(exactly: 2) else { return nil }
                    offset += offsetMinutes * 60
                    if scanner.skip(":") {
                        guard let offsetSecs = scanner.digits(exactly: 2) else { return nil }
                        offset += offsetSecs
                    }
                }
                offsetSeconds = sign * offset
            }
        }
        let isBC = scanner.skip(" BC")
        guard scanner.isAtEnd else { return nil }
        let year = isBC ? 1 - yearDigits : yearDigits
        let days = daysFromCivil(year: Int64(year), month: Int64(month), day: Int64(day))
        // A date such as 31 April or 29 February of a common year does not survive the round trip.
        guard civilDate(fromDays: days) == (Int64(year), Int64(month), Int64(day)) else { return nil }
        let seconds = Double(days) * 86_400 + secondsOfDay - Double(offsetSeconds)
        return Date(timeIntervalSince1970: seconds)
    }

    // MARK: Calendar arithmetic (Howard Hinnant's days-from-civil algorithms)

    static func civilDate(fromDays days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468
        let era = floorDivide(z, 146_097)
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (year, month, day)
    }

    static func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = floorDivide(y, 400)
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    private static func floorDivide(_ a: Int64, _ b: Int64) -> Int64 {
        a >= 0 ? a / b : (a - b + 1) / b
    }

    private static func pad<N: BinaryInteger>(_ value: N, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}

/// A cursor over ASCII bytes for the small fixed grammars above.
private struct ByteScanner {
    private let bytes: [UInt8]
    private var index = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var isAtEnd: Bool { index == bytes.count }

    mutating func skip(_ literal: String) -> Bool {
        let expected = Array(literal.utf8)
        guard bytes.count - index >= expected.count,
            bytes[index..<index + expected.count].elementsEqual(expected)
        else { return false }
        index += expected.count
        return true
    }

    mutating func digits(exactly count: Int) -> Int? { digits(minimum: count, maximum: count) }

    mutating func digits(minimum: Int, maximum: Int) -> Int? {
        var value = 0
        var count = 0
        while index < bytes.count, count < maximum, let digit = Self.digit(bytes[index]) {
            value = value * 10 + digit
            count += 1
            index += 1
        }
        return count >= minimum ? value : nil
    }

    /// Digits after a decimal point, as a fraction of one.
    mutating func fraction() -> Double? {
        var value = 0.0
        var scale = 1.0
        var count = 0
        while index < bytes.count, let digit = Self.digit(bytes[index]) {
            scale /= 10
            value += Double(digit) * scale
            count += 1
            index += 1
        }
        return count > 0 ? value : nil
    }

    mutating func sign() -> Int? {
        if skip("+") { return 1 }
        if skip("-") { return -1 }
        return nil
    }

    private static func digit(_ byte: UInt8) -> Int? {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) ? Int(byte - UInt8(ascii: "0")) : nil
    }
}
