import Foundation
import SQLKit
import ScritorioCore

/// A reservation against a user's allowance: asked for with the plan's limits in the request's periods, and,
/// once granted, held until the settlement replaces it by what the request used. The one type from the
/// reservation's conditional write (alone or grouped) to its settlement.
public struct AIReservation: Sendable, Equatable, Codable {
    public var userID: UserID
    /// The plan's code, recorded on the user's row.
    public var plan: String
    public var limits: AILimits
    /// The periods it counts in (a settlement after midnight still moves the day it was made in).
    public var periods: AIPeriods
    public var estimate: AIUsage
    /// When it was asked for (the request's start).
    public var at: Date

    public init(userID: UserID, plan: String, limits: AILimits, periods: AIPeriods, estimate: AIUsage, at: Date) {
        self.userID = userID
        self.plan = plan
        self.limits = limits
        self.periods = periods
        self.estimate = estimate
        self.at = at
    }
}

/// One request's line in the ledger.
public struct AIUsageEvent: Sendable, Equatable, Codable {
    public var userID: UserID
    public var model: String
    public var endpoint: String
    public var usage: AIUsage
    public var costMicros: Int64
    public var requestID: String
    public var latencyMs: Int64
    public var status: Int
    /// How the request ended (the column stores its raw value).
    public var outcome: AIOutcome

    public init(
        userID: UserID, model: String, endpoint: String, usage: AIUsage, costMicros: Int64, requestID: String,
        latencyMs: Int64, status: Int, outcome: AIOutcome
    ) {
        self.userID = userID
        self.model = model
        self.endpoint = endpoint
        self.usage = usage
        self.costMicros = costMicros
        self.requestID = requestID
        self.latencyMs = latencyMs
        self.status = status
        self.outcome = outcome
    }
}

/// The live state of a user's AI row: overrides and the counters of the periods it last saw.
public struct AIPlanState: Sendable, Equatable {
    public var plan: String
    public var overrides: AILimitOverrides
    public var anchorAt: Date?
    public var minuteStart: Date?
    public var minuteRequests: Int64
    public var dayStart: Date?
    public var dayTokensUsed: Int64
    public var dayTokensReserved: Int64
    public var dayRequests: Int64
    public var monthStart: Date?
    public var monthTokensUsed: Int64
    public var monthTokensReserved: Int64
    public var monthRequests: Int64
    public var monthAudioUsed: Int64
    public var monthAudioReserved: Int64

    /// The counters as they are in `periods` (a period that has moved on counts as empty).
    public func current(_ periods: AIPeriods) -> AIPlanState {
        var state = self
        if minuteStart != periods.minuteStart { state.minuteRequests = 0 }
        if dayStart != periods.dayStart {
            state.dayTokensUsed = 0; state.dayTokensReserved = 0; state.dayRequests = 0
        }
        if monthStart != periods.monthStart {
            state.monthTokensUsed = 0; state.monthTokensReserved = 0; state.monthRequests = 0
            state.monthAudioUsed = 0; state.monthAudioReserved = 0
        }
        return state
    }
}

/// `ai_user_plans` (one row per user: overrides, anchor, live counters) and `ai_usage_events` (the ledger).
///
/// The ledger has one row per request the gateway decided on, whose `outcome` is an `AIOutcome`: `ok`,
/// `upstream_error`, `upstream_auth`, `timeout`, `cancelled`, `interrupted`, `unreachable`, `failed` (settled
/// reservations), `quota_exceeded` and `rate_limited` (refused before the upstream, nothing reserved).
///
/// The allowance is enforced by `reserve`, one conditional UPDATE of the user's row: the counters of periods
/// that have moved on are reset in the same statement, and the row changes only when every limit still holds
/// with the estimate added. PostgreSQL re-checks the condition on the newest row version after waiting for a
/// concurrent writer, SQLite has one writer, so simultaneous requests (on any number of replicas) can never
/// reserve past a limit; settling replaces a reservation by a use no larger than it.
public enum AIRepository {
    /// A limit nobody reaches, bound where the plan has none (keeps the SQL one shape).
    static let unlimited: Int64 = 1 << 60

