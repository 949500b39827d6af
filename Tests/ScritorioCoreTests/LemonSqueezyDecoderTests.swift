import Foundation
import ScritorioCore
import Testing

@Suite("Lemon Squeezy decoding and signature")
struct LemonSqueezyDecoderTests {
    static let user = UserID("5f0b4c1e-8a4f-4c2b-9a57-3d6f1c2e7b10")!

    /// A webhook body as Lemon Squeezy sends it (PHP JSON), from `Tests/Fixtures/lemonsqueezy`.
    static func fixture(_ name: String) throws -> Data {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../Fixtures/lemonsqueezy/\(name).json").standardized
        return try Data(contentsOf: url)
    }

    @Test("fixtures are PHP-style: escaped slashes, \\u escapes, microsecond dates, string ids")
    func fixturesLookReal() throws {
        let text = String(decoding: try Self.fixture("subscription_created"), as: UTF8.self)
        #expect(text.contains(#"https:\/\/api.lemonsqueezy.com\/v1\/subscriptions\/71"#))
        #expect(text.contains(#""id":"71""#) && text.contains(#""customer_id":11"#))
        #expect(text.contains(#"Zo\u00eb"#) && text.contains(".123456Z"))
    }

    @Test("subscription_created: status, variant, renews_at, updated_at, first order, custom_data user and the customer's email")
    func subscriptionCreated() throws {
        let decoded = try LemonSqueezyEventDecoder.decode(try Self.fixture("subscription_created"))
        #expect(decoded.eventName == "subscription_created" && decoded.mode == .test && decoded.hasUser)
        guard case .subscription(let change) = decoded.event else { Issue.record("not a subscription: \(decoded.event)"); return }
        #expect(change.provider == .lemonSqueezy && change.subscriptionID == "71" && change.customerID == "11")
        #expect(change.status == .active && change.userID == Self.user && change.priceIDs == ["51"])
        #expect(change.currentPeriodEnd == RFC3339.parse("2024-02-12T10:00:00.000000Z"))
        #expect(abs(change.occurredAt.timeIntervalSince1970 - (RFC3339.parse("2024-01-12T10:00:01Z")!.timeIntervalSince1970 + 0.123456)) < 0.000_01)
        #expect(change.firstOrderID == "21" && !change.pausedWithAccess && change.canceledAt == nil)
        #expect(decoded.customer?.email == "buyer@example.com" && decoded.customer?.customerID == "11")
        // With a user id the object goes first (it links the customer); the email is only a fallback.
        guard case .subscription = decoded.events.first else { Issue.record("subscription not first"); return }
    }

    @Test("cancelled keeps access until ends_at; expired does not; pause mode free keeps access, void does not")
    func statusesAndAccess() throws {
        let now = RFC3339.parse("2024-01-21T00:00:00Z")!
        guard case .subscription(let cancelled) = try LemonSqueezyEventDecoder.decode(try Self.fixture("subscription_cancelled")).event,
            case .subscription(let expired) = try LemonSqueezyEventDecoder.decode(try Self.fixture("subscription_expired")).event,
            case .subscription(let paused) = try LemonSqueezyEventDecoder.decode(try Self.fixture("subscription_paused")).event
        else { Issue.record("not subscriptions"); return }
        #expect(cancelled.status == .canceled && cancelled.canceledAt == RFC3339.parse("2024-02-12T10:00:00Z"))
        let access = AccessRule.decide(cancelled.snapshot, now: now, grace: 0)
        #expect(access.granted && access.until == RFC3339.parse("2024-02-12T10:00:00Z") && !access.willRenew)
        #expect(!AccessRule.decide(cancelled.snapshot, now: RFC3339.parse("2024-02-12T10:00:01Z")!, grace: 0).granted)
        #expect(expired.status == .expired && !AccessRule.decide(expired.snapshot, now: now, grace: 0).granted)
        #expect(paused.status == .paused && paused.pausedWithAccess && AccessRule.decide(paused.snapshot, now: now, grace: 0).granted)
        var void = paused
        void.pausedWithAccess = false
        #expect(!AccessRule.decide(void.snapshot, now: now, grace: 0).granted)
    }

    @Test("a body without custom_data applies its customer (with the email) first, so the email can find the user")
    func noCustomData() throws {
        let decoded = try LemonSqueezyEventDecoder.decode(try Self.fixture("subscription_paused"))
        #expect(!decoded.hasUser)
        guard case .customer(let customer) = decoded.events.first, case .subscription = decoded.events.last else {
            Issue.record("order: \(decoded.events)"); return
        }
        #expect(customer.email == "buyer@example.com")
    }

