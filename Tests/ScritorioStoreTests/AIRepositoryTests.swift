import Foundation
import SQLKit
import ScritorioCore
import ScritorioStore
import ScritorioTestSupport
import Testing

@Suite("AI allowance: reservation, settlement, periods")
struct AIRepositoryTests {
    static let anchor = Date(timeIntervalSince1970: 1_790_000_000)

    /// A reservation written the way the gateway writes: autocommit on PostgreSQL, the writer on SQLite.
    static func write<T: Sendable>(_ database: Database, _ body: @Sendable (SQLConnection) async throws -> T) async throws -> T {
        database.kind == .postgres ? try await database.read(body) : try await database.transaction(body)
    }

    static func event(_ user: UserID, _ usage: AIUsage) -> AIUsageEvent {
        AIUsageEvent(
            userID: user, model: "gpt-4o-mini", endpoint: "chat.completions", usage: usage, costMicros: usage.totalTokens,
            requestID: "req_" + UUID().uuidString, latencyMs: 1, status: 200, outcome: .ok)
    }

    @Test("simultaneous requests never settle more than the allowance", arguments: TestStores.kinds)
    func neverOverspends(kind: StoreKind) async throws {
        try await TestStores.with(kind) { database in
            let user = UserID.random()
            let now = Self.anchor.addingTimeInterval(3_600)
            let periods = AIPeriods(anchor: Self.anchor, now: now)
            let allowance: Int64 = 1_000
            let limits = AILimits(tokensPerDay: allowance, tokensPerMonth: 1 << 40)
            _ = try await database.transaction { try await AIRepository.ensureRow(userID: user, plan: "free", now: now, on: $0) }
            // 60 requests at once, each reserving 100 and using 40-100 of it: at most 10 can hold a reservation at a
            // time, and whatever order they run in, the settled total stays within the allowance.
            let outcomes = try await withThrowingTaskGroup(of: Int64?.self) { group in
                for index in 0..<60 {
                    group.addTask {
                        let estimate = AIUsage(inputTokens: 60, outputTokens: 40)
                        guard let reservation = try await Self.write(database, {
                            try await AIRepository.reserve(
                                userID: user, plan: "free", limits: limits, periods: periods, estimate: estimate, now: now, on: $0)
                        }) else { return nil }
                        let used = AIUsage(inputTokens: 30, outputTokens: Int64(10 + index % 7 * 10))
                        try await database.transaction {
                            try await AIRepository.settle(reservation, actual: used, event: Self.event(user, used), now: now, on: $0)
                        }
                        return used.totalTokens
                    }
                }
                var results: [Int64?] = []
                for try await result in group { results.append(result) }
                return results
            }
            let settled = outcomes.compactMap { $0 }.reduce(0, +)
            let state = try #require(try await database.read { try await AIRepository.state(userID: user, on: $0) })
            #expect(settled <= allowance)
            #expect(state.dayTokensUsed == settled)
            #expect(state.dayTokensReserved == 0)
            #expect(state.monthTokensReserved == 0)
            #expect(outcomes.contains { $0 == nil }, "some requests were refused")
            #expect(outcomes.compactMap { $0 }.count >= 10, "at least ten fit")
            // The ledger and the member's counters agree with the row.
            let ledger = try await database.read { try await AIRepository.ledgerTotals(userID: user, since: .distantPast, on: $0) }
            #expect(ledger.tokens == settled)
            let member = try #require(try await database.read { try await MemberRepository.find(userID: user, now: now, on: $0) })
            #expect(member.counters.tokensTotal == settled)
        }
    }

