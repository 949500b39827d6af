import Foundation
import Hummingbird
import NIOCore
import ScritorioAPI
import ScritorioCore
import ScritorioStore

/// `GET /v1/me/usage`: the caller's AI plan, the current minute, day and month with use, reservations in flight
/// and limits, and the member's seed counters (`tokens_today / this_month / total`).
struct AIUsageController: Sendable {
    let gateway: AIGateway

    var product: RouteCollection<AuthenticatedContext> {
        RouteCollection(context: AuthenticatedContext.self).get("me/usage", use: usage)
    }

    @Sendable func usage(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let user = context.identity.userID
        let plan = try await gateway.plan(for: user)
        let anchor = try await gateway.anchor(for: user, plan: plan)
        let now = gateway.now()
        let periods = AIPeriods(anchor: anchor, now: now)
        let (state, member, ledger) = try await gateway.database.read { db in
            (
                try await AIRepository.state(userID: user, on: db)?.current(periods),
                try await MemberRepository.find(userID: user, on: db),
                try await AIRepository.ledgerTotals(userID: user, since: periods.monthStart, on: db)
            )
        }
        let limits = plan.effectiveLimits(state?.overrides ?? AILimitOverrides())
        func number(_ value: Int64?) -> Any { value.map { NSNumber(value: $0) } ?? NSNull() }
        let body: [String: Any] = [
            "plan": plan.code,
            "models": plan.models,
            "minute": [
                "start": WireDate.format(periods.minuteStart), "requests": state?.minuteRequests ?? 0,
                "requests_limit": number(limits.requestsPerMinute),
            ],
            "day": [
                "start": WireDate.format(periods.dayStart), "end": WireDate.format(periods.dayEnd),
                "tokens_used": state?.dayTokensUsed ?? 0, "tokens_reserved": state?.dayTokensReserved ?? 0,
                "tokens_limit": number(limits.tokensPerDay), "requests": state?.dayRequests ?? 0,
                "requests_limit": number(limits.requestsPerDay),
            ],
            "month": [
                "start": WireDate.format(periods.monthStart), "end": WireDate.format(periods.monthEnd),
                "tokens_used": state?.monthTokensUsed ?? 0, "tokens_reserved": state?.monthTokensReserved ?? 0,
                "tokens_limit": number(limits.tokensPerMonth), "requests": state?.monthRequests ?? 0,
                "audio_seconds_used": state?.monthAudioUsed ?? 0, "audio_seconds_reserved": state?.monthAudioReserved ?? 0,
                "audio_seconds_limit": number(limits.audioSecondsPerMonth), "cost_micros": ledger.costMicros,
            ],
            "counters": [
                "tokens_today": member?.counters.tokensToday ?? 0, "tokens_this_month": member?.counters.tokensThisMonth ?? 0,
                "tokens_total": member?.counters.tokensTotal ?? 0,
            ],
        ]
        let data = try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys, .withoutEscapingSlashes])
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(data: data)))
    }
}
