import Foundation
import ScritorioModels

/// The seed's camelCase member shape, as `member-get` returns it.
public struct MemberDTO: Codable, Sendable, Equatable {
    public var id: String
    public var type: String
    public var plan: String
    public var wordsToday: Int64
    public var wordsThisMonth: Int64
    public var wordsTotal: Int64
    public var tokensToday: Int64
    public var tokensThisMonth: Int64
    public var tokensTotal: Int64
    public var todayResetAt: String
    public var thisMonthResetAt: String
    public var isOnTrial: Bool
    public var trialEndsAt: String?
    public var createdAt: String
    public var updatedAt: String

    public init(_ member: Member) {
        self.id = member.id.description
        self.type = member.type
        self.plan = member.plan.rawValue
        self.wordsToday = member.counters.wordsToday
        self.wordsThisMonth = member.counters.wordsThisMonth
        self.wordsTotal = member.counters.wordsTotal
        self.tokensToday = member.counters.tokensToday
        self.tokensThisMonth = member.counters.tokensThisMonth
        self.tokensTotal = member.counters.tokensTotal
        self.todayResetAt = WireDate.format(member.todayResetAt)
        self.thisMonthResetAt = WireDate.format(member.thisMonthResetAt)
        self.isOnTrial = member.isOnTrial
        self.trialEndsAt = member.trialEndsAt.map(WireDate.format)
        self.createdAt = WireDate.format(member.createdAt)
        self.updatedAt = WireDate.format(member.updatedAt)
    }

    /// `trialEndsAt` is always present, `null` when there is no trial, matching the seed's select of `*`.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(type, forKey: .type)
        try c.encode(plan, forKey: .plan)
        try c.encode(wordsToday, forKey: .wordsToday)
        try c.encode(wordsThisMonth, forKey: .wordsThisMonth)
        try c.encode(wordsTotal, forKey: .wordsTotal)
        try c.encode(tokensToday, forKey: .tokensToday)
        try c.encode(tokensThisMonth, forKey: .tokensThisMonth)
        try c.encode(tokensTotal, forKey: .tokensTotal)
        try c.encode(todayResetAt, forKey: .todayResetAt)
        try c.encode(thisMonthResetAt, forKey: .thisMonthResetAt)
        try c.encode(isOnTrial, forKey: .isOnTrial)
        try c.encode(trialEndsAt, forKey: .trialEndsAt)
        try c.encode(createdAt, forKey: .createdAt)
        try c.encode(updatedAt, forKey: .updatedAt)
    }
}

/// `{"member": Member | null}` — `member-get`'s answer; `null` is written out, never omitted.
public struct MemberEnvelope: Codable, Sendable, Equatable {
    public var member: MemberDTO?

    public init(member: MemberDTO?) { self.member = member }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(member, forKey: .member)
    }
}

/// A user's profile on the product API.
public struct ProfileDTO: Codable, Sendable, Equatable {
    public var id: String
    public var displayName: String?
    public var createdAt: String
    public var updatedAt: String

    public init(_ profile: Profile) {
        self.id = profile.id.description
        self.displayName = profile.displayName
        self.createdAt = WireDate.format(profile.createdAt)
        self.updatedAt = WireDate.format(profile.updatedAt)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(displayName, forKey: .displayName)
        try c.encode(createdAt, forKey: .createdAt)
        try c.encode(updatedAt, forKey: .updatedAt)
    }
}

/// The signed-in user as the product API shows it (the same identity whichever auth mode issued the token).
public struct MeUserDTO: Codable, Sendable, Equatable {
    public var id: String
    public var email: String?
    public var emailConfirmedAt: String?
    public var createdAt: String?
    public var userMetadata: [String: JSONValue]

    public init(id: String, email: String?, emailConfirmedAt: String?, createdAt: String?, userMetadata: [String: JSONValue]) {
        self.id = id
        self.email = email
        self.emailConfirmedAt = emailConfirmedAt
        self.createdAt = createdAt
        self.userMetadata = userMetadata
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(email, forKey: .email)
        try c.encode(emailConfirmedAt, forKey: .emailConfirmedAt)
        try c.encode(createdAt, forKey: .createdAt)
        try c.encode(userMetadata, forKey: .userMetadata)
    }
}

/// `GET /v1/me`.
public struct MeResponse: Codable, Sendable, Equatable {
    public var user: MeUserDTO
    public var profile: ProfileDTO?
    public var member: MemberDTO?

    public init(user: MeUserDTO, profile: ProfileDTO?, member: MemberDTO?) {
        self.user = user
        self.profile = profile
        self.member = member
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(user, forKey: .user)
        try c.encode(profile, forKey: .profile)
        try c.encode(member, forKey: .member)
    }
}

/// `GET /health`.
public struct HealthResponse: Codable, Sendable, Equatable {
    public struct Store: Codable, Sendable, Equatable {
        public var kind: String
        public var ok: Bool
        public var schemaVersion: Int?
        public var error: String?

        public init(kind: String, ok: Bool, schemaVersion: Int?, error: String?) {
            self.kind = kind
            self.ok = ok
            self.schemaVersion = schemaVersion
            self.error = error
        }
    }

    public var status: String
    public var version: String
    public var authMode: String
    public var store: Store

    public init(status: String, version: String, authMode: String, store: Store) {
        self.status = status
        self.version = version
        self.authMode = authMode
        self.store = store
    }
}

/// `POST /v1/me/usage/words`: words the app produced on the device (on-device dictation, a local model).
public struct WordsReport: Codable, Sendable, Equatable {
    /// How many words (1 to 100,000 per report).
    public var count: Int64?
    /// Unique per report (1 to 128 characters): a retried report with the same key counts once.
    public var idempotency_key: String?

    /// A report of `count` words under `idempotency_key`.
    public init(count: Int64?, idempotency_key: String?) {
        self.count = count
        self.idempotency_key = idempotency_key
    }
}

/// The answer to a words report: whether this call counted them (false: the key was seen before) and the member
/// with its counters after it.
public struct WordsReportResponse: Codable, Sendable, Equatable {
    /// False when the key had been recorded before: nothing was added.
    public var recorded: Bool
    /// The member as it stands.
    public var member: MemberDTO?

    /// An answer.
    public init(recorded: Bool, member: MemberDTO?) {
        self.recorded = recorded
        self.member = member
    }
}
