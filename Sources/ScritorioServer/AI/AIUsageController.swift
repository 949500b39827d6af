import Foundation
import Hummingbird
import ScritorioAPI
import ScritorioCore
import ScritorioStore

/// `GET /v1/me/usage`: the caller's AI plan, the current minute, day and month with use, reservations in flight
/// and limits, and the member's seed counters (`tokens_today / this_month / total`).
struct AIUsageController: Sendable {
    let gateway: AIGateway

    var product: RouteCollection<AuthenticatedContext> {
        RouteCollection(context: AuthenticatedContext.self).on(API.Members.usage, use: usage)
    }

    @Sendable func usage(_ request: Request, context: AuthenticatedContext) async throws -> JSONResponse<UsageResponse> {
        let user = context.identity.userID
        let plan = try await gateway.plan(for: user)
        let anchor = try await gateway.anchor(for: user, plan: plan)
        let now = gateway.now()
        let periods = AIPeriods(anchor: anchor, now: now)
        let (state, member, ledger) = try await gateway.database.read { db in
            (
                try await AIRepository.state(userID: user, on: db)?.current(periods),
                try await MemberRepository.find(userID: user, now: now, on: db),
                try await AIRepository.ledgerTotals(userID: user, since: periods.monthStart, on: db)
            )
        }
        let limits = plan.effectiveLimits(state?.overrides ?? AILimitOverrides())
        return JSONResponse(UsageResponse(
            plan: plan.code, models: plan.models,
            minute: UsageResponse.Minute(
                start: WireDate.format(periods.minuteStart), requests: state?.minuteRequests ?? 0,
                requestsLimit: limits.requestsPerMinute),
            day: .day(
                start: WireDate.format(periods.dayStart), end: WireDate.format(periods.dayEnd),
                tokensUsed: state?.dayTokensUsed ?? 0, tokensReserved: state?.dayTokensReserved ?? 0,
                tokensLimit: limits.tokensPerDay, requests: state?.dayRequests ?? 0, requestsLimit: limits.requestsPerDay),
            month: .month(
                start: WireDate.format(periods.monthStart), end: WireDate.format(periods.monthEnd),
                tokensUsed: state?.monthTokensUsed ?? 0, tokensReserved: state?.monthTokensReserved ?? 0,
                tokensLimit: limits.tokensPerMonth, requests: state?.monthRequests ?? 0,
                audioSecondsUsed: state?.monthAudioUsed ?? 0, audioSecondsReserved: state?.monthAudioReserved ?? 0,
                audioSecondsLimit: limits.audioSecondsPerMonth, costMicros: ledger.costMicros),
            counters: UsageResponse.Counters(
                tokensToday: member?.counters.tokensToday ?? 0, tokensThisMonth: member?.counters.tokensThisMonth ?? 0,
                tokensTotal: member?.counters.tokensTotal ?? 0)))
    }
}
