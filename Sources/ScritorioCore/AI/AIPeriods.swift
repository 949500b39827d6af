import Foundation

/// The user's current quota periods. Days and months start at the user's anchor (its time of day, and its day
/// of the month, clamped to the month's length), so a period never depends on when the first request came.
public struct AIPeriods: Sendable, Hashable {
    public var dayStart: Date
    public var dayEnd: Date
    public var monthStart: Date
    public var monthEnd: Date
    public var minuteStart: Date

    public init(dayStart: Date, dayEnd: Date, monthStart: Date, monthEnd: Date, minuteStart: Date) {
        self.dayStart = dayStart
        self.dayEnd = dayEnd
        self.monthStart = monthStart
        self.monthEnd = monthEnd
        self.minuteStart = minuteStart
    }

    private static let calendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()

    /// The periods containing `now` for a user anchored at `anchor` (whole seconds are used).
    public init(anchor: Date, now: Date) {
        let anchor = Date(timeIntervalSince1970: floor(anchor.timeIntervalSince1970))
        let nowSeconds = floor(now.timeIntervalSince1970)
        // Day: the anchor's time of day, every 86 400 s (UTC has no daylight saving).
        let secondOfDay = anchor.timeIntervalSince1970.truncatingRemainder(dividingBy: 86_400)
        let dayStart = floor((nowSeconds - secondOfDay) / 86_400) * 86_400 + secondOfDay
        self.dayStart = Date(timeIntervalSince1970: dayStart)
        self.dayEnd = Date(timeIntervalSince1970: dayStart + 86_400)
        self.minuteStart = Date(timeIntervalSince1970: floor(nowSeconds / 60) * 60)
        // Month: the anchor's day of month and time, clamped (an anchor on the 31st starts February's period on the 28th/29th).
        let parts = Self.calendar.dateComponents([.year, .month], from: Date(timeIntervalSince1970: nowSeconds))
        var year = parts.year ?? 1970
        var month = parts.month ?? 1
        var start = Self.monthStart(year: year, month: month, anchor: anchor)
        if start.timeIntervalSince1970 > nowSeconds {
            month -= 1
            if month == 0 { month = 12; year -= 1 }
            start = Self.monthStart(year: year, month: month, anchor: anchor)
        }
        var nextMonth = month + 1
        var nextYear = year
        if nextMonth == 13 { nextMonth = 1; nextYear += 1 }
        self.monthStart = start
        self.monthEnd = Self.monthStart(year: nextYear, month: nextMonth, anchor: anchor)
    }

    static func monthStart(year: Int, month: Int, anchor: Date) -> Date {
        let a = calendar.dateComponents([.day, .hour, .minute, .second], from: anchor)
        let first = calendar.date(from: DateComponents(year: year, month: month, day: 1))!
        let days = calendar.range(of: .day, in: .month, for: first)?.count ?? 28
        let day = min(a.day ?? 1, days)
        return calendar.date(from: DateComponents(
            year: year, month: month, day: day, hour: a.hour ?? 0, minute: a.minute ?? 0, second: a.second ?? 0))!
    }
}
