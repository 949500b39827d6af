import Foundation
import SQLKit
import ScritorioCore
import ScritorioStore
import ScritorioTestSupport
import Testing

@Suite("Database.writeOne: one statement on the writer without a transaction")
struct DatabaseWriteTests {
    @Test("a write lands; a failing one is reported and leaves the writer free for the next", arguments: TestStores.kinds)
    func writeOne(kind: StoreKind) async throws {
        try await TestStores.with(kind) { database in
            let user = UserID.random()
            let now = Date(timeIntervalSince1970: 1_790_000_000)
            _ = try await database.transaction { try await AIRepository.ensureRow(userID: user, plan: "free", now: now, on: $0) }
            let limits = AILimits(tokensPerDay: 100)
            let periods = AIPeriods(anchor: now, now: now)
            let held = try await database.writeOne {
                try await AIRepository.reserve(userID: user, plan: "free", limits: limits, periods: periods, estimate: AIUsage(inputTokens: 60), now: now, on: $0)
            }
            #expect(held != nil)
            let refused = try await database.writeOne {
                try await AIRepository.reserve(userID: user, plan: "free", limits: limits, periods: periods, estimate: AIUsage(inputTokens: 60), now: now, on: $0)
            }
            #expect(refused == nil)
            await #expect(throws: (any Error).self) {
                try await database.writeOne { try await $0.sql.raw("UPDATE no_such_table SET x = 1").run() }
            }
            // The writer is free again: a transaction and another single write both go through.
            let state = try #require(try await database.read { try await AIRepository.state(userID: user, on: $0) })
            #expect(state.dayTokensReserved == 60)
            let again = try await database.writeOne {
                try await AIRepository.reserve(userID: user, plan: "free", limits: limits, periods: periods, estimate: AIUsage(inputTokens: 40), now: now, on: $0)
            }
            #expect(again != nil)
            _ = try await database.transaction { try await AIRepository.state(userID: user, on: $0) }
        }
    }

    @Test("SQLite: a write waits out another writer that holds the lock past one busy timeout, and lands")
    func waitsOutAnotherWriter() async throws {
        try await TestStores.withReplicas(.sqlite, count: 2) { databases in
            let user = UserID.random()
            let now = Date(timeIntervalSince1970: 1_790_000_000)
            let (holding, held) = AsyncStream.makeStream(of: Void.self)
            // The first handle (another process's writer) holds the write lock for 7 s, more than busy_timeout's 5.
            let holder = Task {
                try await databases[0].transaction { connection in
                    try await connection.sql.raw("UPDATE schema_migrations SET applied_at = applied_at").run()
                    held.yield()
                    try await Task.sleep(for: .seconds(7))
                }
            }
            for await _ in holding { break }
            let row = try await databases[1].transaction { try await AIRepository.ensureRow(userID: user, plan: "free", now: now, on: $0) }
            #expect(row == now)
            let reserved = try await databases[1].writeOne {
                try await AIRepository.reserve(
                    userID: user, plan: "free", limits: AILimits(tokensPerDay: 100), periods: AIPeriods(anchor: now, now: now),
                    estimate: AIUsage(inputTokens: 60), now: now, on: $0)
            }
            #expect(reserved != nil)
            try await holder.value
        }
    }
}
