import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import ScritorioAPI
import ScritorioCore
@testable import ScritorioServer
import ScritorioStore
import ScritorioTestSupport
import Testing

/// The licence API, self-service devices and entitlement documents through the real stack.
@Suite("Licence API, devices and entitlement documents")
struct LicenseRouteTests {
    static let price = "pri_01sandboxpromonthly0000000"

    /// A Paddle subscription for `user` applied as the webhook processor would: it issues the plan's key.
    static func subscribe(_ app: Harness, user: String, id: String, status: SubscriptionStatus = .active, at: Date = Date(),
                          canceledAt: Date? = nil) async throws {
        let applier = try BillingApplier(config: app.config)
        let change = SubscriptionChange(
            provider: .paddle, mode: .test, subscriptionID: id, customerID: "ctm_01licenses00000000000000000", userID: UserID(user),
            status: status, priceIDs: [price], currentPeriodStart: at, currentPeriodEnd: at.addingTimeInterval(30 * 86_400),
            scheduledCancelAt: nil, canceledAt: canceledAt, occurredAt: at)
        _ = try await app.database.transaction { try await applier.apply(.subscription(change), now: Date(), on: $0) }
    }

    static func user(_ app: Harness) async throws -> (token: String, id: String) {
        let token = try #require(try await app.confirmedSession(Harness.email()).string("access_token"))
        return (token, try #require(Harness.claims(token)["sub"] as? String))
    }

    /// A licence call with a JSON or form body and no `apikey`, as a desktop app sends it.
    static func call(_ app: Harness, _ path: String, _ fields: [String: String], form: Bool = false) async throws -> (HTTPResponse.Status, LicenseAPIResponse, HTTPFields) {
        let body: String
        var headers: HTTPFields = [.accept: "application/json"]
        if form {
            headers[.contentType] = "application/x-www-form-urlencoded"
            body = fields.map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }.joined(separator: "&")
        } else {
            headers[.contentType] = "application/json"
            body = String(decoding: try JSONSerialization.data(withJSONObject: fields), as: UTF8.self)
        }
        let response = try await app.client.execute(uri: "/v1/licenses/" + path, method: .post, headers: headers, body: ByteBuffer(string: body))
        let decoded = try JSONDecoder().decode(LicenseAPIResponse.self, from: Data(buffer: response.body))
        return (response.status, decoded, response.headers)
    }

    static func verifier(_ app: Harness) async throws -> EntitlementTokenVerifier {
        let jwks = try await app.request(.get, "/v1/entitlements/jwks.json", apikey: false)
        #expect(jwks.status == .ok)
        return try EntitlementTokenVerifier(jwks: Data(jwks.raw.utf8))
    }

