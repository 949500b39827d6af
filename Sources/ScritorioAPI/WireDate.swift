import Foundation
import ScritorioModels

/// Timestamps on the wire look like GoTrue's: `2024-05-16T12:35:21.836377Z` (UTC, microseconds).
public enum WireDate {
    /// Formats `date` with microsecond precision in UTC. Plain arithmetic (no Calendar, no format strings):
    /// a member or user answer formats several of these per request.
    public static func format(_ date: Date) -> String {
        let micros = Int64((date.timeIntervalSince1970 * 1_000_000).rounded())
        let seconds = micros.quotient(dividingBy: 1_000_000)
        let fraction = Int(micros - seconds * 1_000_000)
        let days = seconds.quotient(dividingBy: 86_400)
        let secondOfDay = Int(seconds - days * 86_400)
        // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
        let z = days + 719_468
        let era = z.quotient(dividingBy: 146_097)
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = Int(doy - (153 * mp + 2) / 5 + 1)
        let month = Int(mp < 10 ? mp + 3 : mp - 9)
        let year = Int(yoe + era * 400 + (month <= 2 ? 1 : 0))
        var out: [UInt8] = []
        out.reserveCapacity(27)
        func digits(_ value: Int, _ width: Int) {
            var divisor = 1
            for _ in 1..<width { divisor *= 10 }
            var rest = value
            while divisor > 0 {
                out.append(UInt8(48 + (rest / divisor) % 10))
                rest %= divisor
                divisor /= 10
            }
        }
        digits(year, 4); out.append(45); digits(month, 2); out.append(45); digits(day, 2); out.append(84)
        digits(secondOfDay / 3600, 2); out.append(58); digits(secondOfDay / 60 % 60, 2); out.append(58)
        digits(secondOfDay % 60, 2); out.append(46); digits(fraction, 6); out.append(90)
        return String(decoding: out, as: UTF8.self)
    }

    /// Parses RFC 3339 with any number of fractional digits.
    public static func parse(_ text: String) -> Date? { RFC3339.parse(text) }
}

extension Int64 {
    /// Floor division (rounds towards negative infinity), so times before 1970 format correctly.
    fileprivate func quotient(dividingBy divisor: Int64) -> Int64 {
        let q = self / divisor
        return (self % divisor < 0) ? q - 1 : q
    }
}
