import Foundation
import SQLKit
import ScritorioCore

/// The allowance statements for many users at once: each is one `UPDATE … FROM` a derived table with a row per
/// user, so a group commit on SQLite costs a few statements however many users it carries. Every row is still
/// the conditional write of one user (a user's row changes only if all of its limits hold), so batching changes
/// the cost, never a decision. A user appears at most once per statement: `UPDATE … FROM` applies one matching
/// source row per target row. No bind is NULL (PostgreSQL could not type the column), hence -1 for "no quota".
extension AIRepository {
    /// One user's reservation in a batch: `estimate` and `requests` are the sums of that user's requests.
    public struct ReserveRow: Sendable, Equatable {
        public var userID: UserID
        public var plan: String
        public var limits: AILimits
        public var periods: AIPeriods
        public var estimate: AIUsage
        public var requests: Int64
        public var now: Date

        public init(userID: UserID, plan: String, limits: AILimits, periods: AIPeriods, estimate: AIUsage, requests: Int64 = 1, now: Date) {
            self.userID = userID
            self.plan = plan
            self.limits = limits
            self.periods = periods
            self.estimate = estimate
            self.requests = requests
            self.now = now
        }
    }

    /// Rows per statement: 16 binds each stays far below SQLite's 32,766 and PostgreSQL's 65,535 parameters.
    static let rowsPerStatement = 500

    /// Reserves every row whose limits all hold; returns the users whose rows were reserved.
    public static func reserve(_ rows: [ReserveRow], on db: SQLConnection) async throws -> Set<UserID> {
        precondition(Set(rows.map(\.userID)).count == rows.count, "one row per user")
        var reserved: Set<UserID> = []
        for chunk in rows.chunked(rowsPerStatement) {
            var query = SQLQueryString("""
                UPDATE ai_user_plans SET
                  minute_requests = (CASE WHEN minute_start = j.minute THEN minute_requests ELSE 0 END) + j.requests,
                  minute_start = j.minute,
                  day_tokens_used = CASE WHEN day_start = j.day THEN day_tokens_used ELSE 0 END,
                  day_tokens_reserved = (CASE WHEN day_start = j.day THEN day_tokens_reserved ELSE 0 END) + j.tokens,
                  day_requests = (CASE WHEN day_start = j.day THEN day_requests ELSE 0 END) + j.requests,
                  day_start = j.day,
                  month_tokens_used = CASE WHEN period_start = j.month THEN month_tokens_used ELSE 0 END,
                  month_tokens_reserved = (CASE WHEN period_start = j.month THEN month_tokens_reserved ELSE 0 END) + j.tokens,
                  month_requests = (CASE WHEN period_start = j.month THEN month_requests ELSE 0 END) + j.requests,
                  month_audio_used = CASE WHEN period_start = j.month THEN month_audio_used ELSE 0 END,
                  month_audio_reserved = (CASE WHEN period_start = j.month THEN month_audio_reserved ELSE 0 END) + j.audio,
                  period_start = j.month,
                  period_end = j.month_end,
                  plan = j.plan,
                  monthly_token_quota = COALESCE(tokens_per_month_override, NULLIF(j.tpm_quota, -1)),
                  updated_at = j.now_at
                FROM
                """)
            appendDerivedTable(
                to: &query,
                columns: ["uid", "minute", "day", "month", "month_end", "tokens", "audio", "requests", "plan", "tpm_quota",
                          "rpm", "rpd", "tpd", "tpm", "aspm", "now_at"],
                rows: chunk.map { row in
                    [row.userID.rawValue, row.periods.minuteStart, row.periods.dayStart, row.periods.monthStart, row.periods.monthEnd,
                     row.estimate.totalTokens, row.estimate.audioSeconds, row.requests, row.plan, row.limits.tokensPerMonth ?? -1,
                     row.limits.requestsPerMinute ?? unlimited, row.limits.requestsPerDay ?? unlimited,
                     row.limits.tokensPerDay ?? unlimited, row.limits.tokensPerMonth ?? unlimited,
                     row.limits.audioSecondsPerMonth ?? unlimited, row.now]
                })
            query.appendLiteral("""
                 AS j
                WHERE user_id = j.uid
                  AND (CASE WHEN minute_start = j.minute THEN minute_requests ELSE 0 END) + j.requests
                      <= COALESCE(requests_per_minute_override, j.rpm)
                  AND (CASE WHEN day_start = j.day THEN day_requests ELSE 0 END) + j.requests <= j.rpd
                  AND (CASE WHEN day_start = j.day THEN day_tokens_used + day_tokens_reserved ELSE 0 END) + j.tokens
                      <= COALESCE(tokens_per_day_override, j.tpd)
                  AND (CASE WHEN period_start = j.month THEN month_tokens_used + month_tokens_reserved ELSE 0 END) + j.tokens
                      <= COALESCE(tokens_per_month_override, j.tpm)
                  AND (CASE WHEN period_start = j.month THEN month_audio_used + month_audio_reserved ELSE 0 END) + j.audio
                      <= COALESCE(audio_seconds_per_month_override, j.aspm)
                RETURNING user_id
                """)
            for row in try await db.sql.raw(query).all() {
                reserved.insert(UserID(try row.decode(column: "user_id", as: UUID.self)))
            }
        }
        return reserved
    }

