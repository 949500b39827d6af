import Foundation
import Hummingbird
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

    /// The path's user, who must be known here (an account, or a member or AI user of external auth): limits are
    /// never set for, and so rows never created for, an id nobody has.
    func user(_ context: AppRequestContext) async throws -> UserID {
        guard let text = context.parameters.get("id"), let user = UserID(text) else {
            throw APIError.validation("The user id must be a UUID")
        }
        guard try await gateway.database.read({ try await UserRepository.isKnown(user, on: $0) }) else {
            throw APIError(.notFound, .userNotFound, "User not found")
        }
        return user
    }

    @Sendable func get(_ request: Request, context: AppRequestContext) async throws -> JSONResponse<AILimitsResponse> {
        JSONResponse(try await answer(try await user(context)))
    }

    @Sendable func put(_ request: Request, context: AppRequestContext) async throws -> JSONResponse<AILimitsResponse> {
        let user = try await user(context)
        let body = try await JSONBody.decode(AILimitsRequest.self, from: request, context: context)
        for value in [body.tokensPerDay, body.tokensPerMonth, body.requestsPerMinute, body.audioSecondsPerMonth] {
            if let value, value < 0 || value > 1 << 50 { throw APIError.validation("Limits must be whole numbers from 0 to 2^50, or null") }
        }
        let overrides = AILimitOverrides(
            tokensPerDay: body.tokensPerDay, tokensPerMonth: body.tokensPerMonth,
            requestsPerMinute: body.requestsPerMinute, audioSecondsPerMonth: body.audioSecondsPerMonth)
        let plan = try await gateway.plan(for: user)
        let now = gateway.now()
        try await gateway.database.transaction { try await AIRepository.setOverrides(userID: user, overrides, plan: plan.code, now: now, on: $0) }
        return JSONResponse(try await answer(user))
    }

    func answer(_ user: UserID) async throws -> AILimitsResponse {
        let plan = try await gateway.plan(for: user)
        let overrides = try await gateway.database.read { try await AIRepository.state(userID: user, on: $0) }?.overrides ?? AILimitOverrides()
        let effective = plan.effectiveLimits(overrides)
        return AILimitsResponse(
            userID: user.description, plan: plan.code,
            overrides: AILimitsRequest(
                tokensPerDay: overrides.tokensPerDay, tokensPerMonth: overrides.tokensPerMonth,
                requestsPerMinute: overrides.requestsPerMinute, audioSecondsPerMonth: overrides.audioSecondsPerMonth),
            effective: AILimitsResponse.Effective(
                tokensPerDay: effective.tokensPerDay, tokensPerMonth: effective.tokensPerMonth, requestsPerDay: effective.requestsPerDay,
                requestsPerMinute: effective.requestsPerMinute, audioSecondsPerMonth: effective.audioSecondsPerMonth))
    }
}
