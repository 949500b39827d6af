import Foundation
import ScritorioCore

/// Timestamps on the wire look like GoTrue's: `2024-05-16T12:35:21.836377Z` (UTC, microseconds).
public enum WireDate {
    /// Formats `date` with microsecond precision in UTC.
    public static func format(_ date: Date) -> String {
        let micros = Int64((date.timeIntervalSince1970 * 1_000_000).rounded())
        let seconds = micros.quotient(dividingBy: 1_000_000)
        let fraction = micros - seconds * 1_000_000
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents(
            [.year, .month, .day, .hour, .minute, .second], from: Date(timeIntervalSince1970: TimeInterval(seconds)))
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", parts.year ?? 1970, parts.month ?? 1, parts.day ?? 1,
            parts.hour ?? 0, parts.minute ?? 0, parts.second ?? 0, Int(fraction))
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
