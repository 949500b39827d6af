import Foundation
import HTTPTypes
import Logging
import NIOCore
import ScritorioCore
import ScritorioProviders
@testable import ScritorioServer
import ScritorioStore
import ScritorioTestSupport
import Synchronization
import Testing

/// Signed Lemon Squeezy webhooks through ingest and the processor, into subscriptions, orders, grants and
/// `members.plan`; and the provider-aware checkout.
@Suite("Lemon Squeezy webhooks and checkout")
struct LemonSqueezyWebhookTests {
    static let secret = "ls-webhook-secret"
    static let monthly = "520001"

    /// A fixture body (`Tests/Fixtures/lemonsqueezy`) with its user, variant and object fields replaced.
    static func body(
        _ fixture: String, user: String?, attributes: [String: Any] = [:], id: String? = nil, testMode: Bool = true
    ) throws -> String {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../Fixtures/lemonsqueezy/\(fixture).json").standardized
        var json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        var meta = try #require(json["meta"] as? [String: Any])
        meta["test_mode"] = testMode
        if let user { meta["custom_data"] = ["user_id": user] } else { meta.removeValue(forKey: "custom_data") }
        var data = try #require(json["data"] as? [String: Any])
        var attrs = try #require(data["attributes"] as? [String: Any])
        if attrs["variant_id"] != nil { attrs["variant_id"] = Int(monthly) }
        if var item = attrs["first_order_item"] as? [String: Any] {
            item["variant_id"] = Int(monthly)
            attrs["first_order_item"] = item
        }
        for (key, value) in attributes { attrs[key] = value }
        data["attributes"] = attrs
        if let id { data["id"] = id }
        json["meta"] = meta
        json["data"] = data
        // PHP-style, as Lemon Squeezy sends it.
        let text = String(decoding: try JSONSerialization.data(withJSONObject: json, options: [.sortedKeys]), as: UTF8.self)
        return text.replacingOccurrences(of: "\\/", with: "/").replacingOccurrences(of: "/", with: "\\/")
    }

