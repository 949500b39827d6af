import Foundation
import HTTPTypes
import Logging
import NIOCore
import ScritorioCore
@testable import ScritorioServer
import ScritorioStore
import ScritorioTestSupport
import Testing

/// Provider trials (Paddle `trialing` with its items' `trial_dates`) set the member's trial fields; paying ends
/// them, and a cardless trial too.
@Suite("Provider trials")
struct ProviderTrialTests {
    static func trialingEvent(id: String, status: String, user: String, occurredAt: Date, trialEnd: Date) -> String {
        let trialDates = status == "trialing"
            ? #"{"starts_at":"2026-01-01T00:00:00.000000Z","ends_at":"\#(WireDateText.format(trialEnd))"}"# : "null"
        return #"{"event_id":"\#(id)","event_type":"subscription.updated","occurred_at":"\#(WireDateText.format(occurredAt))","notification_id":"ntf_1","data":{"id":"sub_01trial00000000000000000000","status":"\#(status)","customer_id":"ctm_01trial0000000000000000000","custom_data":{"userId":"\#(user)"},"items":[{"price":{"id":"\#(WebhookProcessingTests.monthly)"},"trial_dates":\#(trialDates)}],"current_billing_period":{"starts_at":"2026-01-01T00:00:00.000000Z","ends_at":"\#(WireDateText.format(trialEnd.addingTimeInterval(30 * 86_400)))"},"scheduled_change":null}}"#
    }

    @Test("a trialing subscription shows as a trial until it converts; converting ends a cardless trial at once", arguments: TestStores.kinds)
    func providerTrial(kind: StoreKind) async throws {
        try await Harness.run(kind, configure: {
            $0.paddle.webhookSecrets = [WebhookProcessingTests.secret]
            $0.trialDays = 30
        }) { app in
            let now = Date()
            let session = try await app.confirmedSession(Harness.email())
            let token = try #require(session.string("access_token"))
            let user = try #require(Harness.claims(token)["sub"] as? String)
            // A cardless trial first.
            let initial = try await app.request(.post, "/v1/me/init", json: [:], bearer: token)
            #expect((initial.json["member"] as? [String: Any])?["isOnTrial"] as? Bool == true)

            let trialEnd = now.addingTimeInterval(7 * 86_400)
            #expect(try await WebhookProcessingTests.deliver(
                app, Self.trialingEvent(id: "evt_t1", status: "trialing", user: user, occurredAt: now.addingTimeInterval(-60), trialEnd: trialEnd)) == .ok)
            while try await WebhookProcessingTests.processor(app).drainOnce() > 0 {}
            let trialing = try #require(try await app.request(.post, "/functions/v1/member-get", json: [:], bearer: token).json["member"] as? [String: Any])
            #expect(trialing["isOnTrial"] as? Bool == true && trialing["plan"] as? String == "pro")
            // The later end of the two trials shows (the cardless one runs 30 days).
            let shown = try #require((trialing["trialEndsAt"] as? String).flatMap(RFC3339.parse))
            #expect(shown.timeIntervalSince(now) > 29 * 86_400)
            let stored = try #require(try await app.database.read {
                try await BillingRepository.subscription(provider: .paddle, id: "sub_01trial00000000000000000000", on: $0)
            })
            #expect(abs((stored.change.trialEndsAt ?? .distantPast).timeIntervalSince(trialEnd)) < 1 && stored.change.scheduledCancelAt == nil)

            // Paid: the subscription is active, the trials are over, the plan stays pro.
            #expect(try await WebhookProcessingTests.deliver(
                app, Self.trialingEvent(id: "evt_t2", status: "active", user: user, occurredAt: now.addingTimeInterval(-30), trialEnd: trialEnd)) == .ok)
            while try await WebhookProcessingTests.processor(app).drainOnce() > 0 {}
            let paid = try #require(try await app.request(.post, "/functions/v1/member-get", json: [:], bearer: token).json["member"] as? [String: Any])
            #expect(paid["isOnTrial"] as? Bool == false && paid["plan"] as? String == "pro" && paid["trialEndsAt"] is NSNull)
            let entitlements = try await app.request(.get, "/v1/me/entitlements", bearer: token)
            let sources = (entitlements.json["entitlements"] as? [[String: Any]])?.first?["sources"] as? [[String: Any]]
            #expect(sources?.map { $0["type"] as? String } == ["subscription"])
        }
    }
}
