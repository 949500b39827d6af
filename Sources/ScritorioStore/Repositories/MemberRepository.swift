import Foundation
import SQLKit
import ScritorioCore

/// `members` and `profiles`.
public enum MemberRepository {
    /// Creates the free member unless one exists; never resets an existing member. Safe under concurrency:
    /// the primary key decides, so two simultaneous calls create exactly one row.
    /// - Returns: whether this call created the member.
    @discardableResult
    public static func initFree(userID: UserID, now: Date, on db: SQLConnection) async throws -> Bool {
        let anchor = try await db.sql.raw("""
            SELECT \(unsafeRaw: anchorExpression(user: "k.uid", member: "NULL")) AS usage_anchor
            FROM (SELECT \(bind: userID.rawValue) AS uid) k
            """).first().flatMap { try $0.decode(column: "usage_anchor", as: Date?.self) }
        let member = Member.newFree(id: userID, anchor: anchor ?? now, now: now)
        let rows = try await db.sql.raw("""
            INSERT INTO members (id, type, plan, is_on_trial, words_today, words_this_month, words_total, tokens_today,
            tokens_this_month, tokens_total, today_reset_at, this_month_reset_at, created_at, updated_at)
            VALUES (\(bind: userID.rawValue), 'user', 'free', \(bind: false), 0, 0, 0, 0, 0, 0,
            \(bind: member.todayResetAt), \(bind: member.thisMonthResetAt), \(bind: now), \(bind: now))
            ON CONFLICT (id) DO NOTHING RETURNING id
            """).all()
        return !rows.isEmpty
    }

    static let memberColumns = [
        "id", "type", "plan", "is_on_trial", "trial_ends_at", "words_today", "words_this_month", "words_total",
        "tokens_today", "tokens_this_month", "tokens_total", "today_reset_at", "this_month_reset_at", "created_at",
        "updated_at",
    ]

    /// The user's usage anchor as SQL (``UsagePeriods``): the AI row's stored anchor, else the account's creation,
    /// else the member's (a user only an external auth server knows). `user` and `member` are the SQL expressions
    /// of the user's id and of the member's `created_at` (`NULL` when there is no member row at hand).
    static func anchorExpression(user: String, member: String) -> String {
        "COALESCE((SELECT anchor_at FROM ai_user_plans WHERE user_id = \(user)), "
            + "(SELECT created_at FROM auth_users WHERE id = \(user)), \(member))"
    }

    /// The user's usage anchor (``anchorExpression``), or nil when nothing about the user is stored yet.
    public static func anchor(userID: UserID, on db: SQLConnection) async throws -> Date? {
        return try await db.sql.raw("""
            SELECT \(unsafeRaw: anchorExpression(user: "k.uid", member: "(SELECT created_at FROM members WHERE id = k.uid)")) AS anchor
            FROM (SELECT \(unsafeRaw: db.kind == .postgres ? "CAST(" : "")\(bind: userID.rawValue)\(unsafeRaw: db.kind == .postgres ? " AS UUID)" : "") AS uid) k
            """).first()?.decode(column: "anchor", as: Date?.self)
    }

    /// The member as of `now` (``Member/current(in:)``: counters of ended periods read as zero).
    public static func find(userID: UserID, now: Date, on db: SQLConnection) async throws -> Member? {
        try await db.sql.raw("""
            SELECT \(unsafeRaw: memberColumns.joined(separator: ", ")), \(unsafeRaw: anchorExpression(user: "members.id", member: "members.created_at")) AS usage_anchor
            FROM members WHERE id = \(bind: userID.rawValue)
            """
        ).first().map { row in
            let member = try decodeMember(row, prefix: "")
            let anchor = try row.decode(column: "usage_anchor", as: Date?.self) ?? member.createdAt
            return member.current(in: UsagePeriods(anchor: anchor, now: now))
        }
    }