    static func deliver(_ app: Harness, _ body: String, signature: String?? = .none) async throws -> Harness.Reply {
        var headers: HTTPFields = [.contentType: "application/json"]
        let name = (try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])?["meta"] as? [String: Any]
        headers[HTTPField.Name("X-Event-Name")!] = name?["event_name"] as? String ?? "unknown"
        switch signature {
        case .none: headers[HTTPField.Name("X-Signature")!] = LemonSqueezySignature.signature(body: Array(body.utf8), secret: secret)
        case .some(.some(let value)): headers[HTTPField.Name("X-Signature")!] = value
        case .some(.none): break
        }
        let response = try await app.client.execute(uri: "/webhooks/lemonsqueezy", method: .post, headers: headers, body: ByteBuffer(string: body))
        return Harness.Reply(status: response.status, headers: response.headers, raw: String(buffer: response.body))
    }

    static func processor(_ app: Harness, mode: BillingMode = .test, now: @escaping @Sendable () -> Date = { Date() }) -> WebhookProcessor {
        WebhookProcessor(
            database: app.database, applier: BillingApplier(catalog: .sandbox, grace: 7 * 86_400), now: now,
            logger: Logger(label: "test"), maxAttempts: 2, lemonSqueezyMode: mode)
    }

    static func plan(_ app: Harness, token: String) async throws -> String? {
        let reply = try await app.request(.post, "/functions/v1/member-get", json: [:], bearer: token)
        return (reply.json["member"] as? [String: Any])?["plan"] as? String
    }

    static func statuses(_ app: Harness) async throws -> [String: Int] {
        try await app.database.read { try await WebhookQueue.statusCounts(on: $0) }
    }

    static func time(_ date: Date) -> String { WireDateText.format(date) }

    @Test("a signed webhook is stored byte for byte under its body digest, then acknowledged; a duplicate is acknowledged once more without a second row", arguments: TestStores.kinds)
    func storeThenAck(kind: StoreKind) async throws {
        try await Harness.run(kind, configure: { $0.lemonSqueezy.webhookSecrets = ["ls-old-secret", Self.secret] }) { app in
            let body = try Self.body("subscription_created", user: UUID().uuidString.lowercased())
            let first = try await Self.deliver(app, body)
            #expect(first.status == .ok && first.json["duplicate"] as? Bool == false)
            let again = try await Self.deliver(app, body)
            #expect(again.status == .ok && again.json["duplicate"] as? Bool == true)
            let digest = LemonSqueezySignature.digest(Array(body.utf8))
            let stored = try #require(try await app.database.read {
                try await WebhookEventRepository.find(provider: .lemonSqueezy, eventID: digest, on: $0)
            })
            #expect(stored.0.payload == body && stored.0.eventType == "subscription_created" && stored.0.mode == .test)
            #expect(stored.status == "pending")
            #expect(stored.0.occurredAt.map { abs($0.timeIntervalSince1970 - 1_705_053_601.123456) < 0.001 } == true)
            #expect(try await app.database.read { try await WebhookEventRepository.count(provider: .lemonSqueezy, on: $0) } == 1)
        }
    }

    @Test("missing X-Signature 400, a wrong one 401, a re-encoded body 401, a signed non-webhook 400; nothing stored")
    func refusals() async throws {
        try await Harness.run(.sqlite, configure: { $0.lemonSqueezy.webhookSecrets = [Self.secret] }) { app in
            let body = try Self.body("order_created", user: nil)
            let missing = try await Self.deliver(app, body, signature: .some(nil))
            #expect((missing.status, missing.code) == (.badRequest, "invalid_signature"))
            let forged = try await Self.deliver(app, body, signature: LemonSqueezySignature.signature(body: Array(body.utf8), secret: "attacker"))
            #expect((forged.status, forged.code) == (.unauthorized, "invalid_signature"))
            #expect(!forged.raw.contains(Self.secret))
            let reencoded = body.replacingOccurrences(of: "\\/", with: "/")
            #expect(try await Self.deliver(app, reencoded, signature: LemonSqueezySignature.signature(body: Array(body.utf8), secret: Self.secret)).status == .unauthorized)
            #expect(try await Self.deliver(app, "not json").status == .badRequest)
            #expect(try await Self.deliver(app, #"{"meta":{"event_name":""},"data":{}}"#).status == .badRequest)
            #expect(try await app.database.read { try await WebhookEventRepository.count(provider: .lemonSqueezy, on: $0) } == 0)
        }
    }

    @Test("with no secret configured every delivery is refused")
    func noSecret() async throws {
        try await Harness.run(.sqlite) { app in
            let body = try Self.body("order_created", user: nil)
            let reply = try await Self.deliver(app, body)
            #expect((reply.status, reply.code) == (.unauthorized, "invalid_signature"))
            #expect(try await app.database.read { try await WebhookEventRepository.count(provider: .lemonSqueezy, on: $0) } == 0)
        }
    }

    @Test("checkout, subscription and key in any order and duplicated make the member pro; cancelled keeps access until ends_at; expired removes it; an older update is stale", arguments: TestStores.kinds)
    func lifecycle(kind: StoreKind) async throws {
        try await Harness.run(kind, configure: { $0.lemonSqueezy.webhookSecrets = [Self.secret] }) { app in
            let session = try await app.confirmedSession(Harness.email())
            let token = try #require(session.string("access_token"))
            let user = try #require(Harness.claims(token)["sub"] as? String)
            // Whole seconds: PostgreSQL keeps microseconds, so a sub-microsecond moment would not round-trip.
            let now = Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down))
            let t0 = now.addingTimeInterval(-600)
            let renews = now.addingTimeInterval(20 * 86_400)
            let order = try Self.body("order_created", user: user, attributes: ["updated_at": Self.time(t0)])
            let created = try Self.body("subscription_created", user: user, attributes: ["updated_at": Self.time(t0.addingTimeInterval(1)), "renews_at": Self.time(renews)])
            let key = try Self.body("license_key_created", user: user, attributes: ["updated_at": Self.time(t0.addingTimeInterval(2))])
            for body in [key, created, order, created, key, order] { #expect(try await Self.deliver(app, body).status == .ok) }
            try await Self.processor(app).drainOnce()
            #expect(try await Self.plan(app, token: token) == "pro")
            let stored = try #require(try await app.database.read { try await BillingRepository.subscription(provider: .lemonSqueezy, id: "71", on: $0) })
            #expect(stored.change.status == .active && stored.change.firstOrderID == "21" && stored.userID?.description == user)
            // The first order belongs to the subscription: its access is the subscription's alone.
            let covered = try await app.database.read { try await BillingRepository.ordersCoveredBySubscriptions(of: UserID(user)!, on: $0) }
            #expect(covered == ["21"])

            let cancelled = try Self.body("subscription_cancelled", user: user, attributes: [
                "updated_at": Self.time(t0.addingTimeInterval(10)), "ends_at": Self.time(renews), "renews_at": Self.time(renews),
            ])
            #expect(try await Self.deliver(app, cancelled).status == .ok)
            try await Self.processor(app).drainOnce()
            #expect(try await Self.plan(app, token: token) == "pro")
            let entitlements = try await app.request(.get, "/v1/me/entitlements", bearer: token)
            let first = (entitlements.json["entitlements"] as? [[String: Any]])?.first
            #expect(first?["code"] as? String == "scritorio_pro" && first?["expiresAt"] as? String == Self.time(renews))

            let expired = try Self.body("subscription_expired", user: user, attributes: [
                "updated_at": Self.time(t0.addingTimeInterval(20)), "ends_at": Self.time(t0.addingTimeInterval(20)),
            ])
            // An update older than the stored state, delivered late: recorded as stale, never applied.
            let late = try Self.body("subscription_created", user: user, attributes: ["updated_at": Self.time(t0.addingTimeInterval(5)), "renews_at": Self.time(renews)], id: "71")
            #expect(try await Self.deliver(app, expired).status == .ok)
            try await Self.processor(app).drainOnce()
            #expect(try await Self.deliver(app, late.replacingOccurrences(of: "subscription_created", with: "subscription_updated")).status == .ok)
            try await Self.processor(app).drainOnce()
            #expect(try await Self.plan(app, token: token) == "free")
            let counts = try await Self.statuses(app)
            #expect(counts["stale"] == 1 && counts["pending"] == nil && counts["retry"] == nil && counts["parked"] == nil)
        }
    }

    @Test("a licence key event is stored sealed (no working key in the log) and the key still validates once applied", arguments: TestStores.kinds)
    func sealedLicenseKey(kind: StoreKind) async throws {
        try await Harness.run(kind, configure: {
            $0.lemonSqueezy.webhookSecrets = [Self.secret]
            $0.licensing.lemonSqueezyStoreIDs = ["1"]
            $0.licensing.lemonSqueezyProductIDs = ["41"]
        }) { app in
            let session = try await app.confirmedSession(Harness.email())
            let token = try #require(session.string("access_token"))
            let user = try #require(Harness.claims(token)["sub"] as? String)
            let key = "8c5a1e7f-2b34-4d9a-9e61-0f1d2c3b4a59"
            let body = try Self.body("license_key_created", user: user, attributes: ["key": key, "updated_at": Self.time(Date())])
            #expect(try await Self.deliver(app, body).status == .ok)
            #expect(try await Self.deliver(app, body).json["duplicate"] as? Bool == true, "a retry is recognised by the body as signed")
            let digest = LemonSqueezySignature.digest(Array(body.utf8))
            let stored = try #require(try await app.database.read {
                try await WebhookEventRepository.find(provider: .lemonSqueezy, eventID: digest, on: $0)
            })
            #expect(!stored.0.payload.contains(key) && stored.0.payload.contains(LicenseKeyDigest.hash(key)))
            try await Self.processor(app).drainOnce()
            let reply = try await app.request(.post, "/v1/licenses/validate", json: ["license_key": key], apikey: false)
            #expect(reply.status == .ok && reply.json["valid"] as? Bool == true, "\(reply.raw)")
            let dump = try await app.database.read { db in
                try await db.sql.raw("SELECT payload FROM billing_webhook_events").all().map { try $0.decode(column: "payload", as: String.self) }
            }
            #expect(dump.count == 1 && !dump.joined().contains(key), "no copy of the key anywhere in the log")
        }
    }

    @Test("custom_data is kept from first sight: later events without it find the user; a purchase started elsewhere is matched by email", arguments: TestStores.kinds)
    func withoutCustomData(kind: StoreKind) async throws {
        try await Harness.run(kind, configure: { $0.lemonSqueezy.webhookSecrets = [Self.secret] }) { app in
            let session = try await app.confirmedSession(Harness.email())
            let token = try #require(session.string("access_token"))
            let user = try #require(Harness.claims(token)["sub"] as? String)
            let t0 = Date().addingTimeInterval(-600)
            let renews = Self.time(Date().addingTimeInterval(20 * 86_400))
            let created = try Self.body("subscription_created", user: user, attributes: ["updated_at": Self.time(t0), "renews_at": renews])
            #expect(try await Self.deliver(app, created).status == .ok)
            try await Self.processor(app).drainOnce()
            #expect(try await Self.plan(app, token: token) == "pro")
            // Changed from Lemon Squeezy's dashboard: no custom_data, and the buyer's email is not the account's.
            let unpaid = try Self.body("subscription_paused", user: nil, attributes: [
                "updated_at": Self.time(t0.addingTimeInterval(5)), "status": "unpaid", "pause": NSNull(), "renews_at": renews,
                "user_email": "someone-else@example.com",
            ])
            #expect(try await Self.deliver(app, unpaid).status == .ok)
            try await Self.processor(app).drainOnce()
            #expect(try await Self.plan(app, token: token) == "free")

            // Bought on the store's own page by someone with an account: found by the one account with that email.
            let email = Harness.email()
            let other = try await app.confirmedSession(email)
            let otherToken = try #require(other.string("access_token"))
            let order = try Self.body("order_created", user: nil, attributes: [
                "updated_at": Self.time(t0), "user_email": email.uppercased(), "customer_id": 12,
            ], id: "22")
            #expect(try await Self.deliver(app, order).status == .ok)
            try await Self.processor(app).drainOnce()
            #expect(try await Self.plan(app, token: otherToken) == "pro")
            #expect(try await Self.statuses(app)["orphan"] == nil)
        }
    }

    @Test("pause with mode free keeps access, void removes it, unpausing restores it", arguments: [StoreKind.sqlite])
    func pauseModes(kind: StoreKind) async throws {
        try await Harness.run(kind, configure: { $0.lemonSqueezy.webhookSecrets = [Self.secret] }) { app in
            let session = try await app.confirmedSession(Harness.email())
            let token = try #require(session.string("access_token"))
            let user = try #require(Harness.claims(token)["sub"] as? String)
            let t0 = Date().addingTimeInterval(-600)
            let renews = Self.time(Date().addingTimeInterval(20 * 86_400))
            func step(_ offset: TimeInterval, status: String, pause: Any) async throws -> String? {
                let body = try Self.body("subscription_paused", user: user, attributes: [
                    "updated_at": Self.time(t0.addingTimeInterval(offset)), "status": status, "pause": pause, "renews_at": renews,
                ])
                #expect(try await Self.deliver(app, body).status == .ok)
                try await Self.processor(app).drainOnce()
                return try await Self.plan(app, token: token)
            }
            #expect(try await step(1, status: "active", pause: NSNull()) == "pro")
            #expect(try await step(2, status: "paused", pause: ["mode": "free", "resumes_at": NSNull()]) == "pro")
            #expect(try await step(3, status: "paused", pause: ["mode": "void", "resumes_at": NSNull()]) == "free")
            #expect(try await step(4, status: "active", pause: NSNull()) == "pro")
            #expect(try await step(5, status: "unpaid", pause: NSNull()) == "free")
        }
    }

    @Test("test-mode events in a live deployment (and the reverse) are stored as wrong_mode and never applied", arguments: TestStores.kinds)
    func wrongMode(kind: StoreKind) async throws {
        try await Harness.run(kind, configure: {
            $0.lemonSqueezy.webhookSecrets = [Self.secret]
            $0.lemonSqueezy.mode = .live
        }) { app in
            let session = try await app.confirmedSession(Harness.email())
            let token = try #require(session.string("access_token"))
            let user = try #require(Harness.claims(token)["sub"] as? String)
            #expect(try await app.request(.post, "/functions/v1/member-init", json: [:], bearer: token).status == .ok)
            let test = try Self.body("subscription_created", user: user, attributes: ["renews_at": Self.time(Date().addingTimeInterval(86_400))])
            #expect(try await Self.deliver(app, test).status == .ok)
            try await Self.processor(app, mode: .live).drainOnce()
            #expect(try await Self.statuses(app)["wrong_mode"] == 1)
            #expect(try await Self.plan(app, token: token) == "free")
            #expect(try await app.database.read { try await BillingRepository.subscription(provider: .lemonSqueezy, id: "71", on: $0) } == nil)
            // The reverse: a live event reaching a test deployment.
            let live = try Self.body("subscription_created", user: user, attributes: ["renews_at": Self.time(Date().addingTimeInterval(86_400))], id: "72", testMode: false)
            #expect(try await Self.deliver(app, live).status == .ok)
            try await Self.processor(app, mode: .test).drainOnce()
            #expect(try await Self.statuses(app)["wrong_mode"] == 2)
            #expect(try await Self.plan(app, token: token) == "free")
        }
    }

    @Test("POST /v1/checkout {plan, provider: lemonsqueezy} creates a Lemon Squeezy checkout with the user id and email; Paddle stays the default")
    func checkout() async throws {
        let captured = Mutex<LemonSqueezyNewCheckout?>(nil)
        var client = LemonSqueezyClient.unimplemented
        client.createCheckout = { new in
            captured.withLock { $0 = new }
            return LemonSqueezyCheckout(id: "5e8b546c-c561-4a2c-a586-40c18bb2a195", url: "https://store.lemonsqueezy.com/checkout/custom/5e8b546c?signature=ab")
        }
        try await Harness.run(.sqlite, configure: { $0.lemonSqueezy.storeID = "41000" }, lemonSqueezy: client) { app in
            let email = Harness.email()
            let session = try await app.confirmedSession(email)
            let token = try #require(session.string("access_token"))
            let user = try #require(Harness.claims(token)["sub"] as? String)
            let reply = try await app.request(.post, "/v1/checkout", json: ["plan": "pro_monthly", "provider": "lemonsqueezy"], bearer: token)
            #expect(reply.status == .ok)
            #expect(reply.string("provider") == "lemonsqueezy" && reply.string("plan") == "pro_monthly")
            #expect(reply.string("checkoutId") == "5e8b546c-c561-4a2c-a586-40c18bb2a195" && reply.string("checkoutUrl")?.hasPrefix("https://") == true)
            let sent = try #require(captured.withLock { $0 })
            #expect(sent.custom == ["user_id": user] && sent.email == email && sent.variantID == Self.monthly)
            #expect(sent.storeID == "41000" && sent.testMode)

            let unknownProvider = try await app.request(.post, "/v1/checkout", json: ["plan": "pro_monthly", "provider": "stripe"], bearer: token)
            #expect((unknownProvider.status, unknownProvider.code) == (.badRequest, "validation_failed"))
            // Without a provider the plan goes to Paddle (here unreachable: a clear 502, not Lemon Squeezy).
            let paddle = try await app.request(.post, "/v1/checkout", json: ["plan": "pro_monthly"], bearer: token)
            #expect(paddle.status == .badGateway)
            #expect(try await app.request(.post, "/v1/checkout", json: ["plan": "pro_monthly", "provider": "lemonsqueezy"]).status == .unauthorized)
        }
        // Live mode: the sandbox catalog has no live variants, so nothing is sold there.
        try await Harness.run(.sqlite, configure: {
            $0.lemonSqueezy.storeID = "41000"
            $0.lemonSqueezy.mode = .live
        }, lemonSqueezy: client) { app in
            let session = try await app.confirmedSession(Harness.email())
            let token = try #require(session.string("access_token"))
            let reply = try await app.request(.post, "/v1/checkout", json: ["plan": "pro_monthly", "provider": "lemonsqueezy"], bearer: token)
            #expect((reply.status, reply.code) == (.unprocessableContent, "billing_not_configured"))
        }
    }
}
