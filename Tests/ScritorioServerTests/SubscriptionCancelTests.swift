import Foundation
import ScritorioAPI
import ScritorioCore
import ScritorioProviders
@testable import ScritorioServer
import ScritorioStore
import ScritorioTestSupport
import Testing

@Suite("Cancel at period end")
struct SubscriptionCancelTests {
    @Test("cancel asks Paddle for a period-end cancel and applies its answer; nothing to cancel is 404", arguments: TestStores.kinds)
    func cancel(kind: StoreKind) async throws {
        let periodEnd = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 + 20 * 86_400).rounded(.down))
        var client = PaddleClient.unimplemented
        client.cancelSubscription = { id, immediately in
            #expect(!immediately)
            let raw = #"{"id":"\#(id)","status":"active","customer_id":"ctm_01processing000000000000","custom_data":null,"items":[{"price":{"id":"pri_01sandboxpromonthly0000000"}}],"current_billing_period":{"starts_at":"2026-01-01T00:00:00.000000Z","ends_at":"\#(WireDate.format(periodEnd))"},"scheduled_change":{"action":"cancel","effective_at":"\#(WireDate.format(periodEnd))","resume_at":null},"updated_at":"\#(WireDate.format(Date()))"}"#
            return PaddleSubscriptionInfo(
                id: id, status: "active", customerID: "ctm_01processing000000000000", nextBilledAt: nil,
                scheduledChangeAction: "cancel", scheduledChangeAt: WireDate.format(periodEnd), updatePaymentMethodURL: nil,
                cancelURL: nil, updatedAt: WireDate.format(Date()), rawData: Data(raw.utf8))
        }
        try await Harness.run(kind, configure: { $0.paddle.webhookSecrets = [WebhookProcessingTests.secret] }, paddle: client) { app in
            let token = try #require(try await app.confirmedSession(Harness.email()).string("access_token"))
            let user = try #require(Harness.claims(token)["sub"] as? String)
            let nothing = try await app.request(.post, "/v1/me/subscription/cancel", bearer: token, apikey: false)
            #expect((nothing.status, nothing.code) == (.notFound, "not_found"))

            _ = try await WebhookProcessingTests.deliver(app, WebhookProcessingTests.subscriptionEvent(
                id: "evt_active", status: "active", user: user, occurredAt: Date().addingTimeInterval(-60), periodEnd: periodEnd))
            try await WebhookProcessingTests.processor(app).drainOnce()
            let reply = try await app.request(.post, "/v1/me/subscription/cancel", bearer: token, apikey: false)
            #expect(reply.status == .ok)
            let sub = reply.json["subscription"] as? [String: Any]
            #expect(sub?["active"] as? Bool == true && sub?["willRenew"] as? Bool == false)
            #expect(sub?["endsAt"] as? String == WireDate.format(periodEnd))
            #expect(try await WebhookProcessingTests.plan(app, token: token) == "pro")
        }
    }
}
