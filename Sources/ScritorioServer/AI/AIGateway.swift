import Foundation
import HTTPTypes
import Hummingbird
import Logging
import ScritorioAPI
import ScritorioCore
import ScritorioProviders
import ScritorioStore
import Synchronization

/// The gateway's bookkeeping around one upstream call: who the caller is, which plan and limits apply, the
/// reservation before the call, and the settlement (usage event, counters, member totals) after it.
struct AIGateway: Sendable {
    let database: Database
    /// `nil` when no upstream is configured (no key, no sandbox).
    let upstream: OpenAIUpstream?
    let config: AIConfig
    let now: @Sendable () -> Date
    let logger: Logger
    /// Users' period anchors: they never change once stored, so keeping them saves a read per request.
    let anchors = BoundedCache<UserID, Date>()
    /// Plans by user, with when they were read.
    let plans = BoundedCache<UserID, AIPlan>()
    /// SQLite's group commit; PostgreSQL writes each statement on its own pooled connection instead.
    let queue: AIWriteQueue?

    init(
        database: Database, upstream: OpenAIUpstream?, config: AIConfig,
        now: @escaping @Sendable () -> Date, logger: Logger
    ) {
        self.database = database
        self.upstream = upstream
        self.config = config
        self.now = now
        self.logger = logger
        self.queue = database.kind == .sqlite ? AIWriteQueue(database: database, logger: logger) : nil
    }

    /// What a request holds between reservation and settlement.
    struct Ticket: Sendable {
        var reservation: AIReservation
        var model: String
        var operation: AIOperation
        var requestID: String
        var startedAt: Date
    }

    /// A fresh request id (`req_` and 24 hex digits), on every answer.
    static func requestID() -> String {
        var generator = SystemRandomNumberGenerator()
        let a = generator.next() as UInt64, b = generator.next() as UInt32
        return "req_" + String(a, radix: 16).leftPadded(16) + String(b, radix: 16).leftPadded(8)
    }

    /// The plan the caller's active entitlements select.
    /// Kept for `config.planCacheSeconds` (1 s by default): a busy client costs one entitlement read a second,
    /// and an upgrade shows within that second.
    func plan(for user: UserID) async throws -> AIPlan {
        let at = now()
        if config.planCacheSeconds > 0, let hit = plans.value(user, now: at, maxAge: config.planCacheSeconds) {
            return hit
        }
        let grants = try await database.read { try await BillingRepository.grants(of: user, on: $0) }
        let codes = Set(EntitlementSet.active(grants, at: at).map(\.code))
        let plan = config.plans.plan(for: codes)
        if config.planCacheSeconds > 0 {
            plans.store(plan, for: user, now: at)
        }
        return plan
    }

    func anchor(for user: UserID, plan: AIPlan) async throws -> Date {
        if let known = anchors.value(user) { return known }
        let at = now()
        let anchor = try await database.transaction { try await AIRepository.ensureRow(userID: user, plan: plan.code, now: at, on: $0) }
        anchors.store(anchor, for: user, now: at)
        return anchor
    }

    /// Reserves `estimate` against the caller's allowance, or throws the 429 that says which limit is reached.
    func reserve(
        user: UserID, plan: AIPlan, model: String, operation: AIOperation, estimate: AIUsage, requestID: String
    ) async throws -> Ticket {
        let started = now()
        let anchor = try await anchor(for: user, plan: plan)
        let periods = AIPeriods(anchor: anchor, now: started)
        var reserved = try await reserveOnce(
            AIWriteQueue.ReserveJob(userID: user, plan: plan.code, limits: plan.limits, periods: periods, estimate: estimate, now: started))
        var stored: AIPlanState?
        if reserved == nil {
            stored = try await database.read { try await AIRepository.state(userID: user, on: $0) }
            if stored == nil {
                // The row is gone (the user was removed and came back, or the table was cleared): recreate it once.
                anchors.remove(user)
                let renewed = AIPeriods(anchor: try await self.anchor(for: user, plan: plan), now: started)
                reserved = try await reserveOnce(
                    AIWriteQueue.ReserveJob(userID: user, plan: plan.code, limits: plan.limits, periods: renewed, estimate: estimate, now: started))
                if reserved == nil { stored = try await database.read { try await AIRepository.state(userID: user, on: $0) } }
            }
        }
        guard let reserved else {
            let refusal = refusal(stored, plan: plan, periods: periods, estimate: estimate, at: started)
            let event = AIUsageEvent(
                userID: user, model: model, endpoint: operation.rawValue, usage: AIUsage(), costMicros: 0, requestID: requestID,
                latencyMs: 0, status: 429, outcome: refusal.code == "insufficient_quota" ? "quota_exceeded" : "rate_limited")
            try await database.writeOne { try await AIRepository.insert(event, now: started, on: $0) }
            throw refusal
        }
        return Ticket(reservation: reserved, model: model, operation: operation, requestID: requestID, startedAt: started)
    }

