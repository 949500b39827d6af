import Foundation
import Logging
import ScritorioCore
import ScritorioProviders
import ScritorioStore

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
    /// Where reservations and settlements are written, for the store's kind.
    let meter: any AIMeter

    init(
        database: Database, upstream: OpenAIUpstream?, config: AIConfig,
        now: @escaping @Sendable () -> Date, logger: Logger, journal: AISettlementJournal? = nil
    ) {
        self.database = database
        self.upstream = upstream
        self.config = config
        self.now = now
        self.logger = logger
        self.meter = database.kind == .sqlite
            ? AIWriteQueue(database: database, logger: logger, journal: journal)
            : AIPostgresMeter(database: database, logger: logger, journal: journal)
    }

    /// A fresh request id (`req_` and 24 hex digits), on every answer.
    static func requestID() -> String {
        var generator = SystemRandomNumberGenerator()
        let a = generator.next() as UInt64, b = generator.next() as UInt32
        return "req_" + String(a, radix: 16).leftPadded(16) + String(b, radix: 16).leftPadded(8)
    }

    /// The plan the caller's active entitlements select.
    /// Kept for `config.planCacheSeconds` (1 s by default): a busy client costs one entitlement read a second,
    /// and an upgrade applied by another replica shows within that second; one this replica applied shows at once
    /// (`EntitlementChanges`).
    func plan(for user: UserID) async throws -> AIPlan {
        let at = now()
        let epoch = EntitlementChanges.epoch
        if config.planCacheSeconds > 0, let hit = plans.value(user, now: at, maxAge: config.planCacheSeconds, epoch: epoch) {
            return hit
        }
        let grants = try await database.read { try await BillingRepository.grants(of: user, on: $0) }
        let codes = Set(EntitlementSet.active(grants, at: at).map(\.code))
        let plan = config.plans.plan(for: codes)
        if config.planCacheSeconds > 0 {
            plans.store(plan, for: user, now: at, epoch: epoch)
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

    /// How long a request refused only because the allowance is held by requests in flight waits for them.
    static let busyWait: Duration = .seconds(10)

    /// Reserves `estimate` against the caller's allowance, or records and throws the `AIRefusal` that says which
    /// limit is reached.
    func reserve(
        user: UserID, plan: AIPlan, model: String, operation: AIOperation, estimate: AIUsage, requestID: String
    ) async throws -> AITicket {
        let started = now()
        let anchor = try await anchor(for: user, plan: plan)
        var asked = AIReservation(
            userID: user, plan: plan.code, limits: plan.limits, periods: AIPeriods(anchor: anchor, now: started), estimate: estimate,
            at: started)
        let periods = asked.periods
        var reserved = try await meter.reserve(asked)
        var stored: AIPlanState?
        if reserved == nil {
            stored = try await database.read { try await AIRepository.state(userID: user, on: $0) }
            if stored == nil {
                // The row is gone (the user was removed and came back, or the table was cleared): recreate it once.
                anchors.remove(user)
                asked.periods = AIPeriods(anchor: try await self.anchor(for: user, plan: plan), now: started)
                reserved = try await meter.reserve(asked)
                if reserved == nil { stored = try await database.read { try await AIRepository.state(userID: user, on: $0) } }
            }
        }
        // Refused while the allowance is held by requests in flight (their reservations are upper bounds of what
        // they use) and what is used already leaves room: wait in line for them to settle, a bounded while, rather
        // than refuse a request the allowance has room for.
        var waited: Duration = .zero
        var pause: Duration = .milliseconds(20)
        while reserved == nil, waited < Self.busyWait,
            AIRefusal(stored, plan: plan, periods: periods, estimate: estimate, at: started) == .busy
                || AIRefusal.heldByRequestsInFlight(stored, plan: plan, periods: periods, estimate: estimate)
        {
            try await Task.sleep(for: pause)
            waited += pause
            pause = min(pause * 2, .milliseconds(250))
            reserved = try await meter.reserve(asked)
            if reserved == nil { stored = try await database.read { try await AIRepository.state(userID: user, on: $0) } }
        }
        guard let reserved else {
            let refusal = AIRefusal(stored, plan: plan, periods: periods, estimate: estimate, at: started)
            let event = AIUsageEvent(
                userID: user, model: model, endpoint: operation.rawValue, usage: AIUsage(), costMicros: 0, requestID: requestID,
                latencyMs: 0, status: 429, outcome: refusal.outcome)
            try await database.writeOne { try await AIRepository.insert(event, now: started, on: $0) }
            throw refusal
        }
        return AITicket(gateway: self, reservation: reserved, model: model, operation: operation, requestID: requestID)
    }

    /// Settles `reservation` to what `result` costs (`AISettlementRule`), writes the usage event and moves the
    /// member's counters. Runs in its own task so a client that went away (and cancelled the handler) cannot
    /// skip it.
    func settle(
        _ reservation: AIReservation, model: String, operation: AIOperation, requestID: String, _ result: AIUpstreamResult, words: Int64 = 0
    ) async {
        var decision = AISettlementRule.decide(result, reserved: reservation.estimate)
        decision.charged.words = words
        let at = now()
        let event = AIUsageEvent(
            userID: reservation.userID, model: model, endpoint: operation.rawValue, usage: decision.charged,
            costMicros: config.prices.costMicros(model: model, usage: decision.charged), requestID: requestID,
            latencyMs: Int64(max(0, at.timeIntervalSince(reservation.at) * 1000).rounded()), status: decision.status,
            outcome: decision.outcome)
        let settlement = AIRepository.Settlement(reservation: reservation, actual: decision.charged, event: event, now: at)
        let meter = self.meter
        await Task { await meter.settle(settlement) }.value
    }
}

extension String {
    func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
