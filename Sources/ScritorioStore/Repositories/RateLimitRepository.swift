import Foundation
import SQLKit
import ScritorioCore

/// Token buckets in `rate_limit_buckets` (PostgreSQL), shared by every replica. Taking a token is one statement:
/// the bucket is refilled for the time since its last take and decremented only when a whole token is there, under
/// the row's lock, so simultaneous requests on any number of replicas never take more than the rule allows.
public enum RateLimitRepository {
    /// Takes one token of `key` under `rule` if there is one; whether there was.
    public static func take(key: String, rule: RateLimitRule, now: Date, on db: SQLConnection) async throws -> Bool {
        let burst = Double(rule.burst), rate = rule.refillRate
        let rows = try await db.sql.raw("""
            INSERT INTO rate_limit_buckets AS b (key, tokens, updated_at) VALUES (\(bind: key), \(bind: burst - 1), \(bind: now))
            ON CONFLICT (key) DO UPDATE SET
              tokens = LEAST(\(bind: burst), b.tokens + GREATEST(0, EXTRACT(EPOCH FROM (excluded.updated_at - b.updated_at))::float8) * \(bind: rate)) - 1,
              updated_at = GREATEST(b.updated_at, excluded.updated_at)
            WHERE LEAST(\(bind: burst), b.tokens + GREATEST(0, EXTRACT(EPOCH FROM (excluded.updated_at - b.updated_at))::float8) * \(bind: rate)) >= 1
            RETURNING key
            """).all()
        return !rows.isEmpty
    }

    /// Whether `key` has a token under `rule`, without taking it.
    public static func hasToken(key: String, rule: RateLimitRule, now: Date, on db: SQLConnection) async throws -> Bool {
        guard let row = try await db.sql.raw("""
            SELECT LEAST(\(bind: Double(rule.burst)), tokens + GREATEST(0, EXTRACT(EPOCH FROM (\(bind: now) - updated_at))::float8) * \(bind: rule.refillRate)) AS available
            FROM rate_limit_buckets WHERE key = \(bind: key)
            """).first()
        else { return true }
        return try row.decode(column: "available", as: Double.self) >= 1
    }

    /// Forgets buckets untouched since `before` (full again, so the same as no row).
    public static func prune(before: Date, on db: SQLConnection) async throws {
        try await db.sql.raw("DELETE FROM rate_limit_buckets WHERE updated_at < \(bind: before)").run()
    }
}