    @Test("a batch holding one user's requests from two days settles each into the counters of its own period", arguments: TestStores.kinds)
    func batchAcrossMidnight(kind: StoreKind) async throws {
        try await TestStores.with(kind) { database in
            let user = UserID.random()
            let first = Self.anchor.addingTimeInterval(3_600), second = first.addingTimeInterval(86_400)
            let (yesterday, today) = (AIPeriods(anchor: Self.anchor, now: first), AIPeriods(anchor: Self.anchor, now: second))
            try #require(yesterday.dayStart != today.dayStart && yesterday.monthStart == today.monthStart)
            let limits = AILimits(tokensPerDay: 10_000, tokensPerMonth: 100_000)
            _ = try await database.transaction { try await AIRepository.ensureRow(userID: user, plan: "free", now: first, on: $0) }
            func hold(_ periods: AIPeriods, _ now: Date) async throws -> AIReservation {
                try #require(try await database.transaction {
                    try await AIRepository.reserve(userID: user, plan: "free", limits: limits, periods: periods, estimate: AIUsage(inputTokens: 500), now: now, on: $0)
                })
            }
            let old = try await hold(yesterday, first), new = try await hold(today, second)
            let (usedOld, usedNew) = (AIUsage(inputTokens: 70), AIUsage(inputTokens: 40))
            let batch = [
                AIRepository.Settlement(reservation: old, actual: usedOld, event: Self.event(user, usedOld), now: second),
                AIRepository.Settlement(reservation: new, actual: usedNew, event: Self.event(user, usedNew), now: second),
            ]
            try await database.transaction { try await AIRepository.settle(batch: batch, on: $0) }
            let state = try #require(try await database.read { try await AIRepository.state(userID: user, on: $0) })
            // Today's counters hold only today's request; the month holds both; nothing stays reserved.
            #expect(state.dayTokensUsed == 40 && state.dayTokensReserved == 0)
            #expect(state.monthTokensUsed == 110 && state.monthTokensReserved == 0)
            let ledger = try await database.read { try await AIRepository.ledgerTotals(userID: user, since: .distantPast, on: $0) }
            #expect(ledger.tokens == 110 && ledger.requests == 2)
        }
    }

    @Test("a batch of settlements for several users moves each user's counters, events and member by the sums", arguments: TestStores.kinds)
    func batchSettlement(kind: StoreKind) async throws {
        try await TestStores.with(kind) { database in
            let users = [UserID.random(), UserID.random()]
            let now = Self.anchor.addingTimeInterval(30)
            // ensureRow anchors a user no account row knows at its first request; the member's counters use that anchor.
            let periods = AIPeriods(anchor: now, now: now)
            let limits = AILimits(tokensPerDay: 10_000)
            var batch: [AIRepository.Settlement] = []
            for (index, user) in [users[0], users[0], users[0], users[1], users[1]].enumerated() {
                _ = try await database.transaction { try await AIRepository.ensureRow(userID: user, plan: "free", now: now, on: $0) }
                let held = try #require(try await database.transaction {
                    try await AIRepository.reserve(userID: user, plan: "free", limits: limits, periods: periods, estimate: AIUsage(inputTokens: 100, outputTokens: 50), now: now, on: $0)
                })
                let used = AIUsage(inputTokens: 10, outputTokens: Int64(index))
                batch.append(AIRepository.Settlement(reservation: held, actual: used, event: Self.event(user, used), now: now))
            }
            let settled = batch
            try await database.transaction { try await AIRepository.settle(batch: settled, on: $0) }
            for (user, expected) in [(users[0], Int64(30 + 0 + 1 + 2)), (users[1], Int64(20 + 3 + 4))] {
                let state = try #require(try await database.read { try await AIRepository.state(userID: user, on: $0) })
                #expect(state.dayTokensUsed == expected && state.dayTokensReserved == 0 && state.monthTokensUsed == expected)
                let ledger = try await database.read { try await AIRepository.ledgerTotals(userID: user, since: .distantPast, on: $0) }
                #expect(ledger.tokens == expected)
                let member = try #require(try await database.read { try await MemberRepository.find(userID: user, now: now, on: $0) })
                #expect(member.counters.tokensTotal == expected && member.counters.tokensToday == expected)
            }
        }
    }

    @Test("a refused reservation changes nothing; releasing gives everything back", arguments: TestStores.kinds)
    func refuseAndRelease(kind: StoreKind) async throws {
        try await TestStores.with(kind) { database in
            let user = UserID.random()
            let now = Self.anchor.addingTimeInterval(60)
            let periods = AIPeriods(anchor: Self.anchor, now: now)
            let limits = AILimits(tokensPerDay: 100, tokensPerMonth: 1_000, requestsPerMinute: 5)
            _ = try await database.transaction { try await AIRepository.ensureRow(userID: user, plan: "free", now: now, on: $0) }
            let big = try await Self.write(database) {
                try await AIRepository.reserve(userID: user, plan: "free", limits: limits, periods: periods, estimate: AIUsage(inputTokens: 101), now: now, on: $0)
            }
            #expect(big == nil)
            var state = try #require(try await database.read { try await AIRepository.state(userID: user, on: $0) })
            #expect(state.dayRequests == 0 && state.dayTokensReserved == 0 && state.minuteRequests == 0)
            let held = try #require(try await Self.write(database) {
                try await AIRepository.reserve(userID: user, plan: "free", limits: limits, periods: periods, estimate: AIUsage(inputTokens: 80), now: now, on: $0)
            })
            state = try #require(try await database.read { try await AIRepository.state(userID: user, on: $0) })
            #expect(state.dayTokensReserved == 80)
            try await database.transaction { try await AIRepository.settle(held, actual: AIUsage(), event: Self.event(user, AIUsage()), now: now, on: $0) }
            state = try #require(try await database.read { try await AIRepository.state(userID: user, on: $0) })
            #expect(state.dayTokensReserved == 0 && state.dayTokensUsed == 0)
            #expect(state.dayRequests == 1)
        }
    }

    @Test("requests per minute: the sixth in a minute is refused, the next minute starts again", arguments: TestStores.kinds)
    func rateLimit(kind: StoreKind) async throws {
        try await TestStores.with(kind) { database in
            let user = UserID.random()
            let now = Self.anchor.addingTimeInterval(120)
            let limits = AILimits(requestsPerMinute: 5)
            _ = try await database.transaction { try await AIRepository.ensureRow(userID: user, plan: "free", now: now, on: $0) }
            func attempt(_ at: Date) async throws -> Bool {
                try await Self.write(database) {
                    try await AIRepository.reserve(
                        userID: user, plan: "free", limits: limits, periods: AIPeriods(anchor: Self.anchor, now: at), estimate: AIUsage(inputTokens: 1),
                        now: at, on: $0)
                } != nil
            }
            for _ in 0..<5 { #expect(try await attempt(now)) }
            #expect(try await attempt(now.addingTimeInterval(1)) == false)
            #expect(try await attempt(now.addingTimeInterval(61)))
        }
    }

    @Test("a new day resets the day's counters in the same statement; the month keeps counting", arguments: TestStores.kinds)
    func dayRollover(kind: StoreKind) async throws {
        try await TestStores.with(kind) { database in
            let user = UserID.random()
            let limits = AILimits(tokensPerDay: 100, tokensPerMonth: 150)
            let day1 = Self.anchor.addingTimeInterval(10)
            _ = try await database.transaction { try await AIRepository.ensureRow(userID: user, plan: "free", now: day1, on: $0) }
            func use(_ tokens: Int64, at: Date) async throws -> Bool {
                let periods = AIPeriods(anchor: Self.anchor, now: at)
                guard let held = try await Self.write(database, {
                    try await AIRepository.reserve(userID: user, plan: "free", limits: limits, periods: periods, estimate: AIUsage(inputTokens: tokens), now: at, on: $0)
                }) else { return false }
                try await database.transaction {
                    try await AIRepository.settle(held, actual: AIUsage(inputTokens: tokens), event: Self.event(user, AIUsage(inputTokens: tokens)), now: at, on: $0)
                }
                return true
            }
            #expect(try await use(90, at: day1))
            #expect(try await use(20, at: day1.addingTimeInterval(60)) == false)
            let day2 = Self.anchor.addingTimeInterval(86_400 + 10)
            #expect(try await use(50, at: day2))
            // The month has 140 of 150 now.
            #expect(try await use(20, at: day2.addingTimeInterval(60)) == false)
            #expect(try await use(10, at: day2.addingTimeInterval(60)))
        }
    }

    @Test("admin overrides replace the plan's limits; null falls back", arguments: TestStores.kinds)
    func overrides(kind: StoreKind) async throws {
        try await TestStores.with(kind) { database in
            let user = UserID.random()
            let now = Self.anchor
            let periods = AIPeriods(anchor: Self.anchor, now: now)
            let limits = AILimits(tokensPerDay: 1_000)
            try await database.transaction {
                try await AIRepository.setOverrides(userID: user, AILimitOverrides(tokensPerDay: 10), plan: "free", now: now, on: $0)
            }
            let refused = try await Self.write(database) {
                try await AIRepository.reserve(userID: user, plan: "free", limits: limits, periods: periods, estimate: AIUsage(inputTokens: 11), now: now, on: $0)
            }
            #expect(refused == nil)
            try await database.transaction {
                try await AIRepository.setOverrides(userID: user, AILimitOverrides(), plan: "free", now: now, on: $0)
            }
            let accepted = try await Self.write(database) {
                try await AIRepository.reserve(userID: user, plan: "free", limits: limits, periods: periods, estimate: AIUsage(inputTokens: 11), now: now, on: $0)
            }
            #expect(accepted != nil)
            let state = try #require(try await database.read { try await AIRepository.state(userID: user, on: $0) })
            #expect(state.overrides == AILimitOverrides())
        }
    }
}
