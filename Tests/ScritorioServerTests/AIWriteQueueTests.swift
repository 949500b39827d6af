import Foundation
import SQLKit
import ScritorioCore
import ScritorioStore
import ScritorioTestSupport
import Testing

@testable import ScritorioServer

@Suite("AI group commit: a batch's reservations decide as one by one would")
struct AIWriteQueueTests {
    static let anchor = Date(timeIntervalSince1970: 1_790_000_000)

    static func jobs(_ user: UserID, limits: AILimits, estimates: [Int64], now: Date) -> [AIReservation] {
        estimates.map {
            AIReservation(
                userID: user, plan: "free", limits: limits, periods: AIPeriods(anchor: anchor, now: now),
                estimate: AIUsage(inputTokens: $0), at: now)
        }
    }

    @Test("a user's requests that fit together are reserved in one go; when they don't, each is decided in turn", arguments: TestStores.kinds)
    func grouped(kind: StoreKind) async throws {
        try await TestStores.with(kind) { database in
            let now = Self.anchor.addingTimeInterval(3_600)
            let (a, b) = (UserID.random(), UserID.random())
            for user in [a, b] {
                _ = try await database.transaction { try await AIRepository.ensureRow(userID: user, plan: "free", now: now, on: $0) }
            }
            let limits = AILimits(tokensPerDay: 100, requestsPerMinute: 5)
            // a: 30 + 30 fit together. b: 40 + 40 + 40 does not; in turn the first two fit and the third (40 > 20
            // left) does not, while a later 20 still does.
            let batch = Self.jobs(a, limits: limits, estimates: [30, 30], now: now)
                + Self.jobs(b, limits: limits, estimates: [40, 40, 40, 20], now: now)
            let results = try await database.transaction { try await AIWriteQueue.reserve(batch, on: $0) }
            #expect(results.map { $0 != nil } == [true, true, true, true, false, true])
            #expect(results.compactMap { $0?.estimate.totalTokens } == [30, 30, 40, 40, 20], "each ticket holds its own estimate")
            let stateA = try #require(try await database.read { try await AIRepository.state(userID: a, on: $0) })
            let stateB = try #require(try await database.read { try await AIRepository.state(userID: b, on: $0) })
            #expect(stateA.dayTokensReserved == 60 && stateA.minuteRequests == 2 && stateA.dayRequests == 2)
            #expect(stateB.dayTokensReserved == 100 && stateB.minuteRequests == 3)
            // Requests per minute count each request of a group: 3 more for a (2 held) leaves room for exactly 3.
            let more = try await database.transaction {
                try await AIWriteQueue.reserve(Self.jobs(a, limits: limits, estimates: [1, 1, 1, 1], now: now), on: $0)
            }
            #expect(more.map { $0 != nil } == [true, true, true, false])
            let after = try #require(try await database.read { try await AIRepository.state(userID: a, on: $0) })
            #expect(after.minuteRequests == 5 && after.dayTokensReserved == 63)
        }
    }

    @Test("many users in one batch: each decided on its own row; a user whose requests differ in limits is decided one by one", arguments: TestStores.kinds)
    func manyUsers(kind: StoreKind) async throws {
        try await TestStores.with(kind) { database in
            let now = Self.anchor.addingTimeInterval(3_600)
            let users = (0..<40).map { _ in UserID.random() }
            for user in users {
                _ = try await database.transaction { try await AIRepository.ensureRow(userID: user, plan: "free", now: now, on: $0) }
            }
            let tight = AILimits(tokensPerDay: 50), loose = AILimits(tokensPerDay: 1_000)
            // Users 0-38 ask for 60 under a 50 limit (refused) when odd, 30 (granted) when even; user 39 asks twice,
            // once under each limit: 30 under the tight one fits, then 30 more under the loose one fits too.
            var batch: [AIReservation] = []
            for (index, user) in users.dropLast().enumerated() {
                batch += Self.jobs(user, limits: tight, estimates: [index % 2 == 1 ? 60 : 30], now: now)
            }
            batch += Self.jobs(users[39], limits: tight, estimates: [30], now: now) + Self.jobs(users[39], limits: loose, estimates: [30], now: now)
            let jobs = batch
            let results = try await database.transaction { try await AIWriteQueue.reserve(jobs, on: $0) }
            for index in 0..<39 { #expect((results[index] != nil) == (index % 2 == 0), "user \(index)") }
            #expect(results[39] != nil && results[40] != nil)
            for (index, user) in users.enumerated() {
                let state = try #require(try await database.read { try await AIRepository.state(userID: user, on: $0) })
                let expected: Int64 = index == 39 ? 60 : (index % 2 == 0 ? 30 : 0)
                #expect(state.dayTokensReserved == expected, "user \(index)")
            }
        }
    }
}