    @Test("buy -> key listed -> three devices -> the fourth refused -> a device freed -> activation works", arguments: TestStores.kinds)
    func seats(kind: StoreKind) async throws {
        try await Harness.run(kind) { app in
            let (token, user) = try await Self.user(app)
            try await Self.subscribe(app, user: user, id: "sub_01seats000000000000000000")
            let listed = try await app.request(.get, "/v1/me/licenses", bearer: token, apikey: false)
            #expect(listed.status == .ok)
            let licenses = try JSONDecoder().decode(LicensesResponse.self, from: Data(listed.raw.utf8)).licenses
            let license = try #require(licenses.first)
            let key = try #require(license.key)
            #expect(licenses.count == 1 && ScritorioLicenseKey.isValid(key) && license.keyHint == "…" + key.suffix(4))
            #expect(license.status == "inactive" && license.activationLimit == 3 && license.activationUsage == 0 && license.provider == "paddle")

            var instances: [String] = []
            for index in 0..<3 {
                let (status, answer, _) = try await Self.call(
                    app, "activate", ["license_key": key.lowercased(), "instance_name": "Mac \(index)", "fingerprint": "fp-\(index)"], form: index == 1)
                #expect(status == .ok && answer.success && answer.code == "ACTIVATED" && answer.error == nil)
                #expect(answer.licenseKey?.activationUsage == index + 1 && answer.licenseKey?.status == "active")
                #expect(answer.licenseKey?.key == key && answer.licenseKey?.testMode == true && answer.entitlementToken != nil)
                instances.append(try #require(answer.instance?.id))
            }
            let (refused, fourth, _) = try await Self.call(app, "activate", ["license_key": key, "instance_name": "PC", "fingerprint": "fp-3"])
            #expect(refused == .badRequest && !fourth.success && fourth.code == "TOO_MANY_ACTIVATIONS")
            #expect(fourth.error == "This license key has reached the activation limit." && fourth.licenseKey?.activationUsage == 3)
            // The same device again keeps its seat rather than taking another.
            let (again, same, _) = try await Self.call(app, "activate", ["license_key": key, "instance_name": "Mac 0", "fingerprint": "fp-0"])
            #expect(again == .ok && same.instance?.id == instances[0] && same.licenseKey?.activationUsage == 3)

            let devices = try await app.request(.get, "/v1/me/devices", bearer: token, apikey: false)
            let listedDevices = try JSONDecoder().decode(DevicesResponse.self, from: Data(devices.raw.utf8)).devices
            #expect(Set(listedDevices.map(\.id)) == Set(instances) && listedDevices.allSatisfy { $0.licenseKeyHint == license.keyHint })

            // Someone else cannot see or free these devices.
            let (otherToken, _) = try await Self.user(app)
            #expect(try await app.request(.delete, "/v1/me/devices/\(instances[1])", bearer: otherToken, apikey: false).status == .notFound)
            #expect(try await app.request(.get, "/v1/me/devices", bearer: otherToken, apikey: false).raw == #"{"devices":[]}"#)
            #expect(try await app.request(.delete, "/v1/me/devices/\(instances[1])", apikey: false).status == .unauthorized)

            #expect(try await app.request(.delete, "/v1/me/devices/\(instances[1])", bearer: token, apikey: false).status == .noContent)
            #expect(try await app.request(.delete, "/v1/me/devices/\(instances[1])", bearer: token, apikey: false).status == .notFound)
            let (freed, fifth, _) = try await Self.call(app, "activate", ["license_key": key, "instance_name": "PC", "fingerprint": "fp-3"])
            #expect(freed == .ok && fifth.code == "ACTIVATED" && fifth.licenseKey?.activationUsage == 3)

            // Deactivation through the licence API (Lemon Squeezy's way): key + instance id.
            let (off, deactivated, _) = try await Self.call(app, "deactivate", ["license_key": key, "instance_id": instances[2]], form: true)
            #expect(off == .ok && deactivated.success && deactivated.code == "DEACTIVATED" && deactivated.licenseKey?.activationUsage == 2)
            let (twice, gone, _) = try await Self.call(app, "deactivate", ["license_key": key, "instance_id": instances[2]])
            #expect(twice == .notFound && gone.code == "INSTANCE_NOT_FOUND" && gone.operation == .deactivate)
        }
    }

    @Test("validate: VALID with a signed document bound to the device; wrong device, unknown instance, unknown key", arguments: TestStores.kinds)
    func validate(kind: StoreKind) async throws {
        try await Harness.run(kind) { app in
            let (token, user) = try await Self.user(app)
            try await Self.subscribe(app, user: user, id: "sub_01validate00000000000000")
            let key = try #require(try JSONDecoder().decode(LicensesResponse.self, from: Data(
                try await app.request(.get, "/v1/me/licenses", bearer: token, apikey: false).raw.utf8)).licenses.first?.key)
            let (_, activated, _) = try await Self.call(app, "activate", ["license_key": key, "instance_name": "Mac", "fingerprint": "fp-mac"])
            let instance = try #require(activated.instance?.id)

