import Foundation

/// A member's plan. Provider-neutral; `unknown` keeps values written by other tools instead of failing.
public enum MemberPlan: Sendable, Hashable, Codable, CustomStringConvertible {
    case free
    case pro
    case unknown(String)

    public init(rawValue: String) {
        switch rawValue {
        case "free": self = .free
        case "pro": self = .pro
        default: self = .unknown(rawValue)
        }
    }

    public var rawValue: String {
        switch self {
        case .free: "free"
        case .pro: "pro"
        case .unknown(let value): value
        }
    }

    public var description: String { rawValue }

    public init(from decoder: any Decoder) throws {
        self.init(rawValue: try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

/// Usage counters, as the seed's `members` table keeps them.
public struct UsageCounters: Sendable, Equatable, Codable {
    public var wordsToday: Int64 = 0
    public var wordsThisMonth: Int64 = 0
    public var wordsTotal: Int64 = 0
    public var tokensToday: Int64 = 0
    public var tokensThisMonth: Int64 = 0
    public var tokensTotal: Int64 = 0

    public init() {}
}

/// The seed's member record: one per user, created free by `member-init`.
public struct Member: Sendable, Equatable {
    public var id: UserID
    public var type: String
    public var plan: MemberPlan
    public var isOnTrial: Bool
    public var trialEndsAt: Date?
    public var counters: UsageCounters
    public var todayResetAt: Date
    public var thisMonthResetAt: Date
    public var createdAt: Date
    public var updatedAt: Date

    public init(
        id: UserID, type: String = "user", plan: MemberPlan, isOnTrial: Bool, trialEndsAt: Date?,
        counters: UsageCounters, todayResetAt: Date, thisMonthResetAt: Date, createdAt: Date, updatedAt: Date
    ) {
        self.id = id
        self.type = type
        self.plan = plan
        self.isOnTrial = isOnTrial
        self.trialEndsAt = trialEndsAt
        self.counters = counters
        self.todayResetAt = todayResetAt
        self.thisMonthResetAt = thisMonthResetAt
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// A new free member at `now`, counters at zero, reset marks at the start of the user's current day and month
    /// (``UsagePeriods``, anchored at `anchor`, the account's creation).
    public static func newFree(id: UserID, anchor: Date, now: Date) -> Member {
        let periods = UsagePeriods(anchor: anchor, now: now)
        return Member(
            id: id, plan: .free, isOnTrial: false, trialEndsAt: nil, counters: UsageCounters(),
            todayResetAt: periods.dayStart, thisMonthResetAt: periods.monthStart, createdAt: now, updatedAt: now)
    }

    /// A new free member of an account created at `now` (the anchor of its periods).
    public static func newFree(id: UserID, now: Date) -> Member { newFree(id: id, anchor: now, now: now) }

    /// The member as of `periods`: the counters of a day or month that has ended read as zero, and the reset marks
    /// move to the current period's start, so `todayResetAt` is always when today's counters were last reset.
    /// Counters are stored lazily (rolled over by the next write), so every read goes through this.
    public func current(in periods: UsagePeriods) -> Member {
        var member = self
        // A mark at or after the period's end belongs to a later period (a clock that went back): left alone.
        if member.todayResetAt != periods.dayStart && member.todayResetAt < periods.dayEnd {
            member.counters.wordsToday = 0
            member.counters.tokensToday = 0
            member.todayResetAt = periods.dayStart
        }
        if member.thisMonthResetAt != periods.monthStart && member.thisMonthResetAt < periods.monthEnd {
            member.counters.wordsThisMonth = 0
            member.counters.tokensThisMonth = 0
            member.thisMonthResetAt = periods.monthStart
        }
        return member
    }

    /// The seed's `getIsPaying`: anything but `free` pays.
    public var isPaying: Bool { plan != .free }
}

/// A user's public profile.
public struct Profile: Sendable, Equatable {
    public var id: UserID
    public var displayName: String?
    public var createdAt: Date
    public var updatedAt: Date

    public init(id: UserID, displayName: String?, createdAt: Date, updatedAt: Date) {
        self.id = id
        self.displayName = displayName
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}
