import Foundation
import ScritorioAPI
import ScritorioCore
import Testing

/// One endpoint's round trip: what the SDK sends is what the server reads, and what the server writes is what the
/// SDK reads.
struct RoundTrip: Sendable, CustomTestStringConvertible {
    let route: APIRoute
    let check: @Sendable () throws -> Void

    init<In, Out>(_ endpoint: Endpoint<In, Out>, _ check: @escaping @Sendable () throws -> Void = {}) {
        self.route = endpoint.route
        self.check = check
    }

    var testDescription: String { route.description }
}

/// The SDK encodes request bodies with a plain `JSONEncoder` (Requester); the server reads them with a plain
/// `JSONDecoder` (JSONBody). The value must survive unchanged.
private func sent<In: Codable & Equatable, Out>(_ endpoint: Endpoint<In, Out>, _ value: In) throws {
    let wire = try JSONEncoder().encode(value)
    #expect(try JSONDecoder().decode(In.self, from: wire) == value, "\(endpoint.route) request")
}

/// The server writes answers with its direct writer when the type has one, else with a `JSONEncoder` with sorted
/// keys (JSONResponse); the SDK reads them with a plain `JSONDecoder`.
private func answered<In, Out: Codable & Equatable>(_ endpoint: Endpoint<In, Out>, _ value: Out) throws {
    let wire: Data
    if let fast = value as? any FastJSONEncodable {
        var writer = JSONWriter()
        fast.write(to: &writer)
        wire = Data(writer.bytes)
    } else {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        wire = try encoder.encode(value)
    }
    #expect(try JSONDecoder().decode(Out.self, from: wire) == value, "\(endpoint.route) answer")
}

private typealias F = ContractFixtures