    @Test("orders carry variant, integer-cent total, status; refunds keep the order id")
    func orders() throws {
        guard case .order(let order) = try LemonSqueezyEventDecoder.decode(try Self.fixture("order_created")).event,
            case .order(let refund) = try LemonSqueezyEventDecoder.decode(try Self.fixture("order_refunded")).event
        else { Issue.record("not orders"); return }
        #expect(order.orderID == "21" && order.priceIDs == ["51"] && order.totalMinor == 1199 && order.currency == "USD")
        #expect(order.isPaid && order.subscriptionID == nil && order.userID == Self.user && order.customerID == "11")
        #expect(refund.orderID == "21" && refund.status == "refunded" && !refund.isPaid && refund.occurredAt > order.occurredAt)
    }

    @Test("renewal invoices are recorded under their own id; the initial invoice is left to its order (not counted twice)")
    func invoices() throws {
        guard case .order(let renewal) = try LemonSqueezyEventDecoder.decode(try Self.fixture("subscription_payment_success")).event else {
            Issue.record("not an order"); return
        }
        #expect(renewal.orderID == LemonSqueezyEventDecoder.invoiceOrderID("91") && renewal.subscriptionID == "71")
        #expect(renewal.totalMinor == 1199 && renewal.isPaid && renewal.priceIDs.isEmpty)
        guard case .ignored = try LemonSqueezyEventDecoder.decode(try Self.fixture("subscription_payment_success_initial")).event else {
            Issue.record("initial invoice applied"); return
        }
    }

    @Test("license_key_created becomes the provider-neutral licence change")
    func licenseKey() throws {
        guard case .license(let key) = try LemonSqueezyEventDecoder.decode(try Self.fixture("license_key_created")).event else {
            Issue.record("not a licence"); return
        }
        #expect(key.provider == .lemonSqueezy && key.providerLicenseID == "101" && key.key == "80e15db5-c796-436b-850c-8f9c98a48abe")
        #expect(key.status == .inactive && key.activationLimit == 3 && key.orderID == "21" && key.storeID == "1" && key.productID == "41")
        #expect(key.userID == Self.user && key.email == "buyer@example.com" && key.expiresAt == nil)
    }

    @Test("a licence key event is sealed for the webhook log: the key's bytes alone replaced, decoded to the same hash and hint")
    func sealedKey() throws {
        let body = Array(try Self.fixture("license_key_created"))
        let key = "80e15db5-c796-436b-850c-8f9c98a48abe"
        let sealed = LemonSqueezyEventDecoder.sealingLicenseKey(body)
        let text = String(decoding: sealed, as: UTF8.self)
        #expect(!text.contains(key) && text.contains(LicenseKeyDigest.hash(key)))
        #expect(text.contains(#""key_short":"XXXX-8f9c98a48abe""#), "the provider's own short form stays")
        // Everything around the key is byte for byte as signed.
        let at = try #require(RawJSON.find(Array(key.utf8), in: body[...]))
        #expect(sealed.prefix(at - 1) == body.prefix(at - 1))
        #expect(sealed.suffix(body.count - at - key.utf8.count - 1) == body.suffix(body.count - at - key.utf8.count - 1))
        guard case .license(let change) = try LemonSqueezyEventDecoder.decode(Data(sealed)).event,
            case .license(let plain) = try LemonSqueezyEventDecoder.decode(Data(body)).event
        else {
            Issue.record("not a licence change")
            return
        }
        #expect(change.keyHash == plain.keyHash && change.keyHint == plain.keyHint && change.keyHint == "…8abe")
        #expect(LemonSqueezyEventDecoder.sealingLicenseKey(sealed) == sealed, "sealing twice changes nothing")
        let subscription = Array(try Self.fixture("subscription_created"))
        #expect(LemonSqueezyEventDecoder.sealingLicenseKey(subscription) == subscription)
        #expect(LemonSqueezyEventDecoder.sealingLicenseKey(Array("not json".utf8)) == Array("not json".utf8))
        #expect(LicenseKeyDigest.unsealed("scritorio-sealed-key:v1:short:…x") == nil, "a seal needs a whole hash")
    }