    /// Reads a member from columns named `prefix + column` (joins alias them to stay unambiguous).
    static func decodeMember(_ row: any SQLRow, prefix: String) throws -> Member {
        func column(_ name: String) -> String { prefix + name }
        var counters = UsageCounters()
        counters.wordsToday = try row.decode(column: column("words_today"), as: Int64.self)
        counters.wordsThisMonth = try row.decode(column: column("words_this_month"), as: Int64.self)
        counters.wordsTotal = try row.decode(column: column("words_total"), as: Int64.self)
        counters.tokensToday = try row.decode(column: column("tokens_today"), as: Int64.self)
        counters.tokensThisMonth = try row.decode(column: column("tokens_this_month"), as: Int64.self)
        counters.tokensTotal = try row.decode(column: column("tokens_total"), as: Int64.self)
        return Member(
            id: UserID(try row.decode(column: column("id"), as: UUID.self)),
            type: try row.decode(column: column("type"), as: String.self),
            plan: MemberPlan(rawValue: try row.decode(column: column("plan"), as: String.self)),
            isOnTrial: try row.decode(column: column("is_on_trial"), as: Bool.self),
            trialEndsAt: try row.decode(column: column("trial_ends_at"), as: Date?.self),
            counters: counters,
            todayResetAt: try row.decode(column: column("today_reset_at"), as: Date.self),
            thisMonthResetAt: try row.decode(column: column("this_month_reset_at"), as: Date.self),
            createdAt: try row.decode(column: column("created_at"), as: Date.self),
            updatedAt: try row.decode(column: column("updated_at"), as: Date.self))
    }

    /// The seed's member counters, in the periods the request was reserved in (the user's anchored day and month,
    /// as `member-get` and `/v1/me/usage` show them). A counter still on an earlier period starts again from these
    /// tokens; one already on a later period (a settlement that arrives after the turn of the day) is left alone, as
    /// the quota's counters are; the total always moves.
    static func addTokens(userID: UserID, tokens: Int64, periods: UsagePeriods, now: Date, on db: SQLConnection) async throws {
        try await addUsage(userID: userID, tokens: tokens, words: 0, periods: periods, now: now, on: db)
    }

    /// ``addTokens`` with words too: both counters follow the same periods.
    public static func addUsage(
        userID: UserID, tokens: Int64, words: Int64, periods: UsagePeriods, now: Date, on db: SQLConnection
    ) async throws {
        func update() async throws -> Bool {
            try await !db.sql.raw("""
            UPDATE members SET
              tokens_today = CASE WHEN today_reset_at = \(bind: periods.dayStart) THEN tokens_today + \(bind: tokens)
                WHEN today_reset_at >= \(bind: periods.dayEnd) THEN tokens_today ELSE \(bind: tokens) END,
              words_today = CASE WHEN today_reset_at = \(bind: periods.dayStart) THEN words_today + \(bind: words)
                WHEN today_reset_at >= \(bind: periods.dayEnd) THEN words_today ELSE \(bind: words) END,
              today_reset_at = CASE WHEN today_reset_at >= \(bind: periods.dayEnd) THEN today_reset_at ELSE \(bind: periods.dayStart) END,
              tokens_this_month = CASE WHEN this_month_reset_at = \(bind: periods.monthStart) THEN tokens_this_month + \(bind: tokens)
                WHEN this_month_reset_at >= \(bind: periods.monthEnd) THEN tokens_this_month ELSE \(bind: tokens) END,
              words_this_month = CASE WHEN this_month_reset_at = \(bind: periods.monthStart) THEN words_this_month + \(bind: words)
                WHEN this_month_reset_at >= \(bind: periods.monthEnd) THEN words_this_month ELSE \(bind: words) END,
              this_month_reset_at = CASE WHEN this_month_reset_at >= \(bind: periods.monthEnd) THEN this_month_reset_at
                ELSE \(bind: periods.monthStart) END,
              tokens_total = tokens_total + \(bind: tokens),
              words_total = words_total + \(bind: words),
              updated_at = \(bind: now)
            WHERE id = \(bind: userID.rawValue)
            RETURNING id
            """).all().isEmpty
        }
        // The member usually exists; the user who never called member-init gets the free member first.
        if try await update() { return }
        try await initFree(userID: userID, now: now, on: db)
        _ = try await update()
    }

    // MARK: Profiles

    /// Creates or updates the profile's display name.
    public static func upsertProfile(userID: UserID, displayName: String?, now: Date, on db: SQLConnection) async throws {
        try await db.sql.raw("""
            INSERT INTO profiles (id, display_name, created_at, updated_at)
            VALUES (\(bind: userID.rawValue), \(bind: displayName), \(bind: now), \(bind: now))
            ON CONFLICT (id) DO UPDATE SET display_name = excluded.display_name, updated_at = excluded.updated_at
            """).run()
    }

    /// Creates the profile if there is none; an existing profile is left as it is.
    public static func insertProfileIfMissing(userID: UserID, displayName: String?, now: Date, on db: SQLConnection) async throws {
        try await db.sql.raw("""
            INSERT INTO profiles (id, display_name, created_at, updated_at)
            VALUES (\(bind: userID.rawValue), \(bind: displayName), \(bind: now), \(bind: now))
            ON CONFLICT (id) DO NOTHING
            """).run()
    }

}
