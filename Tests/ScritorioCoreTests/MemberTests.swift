import Foundation
import ScritorioCore
import Testing

@Suite("Members and usage periods")
struct MemberTests {
    let id = UserID("5f8b0c1e-0000-4000-8000-000000000001")!

    @Test func newFreeMember() {
        let now = Fixture.march15  // 2026-03-15T13:45:00Z
        let member = Member.newFree(id: id, now: now)
        #expect(member.id == id)
        #expect(member.type == "user")
        #expect(member.plan == .free)
        #expect(!member.isOnTrial)
        #expect(member.trialEndsAt == nil)
        #expect(member.counters == UsageCounters())
        #expect(member.counters.wordsToday == 0 && member.counters.wordsThisMonth == 0 && member.counters.wordsTotal == 0)
        #expect(member.counters.tokensToday == 0 && member.counters.tokensThisMonth == 0 && member.counters.tokensTotal == 0)
        // A new account's day and month start at its creation.
        #expect(member.todayResetAt == now)
        #expect(member.thisMonthResetAt == now)
        #expect(member.createdAt == now)
        #expect(member.updatedAt == now)
        #expect(!member.isPaying)
    }

    @Test("a member of an older account starts its counters at the account's time of day and day of the month")
    func anchoredMember() {
        let anchor = Fixture.utcDate(2026, 1, 31, 18, 30)
        let member = Member.newFree(id: id, anchor: anchor, now: Fixture.utcDate(2026, 2, 14, 9))
        #expect(member.todayResetAt == Fixture.utcDate(2026, 2, 13, 18, 30))
        // January 31st's month period starts on February's last day.
        #expect(member.thisMonthResetAt == Fixture.utcDate(2026, 1, 31, 18, 30))
        let march = Member.newFree(id: id, anchor: anchor, now: Fixture.utcDate(2026, 3, 1, 12))
        #expect(march.thisMonthResetAt == Fixture.utcDate(2026, 2, 28, 18, 30))
    }

    @Test("current(in:) reads the counters of an ended day or month as zero and moves the marks to the current period")
    func rollOver() {
        let anchor = Fixture.utcDate(2026, 1, 10, 6)
        var member = Member.newFree(id: id, anchor: anchor, now: Fixture.utcDate(2026, 3, 15, 7))
        member.counters.tokensToday = 5
        member.counters.wordsToday = 6
        member.counters.tokensThisMonth = 50
        member.counters.wordsThisMonth = 60
        member.counters.tokensTotal = 500
        // Same day: unchanged.
        let sameDay = Fixture.utcDate(2026, 3, 16, 5, 59, 59)
        #expect(member.current(in: UsagePeriods(anchor: anchor, now: sameDay)) == member)
        // The next day (at the anchor's time of day, not at midnight): today's counters reset, the month's kept.
        let nextDay = member.current(in: UsagePeriods(anchor: anchor, now: Fixture.utcDate(2026, 3, 16, 6)))
        #expect(nextDay.todayResetAt == Fixture.utcDate(2026, 3, 16, 6) && nextDay.thisMonthResetAt == member.thisMonthResetAt)
        #expect(nextDay.counters.tokensToday == 0 && nextDay.counters.wordsToday == 0)
        #expect(nextDay.counters.tokensThisMonth == 50 && nextDay.counters.wordsThisMonth == 60 && nextDay.counters.tokensTotal == 500)
        // The next month period (the 10th at 06:00): both reset, the total kept.
        let nextMonth = member.current(in: UsagePeriods(anchor: anchor, now: Fixture.utcDate(2026, 4, 10, 6)))
        #expect(nextMonth.thisMonthResetAt == Fixture.utcDate(2026, 4, 10, 6))
        #expect(nextMonth.counters.tokensThisMonth == 0 && nextMonth.counters.wordsThisMonth == 0 && nextMonth.counters.tokensTotal == 500)
        // Marks already past the period (a clock that went back) are left as they are.
        #expect(member.current(in: UsagePeriods(anchor: anchor, now: Fixture.utcDate(2026, 3, 1))) == member)
    }

    @Test("the end of a month period from its start alone is never earlier than the truth")
    func monthEndFromStart() {
        // Mid-month: the same day of the next month.
        #expect(UsagePeriods.monthEnd(afterStart: Fixture.utcDate(2026, 3, 15, 13)) == Fixture.utcDate(2026, 4, 15, 13))
        // The 31st of a 31-day month: possibly the anchor, possibly clamped; the next month's last day.
        #expect(UsagePeriods.monthEnd(afterStart: Fixture.utcDate(2026, 3, 31, 8)) == Fixture.utcDate(2026, 4, 30, 8))
        // February's last day (an anchor on the 28th-31st): the last day of March, as a 31st anchor has it.
        #expect(UsagePeriods.monthEnd(afterStart: Fixture.utcDate(2026, 2, 28)) == Fixture.utcDate(2026, 3, 31))
        // Across the year.
        #expect(UsagePeriods.monthEnd(afterStart: Fixture.utcDate(2026, 12, 5)) == Fixture.utcDate(2027, 1, 5))
        // Whatever the anchor, the end computed from the anchored start is at or after the true end.
        for day in 1...31 {
            let anchor = Fixture.utcDate(2025, 1, day, 9)
            for month in 1...12 {
                let periods = UsagePeriods(anchor: anchor, now: Fixture.utcDate(2026, month, 15).addingTimeInterval(Double(day) * 3_600))
                #expect(UsagePeriods.monthEnd(afterStart: periods.monthStart) >= periods.monthEnd)
            }
        }
    }

    @Test func isPayingIsAnythingButFree() {
        var member = Member.newFree(id: id, now: Fixture.march15)
        #expect(!member.isPaying)
        member.plan = .pro
        #expect(member.isPaying)
        member.plan = .unknown("enterprise")
        #expect(member.isPaying)
        member.plan = MemberPlan(rawValue: "free")
        #expect(!member.isPaying)
    }

    @Test func planRawValues() {
        #expect(MemberPlan(rawValue: "free") == .free)
        #expect(MemberPlan(rawValue: "pro") == .pro)
        #expect(MemberPlan(rawValue: "enterprise") == .unknown("enterprise"))
        #expect(MemberPlan(rawValue: "Pro") == .unknown("Pro"), "plans are case-sensitive")
        #expect(MemberPlan.unknown("enterprise").rawValue == "enterprise")
        #expect(MemberPlan.pro.description == "pro")
    }

    @Test func planCodableKeepsUnknownValues() throws {
        let plans = try decodeJSON([MemberPlan].self, #"["free","pro","enterprise",""]"#)
        #expect(plans == [.free, .pro, .unknown("enterprise"), .unknown("")])
        #expect(try encodeJSON(plans) == #"["free","pro","enterprise",""]"#)
        #expect(throws: (any Error).self) { try decodeJSON(MemberPlan.self, "1") }
    }

    @Test func usageCountersCodable() throws {
        var counters = UsageCounters()
        counters.wordsTotal = 12
        counters.tokensToday = 3
        let decoded = try decodeJSON(UsageCounters.self, try encodeJSON(counters))
        #expect(decoded == counters)
        #expect(decoded != UsageCounters())
    }
}
