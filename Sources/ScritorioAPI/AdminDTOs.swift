import Foundation

/// `PUT /admin/v1/users/{id}/ai-limits`: per-user overrides of the plan's AI limits. `null` (or a missing
/// member) falls back to the plan.
public struct AILimitsRequest: Codable, Sendable, Equatable {
    /// Tokens a day.
    public var tokensPerDay: Int64?
    /// Tokens a month.
    public var tokensPerMonth: Int64?
    /// Requests a minute.
    public var requestsPerMinute: Int64?
    /// Seconds of audio a month.
    public var audioSecondsPerMonth: Int64?

    /// Overrides from their parts.
    public init(tokensPerDay: Int64? = nil, tokensPerMonth: Int64? = nil, requestsPerMinute: Int64? = nil, audioSecondsPerMonth: Int64? = nil) {
        self.tokensPerDay = tokensPerDay
        self.tokensPerMonth = tokensPerMonth
        self.requestsPerMinute = requestsPerMinute
        self.audioSecondsPerMonth = audioSecondsPerMonth
    }

    enum CodingKeys: String, CodingKey {
        case tokensPerDay = "tokens_per_day", tokensPerMonth = "tokens_per_month"
        case requestsPerMinute = "requests_per_minute", audioSecondsPerMonth = "audio_seconds_per_month"
    }

    /// Every member is written, `null` included.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(tokensPerDay, forKey: .tokensPerDay)
        try c.encode(tokensPerMonth, forKey: .tokensPerMonth)
        try c.encode(requestsPerMinute, forKey: .requestsPerMinute)
        try c.encode(audioSecondsPerMonth, forKey: .audioSecondsPerMonth)
    }
}

/// The answer of `GET|PUT /admin/v1/users/{id}/ai-limits`: the overrides stored for the user and the limits in
/// force (the plan's where nothing is overridden); `null` is unlimited (or, in the overrides, not overridden).
public struct AILimitsResponse: Codable, Sendable, Equatable {
    /// The limits in force.
    public struct Effective: Codable, Sendable, Equatable {
        /// Tokens a day.
        public var tokensPerDay: Int64?
        /// Tokens a month.
        public var tokensPerMonth: Int64?
        /// Requests a day.
        public var requestsPerDay: Int64?
        /// Requests a minute.
        public var requestsPerMinute: Int64?
        /// Seconds of audio a month.
        public var audioSecondsPerMonth: Int64?

        /// Limits from their parts.
        public init(tokensPerDay: Int64?, tokensPerMonth: Int64?, requestsPerDay: Int64?, requestsPerMinute: Int64?, audioSecondsPerMonth: Int64?) {
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

        /// Every member is written, `null` included.
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(tokensPerDay, forKey: .tokensPerDay)
            try c.encode(tokensPerMonth, forKey: .tokensPerMonth)
            try c.encode(requestsPerDay, forKey: .requestsPerDay)
            try c.encode(requestsPerMinute, forKey: .requestsPerMinute)
            try c.encode(audioSecondsPerMonth, forKey: .audioSecondsPerMonth)
        }
    }

    /// The user.
    public var userID: String
    /// The plan the user's entitlements select.
    public var plan: String
    /// What is overridden.
    public var overrides: AILimitsRequest
    /// What is in force.
    public var effective: Effective

    /// An answer from its parts.
    public init(userID: String, plan: String, overrides: AILimitsRequest, effective: Effective) {
        self.userID = userID
        self.plan = plan
        self.overrides = overrides
        self.effective = effective
    }

    enum CodingKeys: String, CodingKey {
        case userID = "user_id", plan, effective
    }

    /// The overrides sit beside `user_id` and `plan` at the top level, as the admin API has always answered.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        userID = try c.decode(String.self, forKey: .userID)
        plan = try c.decode(String.self, forKey: .plan)
        effective = try c.decode(Effective.self, forKey: .effective)
        overrides = try AILimitsRequest(from: decoder)
    }

    /// Writes the overrides at the top level, `null` included.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(userID, forKey: .userID)
        try c.encode(plan, forKey: .plan)
        try c.encode(effective, forKey: .effective)
        try overrides.encode(to: encoder)
    }
}

/// The answer of a provider webhook that was stored (or had been: `duplicate`).
public struct WebhookAck: Codable, Sendable, Equatable {
    /// Always `true`: the delivery is stored.
    public var received: Bool
    /// The same delivery had been stored before; nothing new was stored.
    public var duplicate: Bool

    /// An acknowledgement.
    public init(received: Bool, duplicate: Bool) {
        self.received = received
        self.duplicate = duplicate
    }
}

/// `GET /auth/v1/settings`: which sign-in methods this server offers, in GoTrue's shape.
public struct AuthSettings: Codable, Sendable, Equatable {
    /// Providers by name (`email`, `phone`, `google`) and whether each is on.
    public var external: [String: Bool]
    /// Whether sign-up is closed.
    public var disable_signup: Bool
    /// Whether email sign-ups are confirmed without a mail.
    public var mailer_autoconfirm: Bool
    /// Whether phone sign-ups are confirmed without a message.
    public var phone_autoconfirm: Bool
    /// The SMS provider (none).
    public var sms_provider: String
    /// SAML single sign-on (never offered).
    public var saml_enabled: Bool?
    /// GoTrue's flag for a second SAML key (never).
    public var saml_private_key_next_configured: Bool?
    /// Passkey sign-in (not offered).
    public var passkeys_enabled: Bool?
    /// TOTP MFA (Scritorio's addition: GoTrue does not report it).
    public var mfa_enabled: Bool?

    /// Settings from their parts.
    public init(
        external: [String: Bool], disable_signup: Bool, mailer_autoconfirm: Bool, phone_autoconfirm: Bool, sms_provider: String,
        saml_enabled: Bool? = nil, saml_private_key_next_configured: Bool? = nil, passkeys_enabled: Bool? = nil, mfa_enabled: Bool? = nil
    ) {
        self.external = external
        self.disable_signup = disable_signup
        self.mailer_autoconfirm = mailer_autoconfirm
        self.phone_autoconfirm = phone_autoconfirm
        self.sms_provider = sms_provider
        self.saml_enabled = saml_enabled
        self.saml_private_key_next_configured = saml_private_key_next_configured
        self.passkeys_enabled = passkeys_enabled
        self.mfa_enabled = mfa_enabled
    }

    /// Every external provider GoTrue v2.196.0 lists in `/settings`, in its order.
    public static let goTrueProviders = [
        "anonymous_users", "apple", "azure", "bitbucket", "discord", "facebook", "snapchat", "figma", "fly", "github", "gitlab",
        "google", "keycloak", "kakao", "linkedin", "linkedin_oidc", "notion", "spotify", "slack", "slack_oidc", "workos", "twitch",
        "twitter", "email", "phone", "zoom",
    ]
}
