import Foundation
import SQLKit
import ScritorioCore

/// A received webhook, as stored before it is acknowledged.
public struct IncomingWebhookEvent: Sendable, Equatable {
    public var provider: BillingProvider
    public var eventID: String
    public var eventType: String
    public var mode: BillingMode
    /// The raw body exactly as received (it is what the signature covered).
    public var payload: String
    public var occurredAt: Date?
    public var receivedAt: Date

    public init(
        provider: BillingProvider, eventID: String, eventType: String, mode: BillingMode, payload: String,
        occurredAt: Date?, receivedAt: Date
    ) {
        self.provider = provider
        self.eventID = eventID
        self.eventType = eventType
        self.mode = mode
        self.payload = payload
        self.occurredAt = occurredAt
        self.receivedAt = receivedAt
    }
}

/// `billing_webhook_events`: the durable webhook log.
public enum WebhookEventRepository {
    /// Stores the event unless one with the same provider and event id is already there.
    /// - Returns: whether this call stored it (false = a duplicate delivery).
    public static func insert(_ event: IncomingWebhookEvent, on db: SQLConnection) async throws -> Bool {
        let rows = try await db.sql.raw("""
            INSERT INTO billing_webhook_events
            (provider, event_id, event_type, mode, payload, received_at, occurred_at, status, attempts)
            VALUES (\(bind: event.provider.rawValue), \(bind: event.eventID), \(bind: event.eventType), \(bind: event.mode.rawValue),
            \(bind: event.payload), \(bind: event.receivedAt), \(bind: event.occurredAt), \(bind: WebhookEventStatus.pending.rawValue), 0)
            ON CONFLICT (provider, event_id) DO NOTHING RETURNING id
            """).all()
        return !rows.isEmpty
    }

    /// The stored copy of an event, for admins and tests.
    public static func find(provider: BillingProvider, eventID: String, on db: SQLConnection) async throws -> (IncomingWebhookEvent, status: WebhookEventStatus)? {
        guard let row = try await db.sql.raw("""
            SELECT provider, event_id, event_type, mode, payload, occurred_at, received_at, status
            FROM billing_webhook_events WHERE provider = \(bind: provider.rawValue) AND event_id = \(bind: eventID)
            """).first() else { return nil }
        let event = IncomingWebhookEvent(
            provider: BillingProvider(rawValue: try row.decode(column: "provider", as: String.self)),
            eventID: try row.decode(column: "event_id", as: String.self),
            eventType: try row.decode(column: "event_type", as: String.self),
            mode: BillingMode(rawValue: try row.decode(column: "mode", as: String?.self) ?? "") ?? .test,
            payload: try row.decode(column: "payload", as: String.self),
            occurredAt: try row.decode(column: "occurred_at", as: Date?.self),
            receivedAt: try row.decode(column: "received_at", as: Date.self))
        return (event, WebhookEventStatus(rawValue: try row.decode(column: "status", as: String.self)))
    }

    /// How many events are stored for `provider`.
    public static func count(provider: BillingProvider, on db: SQLConnection) async throws -> Int {
        try await db.sql.raw(
            "SELECT COUNT(*) AS n FROM billing_webhook_events WHERE provider = \(bind: provider.rawValue)"
        ).first()?.decode(column: "n", as: Int.self) ?? 0
    }
}