            let (status, valid, _) = try await Self.call(app, "validate", ["license_key": key, "instance_id": instance, "fingerprint": "fp-mac"], form: true)
            #expect(status == .ok && valid.success && valid.code == "VALID" && valid.instance?.name == "Mac")
            #expect(valid.meta?.productName == "Pro (monthly)" && valid.meta?.variantName == "pro_monthly")
            let document = try await Self.verifier(app).verify(try #require(valid.entitlementToken), now: Date())
            #expect(document.license == activated.licenseKey?.id.text && document.fingerprint == "fp-mac" && document.subject == user)
            #expect(document.activeCodes(at: Date()) == [EntitlementSet.proCode])
            #expect(abs(document.expiresAt.timeIntervalSince(document.issuedAt) - 7 * 86_400) < 1)

            // Without an instance: the key itself is valid, no instance in the answer.
            let (_, keyOnly, _) = try await Self.call(app, "validate", ["license_key": key])
            #expect(keyOnly.code == "VALID" && keyOnly.instance == nil && keyOnly.entitlementToken != nil)
            // By fingerprint alone: that device's instance.
            let (_, byFingerprint, _) = try await Self.call(app, "validate", ["license_key": key, "fingerprint": "fp-mac"])
            #expect(byFingerprint.code == "VALID" && byFingerprint.instance?.id == instance)

            let (mismatch, other, _) = try await Self.call(app, "validate", ["license_key": key, "instance_id": instance, "fingerprint": "fp-pc"])
            #expect(mismatch == .badRequest && other.code == "FINGERPRINT_MISMATCH" && !other.success && other.entitlementToken == nil)
            let (noFingerprint, missing, _) = try await Self.call(app, "validate", ["license_key": key, "instance_id": instance])
            #expect(noFingerprint == .badRequest && missing.code == "FINGERPRINT_MISMATCH")
            let (unknownInstance, notThere, _) = try await Self.call(app, "validate", ["license_key": key, "instance_id": UUID().uuidString])
            #expect(unknownInstance == .notFound && notThere.code == "INSTANCE_NOT_FOUND")
            let (unknownDevice, notActivated, _) = try await Self.call(app, "validate", ["license_key": key, "fingerprint": "fp-never"])
            #expect(unknownDevice == .notFound && notActivated.code == "INSTANCE_NOT_FOUND")

            let (notFound, nothing, _) = try await Self.call(app, "validate", ["license_key": "38b1460a-5104-4067-a91d-77b872934d51"])
            #expect(notFound == .notFound && nothing.code == "NOT_FOUND" && nothing.error == "license_key not found." && nothing.licenseKey == nil)
            // A Scritorio key with one character changed fails its check character: no look-up needed.
            var typo = Array(key)
            typo[5] = typo[5] == "A" ? "B" : "A"
            let (badCheck, refused, _) = try await Self.call(app, "validate", ["license_key": String(typo)])
            #expect(badCheck == .notFound && refused.code == "NOT_FOUND")
        }
    }

    @Test("every bad request answers in the licence shape: missing fields 422, unreadable bodies 422, never a 500", arguments: TestStores.kinds)
    func badInput(kind: StoreKind) async throws {
        try await Harness.run(kind) { app in
            let (s1, r1, _) = try await Self.call(app, "validate", [:])
            #expect(s1 == .unprocessableContent && r1.code == "VALIDATION_FAILED" && r1.error == "The license_key field is required.")
            let (s2, r2, _) = try await Self.call(app, "activate", ["license_key": "abc"], form: true)
            #expect(s2 == .unprocessableContent && r2.error == "The instance_name field is required." && r2.operation == .activate)
            let (s3, r3, _) = try await Self.call(app, "deactivate", ["license_key": "abc"])
            #expect(s3 == .unprocessableContent && r3.error == "The instance_id field is required." && r3.operation == .deactivate)
            for raw in ["{not json", #"{"license_key": 5}"#, #"["license_key"]"#] {
                let reply = try await app.request(.post, "/v1/licenses/validate", rawBody: raw, apikey: false)
                #expect(reply.status == .unprocessableContent && reply.json["code"] as? String == "VALIDATION_FAILED" && reply.json["valid"] as? Bool == false)
            }
            let blank = try await Self.call(app, "validate", ["license_key": "   "], form: true)
            #expect(blank.0 == .unprocessableContent)
            #expect(try await app.request(.get, "/v1/me/licenses", apikey: false).status == .unauthorized)
            #expect(try await app.request(.get, "/v1/me/devices", apikey: false).status == .unauthorized)
        }
    }

    @Test("expired and disabled keys; Lemon Squeezy keys only for the configured store and products", arguments: TestStores.kinds)
    func refusals(kind: StoreKind) async throws {
        try await Harness.run(kind, configure: {
            $0.licensing.lemonSqueezyStoreIDs = ["1"]
            $0.licensing.lemonSqueezyProductIDs = ["4"]
        }) { app in
            let (token, user) = try await Self.user(app)
            // A subscription that ended: its key is expired.
            let start = Date().addingTimeInterval(-40 * 86_400)
            try await Self.subscribe(app, user: user, id: "sub_01expired000000000000000", status: .canceled, at: start, canceledAt: start.addingTimeInterval(86_400))
            let listed = try JSONDecoder().decode(LicensesResponse.self, from: Data(
                try await app.request(.get, "/v1/me/licenses", bearer: token, apikey: false).raw.utf8)).licenses
            let expiredKey = try #require(listed.first?.key)
            #expect(listed.first?.status == "expired")
            let (s1, r1, _) = try await Self.call(app, "validate", ["license_key": expiredKey])
            #expect(s1 == .badRequest && r1.code == "EXPIRED" && r1.licenseKey?.status == "expired" && r1.entitlementToken == nil)
            let (s2, r2, _) = try await Self.call(app, "activate", ["license_key": expiredKey, "instance_name": "Mac"])
            #expect(s2 == .badRequest && r2.code == "EXPIRED" && !r2.success)

            @Sendable func lemonKey(_ key: String, store: String, status: LicenseStatus, product: String = "4") -> LicenseKeyChange {
                LicenseKeyChange(
                    provider: .lemonSqueezy, mode: .test, providerLicenseID: String(key.prefix(4).utf8.reduce(0) { $0 &+ Int($1) }), key: key,
                    status: status, activationLimit: 1, expiresAt: nil, providerUpdatedAt: Date(), orderID: "2002", storeID: store,
                    productID: product, variantID: "5", productName: "Pro", customerName: "Ada", email: "ada@example.com")
            }
            try await app.database.transaction { db in
                _ = try await LicenseRepository.upsert(lemonKey("aaaa-disabled", store: "1", status: .disabled), userID: nil, planCode: nil, issuer: .provider, now: Date(), on: db)
                _ = try await LicenseRepository.upsert(lemonKey("bbbb-other-store", store: "99", status: .active), userID: nil, planCode: nil, issuer: .provider, now: Date(), on: db)
                _ = try await LicenseRepository.upsert(lemonKey("cccc-ours", store: "1", status: .inactive), userID: nil, planCode: nil, issuer: .provider, now: Date(), on: db)
                _ = try await LicenseRepository.upsert(
                    lemonKey("dddd-other-product", store: "1", status: .active, product: "7"), userID: nil, planCode: nil, issuer: .provider, now: Date(), on: db)
            }
            let (s3, r3, _) = try await Self.call(app, "validate", ["license_key": "aaaa-disabled"])
            #expect(s3 == .badRequest && r3.code == "DISABLED" && r3.licenseKey?.status == "disabled")
            let (s4, r4, _) = try await Self.call(app, "activate", ["license_key": "bbbb-other-store", "instance_name": "Mac"])
            #expect(s4 == .badRequest && r4.code == "WRONG_PRODUCT" && r4.licenseKey == nil)
            #expect(try await Self.call(app, "validate", ["license_key": "dddd-other-product"]).1.code == "WRONG_PRODUCT")
            let (s5, r5, _) = try await Self.call(app, "activate", ["license_key": "cccc-ours", "instance_name": "Mac"], form: true)
            #expect(s5 == .ok && r5.code == "ACTIVATED" && r5.meta?.storeID == .number(1) && r5.meta?.orderID == .number(2002))
            #expect(r5.licenseKey.map { if case .number = $0.id { true } else { false } } == true)
            // Lemon Squeezy's wire shape: numeric ids as numbers, every key present.
            let raw = try await app.request(.post, "/v1/licenses/validate", rawBody: #"{"license_key":"cccc-ours"}"#, apikey: false)
            let json = raw.json
            #expect(Set(json.keys) == ["valid", "error", "code", "license_key", "instance", "meta", "entitlement_token"])
            #expect((json["meta"] as? [String: Any])?["store_id"] as? Int == 1 && json["instance"] is NSNull)
        }
    }

    @Test("rate limited per key and per IP, with Retry-After, in the licence shape", arguments: [StoreKind.sqlite])
    func rateLimits(kind: StoreKind) async throws {
        try await Harness.run(kind, configure: {
            // Hour-long windows: on a loaded machine these calls can take seconds, and a minute's bucket would
            // refill a token midway.
            $0.licensing.perKey = RateLimitRule(limit: 2, window: 3600)
            $0.licensing.perIP = RateLimitRule(limit: 5, window: 3600)
        }) { app in
            for _ in 0..<2 { #expect(try await Self.call(app, "validate", ["license_key": "key-one"]).0 == .notFound) }
            let (limited, answer, headers) = try await Self.call(app, "validate", ["license_key": "key-one"])
            #expect(limited == .tooManyRequests && answer.code == "RATE_LIMITED" && !answer.success && headers[.retryAfter] != nil)
            // Another key still goes through, until the address has used its own allowance.
            #expect(try await Self.call(app, "validate", ["license_key": "key-two"]).0 == .notFound)
            #expect(try await Self.call(app, "activate", ["license_key": "key-three", "instance_name": "x"]).0 == .notFound)
            #expect(try await Self.call(app, "deactivate", ["license_key": "key-four", "instance_id": "x"]).1.code == "RATE_LIMITED")
        }
    }

    @Test("/v1/me/entitlements carries a document of the union (subscription and licence), verifiable with the JWKS", arguments: TestStores.kinds)
    func entitlementDocument(kind: StoreKind) async throws {
        try await Harness.run(kind) { app in
            let (token, user) = try await Self.user(app)
            let before = try await app.request(.get, "/v1/me/entitlements", bearer: token, apikey: false)
            let empty = try await Self.verifier(app).verify(try #require(before.string("entitlementToken")), now: Date())
            #expect(empty.subject == user && empty.entitlements.isEmpty && empty.license == nil)

            try await Self.subscribe(app, user: user, id: "sub_01document0000000000000")
            let reply = try await app.request(.get, "/v1/me/entitlements", bearer: token, apikey: false)
            let response = try JSONDecoder().decode(EntitlementsResponse.self, from: Data(reply.raw.utf8))
            #expect(response.plan == "pro")
            let sources = Set(response.entitlements.first?.sources.map(\.type) ?? [])
            #expect(sources == ["subscription", "license"])
            let document = try await Self.verifier(app).verify(try #require(response.entitlementToken), now: Date())
            #expect(document.subject == user && document.grants(EntitlementSet.proCode, at: Date()))
            // One changed byte in the signed part and it no longer verifies.
            var bytes = Array(try #require(response.entitlementToken).utf8)
            bytes[bytes.count / 2] = bytes[bytes.count / 2] == UInt8(ascii: "x") ? UInt8(ascii: "y") : UInt8(ascii: "x")
            #expect(throws: EntitlementTokenVerifier.Failure.self) {
                try EntitlementTokenVerifier(jwks: JWKS(keys: [])).verify(String(decoding: bytes, as: UTF8.self), now: Date())
            }
            let verifier = try await Self.verifier(app)
            #expect(throws: EntitlementTokenVerifier.Failure.self) { try verifier.verify(String(decoding: bytes, as: UTF8.self), now: Date()) }
        }
    }

    @Test("a key issued by a replica with another secret is never shown wrong (hint only)", arguments: [StoreKind.sqlite])
    func otherSecret(kind: StoreKind) async throws {
        try await Harness.run(kind) { app in
            let (token, user) = try await Self.user(app)
            let other = BillingApplier(catalog: .sandbox, grace: 0, licenseSecret: Data(repeating: 1, count: 32))
            let change = SubscriptionChange(
                provider: .paddle, mode: .test, subscriptionID: "sub_01othersecret000000000000", customerID: nil, userID: UserID(user),
                status: .active, priceIDs: [Self.price], currentPeriodStart: Date(), currentPeriodEnd: Date().addingTimeInterval(86_400),
                scheduledCancelAt: nil, canceledAt: nil, occurredAt: Date())
            _ = try await app.database.transaction { try await other.apply(.subscription(change), now: Date(), on: $0) }
            let listed = try JSONDecoder().decode(LicensesResponse.self, from: Data(
                try await app.request(.get, "/v1/me/licenses", bearer: token, apikey: false).raw.utf8)).licenses
            #expect(listed.count == 1 && listed.first?.key == nil && listed.first?.keyHint.count == 5)
        }
    }

    @Test("rotation: a new key signs, the old one stays published until its documents have expired")
    func rotation() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("scritorio-keys-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let t0 = Date(timeIntervalSince1970: 1_790_000_000)
        let first = try EntitlementKeys.load(directory: directory, configured: nil, now: t0, keepRetiredFor: 1000)
        let oldToken = try first.current.sign(EntitlementDocument(
            subject: "u", entitlements: [], issuedAt: t0, expiresAt: t0.addingTimeInterval(900), serverTime: t0))
        let newKid = try EntitlementKeys.rotate(directory: directory, now: t0.addingTimeInterval(10), keepRetiredFor: 1000)
        let second = try EntitlementKeys.load(directory: directory, configured: nil, now: t0.addingTimeInterval(20), keepRetiredFor: 1000)
        #expect(second.current.kid == newKid && second.jwks.keys.map(\.kid) == [newKid, first.current.kid])
        #expect(try EntitlementTokenVerifier(jwks: second.jwks).verify(oldToken, now: t0.addingTimeInterval(30)).subject == "u")
        let later = try EntitlementKeys.load(directory: directory, configured: nil, now: t0.addingTimeInterval(2000), keepRetiredFor: 1000)
        #expect(later.jwks.keys.map(\.kid) == [newKid])
        // A configured key (PEM from `openssl genpkey -algorithm ed25519`) signs; the file's keys stay published.
        let pem = "-----BEGIN PRIVATE KEY-----\\nMC4CAQAwBQYDK2VwBCIEIJ1hsZ3v/Vpguo...\\n-----END PRIVATE KEY-----"
        #expect(throws: ConfigError.self) { try EntitlementKeys.load(directory: directory, configured: pem, now: t0, keepRetiredFor: 1000) }
        let raw = Base64URL.encode(Data(repeating: 9, count: 32))
        let configured = try EntitlementKeys.load(directory: directory, configured: raw, now: t0.addingTimeInterval(20), keepRetiredFor: 1000)
        #expect(configured.current.kid != newKid && configured.jwks.keys.count == 3)
    }
}
