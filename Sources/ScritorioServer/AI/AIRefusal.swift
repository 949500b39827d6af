import Foundation
import ScritorioCore
import ScritorioStore

/// Why the allowance refused a reservation, read from the user's row after the refusal (the decision itself was
/// the atomic write). The gateway records and throws it; the controller answers it as OpenAI's 429.
enum AIRefusal: Error, Sendable, Equatable {
    /// The requests-per-minute limit, `retryAfter` seconds before the minute ends.
    case perMinute(limit: Int64, retryAfter: Int)
    /// An allowance (`what`: "daily token", …) used up until `resets`.
    case quota(what: String, limit: Int64, plan: String, resets: Date, retryAfter: Int)
    /// No limit is reached any more: another request settled in between, so the allowance has room again.
    case busy

    /// How the ledger records it.
    var outcome: AIOutcome {
        if case .quota = self { return .quotaExceeded }
        return .rateLimited
    }

    /// Whether a refusal is only the work of requests in flight: their reservations (upper bounds of what they will
    /// use) fill the allowance, but what is used already plus `estimate` fits every limit, and no request limit is
    /// reached. Such a request waits for them to settle instead of being refused.
    static func heldByRequestsInFlight(_ stored: AIPlanState?, plan: AIPlan, periods: AIPeriods, estimate: AIUsage) -> Bool {
        guard let state = stored?.current(periods) else { return false }
        let limits = plan.effectiveLimits(state.overrides)
        let tokens = estimate.totalTokens
        let inFlight = state.dayTokensReserved > 0 || state.monthTokensReserved > 0 || state.monthAudioReserved > 0
        guard inFlight else { return false }
        if let rpm = limits.requestsPerMinute, state.minuteRequests + 1 > rpm { return false }
        if let limit = limits.requestsPerDay, state.dayRequests + 1 > limit { return false }
        if let limit = limits.tokensPerDay, state.dayTokensUsed + tokens > limit { return false }
        if let limit = limits.tokensPerMonth, state.monthTokensUsed + tokens > limit { return false }
        if let limit = limits.audioSecondsPerMonth, state.monthAudioUsed + estimate.audioSeconds > limit { return false }
        return true
    }

    /// The first limit `estimate` breaks in `stored` (the row, `nil` if it is gone), in the order OpenAI's
    /// clients are best served by: the retryable per-minute limit before the allowances.
    init(_ stored: AIPlanState?, plan: AIPlan, periods: AIPeriods, estimate: AIUsage, at now: Date) {
        let state = stored?.current(periods)
        let limits = plan.effectiveLimits(state?.overrides ?? AILimitOverrides())
        let tokens = estimate.totalTokens
        func wait(until end: Date) -> Int { max(1, Int(end.timeIntervalSince(now).rounded(.up))) }
        if let rpm = limits.requestsPerMinute, (state?.minuteRequests ?? 0) + 1 > rpm {
            let wait = max(1, Int((periods.minuteStart.timeIntervalSince1970 + 60 - now.timeIntervalSince1970).rounded(.up)))
            self = .perMinute(limit: rpm, retryAfter: wait)
        } else if let limit = limits.requestsPerDay, (state?.dayRequests ?? 0) + 1 > limit {
            self = .quota(what: "daily request", limit: limit, plan: plan.code, resets: periods.dayEnd, retryAfter: wait(until: periods.dayEnd))
        } else if let limit = limits.tokensPerDay, (state.map { $0.dayTokensUsed + $0.dayTokensReserved } ?? 0) + tokens > limit {
            self = .quota(what: "daily token", limit: limit, plan: plan.code, resets: periods.dayEnd, retryAfter: wait(until: periods.dayEnd))
        } else if let limit = limits.tokensPerMonth, (state.map { $0.monthTokensUsed + $0.monthTokensReserved } ?? 0) + tokens > limit {
            self = .quota(what: "monthly token", limit: limit, plan: plan.code, resets: periods.monthEnd, retryAfter: wait(until: periods.monthEnd))
        } else if let limit = limits.audioSecondsPerMonth,
            (state.map { $0.monthAudioUsed + $0.monthAudioReserved } ?? 0) + estimate.audioSeconds > limit
        {
            self = .quota(
                what: "monthly audio seconds", limit: limit, plan: plan.code, resets: periods.monthEnd, retryAfter: wait(until: periods.monthEnd))
        } else {
            self = .busy
        }
    }
}