    /// Creates the user's row unless it exists; the anchor is the account's creation (or `now` for users that
    /// only an external auth server knows). Returns the stored anchor.
    public static func ensureRow(userID: UserID, plan: String, now: Date, on db: SQLConnection) async throws -> Date {
        if let row = try await db.sql.raw("SELECT anchor_at FROM ai_user_plans WHERE user_id = \(bind: userID.rawValue)").first(),
            let anchor = try row.decode(column: "anchor_at", as: Date?.self)
        {
            return anchor
        }
        // The account's creation, else the member's, as the member's counters use (MemberRepository.anchorExpression).
        let created = try await db.sql.raw("""
            SELECT COALESCE((SELECT created_at FROM auth_users WHERE id = k.uid), (SELECT created_at FROM members WHERE id = k.uid))
              AS usage_anchor
            FROM (SELECT \(bind: userID.rawValue) AS uid) k
            """).first().flatMap { try $0.decode(column: "usage_anchor", as: Date?.self) }
        let anchor = Date(timeIntervalSince1970: floor((created ?? now).timeIntervalSince1970))
        try await db.sql.raw("""
            INSERT INTO ai_user_plans (user_id, plan, anchor_at, created_at, updated_at)
            VALUES (\(bind: userID.rawValue), \(bind: plan), \(bind: anchor), \(bind: now), \(bind: now))
            ON CONFLICT (user_id) DO UPDATE SET anchor_at = COALESCE(ai_user_plans.anchor_at, excluded.anchor_at)
            """).run()
        let stored = try await db.sql.raw("SELECT anchor_at FROM ai_user_plans WHERE user_id = \(bind: userID.rawValue)").first()
        return try stored?.decode(column: "anchor_at", as: Date?.self) ?? anchor
    }

    /// Reserves `estimate` (and counts `requests` requests) if every limit still holds; `nil` when one does not.
    /// Limits are the plan's, each replaced by the row's override where the admin set one. Several requests of
    /// one user may be reserved as their sum: if the sum fits, each of them in turn would have fit.
    public static func reserve(
        userID: UserID, plan: String, limits: AILimits, periods: AIPeriods, estimate: AIUsage, requests: Int64 = 1, now: Date,
        on db: SQLConnection
    ) async throws -> AIReservation? {
        let tokens = estimate.totalTokens
        let audio = estimate.audioSeconds
        let minute = periods.minuteStart, day = periods.dayStart, month = periods.monthStart
        let rows = try await db.sql.raw("""
            UPDATE ai_user_plans SET
              minute_requests = (CASE WHEN minute_start = \(bind: minute) THEN minute_requests ELSE 0 END) + \(bind: requests),
              minute_start = \(bind: minute),
              day_tokens_used = CASE WHEN day_start = \(bind: day) THEN day_tokens_used ELSE 0 END,
              day_tokens_reserved = (CASE WHEN day_start = \(bind: day) THEN day_tokens_reserved ELSE 0 END) + \(bind: tokens),
              day_requests = (CASE WHEN day_start = \(bind: day) THEN day_requests ELSE 0 END) + \(bind: requests),
              day_start = \(bind: day),
              month_tokens_used = CASE WHEN period_start = \(bind: month) THEN month_tokens_used ELSE 0 END,
              month_tokens_reserved = (CASE WHEN period_start = \(bind: month) THEN month_tokens_reserved ELSE 0 END) + \(bind: tokens),
              month_requests = (CASE WHEN period_start = \(bind: month) THEN month_requests ELSE 0 END) + \(bind: requests),
              month_audio_used = CASE WHEN period_start = \(bind: month) THEN month_audio_used ELSE 0 END,
              month_audio_reserved = (CASE WHEN period_start = \(bind: month) THEN month_audio_reserved ELSE 0 END) + \(bind: audio),
              period_start = \(bind: month),
              period_end = \(bind: periods.monthEnd),
              plan = \(bind: plan),
              monthly_token_quota = COALESCE(tokens_per_month_override, \(bind: limits.tokensPerMonth)),
              updated_at = \(bind: now)
            WHERE user_id = \(bind: userID.rawValue)
              AND (CASE WHEN minute_start = \(bind: minute) THEN minute_requests ELSE 0 END) + \(bind: requests)
                  <= COALESCE(requests_per_minute_override, \(bind: limits.requestsPerMinute ?? unlimited))
              AND (CASE WHEN day_start = \(bind: day) THEN day_requests ELSE 0 END) + \(bind: requests) <= \(bind: limits.requestsPerDay ?? unlimited)
              AND (CASE WHEN day_start = \(bind: day) THEN day_tokens_used + day_tokens_reserved ELSE 0 END) + \(bind: tokens)
                  <= COALESCE(tokens_per_day_override, \(bind: limits.tokensPerDay ?? unlimited))
              AND (CASE WHEN period_start = \(bind: month) THEN month_tokens_used + month_tokens_reserved ELSE 0 END) + \(bind: tokens)
                  <= COALESCE(tokens_per_month_override, \(bind: limits.tokensPerMonth ?? unlimited))
              AND (CASE WHEN period_start = \(bind: month) THEN month_audio_used + month_audio_reserved ELSE 0 END) + \(bind: audio)
                  <= COALESCE(audio_seconds_per_month_override, \(bind: limits.audioSecondsPerMonth ?? unlimited))
            RETURNING user_id
            """).all()
        return rows.isEmpty ? nil : AIReservation(userID: userID, plan: plan, limits: limits, periods: periods, estimate: estimate, at: now)
    }

