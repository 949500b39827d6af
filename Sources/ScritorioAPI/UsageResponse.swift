import Foundation

/// `GET /v1/me/usage`: the caller's AI plan, the current minute, day and month with use, reservations in flight
/// and limits, and the member's seed counters. A limit is `null` when unlimited (written out, never omitted).
/// Members are snake_case; the server writes them with sorted keys.
public struct UsageResponse: Codable, Sendable, Equatable {
    /// The current minute (the request rate).
    public struct Minute: Codable, Sendable, Equatable {
        /// When the minute started.
        public var start: String
        /// Requests made in it.
        public var requests: Int64
        /// The allowance, `nil` when unlimited.
        public var requestsLimit: Int64?

        /// A minute from its parts.
        public init(start: String, requests: Int64, requestsLimit: Int64?) {
            self.start = start
            self.requests = requests
            self.requestsLimit = requestsLimit
        }

        enum CodingKeys: String, CodingKey {
            case start, requests
            case requestsLimit = "requests_limit"
        }

        /// `requests_limit` is written even when `null`.
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(start, forKey: .start)
            try c.encode(requests, forKey: .requests)
            try c.encode(requestsLimit, forKey: .requestsLimit)
        }
    }

    /// Use in one period (the day or the month). The day carries a request allowance; the month carries audio
    /// and cost instead. Which of those groups a period has is kept, so it is written back exactly as read.
    public struct Period: Codable, Sendable, Equatable {
        /// When the period started.
        public var start: String
        /// When it ends (a new allowance starts).
        public var end: String?
        /// Tokens used.
        public var tokensUsed: Int64
        /// Tokens reserved by requests in flight.
        public var tokensReserved: Int64?
        /// The allowance, `nil` when unlimited.
        public var tokensLimit: Int64?
        /// Requests made.
        public var requests: Int64?
        /// The request allowance (the day), `nil` when unlimited or not a member of this period.
        public var requestsLimit: Int64?
        /// Seconds of audio transcribed (the month).
        public var audioSecondsUsed: Int64?
        /// Seconds of audio reserved by requests in flight (the month).
        public var audioSecondsReserved: Int64?
        /// The audio allowance (the month), `nil` when unlimited or not a member of this period.
        public var audioSecondsLimit: Int64?
        /// The upstream cost this month, in millionths of a dollar.
        public var costMicros: Int64?
        /// Whether `requests_limit` is a member (the day).
        var hasRequestsLimit: Bool
        /// Whether the audio and cost members are (the month).
        var hasAudio: Bool

        /// The day: tokens and requests with their allowances.
        public static func day(
            start: String, end: String, tokensUsed: Int64, tokensReserved: Int64, tokensLimit: Int64?, requests: Int64,
            requestsLimit: Int64?
        ) -> Period {
            Period(
                start: start, end: end, tokensUsed: tokensUsed, tokensReserved: tokensReserved, tokensLimit: tokensLimit,
                requests: requests, requestsLimit: requestsLimit, hasRequestsLimit: true, hasAudio: false)
        }

        /// The month: tokens, requests, audio with its allowance, and the cost.
        public static func month(
            start: String, end: String, tokensUsed: Int64, tokensReserved: Int64, tokensLimit: Int64?, requests: Int64,
            audioSecondsUsed: Int64, audioSecondsReserved: Int64, audioSecondsLimit: Int64?, costMicros: Int64
        ) -> Period {
            Period(
                start: start, end: end, tokensUsed: tokensUsed, tokensReserved: tokensReserved, tokensLimit: tokensLimit,
                requests: requests, audioSecondsUsed: audioSecondsUsed, audioSecondsReserved: audioSecondsReserved,
                audioSecondsLimit: audioSecondsLimit, costMicros: costMicros, hasRequestsLimit: false, hasAudio: true)
        }

        private init(
            start: String, end: String?, tokensUsed: Int64, tokensReserved: Int64?, tokensLimit: Int64?, requests: Int64?,
            requestsLimit: Int64? = nil, audioSecondsUsed: Int64? = nil, audioSecondsReserved: Int64? = nil,
            audioSecondsLimit: Int64? = nil, costMicros: Int64? = nil, hasRequestsLimit: Bool, hasAudio: Bool
        ) {
            self.start = start
            self.end = end
            self.tokensUsed = tokensUsed
            self.tokensReserved = tokensReserved
            self.tokensLimit = tokensLimit
            self.requests = requests
            self.requestsLimit = requestsLimit
            self.audioSecondsUsed = audioSecondsUsed
            self.audioSecondsReserved = audioSecondsReserved
            self.audioSecondsLimit = audioSecondsLimit
            self.costMicros = costMicros
            self.hasRequestsLimit = hasRequestsLimit
            self.hasAudio = hasAudio
        }

        enum CodingKeys: String, CodingKey {
            case start, end, requests
            case tokensUsed = "tokens_used"
            case tokensReserved = "tokens_reserved"
            case tokensLimit = "tokens_limit"
            case requestsLimit = "requests_limit"
            case audioSecondsUsed = "audio_seconds_used"
            case audioSecondsReserved = "audio_seconds_reserved"
            case audioSecondsLimit = "audio_seconds_limit"
            case costMicros = "cost_micros"
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            start = try c.decode(String.self, forKey: .start)
            end = try c.decodeIfPresent(String.self, forKey: .end)
            tokensUsed = try c.decode(Int64.self, forKey: .tokensUsed)
            tokensReserved = try c.decodeIfPresent(Int64.self, forKey: .tokensReserved)
            tokensLimit = try c.decodeIfPresent(Int64.self, forKey: .tokensLimit)
            requests = try c.decodeIfPresent(Int64.self, forKey: .requests)
            requestsLimit = try c.decodeIfPresent(Int64.self, forKey: .requestsLimit)
            audioSecondsUsed = try c.decodeIfPresent(Int64.self, forKey: .audioSecondsUsed)
            audioSecondsReserved = try c.decodeIfPresent(Int64.self, forKey: .audioSecondsReserved)
            audioSecondsLimit = try c.decodeIfPresent(Int64.self, forKey: .audioSecondsLimit)
            costMicros = try c.decodeIfPresent(Int64.self, forKey: .costMicros)
            hasRequestsLimit = c.contains(.requestsLimit)
            hasAudio = c.contains(.audioSecondsUsed)
        }

        /// Limits are written even when `null`; the day's and the month's own members only in their period.
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(start, forKey: .start)
            try c.encodeIfPresent(end, forKey: .end)
            try c.encode(tokensUsed, forKey: .tokensUsed)
            try c.encodeIfPresent(tokensReserved, forKey: .tokensReserved)
            try c.encode(tokensLimit, forKey: .tokensLimit)
            try c.encodeIfPresent(requests, forKey: .requests)
            if hasRequestsLimit { try c.encode(requestsLimit, forKey: .requestsLimit) }
            if hasAudio {
                try c.encodeIfPresent(audioSecondsUsed, forKey: .audioSecondsUsed)
                try c.encodeIfPresent(audioSecondsReserved, forKey: .audioSecondsReserved)
                try c.encode(audioSecondsLimit, forKey: .audioSecondsLimit)
                try c.encodeIfPresent(costMicros, forKey: .costMicros)
            }
        }
    }

    /// The member's seed counters (`tokens_today / this_month / total`).
    public struct Counters: Codable, Sendable, Equatable {
        /// Tokens today.
        public var tokensToday: Int64
        /// Tokens this month.
        public var tokensThisMonth: Int64
        /// Tokens ever.
        public var tokensTotal: Int64

        /// Counters from their parts.
        public init(tokensToday: Int64, tokensThisMonth: Int64, tokensTotal: Int64) {
            self.tokensToday = tokensToday
            self.tokensThisMonth = tokensThisMonth
            self.tokensTotal = tokensTotal
        }

        enum CodingKeys: String, CodingKey {
            case tokensToday = "tokens_today"
            case tokensThisMonth = "tokens_this_month"
            case tokensTotal = "tokens_total"
        }
    }

    /// The AI plan (`free`, `pro`).
    public var plan: String
    /// The models the plan allows.
    public var models: [String]
    /// The current minute; `nil` only in answers of servers that did not send it.
    public var minute: Minute?
    /// Today.
    public var day: Period
    /// This month.
    public var month: Period
    /// The member's counters; `nil` only in answers of servers that did not send them.
    public var counters: Counters?

    /// An answer from its parts.
    public init(plan: String, models: [String], minute: Minute?, day: Period, month: Period, counters: Counters?) {
        self.plan = plan
        self.models = models
        self.minute = minute
        self.day = day
        self.month = month
        self.counters = counters
    }
}
