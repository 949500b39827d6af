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

    /// A new free member at `now`, counters at zero, reset marks at the start of the current UTC day and month.
    public static func newFree(id: UserID, now: Date) -> Member {
        let periods = UsagePeriods(now: now)
        return Member(
            id: id, plan: .free, isOnTrial: false, trialEndsAt: nil, counters: UsageCounters(),
            todayResetAt: periods.dayStart, thisMonthResetAt: periods.monthStart, createdAt: now, updatedAt: now)
    }

    /// The seed's `getIsPaying`: anything but `free` pays.
    public var isPaying: Bool { plan != .free }
}

/// The UTC day and month a moment falls in; counters reset when these move on.
public struct UsagePeriods: Sendable, Equatable {
    public var dayStart: Date
    public var monthStart: Date

    public init(now: Date) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        self.dayStart = calendar.startOfDay(for: now)
        let parts = calendar.dateComponents([.year, .month], from: now)
        self.monthStart = calendar.date(from: parts) ?? dayStart
    }
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