    @Test("unknown event names are kept and ignored; test_mode false is live; garbage is refused")
    func unknownAndModes() throws {
        let affiliate = try LemonSqueezyEventDecoder.decode(try Self.fixture("affiliate_activated"))
        #expect(affiliate.event == .ignored(type: "affiliate_activated"))
        #expect(try LemonSqueezyEventDecoder.decode(try Self.fixture("subscription_created_live")).mode == .live)
        #expect(throws: LemonSqueezyEventDecoder.Failure.notAWebhook) { try LemonSqueezyEventDecoder.decode(Data("{}".utf8)) }
        // An unknown object without updated_at is still kept and ignored; a known one without it is refused.
        let undated = Data(#"{"meta":{"event_name":"store_hello","test_mode":true},"data":{"type":"stores","id":"1","attributes":{}}}"#.utf8)
        #expect(try LemonSqueezyEventDecoder.decode(undated).event == .ignored(type: "store_hello"))
        #expect(throws: LemonSqueezyEventDecoder.Failure.notAWebhook) {
            try LemonSqueezyEventDecoder.decode(Data(#"{"meta":{"event_name":"order_created"},"data":{"type":"orders","id":"1","attributes":{}}}"#.utf8))
        }
        #expect(throws: LemonSqueezyEventDecoder.Failure.self) {
            try LemonSqueezyEventDecoder.decode(Data(#"{"meta":{"event_name":"order_created"},"data":{"type":"orders","id":"1","attributes":{"updated_at":"2024-01-01T00:00:00.000000Z"}}}"#.utf8))
        }
    }

    @Test("API subscription objects decode like webhooks, without a user (the API never returns custom_data)")
    func apiObject() throws {
        let body = try JSONSerialization.jsonObject(with: try Self.fixture("subscription_cancelled")) as! [String: Any]
        let object = try JSONSerialization.data(withJSONObject: body["data"]!)
        let events = try LemonSqueezyEventDecoder.decode(apiSubscription: object, mode: .live)
        guard case .customer(let customer) = events.first, case .subscription(let change) = events.last, events.count == 2 else {
            Issue.record("not customer then subscription: \(events)"); return
        }
        #expect(customer.customerID == "11" && customer.email == "buyer@example.com" && customer.mode == .live)
        #expect(change.subscriptionID == "71" && change.status == .canceled && change.userID == nil && change.mode == .live)
    }

    static func failure(_ result: Result<Void, LemonSqueezySignature.Failure>) -> LemonSqueezySignature.Failure? {
        if case .failure(let failure) = result { failure } else { nil }
    }

    @Test("X-Signature: hex HMAC-SHA256 of the raw body; any configured secret; missing, wrong and unconfigured refused")
    func signature() throws {
        let body = Array(try Self.fixture("order_created"))
        // Known answer: HMAC-SHA256(key "secret", "hello-world").
        #expect(LemonSqueezySignature.signature(body: Array("hello-world".utf8), secret: "secret")
            == "1bff4699de4fb5202a4b1e6cefd7b5fdfb02d19a67a1eb371dd417a45b0a47df")
        let good = LemonSqueezySignature.signature(body: body, secret: "new-secret")
        #expect(good.count == 64 && good == good.lowercased())
        #expect(Self.failure(LemonSqueezySignature.verify(header: good, body: body, secrets: ["old-secret", "new-secret"])) == nil)
        #expect(Self.failure(LemonSqueezySignature.verify(header: good.uppercased(), body: body, secrets: ["new-secret"])) == nil)
        #expect(Self.failure(LemonSqueezySignature.verify(header: nil, body: body, secrets: ["new-secret"])) == .missingHeader)
        #expect(Self.failure(LemonSqueezySignature.verify(header: "", body: body, secrets: ["new-secret"])) == .missingHeader)
        #expect(Self.failure(LemonSqueezySignature.verify(header: good, body: body, secrets: [])) == .noSecretConfigured)
        #expect(Self.failure(LemonSqueezySignature.verify(header: good, body: body, secrets: [""])) == .noSecretConfigured)
        #expect(Self.failure(LemonSqueezySignature.verify(header: good, body: body, secrets: ["other"])) == .mismatch)
        var tampered = body
        tampered[tampered.count - 2] ^= 1
        #expect(Self.failure(LemonSqueezySignature.verify(header: good, body: tampered, secrets: ["new-secret"])) == .mismatch)
        #expect(LemonSqueezySignature.digest(body) == LemonSqueezySignature.digest(body))
        #expect(LemonSqueezySignature.digest(body) != LemonSqueezySignature.digest(tampered))
        #expect(LemonSqueezySignature.digest(body).hasPrefix("sha256:"))
    }
}
