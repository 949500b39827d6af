import Foundation

/// Go's `time.ParseDuration`, which GoTrue's `ban_duration` takes ("24h", "1h30m", "-1.5h", "0", "300ms"), with
/// Go's own error texts so an admin client sees the message it would from GoTrue.
public enum GoDuration {
    public struct ParseError: Error, Equatable, CustomStringConvertible {
        public let description: String
    }

    private static let units: [(String, Double)] = [
        ("ns", 1e-9), ("us", 1e-6), ("µs", 1e-6), ("μs", 1e-6), ("ms", 1e-3), ("s", 1), ("m", 60), ("h", 3600),
    ]

    /// Seconds, or Go's error (`time: invalid duration "abc"`, `time: missing unit in duration "10"`,
    /// `time: unknown unit "d" in duration "1d"`).
    public static func parse(_ text: String) throws(ParseError) -> TimeInterval {
        let quoted = "\"\(text)\""
        var rest = Substring(text)
        var sign = 1.0
        if let first = rest.first, first == "-" || first == "+" {
            sign = first == "-" ? -1 : 1
            rest = rest.dropFirst()
        }
        if rest == "0" { return 0 }
        guard !rest.isEmpty else { throw ParseError(description: "time: invalid duration \(quoted)") }
        var total = 0.0
        while !rest.isEmpty {
            let number = rest.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
            guard !number.isEmpty, number != ".", number.filter({ $0 == "." }).count <= 1, let value = Double(number) else {
                throw ParseError(description: "time: invalid duration \(quoted)")
            }
            rest = rest.dropFirst(number.count)
            let unit = rest.prefix { !($0.isASCII && ($0.isNumber || $0 == ".")) }
            guard !unit.isEmpty else { throw ParseError(description: "time: missing unit in duration \(quoted)") }
            guard let scale = units.first(where: { $0.0 == unit })?.1 else {
                throw ParseError(description: "time: unknown unit \"\(unit)\" in duration \(quoted)")
            }
            rest = rest.dropFirst(unit.count)
            total += value * scale
        }
        // Go's durations are int64 nanoseconds: about 292 years either way.
        guard total <= 9.2e9 else { throw ParseError(description: "time: invalid duration \(quoted)") }
        return sign * total
    }
}