    /// Reserves `reservation` if every limit still holds; `nil` when one does not.
    public static func reserve(_ reservation: AIReservation, on db: SQLConnection) async throws -> AIReservation? {
        try await reserve(
            userID: reservation.userID, plan: reservation.plan, limits: reservation.limits, periods: reservation.periods,
            estimate: reservation.estimate, now: reservation.at, on: db)
    }

    /// Replaces the reservation by `actual` (zero to release it), writes the usage event, and moves the
    /// member's `tokens_today / this_month / total` by the same tokens. One transaction.
    /// A use larger than the reservation is charged in full (the ledger tells the truth); the estimate is
    /// built so that this cannot happen for text.
    public static func settle(_ reservation: AIReservation, actual: AIUsage, event: AIUsageEvent, now: Date, on db: SQLConnection) async throws {
        try await updateCounters(
            userID: reservation.userID, day: reservation.periods.dayStart, month: reservation.periods.monthStart,
            reserved: reservation.estimate, actual: actual, now: now, on: db)
        try await insert(event, now: now, on: db)
        if actual.totalTokens > 0 || actual.words > 0 {
            try await MemberRepository.addUsage(
                userID: reservation.userID, tokens: actual.totalTokens, words: actual.words, periods: reservation.periods, now: now, on: db)
        }
    }

    /// Replaces `reserved` by `actual` in the user's counters of the day and month (by their starts) it was
    /// reserved in; counters that have moved on to a later period are left alone.
    static func updateCounters(
        userID: UserID, day: Date, month: Date, reserved estimate: AIUsage, actual: AIUsage, now: Date, on db: SQLConnection
    ) async throws {
        let reserved = estimate.totalTokens, used = actual.totalTokens
        try await db.sql.raw("""
            UPDATE ai_user_plans SET
              day_tokens_reserved = day_tokens_reserved - (CASE WHEN day_start = \(bind: day) THEN \(bind: reserved) ELSE 0 END),
              day_tokens_used = day_tokens_used + (CASE WHEN day_start = \(bind: day) THEN \(bind: used) ELSE 0 END),
              month_tokens_reserved = month_tokens_reserved - (CASE WHEN period_start = \(bind: month) THEN \(bind: reserved) ELSE 0 END),
              month_tokens_used = month_tokens_used + (CASE WHEN period_start = \(bind: month) THEN \(bind: used) ELSE 0 END),
              month_audio_reserved = month_audio_reserved - (CASE WHEN period_start = \(bind: month) THEN \(bind: estimate.audioSeconds) ELSE 0 END),
              month_audio_used = month_audio_used + (CASE WHEN period_start = \(bind: month) THEN \(bind: actual.audioSeconds) ELSE 0 END),
              updated_at = \(bind: now)
            WHERE user_id = \(bind: userID.rawValue)
            """).run()
    }

    /// One settlement of a batch.
    public struct Settlement: Sendable, Codable {
        public var reservation: AIReservation
        public var actual: AIUsage
        public var event: AIUsageEvent
        public var now: Date

        public init(reservation: AIReservation, actual: AIUsage, event: AIUsageEvent, now: Date) {
            self.reservation = reservation
            self.actual = actual
            self.event = event
            self.now = now
        }
    }

