import Foundation
import SQLKit
import ScritorioCore
import ScritorioStore
import ScritorioTestSupport
import Testing

@Suite("Members and profiles")
struct MemberRepositoryTests {
    @Test("initFree creates a free member once and never resets it", arguments: TestStores.kinds)
    func initIdempotent(kind: StoreKind) async throws {
        try await TestStores.with(kind) { database in
            let user = UserID.random()
            let first = Date(timeIntervalSince1970: 1_790_000_000)
            let value1 = try await database.transaction { try await MemberRepository.initFree(userID: user, now: first, on: $0) }
            #expect(value1)
            // Usage recorded since must survive a second init.
            try await database.transaction { db in
                try await db.sql.raw("UPDATE members SET words_total = 42, plan = 'pro' WHERE id = \(bind: user.rawValue)").run()
            }
            let created = try await database.transaction {
                try await MemberRepository.initFree(userID: user, now: first.addingTimeInterval(60), on: $0)
            }
            #expect(created == false)
            let member = try #require(try await database.read { try await MemberRepository.find(userID: user, now: first, on: $0) })
            #expect(member.counters.wordsTotal == 42)
            #expect(member.plan == .pro)
            #expect(member.createdAt == first)
            #expect(member.type == "user")
        }
    }

    @Test("simultaneous initFree calls create exactly one member", arguments: TestStores.kinds)
    func concurrentInit(kind: StoreKind) async throws {
        try await TestStores.with(kind) { database in
            let user = UserID.random()
            let created = try await withThrowingTaskGroup(of: Bool.self) { group in
                for _ in 0..<12 {
                    group.addTask { try await database.transaction { try await MemberRepository.initFree(userID: user, now: Date(), on: $0) } }
                }
                return try await group.reduce(into: [Bool]()) { $0.append($1) }
            }
            #expect(created.filter { $0 }.count == 1)
            let count = try await database.read { db in
                try await db.sql.raw("SELECT COUNT(*) AS n FROM members WHERE id = \(bind: user.rawValue)").first()?.decode(column: "n", as: Int.self)
            }
            #expect(count == 1)
        }
    }

    @Test("a fresh member reads back with the seed's defaults", arguments: TestStores.kinds)
    func roundTrip(kind: StoreKind) async throws {
        try await TestStores.with(kind) { database in
            let user = UserID.random()
            let now = Date(timeIntervalSince1970: 1_773_582_300)  // 2026-03-15T13:45:00Z
            _ = try await database.transaction { try await MemberRepository.initFree(userID: user, now: now, on: $0) }
            let member = try #require(try await database.read { try await MemberRepository.find(userID: user, now: now, on: $0) })
            #expect(member == Member.newFree(id: user, now: now))
            let value2 = try await database.read { try await MemberRepository.find(userID: .random(), now: now, on: $0) }
            #expect(value2 == nil)
        }
    }

    @Test("the member's day and month start at the account's creation; a read after the day ended shows today's counters at zero", arguments: TestStores.kinds)
    func anchoredCounters(kind: StoreKind) async throws {
        try await TestStores.with(kind) { database in
            let created = Date(timeIntervalSince1970: 1_789_990_000)  // 2026-09-21T11:26:40Z
            let account = AuthUser(
                id: .random(), email: "anchor@example.com", encryptedPassword: "x", emailConfirmedAt: created, confirmationSentAt: nil,
                recoverySentAt: nil, lastSignInAt: nil, appMetadata: [:], userMetadata: [:], createdAt: created, updatedAt: created)
            try await database.transaction { try await UserRepository.insert(account, on: $0) }
            let initAt = created.addingTimeInterval(3 * 86_400 + 600)
            _ = try await database.transaction { try await MemberRepository.initFree(userID: account.id, now: initAt, on: $0) }
            let member = try #require(try await database.read { try await MemberRepository.find(userID: account.id, now: initAt, on: $0) })
            #expect(member.todayResetAt == created.addingTimeInterval(3 * 86_400))
            #expect(member.thisMonthResetAt == created)
            try await database.transaction { db in
                try await db.sql.raw("UPDATE members SET tokens_today = 7, words_today = 3, tokens_this_month = 70 WHERE id = \(bind: account.id.rawValue)").run()
            }
            let nextDay = try #require(try await database.read {
                try await MemberRepository.find(userID: account.id, now: created.addingTimeInterval(4 * 86_400), on: $0)
            })
            #expect(nextDay.todayResetAt == created.addingTimeInterval(4 * 86_400))
            #expect(nextDay.counters.tokensToday == 0 && nextDay.counters.wordsToday == 0 && nextDay.counters.tokensThisMonth == 70)
            let snapshot = try await database.read { try await MeRepository.load(userID: account.id, now: created.addingTimeInterval(4 * 86_400), on: $0) }
            #expect(snapshot.member == nextDay)
        }
    }

    @Test("profiles: upsert updates, insertIfMissing keeps what is there", arguments: TestStores.kinds)
    func profiles(kind: StoreKind) async throws {
        try await TestStores.with(kind) { database in
            let user = UserID.random()
            let t0 = Date(timeIntervalSince1970: 1_790_000_000)
            try await database.transaction { try await MemberRepository.insertProfileIfMissing(userID: user, displayName: "Ada", now: t0, on: $0) }
            try await database.transaction { try await MemberRepository.insertProfileIfMissing(userID: user, displayName: "Bob", now: t0, on: $0) }
            let kept = try await database.read { try await MemberRepository.findProfile(userID: user, on: $0) }
            #expect(kept?.displayName == "Ada")
            try await database.transaction { try await MemberRepository.upsertProfile(userID: user, displayName: "Grace", now: t0.addingTimeInterval(5), on: $0) }
            let profile = try #require(try await database.read { try await MemberRepository.findProfile(userID: user, on: $0) })
            #expect(profile.displayName == "Grace")
            #expect(profile.createdAt == t0)
            #expect(profile.updatedAt == t0.addingTimeInterval(5))
        }
    }

    @Test("a failed transaction leaves nothing behind", arguments: TestStores.kinds)
    func rollback(kind: StoreKind) async throws {
        struct Boom: Error {}
        try await TestStores.with(kind) { database in
            let user = UserID.random()
            await #expect(throws: Boom.self) {
                try await database.transaction { db in
                    try await MemberRepository.initFree(userID: user, now: Date(), on: db)
                    throw Boom()
                }
            }
            let value3 = try await database.read { try await MemberRepository.find(userID: user, now: Date(), on: $0) }
            #expect(value3 == nil)
        }
    }
}