    /// Which limit refused the reservation, from the row as read after the refusal (the decision itself was the
    /// atomic write).
    func refusal(_ stored: AIPlanState?, plan: AIPlan, periods: AIPeriods, estimate: AIUsage, at now: Date) -> OpenAIError {
        let state = stored?.current(periods)
        let limits = plan.effectiveLimits(state?.overrides ?? AILimitOverrides())
        let tokens = estimate.totalTokens
        if let rpm = limits.requestsPerMinute, (state?.minuteRequests ?? 0) + 1 > rpm {
            var error = OpenAIError(
                status: .tooManyRequests, message: "Rate limit reached: \(rpm) requests per minute. Try again shortly.",
                type: "requests", code: "rate_limit_exceeded")
            let wait = max(1, Int((periods.minuteStart.timeIntervalSince1970 + 60 - now.timeIntervalSince1970).rounded(.up)))
            error.headers[.retryAfter] = String(wait)
            error.headers[AIHeaders.shouldRetry] = "true"
            return error
        }
        func quota(_ what: String, limit: Int64, resets: Date) -> OpenAIError {
            var error = OpenAIError(
                status: .tooManyRequests,
                message: "You exceeded your \(what) allowance (\(limit)) on the \(plan.code) plan; it resets at \(WireDate.format(resets)).",
                type: "insufficient_quota", code: "insufficient_quota")
            error.headers[.retryAfter] = String(max(1, Int((resets.timeIntervalSince(now)).rounded(.up))))
            error.headers[AIHeaders.shouldRetry] = "false"
            error.headers[AIHeaders.quotaReset] = WireDate.format(resets)
            return error
        }
        if let limit = limits.requestsPerDay, (state?.dayRequests ?? 0) + 1 > limit {
            return quota("daily request", limit: limit, resets: periods.dayEnd)
        }
        if let limit = limits.tokensPerDay, (state.map { $0.dayTokensUsed + $0.dayTokensReserved } ?? 0) + tokens > limit {
            return quota("daily token", limit: limit, resets: periods.dayEnd)
        }
        if let limit = limits.tokensPerMonth, (state.map { $0.monthTokensUsed + $0.monthTokensReserved } ?? 0) + tokens > limit {
            return quota("monthly token", limit: limit, resets: periods.monthEnd)
        }
        if let limit = limits.audioSecondsPerMonth,
            (state.map { $0.monthAudioUsed + $0.monthAudioReserved } ?? 0) + estimate.audioSeconds > limit
        {
            return quota("monthly audio seconds", limit: limit, resets: periods.monthEnd)
        }
        // Another request settled in between; the allowance has room again.
        var error = OpenAIError(status: .tooManyRequests, message: "The allowance is busy; try again.", type: "requests", code: "rate_limit_exceeded")
        error.headers[.retryAfter] = "1"
        return error
    }

    /// Settles the ticket to `usage` (`nil`: the upstream reported none, so the reservation is charged), writes
    /// the usage event and moves the member's counters. Runs in its own task so a client that went away (and
    /// cancelled the handler) cannot skip it.
    func settle(_ ticket: Ticket, usage: AIUsage?, status: Int, outcome: String) async {
        let charged = usage ?? ticket.reservation.estimate
        let at = now()
        let event = AIUsageEvent(
            userID: ticket.reservation.userID, model: ticket.model, endpoint: ticket.operation.rawValue, usage: charged,
            costMicros: config.prices.costMicros(model: ticket.model, usage: charged), requestID: ticket.requestID,
            latencyMs: Int64(max(0, at.timeIntervalSince(ticket.startedAt) * 1000).rounded()), status: status, outcome: outcome)
        let database = self.database
        let logger = self.logger
        let queue = self.queue
        let settlement = AIRepository.Settlement(reservation: ticket.reservation, actual: charged, event: event, now: at)
        await Task {
            if let queue { return await queue.settle(settlement) }
            await AIWriteQueue.settleAlone(settlement, database: database, logger: logger)
        }.value
    }

    /// One conditional reservation: through the group commit on SQLite, one autocommit statement on PostgreSQL.
    func reserveOnce(_ job: AIWriteQueue.ReserveJob) async throws -> AIReservation? {
        if let queue { return try await queue.reserve(job) }
        return try await database.read { try await job.reserve(on: $0) }
    }

    /// Gives the whole reservation back (the upstream failed, nothing is owed), still writing the event.
    func release(_ ticket: Ticket, status: Int, outcome: String) async {
        await settle(ticket, usage: AIUsage(), status: status, outcome: outcome)
    }
}

/// Settles exactly once; if a streamed answer is dropped before its body ever runs, the reservation is
/// released rather than held until the period ends.
final class SettlementGuard: Sendable {
    private let done = Mutex(false)
    let gateway: AIGateway
    let ticket: AIGateway.Ticket

    init(gateway: AIGateway, ticket: AIGateway.Ticket) {
        self.gateway = gateway
        self.ticket = ticket
    }

    func settle(usage: AIUsage?, status: Int, outcome: String) async {
        guard done.withLock({ let first = !$0; $0 = true; return first }) else { return }
        await gateway.settle(ticket, usage: usage, status: status, outcome: outcome)
    }

    deinit {
        guard !done.withLock({ $0 }) else { return }
        let gateway = self.gateway, ticket = self.ticket
        Task { await gateway.release(ticket, status: 499, outcome: "cancelled") }
    }
}

extension String {
    func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
