import Foundation
import SQLKit
import ScritorioCore

/// A stored event claimed for processing.
public struct ClaimedWebhookEvent: Sendable, Equatable {
    public var id: Int64
    public var provider: BillingProvider
    public var eventID: String
    public var mode: BillingMode
    public var payload: String
    public var attempts: Int
    /// Set by an admin linking an orphan event to its user.
    public var linkedUserID: UserID?
}

/// A stored event as an admin lists it.
public struct WebhookEventSummary: Sendable, Equatable {
    public var provider: String
    public var eventID: String
    public var eventType: String
    public var status: WebhookEventStatus
    public var attempts: Int
    public var lastError: String?
    public var receivedAt: Date
    public var userID: UserID?
}

/// The processing side of `billing_webhook_events`: claim due events (safely across replicas), then record
/// the outcome.
public enum WebhookQueue {
    /// Claims up to `limit` due events, oldest provider time first, leasing them until `leaseUntil`, in one
    /// statement. On PostgreSQL `FOR UPDATE SKIP LOCKED` lets several replicas claim side by side without blocking
    /// each other or taking the same event.
    public static func claim(limit: Int, now: Date, leaseUntil: Date, on db: SQLConnection) async throws -> [ClaimedWebhookEvent] {
        let skipLocked = db.kind == .postgres ? " FOR UPDATE SKIP LOCKED" : ""
        // The inner query reads the partial index billing_webhook_events_due_idx (migration 10) in order.
        let rows = try await db.sql.raw("""
            UPDATE billing_webhook_events SET locked_until = \(bind: leaseUntil)
            WHERE id IN (
              SELECT id FROM billing_webhook_events
              WHERE status IN ('pending', 'retry') AND (next_attempt_at IS NULL OR next_attempt_at <= \(bind: now))
              AND (locked_until IS NULL OR locked_until <= \(bind: now))
              ORDER BY occurred_at, id LIMIT \(bind: limit)\(unsafeRaw: skipLocked))
            RETURNING id, provider, event_id, mode, payload, attempts, user_id, occurred_at
            """).all()
        // RETURNING gives no order: put the batch back in the provider's order.
        let events = try rows.map { row in
            (at: try row.decode(column: "occurred_at", as: Date?.self),
             event: ClaimedWebhookEvent(
                id: try row.decode(column: "id", as: Int64.self),
                provider: BillingProvider(rawValue: try row.decode(column: "provider", as: String.self)),
                eventID: try row.decode(column: "event_id", as: String.self),
                mode: BillingMode(rawValue: try row.decode(column: "mode", as: String?.self) ?? "") ?? .test,
                payload: try row.decode(column: "payload", as: String.self),
                attempts: try row.decode(column: "attempts", as: Int.self),
                linkedUserID: try row.decode(column: "user_id", as: UUID?.self).map(UserID.init)))
        }
        return events.sorted { a, b in
            switch (a.at, b.at) {
            case let (x?, y?) where x != y: x < y
            case (nil, _?): db.kind == .sqlite
            case (_?, nil): db.kind == .postgres
            default: a.event.id < b.event.id
            }
        }.map(\.event)
    }

    /// Holds, until the transaction ends, a lock on each of `keys` (what an event touches: its user, customer,
    /// subscription), so replicas applying events side by side never apply two of one user's at once. PostgreSQL
    /// only (transaction-scoped advisory locks, in their own class); SQLite's one writer already runs one at a
    /// time. Taken in one statement, in ascending order, so two events never wait on each other in a circle.
    public static func lock(keys: Set<String>, on db: SQLConnection) async throws {
        guard db.kind == .postgres, !keys.isEmpty else { return }
        let ids = Set(keys.map(lockID)).sorted()
        let calls = ids.map { "pg_advisory_xact_lock(\(lockClass), \($0))" }.joined(separator: ", ")
        try await db.sql.raw("SELECT \(unsafeRaw: calls)").run()
    }

    /// The advisory-lock class of webhook keys (the migrator's is 7242001).
    static let lockClass: Int32 = 7_242_002

