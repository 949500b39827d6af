import Foundation

/// Limits of an AI plan for the user's current periods. `nil` means unlimited.
public struct AILimits: Sendable, Hashable, Codable {
    public var tokensPerDay: Int64?
    public var tokensPerMonth: Int64?
    public var requestsPerDay: Int64?
    public var requestsPerMinute: Int64?
    public var audioSecondsPerMonth: Int64?

    public init(
        tokensPerDay: Int64? = nil, tokensPerMonth: Int64? = nil, requestsPerDay: Int64? = nil,
        requestsPerMinute: Int64? = nil, audioSecondsPerMonth: Int64? = nil
    ) {
        self.tokensPerDay = tokensPerDay
        self.tokensPerMonth = tokensPerMonth
        self.requestsPerDay = requestsPerDay
        self.requestsPerMinute = requestsPerMinute
        self.audioSecondsPerMonth = audioSecondsPerMonth
    }

    enum CodingKeys: String, CodingKey {
        case tokensPerDay = "tokens_per_day", tokensPerMonth = "tokens_per_month", requestsPerDay = "requests_per_day"
        case requestsPerMinute = "requests_per_minute", audioSecondsPerMonth = "audio_seconds_per_month"
    }
}

/// An admin's per-user overrides; a `nil` field falls back to the plan.
public struct AILimitOverrides: Sendable, Equatable {
    public var tokensPerDay: Int64?
    public var tokensPerMonth: Int64?
    public var requestsPerMinute: Int64?
    public var audioSecondsPerMonth: Int64?

    public init(tokensPerDay: Int64? = nil, tokensPerMonth: Int64? = nil, requestsPerMinute: Int64? = nil, audioSecondsPerMonth: Int64? = nil) {
        self.tokensPerDay = tokensPerDay
        self.tokensPerMonth = tokensPerMonth
        self.requestsPerMinute = requestsPerMinute
        self.audioSecondsPerMonth = audioSecondsPerMonth
    }
}

/// One AI plan: which models it allows and its limits.
public struct AIPlan: Sendable, Equatable, Codable {
    public var code: String
    /// The entitlement that selects this plan; `nil` for the default (free) plan.
    public var entitlement: String?
    public var models: [String]
    public var limits: AILimits
    /// Output tokens reserved (and set upstream) when a request names no maximum.
    public var defaultMaxOutputTokens: Int64

    public init(code: String, entitlement: String?, models: [String], limits: AILimits, defaultMaxOutputTokens: Int64 = 1024) {
        self.code = code
        self.entitlement = entitlement
        self.models = models
        self.limits = limits
        self.defaultMaxOutputTokens = defaultMaxOutputTokens
    }

    enum CodingKeys: String, CodingKey {
        case code, entitlement, models, limits
        case defaultMaxOutputTokens = "default_max_output_tokens"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        code = try container.decode(String.self, forKey: .code)
        entitlement = try container.decodeIfPresent(String.self, forKey: .entitlement)
        models = try container.decode([String].self, forKey: .models)
        limits = try container.decodeIfPresent(AILimits.self, forKey: .limits) ?? AILimits()
        defaultMaxOutputTokens = try container.decodeIfPresent(Int64.self, forKey: .defaultMaxOutputTokens) ?? 1024
    }

    /// The limits after an admin's overrides.
    public func effectiveLimits(_ overrides: AILimitOverrides) -> AILimits {
        var limits = self.limits
        if let value = overrides.tokensPerDay { limits.tokensPerDay = value }
        if let value = overrides.tokensPerMonth { limits.tokensPerMonth = value }
        if let value = overrides.requestsPerMinute { limits.requestsPerMinute = value }
        if let value = overrides.audioSecondsPerMonth { limits.audioSecondsPerMonth = value }
        return limits
    }

    public func allows(model: String) -> Bool { models.contains(model) }
}

/// The plans a deployment offers, chosen by entitlement: the last plan whose entitlement is active wins, else
/// the default plan.
public struct AIPlanBook: Sendable, Equatable, Codable {
    public var plans: [AIPlan]

    public init(plans: [AIPlan]) { self.plans = plans }

    /// Free: the small chat models and embeddings. Pro (`scritorio_pro`): adds `gpt-4.1` and `whisper-1`.
    public static let standard = AIPlanBook(plans: [
        AIPlan(
            code: "free", entitlement: nil, models: ["gpt-4o-mini", "gpt-4.1-mini", "text-embedding-3-small"],
            limits: AILimits(tokensPerDay: 50_000, tokensPerMonth: 500_000, requestsPerDay: 1_000, requestsPerMinute: 20, audioSecondsPerMonth: 0)),
        AIPlan(
            code: "pro", entitlement: EntitlementSet.proCode,
            models: ["gpt-4o-mini", "gpt-4.1-mini", "text-embedding-3-small", "gpt-4.1", "whisper-1"],
            limits: AILimits(
                tokensPerDay: 1_000_000, tokensPerMonth: 10_000_000, requestsPerDay: 10_000, requestsPerMinute: 120,
                audioSecondsPerMonth: 36_000),
            defaultMaxOutputTokens: 4096),
    ])

    /// The plan for a user holding `entitlements` (active codes).
    public func plan(for entitlements: Set<String>) -> AIPlan {
        if let chosen = plans.last(where: { $0.entitlement.map(entitlements.contains) ?? false }) { return chosen }
        return plans.first(where: { $0.entitlement == nil }) ?? plans.first
            ?? AIPlan(code: "none", entitlement: nil, models: [], limits: AILimits(tokensPerDay: 0, tokensPerMonth: 0))
    }

    /// Reads `{"plans":[…]}`.
    public static func parse(_ data: Data) throws -> AIPlanBook {
        let book = try JSONDecoder().decode(AIPlanBook.self, from: data)
        guard book.plans.contains(where: { $0.entitlement == nil }) else { throw AIConfigurationError("the plans need one without an entitlement (the default)") }
        return book
    }
}

/// A plan or price file that cannot be used.
public struct AIConfigurationError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