    /// One user's settlement in a batch: reservations and uses summed over that user's requests of one period.
    struct CounterRow {
        var userID: UserID
        var day: Date
        var month: Date
        var reserved: Int64
        var used: Int64
        var audioReserved: Int64
        var audioUsed: Int64
        var now: Date
    }

    /// Replaces the rows' reservations by their uses in the counters of the periods they were made in.
    static func updateCounters(_ rows: [CounterRow], on db: SQLConnection) async throws {
        for chunk in rows.chunked(rowsPerStatement) {
            var query = SQLQueryString("""
                UPDATE ai_user_plans SET
                  day_tokens_reserved = day_tokens_reserved - (CASE WHEN day_start = j.day THEN j.reserved ELSE 0 END),
                  day_tokens_used = day_tokens_used + (CASE WHEN day_start = j.day THEN j.used ELSE 0 END),
                  month_tokens_reserved = month_tokens_reserved - (CASE WHEN period_start = j.month THEN j.reserved ELSE 0 END),
                  month_tokens_used = month_tokens_used + (CASE WHEN period_start = j.month THEN j.used ELSE 0 END),
                  month_audio_reserved = month_audio_reserved - (CASE WHEN period_start = j.month THEN j.audio_reserved ELSE 0 END),
                  month_audio_used = month_audio_used + (CASE WHEN period_start = j.month THEN j.audio_used ELSE 0 END),
                  updated_at = j.now_at
                FROM
                """)
            appendDerivedTable(
                to: &query, columns: ["uid", "day", "month", "reserved", "used", "audio_reserved", "audio_used", "now_at"],
                rows: chunk.map { [$0.userID.rawValue, $0.day, $0.month, $0.reserved, $0.used, $0.audioReserved, $0.audioUsed, $0.now] })
            query.appendLiteral(" AS j WHERE user_id = j.uid")
            try await db.sql.raw(query).run()
        }
    }

    /// Adds tokens to the members' seed counters (UTC day and month, as `member-get` shows them); returns the
    /// users who have no member row yet.
    static func addMemberTokens(_ rows: [(userID: UserID, tokens: Int64, now: Date)], on db: SQLConnection) async throws -> [UserID] {
        var updated: Set<UserID> = []
        for chunk in rows.chunked(rowsPerStatement) {
            var query = SQLQueryString("""
                UPDATE members SET
                  tokens_today = (CASE WHEN today_reset_at = j.day THEN tokens_today ELSE 0 END) + j.tokens,
                  today_reset_at = j.day,
                  tokens_this_month = (CASE WHEN this_month_reset_at = j.month THEN tokens_this_month ELSE 0 END) + j.tokens,
                  this_month_reset_at = j.month,
                  tokens_total = tokens_total + j.tokens,
                  updated_at = j.now_at
                FROM
                """)
            appendDerivedTable(
                to: &query, columns: ["mid", "tokens", "day", "month", "now_at"],
                rows: chunk.map { row in
                    let periods = UsagePeriods(now: row.now)
                    return [row.userID.rawValue, row.tokens, periods.dayStart, periods.monthStart, row.now]
                })
            query.appendLiteral(" AS j WHERE id = j.mid RETURNING id")
            for row in try await db.sql.raw(query).all() {
                updated.insert(UserID(try row.decode(column: "id", as: UUID.self)))
            }
        }
        return rows.map(\.userID).filter { !updated.contains($0) }
    }

    /// `(SELECT ? AS a, ? AS b UNION ALL SELECT ?, ? …)`: a derived table both SQLite and PostgreSQL read (SQLite
    /// names no `VALUES` columns); PostgreSQL types each column from its bound parameters.
    static func appendDerivedTable(to query: inout SQLQueryString, columns: [String], rows: [[any Encodable & Sendable]]) {
        query.appendLiteral(" (")
        for (index, row) in rows.enumerated() {
            query.appendLiteral(index == 0 ? "SELECT " : " UNION ALL SELECT ")
            for (position, value) in row.enumerated() {
                if position > 0 { query.appendLiteral(", ") }
                query.appendInterpolation(bind: value)
                if index == 0 { query.appendLiteral(" AS \(columns[position])") }
            }
        }
        query.appendLiteral(")")
    }
}

extension Array {
    func chunked(_ size: Int) -> [ArraySlice<Element>] {
        stride(from: 0, to: count, by: size).map { self[$0..<Swift.min(count, $0 + size)] }
    }
}