    /// Settles many requests in one transaction, as `settle` does one by one: the counters of each user and
    /// period move once by the batch's sums, the events go in as multi-row inserts, each member moves once.
    public static func settle(batch: [Settlement], on db: SQLConnection) async throws {
        struct Key: Hashable { var user: UserID; var day: Date; var month: Date }
        var sums: [Key: (reserved: Int64, used: Int64, audioReserved: Int64, audioUsed: Int64, now: Date)] = [:]
        struct MemberKey: Hashable { var user: UserID; var periods: UsagePeriods }
        var members: [MemberKey: (tokens: Int64, words: Int64, now: Date)] = [:]
        for item in batch {
            let key = Key(user: item.reservation.userID, day: item.reservation.periods.dayStart, month: item.reservation.periods.monthStart)
            var sum = sums[key] ?? (0, 0, 0, 0, item.now)
            sum.reserved += item.reservation.estimate.totalTokens
            sum.used += item.actual.totalTokens
            sum.audioReserved += item.reservation.estimate.audioSeconds
            sum.audioUsed += item.actual.audioSeconds
            sum.now = max(sum.now, item.now)
            sums[key] = sum
            if item.actual.totalTokens > 0 || item.actual.words > 0 {
                let memberKey = MemberKey(user: item.reservation.userID, periods: item.reservation.periods)
                var member = members[memberKey] ?? (0, 0, item.now)
                member.tokens += item.actual.totalTokens
                member.words += item.actual.words
                member.now = max(member.now, item.now)
                members[memberKey] = member
            }
        }
        for (key, sum) in sums {
            try await updateCounters(
                userID: key.user, day: key.day, month: key.month, reserved: AIUsage(inputTokens: sum.reserved, audioSeconds: sum.audioReserved),
                actual: AIUsage(inputTokens: sum.used, audioSeconds: sum.audioUsed), now: sum.now, on: db)
        }
        var start = 0
        while start < batch.count {
            let rows = batch[start..<min(batch.count, start + 400)]
            var query = SQLQueryString("""
                INSERT INTO ai_usage_events (user_id, model, endpoint, input_tokens, output_tokens, total_tokens, cached_tokens,
                  audio_seconds, cost_micros, request_id, latency_ms, status, outcome, created_at, words) VALUES
                """)
            for (index, item) in rows.enumerated() {
                let event = item.event
                query.appendInterpolation(unsafeRaw: index == 0 ? " " : ", ")
                query.appendInterpolation(unsafeRaw: "(")
                query.appendInterpolation(bind: event.userID.rawValue)
                for value in [event.model, event.endpoint] as [String] {
                    query.appendInterpolation(unsafeRaw: ", ")
                    query.appendInterpolation(bind: value)
                }
                for value in [event.usage.inputTokens, event.usage.outputTokens, event.usage.totalTokens, event.usage.cachedTokens,
                              event.usage.audioSeconds, event.costMicros] {
                    query.appendInterpolation(unsafeRaw: ", ")
                    query.appendInterpolation(bind: value)
                }
                query.appendInterpolation(unsafeRaw: ", ")
                query.appendInterpolation(bind: event.requestID)
                query.appendInterpolation(unsafeRaw: ", ")
                query.appendInterpolation(bind: event.latencyMs)
                query.appendInterpolation(unsafeRaw: ", ")
                query.appendInterpolation(bind: event.status)
                query.appendInterpolation(unsafeRaw: ", ")
                query.appendInterpolation(bind: event.outcome.rawValue)
                query.appendInterpolation(unsafeRaw: ", ")
                query.appendInterpolation(bind: item.now)
                query.appendInterpolation(unsafeRaw: ", ")
                query.appendInterpolation(bind: event.usage.words)
                query.appendInterpolation(unsafeRaw: ")")
            }
            try await db.sql.raw(query).run()
            start += 400
        }
        for (key, member) in members {
            try await MemberRepository.addUsage(
                userID: key.user, tokens: member.tokens, words: member.words, periods: key.periods, now: member.now, on: db)
        }
    }

    /// Whether the ledger already has the request (its settlement committed, whatever its caller was told).
    public static func settled(requestID: String, on db: SQLConnection) async throws -> Bool {
        try await db.sql.raw("SELECT 1 AS found FROM ai_usage_events WHERE request_id = \(bind: requestID)").first() != nil
    }

    /// Records a request that reserved nothing (refused before the upstream).
    public static func insert(_ event: AIUsageEvent, now: Date, on db: SQLConnection) async throws {
        try await db.sql.raw("""
            INSERT INTO ai_usage_events (user_id, model, endpoint, input_tokens, output_tokens, total_tokens, cached_tokens,
              audio_seconds, cost_micros, request_id, latency_ms, status, outcome, created_at, words)
            VALUES (\(bind: event.userID.rawValue), \(bind: event.model), \(bind: event.endpoint), \(bind: event.usage.inputTokens),
              \(bind: event.usage.outputTokens), \(bind: event.usage.totalTokens), \(bind: event.usage.cachedTokens),
              \(bind: event.usage.audioSeconds), \(bind: event.costMicros), \(bind: event.requestID), \(bind: event.latencyMs),
              \(bind: event.status), \(bind: event.outcome.rawValue), \(bind: now), \(bind: event.usage.words))
            """).run()
    }

