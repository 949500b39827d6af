import AsyncHTTPClient
import Foundation
import HTTPTypes
import Logging
import NIOCore
import ScritorioCore
import ScritorioProviders
import ScritorioSandbox
@testable import ScritorioServer
import ScritorioStore
import ScritorioTestSupport
import Synchronization
import Testing

/// The Lemon Squeezy client against the sandbox fake over HTTP, the fake's signed webhooks into the real
/// ingest, and reconciliation repairing webhooks Lemon Squeezy gave up on.
@Suite("Lemon Squeezy client, fake and reconciliation")
struct LemonSqueezySandboxTests {
    /// Where the fake's webhooks go: into the app under test, or nowhere (a lost delivery answers 503).
    final class Sink: Sendable {
        let app = Mutex<Harness?>(nil)
        let lost = Mutex(false)

        func deliver(_ body: String, _ signature: String, _ name: String) async throws -> Int {
            guard !lost.withLock({ $0 }), let app = app.withLock({ $0 }) else { return 503 }
            var headers: HTTPFields = [.contentType: "application/json"]
            headers[HTTPField.Name("X-Signature")!] = signature
            headers[HTTPField.Name("X-Event-Name")!] = name
            return Int(try await app.client.execute(
                uri: "/webhooks/lemonsqueezy", method: .post, headers: headers, body: ByteBuffer(string: body)).status.code)
        }
    }

