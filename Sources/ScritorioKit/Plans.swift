import Foundation
import ScritorioAPI
import ScritorioModels

/// The plan an app shows (the seed's `EffectivePlan`): the member's plan, `community` when there is no member,
/// `enterprise` when the user's preferences say so.
public enum EffectivePlan: Sendable, Hashable, CustomStringConvertible {
    /// The free member plan.
    case free
    /// The paid plan.
    case pro
    /// No member yet (signed out, or member-init has not run).
    case community
    /// The user is on an enterprise arrangement (set in the app's preferences).
    case enterprise
    /// A plan code this SDK does not know.
    case other(String)

    /// The plan of a member's `plan` field.
    public init(memberPlan: String) {
        switch memberPlan {
        case "free": self = .free
        case "pro": self = .pro
        case "community": self = .community
        case "enterprise": self = .enterprise
        default: self = .other(memberPlan)
        }
    }

    /// The plan's code (`free`, `pro`, …).
    public var description: String {
        switch self {
        case .free: "free"
        case .pro: "pro"
        case .community: "community"
        case .enterprise: "enterprise"
        case .other(let code): code
        }
    }

    /// The seed's `getEffectivePlan`: enterprise by preference, else the member's plan, else community.
    public static func of(member: MemberDTO?, isEnterprise: Bool = false) -> EffectivePlan {
        if isEnterprise { return .enterprise }
        return member.map { EffectivePlan(memberPlan: $0.plan) } ?? .community
    }
}

extension MemberDTO {
    /// The seed's `getIsPaying`: a member whose plan is anything but `free`.
    public var isPaying: Bool { plan != "free" }
}

/// Word and token allowances of one plan; `nil` means unlimited.
public struct PlanLimits: Sendable, Equatable, Codable {
    /// Words per day.
    public var wordsPerDay: Int64?
    /// Words per month.
    public var wordsPerMonth: Int64?
    /// AI tokens per day.
    public var tokensPerDay: Int64?
    /// AI tokens per month.
    public var tokensPerMonth: Int64?

    /// Limits from their parts.
    public init(wordsPerDay: Int64? = nil, wordsPerMonth: Int64? = nil, tokensPerDay: Int64? = nil, tokensPerMonth: Int64? = nil) {
        self.wordsPerDay = wordsPerDay
        self.wordsPerMonth = wordsPerMonth
        self.tokensPerDay = tokensPerDay
        self.tokensPerMonth = tokensPerMonth
    }

    /// No limits.
    public static let unlimited = PlanLimits()
}

/// Which allowance a member has used up.
public enum LimitExceeded: Sendable, Equatable {
    /// Daily words.
    case wordsToday(used: Int64, limit: Int64)
    /// Monthly words.
    case wordsThisMonth(used: Int64, limit: Int64)
    /// Daily AI tokens.
    case tokensToday(used: Int64, limit: Int64)
    /// Monthly AI tokens.
    case tokensThisMonth(used: Int64, limit: Int64)
}

/// The app's limits per plan (the seed's config limits), and the check `getMemberExceedsLimitByState` makes.
public struct PlanLimitTable: Sendable, Equatable {
    /// Limits by effective plan; a plan missing from the table falls back to `fallback`.
    public var limits: [EffectivePlan: PlanLimits]
    /// Limits for plans not in the table.
    public var fallback: PlanLimits

    /// A table of limits.
    public init(_ limits: [EffectivePlan: PlanLimits], fallback: PlanLimits = .unlimited) {
        self.limits = limits
        self.fallback = fallback
    }

    /// The limits of `plan`.
    public func limits(for plan: EffectivePlan) -> PlanLimits { limits[plan] ?? fallback }

    /// The first allowance `member` has reached on `plan` (a count equal to the limit is exceeded: the next word
    /// would go over), or `nil` when there is room. `todayResetAt` / `thisMonthResetAt` mark the start of the
    /// account's day and month the counters belong to (``UsagePeriods``: a day is 24 hours from its mark, a month
    /// ends on the same day of the next month); counters of a day or month that has since ended count as zero.
    public func exceeded(member: MemberDTO, plan: EffectivePlan, now: Date = Date()) -> LimitExceeded? {
        let limits = limits(for: plan)
        let dayOver = WireDate.parse(member.todayResetAt).map { now >= $0.addingTimeInterval(86_400) } ?? false
        let monthOver = WireDate.parse(member.thisMonthResetAt).map { now >= UsagePeriods.monthEnd(afterStart: $0) } ?? false
        let wordsToday = dayOver ? 0 : member.wordsToday
        let wordsMonth = monthOver ? 0 : member.wordsThisMonth
        let tokensToday = dayOver ? 0 : member.tokensToday
        let tokensMonth = monthOver ? 0 : member.tokensThisMonth
        if let limit = limits.wordsPerDay, wordsToday >= limit { return .wordsToday(used: wordsToday, limit: limit) }
        if let limit = limits.wordsPerMonth, wordsMonth >= limit { return .wordsThisMonth(used: wordsMonth, limit: limit) }
        if let limit = limits.tokensPerDay, tokensToday >= limit { return .tokensToday(used: tokensToday, limit: limit) }
        if let limit = limits.tokensPerMonth, tokensMonth >= limit { return .tokensThisMonth(used: tokensMonth, limit: limit) }
        return nil
    }
}
