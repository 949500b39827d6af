import Foundation

/// RFC 3339 timestamps as providers send them: fractions of 0–9 digits (Paddle 6, Lemon Squeezy 6, others 3 or
/// 9) and `Z` or a numeric offset. Foundation's ISO 8601 parsers reject some of these, so this one is explicit.
public enum RFC3339 {
    public static func parse(_ text: String) -> Date? {
        let chars = Array(text.utf8)
        func number(_ start: Int, _ count: Int) -> Int? {
            guard start + count <= chars.count else { return nil }
            var value = 0
            for byte in chars[start..<start + count] {
                guard (48...57).contains(byte) else { return nil }
                value = value * 10 + Int(byte - 48)
            }
            return value
        }
        guard chars.count >= 20, let year = number(0, 4), chars[4] == 45, let month = number(5, 2), chars[7] == 45,
            let day = number(8, 2), [84, 116, 32].contains(chars[10]), let hour = number(11, 2), chars[13] == 58,
            let minute = number(14, 2), chars[16] == 58, let second = number(17, 2),
            (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61
        else { return nil }
        var index = 19
        var fraction = 0.0
        if index < chars.count, chars[index] == 46 {
            index += 1
            var scale = 0.1
            let start = index
            while index < chars.count, (48...57).contains(chars[index]) {
                fraction += Double(chars[index] - 48) * scale
                scale /= 10
                index += 1
            }
            guard index > start else { return nil }
        }
        guard index < chars.count else { return nil }
        var offset = 0
        switch chars[index] {
        case 90, 122:
            guard index + 1 == chars.count else { return nil }
        case 43, 45:
            guard index + 6 == chars.count, let oh = number(index + 1, 2), chars[index + 3] == 58,
                let om = number(index + 4, 2)
            else { return nil }
            offset = (oh * 3600 + om * 60) * (chars[index] == 43 ? 1 : -1)
        default:
            return nil
        }
        // Days from the civil date (Howard Hinnant's algorithm), so no Calendar is needed.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        let days = era * 146_097 + doe - 719_468
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset
        return Date(timeIntervalSince1970: TimeInterval(seconds) + fraction)
    }
}