    /// The user's row, or `nil` before their first AI request or admin override.
    public static func state(userID: UserID, on db: SQLConnection) async throws -> AIPlanState? {
        try await db.sql.raw("""
            SELECT plan, tokens_per_day_override, tokens_per_month_override, requests_per_minute_override,
              audio_seconds_per_month_override, anchor_at, minute_start, minute_requests, day_start, day_tokens_used,
              day_tokens_reserved, day_requests, period_start, month_tokens_used, month_tokens_reserved, month_requests,
              month_audio_used, month_audio_reserved
            FROM ai_user_plans WHERE user_id = \(bind: userID.rawValue)
            """).first().map { row in
            AIPlanState(
                plan: try row.decode(column: "plan", as: String.self),
                overrides: AILimitOverrides(
                    tokensPerDay: try row.decode(column: "tokens_per_day_override", as: Int64?.self),
                    tokensPerMonth: try row.decode(column: "tokens_per_month_override", as: Int64?.self),
                    requestsPerMinute: try row.decode(column: "requests_per_minute_override", as: Int64?.self),
                    audioSecondsPerMonth: try row.decode(column: "audio_seconds_per_month_override", as: Int64?.self)),
                anchorAt: try row.decode(column: "anchor_at", as: Date?.self),
                minuteStart: try row.decode(column: "minute_start", as: Date?.self),
                minuteRequests: try row.decode(column: "minute_requests", as: Int64.self),
                dayStart: try row.decode(column: "day_start", as: Date?.self),
                dayTokensUsed: try row.decode(column: "day_tokens_used", as: Int64.self),
                dayTokensReserved: try row.decode(column: "day_tokens_reserved", as: Int64.self),
                dayRequests: try row.decode(column: "day_requests", as: Int64.self),
                monthStart: try row.decode(column: "period_start", as: Date?.self),
                monthTokensUsed: try row.decode(column: "month_tokens_used", as: Int64.self),
                monthTokensReserved: try row.decode(column: "month_tokens_reserved", as: Int64.self),
                monthRequests: try row.decode(column: "month_requests", as: Int64.self),
                monthAudioUsed: try row.decode(column: "month_audio_used", as: Int64.self),
                monthAudioReserved: try row.decode(column: "month_audio_reserved", as: Int64.self))
        }
    }

    /// Sets an admin's overrides (every field; `nil` clears one), creating the row if needed.
    public static func setOverrides(userID: UserID, _ overrides: AILimitOverrides, plan: String, now: Date, on db: SQLConnection) async throws {
        _ = try await ensureRow(userID: userID, plan: plan, now: now, on: db)
        try await db.sql.raw("""
            UPDATE ai_user_plans SET tokens_per_day_override = \(bind: overrides.tokensPerDay),
              tokens_per_month_override = \(bind: overrides.tokensPerMonth),
              requests_per_minute_override = \(bind: overrides.requestsPerMinute),
              audio_seconds_per_month_override = \(bind: overrides.audioSecondsPerMonth), updated_at = \(bind: now)
            WHERE user_id = \(bind: userID.rawValue)
            """).run()
    }

    /// Sums of the ledger for a user since `start` (tests and the usage answer's cost).
    public static func ledgerTotals(userID: UserID, since start: Date, on db: SQLConnection) async throws -> (tokens: Int64, costMicros: Int64, requests: Int64) {
        let row = try await db.sql.raw("""
            SELECT CAST(COALESCE(SUM(total_tokens), 0) AS BIGINT) AS tokens, CAST(COALESCE(SUM(cost_micros), 0) AS BIGINT) AS cost, COUNT(*) AS n
            FROM ai_usage_events WHERE user_id = \(bind: userID.rawValue) AND created_at >= \(bind: start)
            """).first()
        return (
            try row?.decode(column: "tokens", as: Int64.self) ?? 0, try row?.decode(column: "cost", as: Int64.self) ?? 0,
            try row?.decode(column: "n", as: Int64.self) ?? 0
        )
    }
}
