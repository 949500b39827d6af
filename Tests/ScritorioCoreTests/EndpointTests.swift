import Foundation
import ScritorioAPI
import ScritorioCore
import Testing

@Suite("Endpoints")
struct EndpointTests {
    @Test("paths are the surface's prefix and the router's relative path; parameters are one encoded segment")
    func rendering() {
        #expect(API.Auth.passwordGrant.fullPath == "/auth/v1/token")
        #expect(API.Auth.passwordGrant.fixedQuery == [URLQueryItem(name: "grant_type", value: "password")])
        #expect(API.Auth.token.route == API.Auth.passwordGrant.route, "the grants share the token route")
        #expect(API.Members.usage.renderedPath() == "/v1/me/usage")
        #expect(API.Site.health.renderedPath() == "/health")
        #expect(API.Admin.aiLimits.parameterNames == ["id"])
        #expect(API.Admin.aiLimits.renderedPath(["id": "5f8b0c1e"]) == "/admin/v1/users/5f8b0c1e/ai-limits")
        #expect(API.Licensing.freeDevice.renderedPath(["id": "a?b#c"]) == "/v1/me/devices/a%3Fb%23c")
        #expect(API.Functions.paddleWebhook.fullPath == "/functions/v1/paddle-webhook")
        #expect(API.Webhooks.paddle.fullPath == "/webhooks/paddle")
        #expect(API.Members.me.renderedPath(under: "") == "/v1/me")
        #expect(API.Members.me.renderedPath(under: "/accounts/") == "/accounts/v1/me")
    }

    @Test("each surface declares its error shape")
    func errorShapes() {
        #expect(API.Auth.signUp.errorShape == .gotrue)
        #expect(API.AI.chatCompletions.errorShape == .openai)
        #expect(API.Billing.checkout.errorShape == .product)
        #expect(API.Functions.memberGet.errorShape == .product)
    }
}

@Suite("Error envelope")
struct ErrorEnvelopeTests {
    func read(_ body: String) -> ErrorEnvelope { ErrorEnvelope.read(Data(body.utf8)) }