    static func post(_ url: String) async throws -> [String: Any] {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 1 << 20)
        #expect(response.status.code == 200)
        return (try JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any])?["data"] as? [String: Any] ?? [:]
    }

    @Test("checkout through the client, pay in the fake, signed webhooks in, Pro; a lost expiry is repaired by reconciliation", arguments: TestStores.kinds)
    func endToEnd(kind: StoreKind) async throws {
        let sink = Sink()
        let sandbox = LemonSqueezySandbox(now: { Date() }) { try await sink.deliver($0, $1, $2) }
        let server = try await LemonSqueezySandboxServer.start(sandbox)
        defer { Task { await server.stop() } }
        let client = LemonSqueezyClient.live(baseURL: server.baseURL, apiKey: LemonSqueezySandbox.apiKey)
        try await Harness.run(kind, configure: {
            $0.lemonSqueezy.webhookSecrets = [LemonSqueezySandbox.webhookSecret]
            $0.lemonSqueezy.storeID = LemonSqueezySandbox.storeID
        }, lemonSqueezy: client) { app in
            sink.app.withLock { $0 = app }
            let email = Harness.email()
            let session = try await app.confirmedSession(email)
            let token = try #require(session.string("access_token"))
            let checkout = try await app.request(.post, "/v1/checkout", json: ["plan": "pro_yearly", "provider": "lemonsqueezy"], bearer: token)
            #expect(checkout.status == .ok)
            let id = try #require(checkout.string("checkoutId"))
            #expect(checkout.string("checkoutUrl")?.hasPrefix("https://\(LemonSqueezySandbox.storeSlug).lemonsqueezy.com/checkout/custom/\(id)?signature=") == true)

            let paid = try await Self.post("\(server.baseURL)/checkouts/\(id)/complete")
            #expect(paid["delivered"] as? [Int] == [200, 200, 200, 200])
            let subscription = try #require(paid["subscription_id"] as? String)
            let processor = LemonSqueezyWebhookTests.processor(app)
            try await processor.drainOnce()
            #expect(try await LemonSqueezyWebhookTests.plan(app, token: token) == "pro")
            let stored = try #require(try await app.database.read { try await BillingRepository.subscription(provider: .lemonSqueezy, id: subscription, on: $0) })
            #expect(stored.planCode == "pro_yearly" && stored.change.status == .active)
            let shown = try await app.request(.get, "/v1/me/subscription", bearer: token).json["subscription"] as? [String: Any]
            #expect((shown?["portalUrl"] as? String)?.hasPrefix("https://\(LemonSqueezySandbox.storeSlug).lemonsqueezy.com/billing?") == true)

            // Cancelled from the app: through Lemon Squeezy's API, applied at once; access until ends_at.
            let cancel = try await app.request(.post, "/v1/me/subscription/cancel", json: [:], bearer: token)
            #expect(cancel.status == .ok)
            let cancelled = cancel.json["subscription"] as? [String: Any]
            #expect(cancelled?["status"] as? String == "canceled" && cancelled?["active"] as? Bool == true)
            #expect(cancelled?["willRenew"] as? Bool == false && cancelled?["endsAt"] as? String == shown?["renewsAt"] as? String)
            #expect(try await app.request(.post, "/v1/me/subscription/cancel", json: [:], bearer: token).status == .notFound)
            #expect(try await LemonSqueezyWebhookTests.plan(app, token: token) == "pro")

            // Lemon Squeezy gives up on the expiry's webhooks; reconciliation reads the store's subscriptions instead.
            sink.lost.withLock { $0 = true }
            let expired = try await Self.post("\(server.baseURL)/subscriptions/\(subscription)/expire")
            #expect((expired["delivered"] as? [Int])?.allSatisfy { $0 == 503 } == true)
            try await processor.drainOnce()
            #expect(try await LemonSqueezyWebhookTests.plan(app, token: token) == "pro")
            var config = LemonSqueezyConfig()
            config.storeID = LemonSqueezySandbox.storeID
            let reconciler = LemonSqueezyReconciler(
                database: app.database, applier: BillingApplier(catalog: .sandbox, grace: 7 * 86_400), client: client, config: config,
                now: { Date() }, logger: Logger(label: "test"))
            let report = try await reconciler.reconcileOnce()
            #expect(report.checked == 1 && report.changed == 1 && report.failed == 0)
            #expect(try await LemonSqueezyWebhookTests.plan(app, token: token) == "free")
            // A second pass finds nothing new.
            #expect(try await reconciler.reconcileOnce().changed == 0)
        }
    }

    @Test("the client speaks JSON:API to the fake: errors in Lemon Squeezy's shape, paging, path ids checked")
    func clientAgainstFake() async throws {
        let sandbox = LemonSqueezySandbox(now: { Date() }) { _, _, _ in 200 }
        let server = try await LemonSqueezySandboxServer.start(sandbox)
        defer { Task { await server.stop() } }
        let client = LemonSqueezyClient.live(baseURL: server.baseURL, apiKey: LemonSqueezySandbox.apiKey)
        let new = LemonSqueezyNewCheckout(
            storeID: LemonSqueezySandbox.storeID, variantID: "999", email: nil, custom: ["user_id": "x"], redirectURL: nil, testMode: true)
        await #expect(throws: LemonSqueezyAPIError.api(status: 422, detail: "The related resource does not exist.")) {
            try await client.createCheckout(new)
        }
        var other = new
        other.variantID = "520001"
        other.storeID = "1"
        await #expect(throws: LemonSqueezyAPIError.api(status: 422, detail: "The related resource does not exist.")) {
            try await client.createCheckout(other)
        }
        await #expect(throws: LemonSqueezyAPIError.api(status: 404, detail: "The subscription 4242 was not found.")) {
            try await client.getSubscription("4242")
        }
        await #expect(throws: LemonSqueezyAPIError.self) { try await client.getSubscription("../orders/1") }
        let wrongKey = LemonSqueezyClient.live(baseURL: server.baseURL, apiKey: "nope")
        await #expect(throws: LemonSqueezyAPIError.api(status: 401, detail: "Unauthenticated.")) {
            try await wrongKey.listSubscriptions(LemonSqueezySandbox.storeID, 1)
        }
        let empty = try await client.listSubscriptions(LemonSqueezySandbox.storeID, 1)
        #expect(empty.subscriptions.isEmpty && empty.lastPage == 1)
    }
}