    /// A stable 32-bit FNV-1a hash of `key`: the same on every replica and every run (Swift's `hashValue` is not).
    static func lockID(_ key: String) -> Int32 {
        var hash: UInt32 = 2_166_136_261
        for byte in key.utf8 {
            hash ^= UInt32(byte)
            hash = hash &* 16_777_619
        }
        return Int32(bitPattern: hash)
    }

    /// Records a final outcome: `processed`, `ignored`, `stale`, `orphan` or `wrong_mode` (and the user, when known).
    public static func finish(id: Int64, status: WebhookEventStatus, userID: UserID?, now: Date, on db: SQLConnection) async throws {
        try await db.sql.raw("""
            UPDATE billing_webhook_events SET status = \(bind: status.rawValue), user_id = \(bind: userID?.rawValue), processed_at = \(bind: now),
            locked_until = NULL, last_error = NULL WHERE id = \(bind: id)
            """).run()
    }

    /// Gives claimed events back untouched (their lease cleared), for a processor that stops before applying
    /// them: the next processor, here or on another replica, takes them at once instead of after the lease.
    public static func release(ids: [Int64], on db: SQLConnection) async throws {
        guard !ids.isEmpty else { return }
        // Ids are integers the store gave out: written into the statement as they are, one statement for all.
        let list = ids.map(String.init).joined(separator: ", ")
        try await db.sql.raw("UPDATE billing_webhook_events SET locked_until = NULL WHERE id IN (\(unsafeRaw: list))").run()
    }

    /// Clears every lease (a store only one server uses, at its start: whoever held them is gone).
    public static func releaseAllLeases(on db: SQLConnection) async throws {
        try await db.sql.raw("UPDATE billing_webhook_events SET locked_until = NULL WHERE locked_until IS NOT NULL").run()
    }

    /// Records a failure: retried at `nextAttempt`, or parked (kept with its error for an admin) when `park`.
    public static func fail(id: Int64, error: String, attempts: Int, nextAttempt: Date, park: Bool, on db: SQLConnection) async throws {
        try await db.sql.raw("""
            UPDATE billing_webhook_events SET status = \(bind: (park ? WebhookEventStatus.parked : .retry).rawValue), attempts = \(bind: attempts),
            next_attempt_at = \(bind: nextAttempt), last_error = \(bind: String(error.prefix(2000))), locked_until = NULL
            WHERE id = \(bind: id)
            """).run()
    }

    /// Events in `statuses` (all when empty), newest first.
    public static func list(statuses: [WebhookEventStatus], limit: Int, on db: SQLConnection) async throws -> [WebhookEventSummary] {
        let rows = try await db.sql.raw("""
            SELECT provider, event_id, event_type, status, attempts, last_error, received_at, user_id FROM billing_webhook_events
            ORDER BY id DESC LIMIT \(bind: max(1, limit) * (statuses.isEmpty ? 1 : 20))
            """).all()
        let all = try rows.map { row in
            WebhookEventSummary(
                provider: try row.decode(column: "provider", as: String.self),
                eventID: try row.decode(column: "event_id", as: String.self),
                eventType: try row.decode(column: "event_type", as: String.self),
                status: WebhookEventStatus(rawValue: try row.decode(column: "status", as: String.self)),
                attempts: try row.decode(column: "attempts", as: Int.self),
                lastError: try row.decode(column: "last_error", as: String?.self),
                receivedAt: try row.decode(column: "received_at", as: Date.self),
                userID: try row.decode(column: "user_id", as: UUID?.self).map(UserID.init))
        }
        return Array(all.filter { statuses.isEmpty || statuses.contains($0.status) }.prefix(limit))
    }

    /// Puts an event back in the queue (after a fix, or to re-apply it), optionally linking it to a user.
    /// - Returns: whether the event exists.
    @discardableResult
    public static func requeue(provider: BillingProvider, eventID: String, linkTo user: UserID?, on db: SQLConnection) async throws -> Bool {
        let rows = try await db.sql.raw("""
            UPDATE billing_webhook_events SET status = \(bind: WebhookEventStatus.pending.rawValue), attempts = 0, next_attempt_at = NULL, locked_until = NULL,
            last_error = NULL, user_id = COALESCE(\(bind: user?.rawValue), user_id)
            WHERE provider = \(bind: provider.rawValue) AND event_id = \(bind: eventID) RETURNING id
            """).all()
        return !rows.isEmpty
    }

}
