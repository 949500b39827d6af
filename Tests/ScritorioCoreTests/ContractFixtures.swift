import Foundation
import ScritorioAPI
import ScritorioCore

/// Sample bodies of every DTO of the contract, with every optional member set somewhere, so a round trip that
/// drops or renames a member shows.
enum ContractFixtures {
    static let now = Date(timeIntervalSince1970: 1_773_582_300)
    static let userID = UserID("5f8b0c1e-0000-4000-8000-000000000001")!
    static let stamp = "2026-03-15T13:45:00.000000Z"

    static var authUser: AuthUser {
        AuthUser(
            id: userID, email: "a@example.com", encryptedPassword: "$2a$10$x", emailConfirmedAt: now, confirmationSentAt: now,
            recoverySentAt: nil, lastSignInAt: now, appMetadata: AuthUser.appMetadata(providers: ["email"]),
            userMetadata: ["display_name": .string("Ada")], createdAt: now, updatedAt: now)
    }

    static var identity: AuthIdentity {
        AuthIdentity(
            id: IdentityID("9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d")!, providerID: "google-sub-1", userID: userID, provider: "google",
            identityData: ["sub": .string("google-sub-1"), "email": .string("g@example.com")], lastSignInAt: now, createdAt: now,
            updatedAt: now)
    }

    static var user: UserResponse { UserResponse(authUser, identities: [identity], factors: [mfaFactor]) }
    static var mfaFactor: MFAFactor {
        MFAFactor(
            id: UUID(uuidString: "5f8b0c1e-0000-4000-8000-0000000000f1")!, userID: userID, friendlyName: "Phone", factorType: "totp",
            status: .verified, sealedSecret: "v1.x", lastUsedStep: 1, lastChallengedAt: nil, createdAt: now, updatedAt: now)
    }
    static var factor: FactorResponse { FactorResponse(mfaFactor) }

    static var session: SessionResponse {
        SessionResponse(
            accessToken: "jwt", expiresIn: 3600, expiresAt: 1_773_585_900, refreshToken: "abcdefghijkl", user: user,
            weakPassword: WeakPasswordInfo(message: "short", reasons: ["length"]))
    }

    static var member: MemberDTO {
        var member = Member.newFree(id: userID, now: now)
        member.isOnTrial = true
        member.trialEndsAt = now
        return MemberDTO(member)
    }

    static var me: MeResponse {
        MeResponse(
            user: MeUserDTO(id: userID.description, email: "a@example.com", emailConfirmedAt: stamp, createdAt: stamp, userMetadata: ["a": .number(1)]),
            profile: ProfileDTO(Profile(id: userID, displayName: "Ada", createdAt: now, updatedAt: now)), member: member)
    }

    static var entitlements: EntitlementsResponse {
        let grants = [
            Grant(code: "scritorio_pro", source: .subscription("sub_1"), endsAt: now.addingTimeInterval(86_400)),
            Grant(code: "beta", source: .manual("ops")),
        ]
        return EntitlementsResponse(plan: "pro", entitlements: EntitlementSet.active(grants, at: now).map(EntitlementDTO.init), entitlementToken: "a.b.c")
    }

    static var subscription: SubscriptionEnvelope {
        SubscriptionEnvelope(subscription: SubscriptionDTO(
            provider: "paddle", id: "sub_1", status: "active", plan: "pro_monthly", active: true, willRenew: true, billingIssue: false,
            renewsAt: stamp, endsAt: nil, currentPeriodEnd: stamp, portalUrl: "https://pay.example.com/portal"))
    }

    static var license: LicenseAPIResponse {
        LicenseAPIResponse(
            operation: .activate, code: .activated,
            licenseKey: .init(
                id: LicenseWireID("12"), status: "active", key: "KEY-1", activationLimit: 3, activationUsage: 1, createdAt: stamp,
                expiresAt: nil, testMode: true),
            instance: .init(id: "inst-1", name: "Ada's Mac", createdAt: stamp),
            meta: .init(
                storeID: LicenseWireID("1"), orderID: LicenseWireID("ord-uuid"), orderItemID: nil, productID: LicenseWireID("7"),
                productName: "Scritorio", variantID: nil, variantName: "Pro", customerID: nil, customerName: "Ada",
                customerEmail: "a@example.com"),
            entitlementToken: "a.b.c")
    }

    static var licenses: LicensesResponse {
        LicensesResponse(licenses: [LicenseDTO(
            id: "lic-1", provider: "paddle", key: "KEY-1", keyHint: "EY-1", status: "active", activationLimit: nil, activationUsage: 2,
            expiresAt: stamp, createdAt: stamp, plan: "pro", productName: nil, testMode: false)])
    }

    static var devices: DevicesResponse {
        DevicesResponse(devices: [DeviceDTO(
            id: "inst-1", name: "Ada's Mac", fingerprint: "abc", licenseId: "lic-1", licenseKeyHint: nil, createdAt: stamp,
            lastValidatedAt: stamp)])
    }

    static var jwks: JWKS { JWKS(keys: [JWK(kty: "OKP", kid: "k1", alg: "EdDSA", crv: "Ed25519", x: "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo")]) }

    /// Limited, and with every allowance unlimited (`null`).
    static func usage(limited: Bool) -> UsageResponse {
        UsageResponse(
            plan: limited ? "free" : "pro", models: ["gpt-4o-mini", "whisper-1"],
            minute: .init(start: stamp, requests: 2, requestsLimit: limited ? 20 : nil),
            day: .day(start: stamp, end: stamp, tokensUsed: 10, tokensReserved: 5, tokensLimit: limited ? 1000 : nil, requests: 3,
                requestsLimit: limited ? 200 : nil),
            month: .month(
                start: stamp, end: stamp, tokensUsed: 100, tokensReserved: 5, tokensLimit: limited ? 10_000 : nil, requests: 30,
                audioSecondsUsed: 60, audioSecondsReserved: 15, audioSecondsLimit: limited ? 600 : nil, costMicros: 1234),
            counters: .init(tokensToday: 10, tokensThisMonth: 100, tokensTotal: 1000))
    }

    static var chatRequest: ChatCompletionRequest {
        ChatCompletionRequest(
            model: "gpt-4o-mini", messages: [.system("Be brief"), .user("Hi")], stream: true, max_tokens: 64,
            stream_options: .init(include_usage: true))
    }

    static var chatChunk: ChatCompletionChunk {
        ChatCompletionChunk(choices: [.init(delta: .init(content: "Hel"), message: nil), .init(delta: nil, message: .init(content: "Hello"))])
    }

    static var health: HealthResponse {
        HealthResponse(status: "ok", version: "0.1.0", authMode: "built-in", store: .init(kind: "sqlite", ok: true, schemaVersion: 7, error: nil))
    }

    static var settings: AuthSettings {
        AuthSettings(external: ["email": true, "phone": false, "google": true], disable_signup: false, mailer_autoconfirm: false,
                     phone_autoconfirm: false, sms_provider: "")
    }
    static var ack: WebhookAck { WebhookAck(received: true, duplicate: false) }
    static var limits: AILimitsResponse {
        AILimitsResponse(
            userID: userID.description, plan: "pro", overrides: AILimitsRequest(tokensPerDay: 100, requestsPerMinute: nil),
            effective: .init(tokensPerDay: 100, tokensPerMonth: nil, requestsPerDay: 5_000, requestsPerMinute: 60, audioSecondsPerMonth: 36_000))
    }
    static let opaqueJSON: JSONValue = .object(["received": .bool(true), "duplicate": .bool(false), "list": .array([.number(1), .null])])
}
