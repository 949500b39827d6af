import Foundation
import HTTPTypes
import Logging
import NIOCore
import ScritorioAPI
import ScritorioCore
@testable import ScritorioServer
import SQLKit
import ScritorioStore
import ScritorioTestSupport
import Testing

/// Signed Paddle webhooks through ingest and the processor, into subscriptions, grants and `members.plan`.
@Suite("Webhook processing")
struct WebhookProcessingTests {
    static let secret = "pdl_ntfset_processing_test"
    static let monthly = "pri_01sandboxpromonthly0000000"

    /// A subscription notification for `user` in the sandbox catalog's monthly price.
    static func subscriptionEvent(
        id: String, status: String, user: String?, occurredAt: Date, scheduledCancel: Date? = nil, periodEnd: Date
    ) -> String {
        let custom = user.map { #"{"userId":"\#($0)"}"# } ?? "null"
        let scheduled = scheduledCancel.map { #"{"action":"cancel","effective_at":"\#(WireDateText.format($0))","resume_at":null}"# } ?? "null"
        return #"{"event_id":"\#(id)","event_type":"subscription.updated","occurred_at":"\#(WireDateText.format(occurredAt))","notification_id":"ntf_1","data":{"id":"sub_01processing0000000000000","status":"\#(status)","customer_id":"ctm_01processing000000000000","custom_data":\#(custom),"items":[{"price":{"id":"\#(monthly)"}}],"current_billing_period":{"starts_at":"2026-01-01T00:00:00.000000Z","ends_at":"\#(WireDateText.format(periodEnd))"},"scheduled_change":\#(scheduled)}}"#
    }

    static func deliver(_ app: Harness, _ body: String) async throws -> HTTPResponse.Status {
        var headers: HTTPFields = [.contentType: "application/json"]
        headers[HTTPField.Name("Paddle-Signature")!] = PaddleSignature.header(
            body: Array(body.utf8), timestamp: Int64(Date().timeIntervalSince1970), secrets: [secret])
        return try await app.client.execute(uri: "/webhooks/paddle", method: .post, headers: headers, body: ByteBuffer(string: body)).status
    }

    static func processor(_ app: Harness, now: @escaping @Sendable () -> Date = { Date() }) -> WebhookProcessor {
        WebhookProcessor(
            database: app.database, applier: BillingApplier(catalog: .sandbox, grace: 7 * 86_400), now: now,
            logger: Logger(label: "test"), maxAttempts: 2)
    }

    static func plan(_ app: Harness, token: String) async throws -> String? {
        let reply = try await app.request(.post, "/functions/v1/member-get", json: [:], bearer: token)
        return (reply.json["member"] as? [String: Any])?["plan"] as? String
    }

    @Test("an active subscription makes the member pro; any order and duplication of the events ends the same", arguments: TestStores.kinds)
    func orderIndependence(kind: StoreKind) async throws {
        try await Harness.run(kind, configure: { $0.paddle.webhookSecrets = [Self.secret] }) { app in
            let now = Date()
            let session = try await app.confirmedSession(Harness.email())
            let token = try #require(session.string("access_token"))
            let user = try #require(Harness.claims(token)["sub"] as? String)
            #expect(try await app.request(.post, "/functions/v1/member-init", json: [:], bearer: token).status == .ok)
            let periodEnd = now.addingTimeInterval(20 * 86_400)
            let events = [
                Self.subscriptionEvent(id: "evt_a", status: "active", user: user, occurredAt: now.addingTimeInterval(-300), periodEnd: periodEnd),
                Self.subscriptionEvent(id: "evt_b", status: "past_due", user: user, occurredAt: now.addingTimeInterval(-200), periodEnd: periodEnd),
                Self.subscriptionEvent(id: "evt_c", status: "active", user: user, occurredAt: now.addingTimeInterval(-100), scheduledCancel: now.addingTimeInterval(86_400), periodEnd: periodEnd),
            ]
            // The newest arrives and is applied first; the older ones, and duplicates, come after.
            #expect(try await Self.deliver(app, events[2]) == .ok)
            try await Self.processor(app).drainOnce()
            for body in [events[0], events[2], events[1], events[0]] {
                #expect(try await Self.deliver(app, body) == .ok)
            }
            while try await Self.processor(app).drainOnce() > 0 {}
            #expect(try await Self.plan(app, token: token) == "pro")
            let stored = try #require(try await app.database.read {
                try await BillingRepository.subscription(provider: .paddle, id: "sub_01processing0000000000000", on: $0)
            })
            #expect(stored.change.status == .active)
            #expect(stored.change.scheduledCancelAt != nil)
            let counts = try await app.database.read { try await WebhookQueue.statusCounts(on: $0) }
            #expect(counts["processed"] == 1 && counts["stale"] == 2)

            // After the scheduled cancel moment the recomputed plan is free.
            let later = Self.processor(app, now: { now.addingTimeInterval(2 * 86_400) })
            try await app.database.transaction { db in
                try await later.applier.recompute(UserID(user)!, now: now.addingTimeInterval(2 * 86_400), on: db)
            }
            #expect(try await Self.plan(app, token: token) == "free")
        }
    }

