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
        #expect(member.todayResetAt == Date(timeIntervalSince1970: 1_773_532_800))  // 2026-03-15T00:00:00Z
        #expect(member.thisMonthResetAt == Date(timeIntervalSince1970: 1_772_323_200))  // 2026-03-01T00:00:00Z
        #expect(member.createdAt == now)
        #expect(member.updatedAt == now)
        #expect(!member.isPaying)
    }

    @Test func usagePeriodsAreUTCRegardlessOfTheDayBoundaries() {
        // Just before midnight UTC on the last day of a month (a time zone east of UTC would already be in April).
        let lastSecond = Fixture.utcDate(2026, 3, 31, 23, 59, 59)
        let periods = UsagePeriods(now: lastSecond)
        #expect(periods.dayStart == Fixture.utcDate(2026, 3, 31))
        #expect(periods.monthStart == Fixture.utcDate(2026, 3, 1))

        let midnight = Fixture.utcDate(2026, 4, 1)
        #expect(UsagePeriods(now: midnight) == UsagePeriods(now: midnight.addingTimeInterval(3600)))
        #expect(UsagePeriods(now: midnight).dayStart == midnight)
        #expect(UsagePeriods(now: midnight).monthStart == midnight)

        // Leap day, and the turn of the year.
        #expect(UsagePeriods(now: Fixture.utcDate(2028, 2, 29, 12)).monthStart == Fixture.utcDate(2028, 2, 1))
        #expect(UsagePeriods(now: Fixture.utcDate(2026, 1, 1, 0, 0, 1)).monthStart == Fixture.utcDate(2026, 1, 1))
        #expect(UsagePeriods(now: Fixture.utcDate(2025, 12, 31, 23)).monthStart == Fixture.utcDate(2025, 12, 1))
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
