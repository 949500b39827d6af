import Foundation

/// A user's current usage periods: the day and month the AI quota and the member's counters (`tokens_today`,
/// `words_this_month`, …) count in. Days and months start at the user's anchor, the account's creation (its time of
/// day, and its day of the month, clamped to the month's length), so a period never depends on when the first
/// request came, and `member-get`'s `todayResetAt` is the same moment as `/v1/me/usage`'s `day.start`.
public struct UsagePeriods: Sendable, Hashable, Codable {
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
        let today = Self.civil(days: Int(floor(nowSeconds / 86_400)))
        var year = today.year
        var month = today.month
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

    /// The start of the month period after the one starting at `start`, when only that start is known (a client
    /// holding a member record): the same day of the month and time, except that a start on a month's last day may
    /// be a clamped anchor (the 31st starting February's period on the 28th), so the next start is then the next
    /// month's last day. That can be later than the truth (an anchor on the 29th starting February's period on the
    /// 28th), never earlier: counters are never taken for ended while their month lasts.
    public static func monthEnd(afterStart start: Date) -> Date {
        let seconds = Int(floor(start.timeIntervalSince1970))
        let startDays = Int(floor(Double(seconds) / 86_400))
        let timeOfDay = seconds - startDays * 86_400
        let date = civil(days: startDays)
        var year = date.year
        var month = date.month + 1
        if month == 13 { month = 1; year += 1 }
        let lastDay = date.day == daysIn(year: date.year, month: date.month)
        let day = lastDay ? daysIn(year: year, month: month) : min(date.day, daysIn(year: year, month: month))
        return Date(timeIntervalSince1970: Double(days(year: year, month: month, day: day) * 86_400 + timeOfDay))
    }

    static func monthStart(year: Int, month: Int, anchor: Date) -> Date {
        let seconds = Int(floor(anchor.timeIntervalSince1970))
        let anchorDays = Int(floor(Double(seconds) / 86_400))
        let timeOfDay = seconds - anchorDays * 86_400
        let day = min(civil(days: anchorDays).day, daysIn(year: year, month: month))
        return Date(timeIntervalSince1970: Double(days(year: year, month: month, day: day) * 86_400 + timeOfDay))
    }

    // Proleptic Gregorian calendar arithmetic in UTC (H. Hinnant's days_from_civil / civil_from_days): the same
    // dates Foundation's Calendar gives, without its cost on every request.

    static func days(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    static func civil(days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    static func daysIn(year: Int, month: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}
