import Foundation
import Hummingbird
import NIOCore
import ScritorioAPI
import ScritorioCore
import ScritorioStore

/// `/admin/v1`, for the operator (bearer `SCRITORIO_ADMIN_TOKEN`, checked by `AdminTokenMiddleware`): per-user
/// AI limit overrides.
/// `GET|PUT /admin/v1/users/{id}/ai-limits` with `tokens_per_day`, `tokens_per_month`, `requests_per_minute`,
/// `audio_seconds_per_month`; `null` (or a missing field) falls back to the plan.
struct AIAdminController: Sendable {
    let gateway: AIGateway

    var endpoints: RouteCollection<AppRequestContext> {
        RouteCollection(context: AppRequestContext.self)
            .on(API.Admin.aiLimits, use: get)
            .on(API.Admin.setAILimits, use: put)
    }

    struct LimitsBody: Decodable {
        var tokens_per_day: Int64?
        var tokens_per_month: Int64?
        var requests_per_minute: Int64?
        var audio_seconds_per_month: Int64?
    }

    func user(_ context: AppRequestContext) throws -> UserID {
        guard let text = context.parameters.get("id"), let user = UserID(text) else {
            throw APIError.validation("The user id must be a UUID")
        }
        return user
    }

    @Sendable func get(_ request: Request, context: AppRequestContext) async throws -> Response {
        return try await render(try user(context))
    }

    @Sendable func put(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try user(context)
        let body = try await JSONBody.decode(LimitsBody.self, from: request, context: context)
        for value in [body.tokens_per_day, body.tokens_per_month, body.requests_per_minute, body.audio_seconds_per_month] {
            if let value, value < 0 || value > 1 << 50 { throw APIError.validation("Limits must be whole numbers from 0 to 2^50, or null") }
        }
        let overrides = AILimitOverrides(
            tokensPerDay: body.tokens_per_day, tokensPerMonth: body.tokens_per_month,
            requestsPerMinute: body.requests_per_minute, audioSecondsPerMonth: body.audio_seconds_per_month)
        let plan = try await gateway.plan(for: user)
        let now = gateway.now()
        try await gateway.database.transaction { try await AIRepository.setOverrides(userID: user, overrides, plan: plan.code, now: now, on: $0) }
        return try await render(user)
    }

    func render(_ user: UserID) async throws -> Response {
        let plan = try await gateway.plan(for: user)
        let overrides = try await gateway.database.read { try await AIRepository.state(userID: user, on: $0) }?.overrides ?? AILimitOverrides()
        let effective = plan.effectiveLimits(overrides)
        func number(_ value: Int64?) -> Any { value.map { NSNumber(value: $0) } ?? NSNull() }
        let body: [String: Any] = [
            "user_id": user.description,
            "plan": plan.code,
            "tokens_per_day": number(overrides.tokensPerDay),
            "tokens_per_month": number(overrides.tokensPerMonth),
            "requests_per_minute": number(overrides.requestsPerMinute),
            "audio_seconds_per_month": number(overrides.audioSecondsPerMonth),
            "effective": [
                "tokens_per_day": number(effective.tokensPerDay), "tokens_per_month": number(effective.tokensPerMonth),
                "requests_per_day": number(effective.requestsPerDay), "requests_per_minute": number(effective.requestsPerMinute),
                "audio_seconds_per_month": number(effective.audioSecondsPerMonth),
            ],
        ]
        let data = try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(data: data)))
    }
}