@Suite("Contract round trips")
struct ContractRoundTripTests {
    static let cases: [RoundTrip] = [
        // Site
        RoundTrip(API.Site.health) { try answered(API.Site.health, F.health) },
        RoundTrip(API.Site.openAPI) { try answered(API.Site.openAPI, F.opaqueJSON) },
        RoundTrip(API.Site.pay),
        // Auth
        RoundTrip(API.Auth.signUp) {
            try sent(API.Auth.signUp, SignUpRequest(email: "a@example.com", password: "pw", data: ["display_name": .string("Ada")]))
            try answered(API.Auth.signUp, .session(F.session))
            try answered(API.Auth.signUp, .user(F.user))
        },
        RoundTrip(API.Auth.token) {
            try sent(API.Auth.passwordGrant, PasswordGrantRequest(email: "a@example.com", password: "pw"))
            try sent(API.Auth.refreshGrant, RefreshGrantRequest(refresh_token: "r"))
            try sent(API.Auth.idTokenGrant, IDTokenGrantRequest(provider: "google", id_token: "t", nonce: "n"))
            try sent(API.Auth.pkceGrant, PKCEGrantRequest(auth_code: "c", code_verifier: "v"))
            try answered(API.Auth.passwordGrant, F.session)
        },
        RoundTrip(API.Auth.user) { try answered(API.Auth.user, F.user) },
        RoundTrip(API.Auth.updateUser) {
            try sent(API.Auth.updateUser, UpdateUserRequest(password: "new", data: ["display_name": .null]))
            try answered(API.Auth.updateUser, F.user)
        },
        RoundTrip(API.Auth.recover) {
            try sent(API.Auth.recover, RecoverRequest(email: "a@example.com"))
            try answered(API.Auth.recover, EmptyBody())
        },
        RoundTrip(API.Auth.resend) {
            try sent(API.Auth.resend, ResendRequest(type: "signup", email: "a@example.com"))
            try answered(API.Auth.resend, EmptyBody())
        },
        RoundTrip(API.Auth.verify) {
            try sent(API.Auth.verify, VerifyRequest(type: "email", token: "123456", email: "a@example.com"))
            try answered(API.Auth.verify, F.session)
        },
        RoundTrip(API.Auth.followLink),
        RoundTrip(API.Auth.logout),
        RoundTrip(API.Auth.jwks) { try answered(API.Auth.jwks, F.jwks) },
        RoundTrip(API.Auth.settings) { try answered(API.Auth.settings, F.settings) },
        RoundTrip(API.Auth.health) { try answered(API.Auth.health, F.opaqueJSON) },
        RoundTrip(API.Auth.otp) {
            try sent(API.Auth.otp, OTPRequest(email: "a@example.com", create_user: false, data: ["plan": .string("x")]))
            try answered(API.Auth.otp, EmptyBody())
        },
        RoundTrip(API.Auth.reauthenticate) { try answered(API.Auth.reauthenticate, EmptyBody()) },
        RoundTrip(API.Auth.enrollFactor) {
            try sent(API.Auth.enrollFactor, EnrollFactorRequest(factor_type: "totp", friendly_name: "Phone", issuer: "Notes"))
            try answered(API.Auth.enrollFactor, EnrollFactorResponse(
                id: "f", type: "totp", friendly_name: "", totp: .init(qr_code: "<svg/>", secret: "ABC", uri: "otpauth://totp/x")))
        },
        RoundTrip(API.Auth.challengeFactor) {
            try sent(API.Auth.challengeFactor, ChallengeFactorRequest())
            try answered(API.Auth.challengeFactor, ChallengeFactorResponse(id: "c", type: "totp", expires_at: 1_800_000_000))
        },
        RoundTrip(API.Auth.verifyFactor) {
            try sent(API.Auth.verifyFactor, VerifyFactorRequest(challenge_id: "c", code: "123456"))
            try answered(API.Auth.verifyFactor, F.session)
        },
        RoundTrip(API.Auth.unenrollFactor) { try answered(API.Auth.unenrollFactor, FactorIDResponse(id: "f")) },
        RoundTrip(API.Auth.sso),
        RoundTrip(API.Auth.invite) {
            try sent(API.Auth.invite, InviteRequest(email: "a@example.com", data: ["team": .string("x")]))
            try answered(API.Auth.invite, F.user)
        },
        RoundTrip(API.Auth.adminUsers) { try answered(API.Auth.adminUsers, AdminUserList(users: [F.user])) },
        RoundTrip(API.Auth.adminCreateUser) {
            try sent(API.Auth.adminCreateUser, AdminUserRequest(email: "a@example.com", password: "pw", email_confirm: true, ban_duration: "24h"))
            try answered(API.Auth.adminCreateUser, F.user)
        },
        RoundTrip(API.Auth.adminUser) { try answered(API.Auth.adminUser, F.user) },
        RoundTrip(API.Auth.adminUpdateUser) {
            try sent(API.Auth.adminUpdateUser, AdminUserRequest(app_metadata: ["plan": .null]))
            try answered(API.Auth.adminUpdateUser, F.user)
        },
        RoundTrip(API.Auth.adminDeleteUser) {
            try sent(API.Auth.adminDeleteUser, AdminDeleteUserRequest(should_soft_delete: true))
            try answered(API.Auth.adminDeleteUser, EmptyBody())
        },
        RoundTrip(API.Auth.adminUserFactors) { try answered(API.Auth.adminUserFactors, [F.factor]) },
        RoundTrip(API.Auth.adminDeleteFactor) { try answered(API.Auth.adminDeleteFactor, F.factor) },
        RoundTrip(API.Auth.generateLink) {
            try sent(API.Auth.generateLink, GenerateLinkRequest(type: "magiclink", email: "a@example.com"))
            try answered(API.Auth.generateLink, GenerateLinkResponse(
                user: F.user, action_link: "http://x/auth/v1/verify?token=h&type=magiclink", email_otp: "123456", hashed_token: "h",
                verification_type: "magiclink", redirect_to: "http://x"))
        },
        // Not served yet: no body either way.
        RoundTrip(API.Auth.authorize),
        RoundTrip(API.Auth.callback),
        RoundTrip(API.Auth.callbackPost),
        // Functions
        RoundTrip(API.Functions.memberInit) {
            try sent(API.Functions.memberInit, EmptyBody())
            try answered(API.Functions.memberInit, EmptyBody())
        },
        RoundTrip(API.Functions.memberInitGet) { try answered(API.Functions.memberInitGet, EmptyBody()) },
        RoundTrip(API.Functions.memberGet) {
            try sent(API.Functions.memberGet, EmptyBody())
            try answered(API.Functions.memberGet, MemberEnvelope(member: F.member))
            try answered(API.Functions.memberGet, MemberEnvelope(member: nil))
        },
        RoundTrip(API.Functions.memberGetGet) { try answered(API.Functions.memberGetGet, MemberEnvelope(member: F.member)) },
        RoundTrip(API.Functions.paddleVerify) {
            try sent(API.Functions.paddleVerify, PaddleVerifyRequest(transactionId: "txn_1"))
            try answered(API.Functions.paddleVerify, PaddleVerifyResponse(success: true, plan: "pro", transactionId: "txn_1"))
        },
        RoundTrip(API.Functions.paddleWebhook) { try answered(API.Functions.paddleWebhook, F.ack) },
        // Members
        RoundTrip(API.Members.me) { try answered(API.Members.me, F.me) },
        RoundTrip(API.Members.initialize) {
            try sent(API.Members.initialize, EmptyBody())
            try answered(API.Members.initialize, MemberEnvelope(member: F.member))
        },
        RoundTrip(API.Members.reportWords) {
            try sent(API.Members.reportWords, WordsReport(count: 120, idempotency_key: "dictation-1"))
            try answered(API.Members.reportWords, WordsReportResponse(recorded: true, member: F.member))
        },
        RoundTrip(API.Members.usage) {
            try answered(API.Members.usage, F.usage(limited: true))
            try answered(API.Members.usage, F.usage(limited: false))
        },
        // Billing
        RoundTrip(API.Billing.entitlements) { try answered(API.Billing.entitlements, F.entitlements) },
        RoundTrip(API.Billing.subscription) {
            try answered(API.Billing.subscription, F.subscription)
            try answered(API.Billing.subscription, SubscriptionEnvelope(subscription: nil))
        },
        RoundTrip(API.Billing.cancelSubscription) { try answered(API.Billing.cancelSubscription, F.subscription) },
        RoundTrip(API.Billing.checkout) {
            try sent(API.Billing.checkout, CheckoutRequest(plan: "pro_monthly"))
            try sent(API.Billing.checkout, CheckoutRequest(plan: "pro_monthly", provider: "lemonsqueezy"))
            try answered(API.Billing.checkout, CheckoutResponse(provider: "paddle", plan: "pro_monthly", transactionId: "txn_1", checkoutUrl: "https://x/pay"))
            try answered(API.Billing.checkout, CheckoutResponse(provider: "lemonsqueezy", plan: "pro_monthly", checkoutId: "c1", checkoutUrl: "https://x/c"))
        },
        RoundTrip(API.Billing.paddleVerify) {
            try sent(API.Billing.paddleVerify, PaddleVerifyRequest(transactionId: "txn_1"))
            try answered(API.Billing.paddleVerify, PaddleVerifyResponse(success: true, plan: "pro", transactionId: "txn_1"))
        },
        // Licensing
        RoundTrip(API.Licensing.activate) {
            try sent(API.Licensing.activate, LicenseRequest(licenseKey: "KEY-1", instanceName: "Ada's Mac", fingerprint: "abc"))
            try answered(API.Licensing.activate, F.license)
        },
        RoundTrip(API.Licensing.validate) {
            try sent(API.Licensing.validate, LicenseRequest(licenseKey: "KEY-1", instanceID: "inst-1", fingerprint: "abc"))
            var answer = F.license
            answer.operation = .validate
            try answered(API.Licensing.validate, answer)
        },
        RoundTrip(API.Licensing.deactivate) {
            try sent(API.Licensing.deactivate, LicenseRequest(licenseKey: "KEY-1", instanceID: "inst-1"))
            try answered(API.Licensing.deactivate, LicenseAPIResponse(operation: .deactivate, code: .notFound))
        },
        RoundTrip(API.Licensing.licenses) { try answered(API.Licensing.licenses, F.licenses) },
        RoundTrip(API.Licensing.devices) { try answered(API.Licensing.devices, F.devices) },
        RoundTrip(API.Licensing.freeDevice) {
            #expect(API.Licensing.freeDevice.renderedPath(["id": "a b/c"]) == "/v1/me/devices/a%20b%2Fc")
        },
        RoundTrip(API.Licensing.entitlementKeys) { try answered(API.Licensing.entitlementKeys, F.jwks) },
        // AI
        RoundTrip(API.AI.chatCompletions) {
            try sent(API.AI.chatCompletions, F.chatRequest)
            try answered(API.AI.chatCompletions, F.chatChunk)
        },
        RoundTrip(API.AI.responses) { try answered(API.AI.responses, F.opaqueJSON) },
        RoundTrip(API.AI.embeddings) { try answered(API.AI.embeddings, F.opaqueJSON) },
        RoundTrip(API.AI.transcriptions) { try answered(API.AI.transcriptions, F.opaqueJSON) },
        RoundTrip(API.AI.models) { try answered(API.AI.models, F.opaqueJSON) },
        RoundTrip(API.AI.otherGet),
        RoundTrip(API.AI.otherPost),
        // Admin
        RoundTrip(API.Admin.aiLimits) { try answered(API.Admin.aiLimits, F.limits) },
        RoundTrip(API.Admin.setAILimits) {
            try sent(API.Admin.setAILimits, AILimitsRequest(tokensPerDay: 100, requestsPerMinute: nil))
            try answered(API.Admin.setAILimits, F.limits)
        },
        // Webhooks
        RoundTrip(API.Webhooks.paddle) { try answered(API.Webhooks.paddle, F.ack) },
        RoundTrip(API.Webhooks.lemonSqueezy) { try answered(API.Webhooks.lemonSqueezy, WebhookAck(received: true, duplicate: true)) },
    ]

    @Test("every endpoint round-trips", arguments: cases)
    func roundTrip(_ trip: RoundTrip) throws {
        try trip.check()
    }

    @Test("every route has exactly one round trip, and the route list has no duplicates")
    func coverage() {
        #expect(Set(API.routes).count == API.routes.count)
        #expect(Set(Self.cases.map(\.route)) == Set(API.routes))
        #expect(Self.cases.count == API.routes.count)
    }

    @Test("the SDK's chat request is read by the gateway as OpenAI's")
    func chatRequestReadByGateway() throws {
        let body = try JSONEncoder().encode(F.chatRequest)
        let facts = try #require(AIRequestFacts.read(Array(body)))
        #expect(facts.model == "gpt-4o-mini")
        #expect(facts.stream)
        #expect(facts.includeUsage == true)
        #expect(facts.maxOutputTokens == 64)
    }
}