    @Test("past_due keeps pro inside the grace period; canceled drops it", arguments: TestStores.kinds)
    func graceAndCancel(kind: StoreKind) async throws {
        try await Harness.run(kind, configure: { $0.paddle.webhookSecrets = [Self.secret] }) { app in
            let now = Date()
            let token = try #require(try await app.confirmedSession(Harness.email()).string("access_token"))
            let user = try #require(Harness.claims(token)["sub"] as? String)
            _ = try await Self.deliver(app, Self.subscriptionEvent(id: "evt_1", status: "past_due", user: user, occurredAt: now.addingTimeInterval(-86_400), periodEnd: now))
            try await Self.processor(app).drainOnce()
            #expect(try await Self.plan(app, token: token) == "pro")
            let due = try await app.request(.get, "/v1/me/subscription", bearer: token, apikey: false).json["subscription"] as? [String: Any]
            #expect(due?["status"] as? String == "past_due" && due?["billingIssue"] as? Bool == true && due?["active"] as? Bool == true)
            #expect(due?["plan"] as? String == "pro_monthly")
            let granted = try await app.request(.get, "/v1/me/entitlements", bearer: token, apikey: false)
            #expect(granted.json["plan"] as? String == "pro")
            let first = (granted.json["entitlements"] as? [[String: Any]])?.first
            #expect(first?["code"] as? String == "scritorio_pro" && first?["expiresAt"] is String)

            _ = try await Self.deliver(app, Self.subscriptionEvent(id: "evt_2", status: "canceled", user: user, occurredAt: now.addingTimeInterval(-60), periodEnd: now))
            try await Self.processor(app).drainOnce()
            #expect(try await Self.plan(app, token: token) == "free")
            let ended = try await app.request(.get, "/v1/me/subscription", bearer: token, apikey: false).json["subscription"] as? [String: Any]
            #expect(ended?["active"] as? Bool == false && ended?["willRenew"] as? Bool == false)
            let none = try await app.request(.get, "/v1/me/entitlements", bearer: token, apikey: false)
            #expect((none.json["entitlements"] as? [Any])?.isEmpty == true)
        }
    }

    @Test("no user id and no known customer: parked as an orphan; a body that cannot be read is parked at once, with why")
    func orphansAndFailures() async throws {
        try await Harness.run(.sqlite, configure: { $0.paddle.webhookSecrets = [Self.secret] }) { app in
            let now = Date()
            _ = try await Self.deliver(app, Self.subscriptionEvent(id: "evt_orphan", status: "active", user: nil, occurredAt: now, periodEnd: now.addingTimeInterval(86_400)))
            let broken = #"{"event_id":"evt_broken","event_type":"subscription.updated","occurred_at":"2026-01-01T00:00:00Z","data":{"id":7}}"#
            _ = try await Self.deliver(app, broken)
            let clock = TestClock(now)
            let processor = Self.processor(app, now: { clock.now })
            try await processor.drainOnce()
            // One pass: the same signed bytes can never be read later, so there is no retry.
            let counts = try await app.database.read { try await WebhookQueue.statusCounts(on: $0) }
            #expect(counts["orphan"] == 1)
            #expect(counts["parked"] == 1 && counts["retry"] == nil)
            let listed = try await app.database.read { try await WebhookQueue.list(statuses: ["parked"], limit: 10, on: $0) }
            #expect(listed.map(\.eventID) == ["evt_broken"] && listed.first?.attempts == 1)
            #expect(listed.first?.lastError?.hasPrefix("unreadable: ") == true && listed.first?.lastError?.contains("subscription.updated") == true)
            clock.advance(3600)

            // An admin links the orphan to its user; it is applied on the next pass.
            let token = try #require(try await app.confirmedSession(Harness.email()).string("access_token"))
            let user = try #require(UserID(Harness.claims(token)["sub"] as? String ?? ""))
            #expect(try await app.database.transaction { try await WebhookQueue.requeue(provider: .paddle, eventID: "evt_orphan", linkTo: user, on: $0) })
            #expect(try await app.database.transaction { try await WebhookQueue.requeue(provider: .paddle, eventID: "evt_nope", linkTo: user, on: $0) } == false)
            try await processor.drainOnce()
            #expect(try await Self.plan(app, token: token) == "pro")
        }
    }
}

/// Formats dates like the provider (RFC 3339, microseconds, UTC).
enum WireDateText {
    static func format(_ date: Date) -> String { WireDate.format(date) }
}