    @Test("every shape the server writes gives its code and message")
    func shapes() {
        let versioned = read(#"{"code":"invalid_credentials","message":"Invalid login credentials"}"#)
        #expect(versioned.code(status: 400) == "invalid_credentials")
        #expect(versioned.humanMessage == "Invalid login credentials")
        let legacy = read(#"{"code":400,"error_code":"otp_expired","msg":"Token has expired"}"#)
        #expect(legacy.statusCode == 400)
        #expect(legacy.code(status: 400) == "otp_expired")
        #expect(legacy.humanMessage == "Token has expired")
        let oauth = read(#"{"error":"invalid request","error_description":"Bad ID token"}"#)
        #expect(oauth.code(status: 400) == "invalid request")
        #expect(oauth.humanMessage == "Bad ID token")
        let product = read(#"{"error":"unauthorized","message":"Missing bearer"}"#)
        #expect(product.code(status: 401) == "unauthorized")
        #expect(product.humanMessage == "Missing bearer")
        let openAI = read(#"{"error":{"message":"No","type":"invalid_request_error","param":"model","code":"model_not_in_plan"}}"#)
        #expect(openAI.isOpenAIShape)
        #expect(openAI.code(status: 403) == "model_not_in_plan")
        #expect(openAI.detail?.param == "model")
        let typeOnly = read(#"{"error":{"message":"Bad","type":"server_error","param":null,"code":null}}"#)
        #expect(typeOnly.code(status: 502) == "server_error")
        let kong = read(#"{"message":"Invalid API key"}"#)
        #expect(kong.code(status: 401) == "http_401")
        #expect(kong.humanMessage == "Invalid API key")
        let licence = read(#"{"activated":false,"error":"This license key has reached the activation limit.","code":"TOO_MANY_ACTIVATIONS"}"#)
        #expect(licence.code(status: 400) == "TOO_MANY_ACTIVATIONS")
        let weak = read(#"{"code":"weak_password","message":"Weak","weak_password":{"reasons":["length"]}}"#)
        #expect(weak.weakPasswordReasons == ["length"])
    }

    @Test("an exhausted quota carries its reset time from the error or beside it")
    func quota() {
        let nested = read(#"{"error":{"message":"Quota used","type":"insufficient_quota","code":"quota_exceeded","resets_at":"2026-12-01T00:00:00Z"}}"#)
        #expect(nested.isQuotaExceeded)
        #expect(nested.quotaResetsAt == "2026-12-01T00:00:00Z")
        let beside = read(#"{"error":{"message":"Quota used","type":"insufficient_quota","code":null},"resets_at":"2026-12-02T00:00:00Z"}"#)
        #expect(beside.isQuotaExceeded)
        #expect(beside.quotaResetsAt == "2026-12-02T00:00:00Z")
        #expect(!read(#"{"error":"quota_exceeded","message":"x"}"#).isQuotaExceeded, "only the gateway's shape reports quotas")
    }

    @Test("a body that is not a JSON object reads as empty")
    func notJSON() {
        for body in ["Bad Gateway", "", "[1,2]", "null"] {
            #expect(read(body) == ErrorEnvelope())
            #expect(read(body).code(status: 502) == "http_502")
        }
    }
}

@Suite("Usage answer")
struct UsageResponseTests {
    /// The answer as the server wrote it before it had a type: a dictionary through `JSONSerialization`.
    static func dictionaryBytes(_ usage: UsageResponse) throws -> Data {
        func number(_ value: Int64?) -> Any { value.map { NSNumber(value: $0) } ?? NSNull() }
        let minute = try #require(usage.minute)
        let counters = try #require(usage.counters)
        let body: [String: Any] = [
            "plan": usage.plan, "models": usage.models,
            "minute": ["start": minute.start, "requests": minute.requests, "requests_limit": number(minute.requestsLimit)],
            "day": [
                "start": usage.day.start, "end": usage.day.end!, "tokens_used": usage.day.tokensUsed,
                "tokens_reserved": usage.day.tokensReserved!, "tokens_limit": number(usage.day.tokensLimit),
                "requests": usage.day.requests!, "requests_limit": number(usage.day.requestsLimit),
            ],
            "month": [
                "start": usage.month.start, "end": usage.month.end!, "tokens_used": usage.month.tokensUsed,
                "tokens_reserved": usage.month.tokensReserved!, "tokens_limit": number(usage.month.tokensLimit),
                "requests": usage.month.requests!, "audio_seconds_used": usage.month.audioSecondsUsed!,
                "audio_seconds_reserved": usage.month.audioSecondsReserved!,
                "audio_seconds_limit": number(usage.month.audioSecondsLimit), "cost_micros": usage.month.costMicros!,
            ],
            "counters": [
                "tokens_today": counters.tokensToday, "tokens_this_month": counters.tokensThisMonth, "tokens_total": counters.tokensTotal,
            ],
        ]
        return try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys, .withoutEscapingSlashes])
    }

    @Test("the typed answer is byte for byte the dictionary the server wrote", arguments: [true, false])
    func sameBytes(limited: Bool) throws {
        let usage = ContractFixtures.usage(limited: limited)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let typed = try encoder.encode(usage)
        #expect(String(decoding: typed, as: UTF8.self) == String(decoding: try Self.dictionaryBytes(usage), as: UTF8.self))
        if !limited {
            #expect(String(decoding: typed, as: UTF8.self).contains(#""tokens_limit":null"#), "unlimited is null, not absent")
        }
    }

    @Test("the SDK reads the answer of a server that sent only the day and month")
    func older() throws {
        let body = #"{"plan":"free","models":["m"],"day":{"start":"s","tokens_used":1},"month":{"start":"s","tokens_used":2,"tokens_limit":null}}"#
        let usage = try JSONDecoder().decode(UsageResponse.self, from: Data(body.utf8))
        #expect(usage.minute == nil && usage.counters == nil)
        #expect(usage.day.tokensUsed == 1 && usage.month.tokensLimit == nil)
    }
}
