import Foundation
import ScritorioCore
import ScritorioStore
import ScritorioTestSupport
import Testing

@Suite("The /v1/me read")
struct MeRepositoryTests {
    @Test("one statement returns user, profile and member, each possibly absent; liveness sees the session", arguments: TestStores.kinds)
    func snapshot(kind: StoreKind) async throws {
        try await TestStores.with(kind) { database in
            let t0 = Date(timeIntervalSince1970: 1_790_000_000)
            let user = AuthUser(
                id: .random(), email: "me@example.com", encryptedPassword: "x", emailConfirmedAt: t0, confirmationSentAt: nil,
                recoverySentAt: nil, lastSignInAt: nil, appMetadata: [:], userMetadata: ["display_name": .string("Me")],
                createdAt: t0, updatedAt: t0)
            let session = AuthSession(id: .random(), userID: user.id, amr: [], createdAt: t0, updatedAt: t0)

            let nobody = try await database.read { try await MeRepository.load(userID: user.id, now: t0, on: $0) }
            let nobodyAlive = try await database.read { try await SessionRepository.liveness(userID: user.id, sessionID: session.id, now: t0, on: $0) }
            #expect(nobody.user == nil && nobody.profile == nil && nobody.member == nil && !nobodyAlive.session && !nobodyAlive.user)

            try await database.transaction { db in
                try await UserRepository.insert(user, on: db)
                try await SessionRepository.insert(session, on: db)
            }
            let bare = try await database.read { try await MeRepository.load(userID: user.id, now: t0, on: $0) }
            let bareAlive = try await database.read { try await SessionRepository.liveness(userID: user.id, sessionID: session.id, now: t0, on: $0) }
            #expect(bare.user?.email == "me@example.com" && bare.user?.userMetadata == user.userMetadata)
            #expect(bareAlive.session && bareAlive.user && bare.profile == nil && bare.member == nil)

            try await database.transaction { db in
                _ = try await MemberRepository.initFree(userID: user.id, now: t0, on: db)
                try await MemberRepository.upsertProfile(userID: user.id, displayName: "Me", now: t0, on: db)
            }
            let full = try await database.read { try await MeRepository.load(userID: user.id, now: t0, on: $0) }
            #expect(full.member == Member.newFree(id: user.id, now: t0))
            #expect(full.profile?.displayName == "Me")

            let otherSession = try await database.read { try await SessionRepository.liveness(userID: user.id, sessionID: .random(), now: t0, on: $0) }
            #expect(!otherSession.session && otherSession.user)
            let noSession = try await database.read { try await SessionRepository.liveness(userID: user.id, sessionID: nil, now: t0, on: $0) }
            #expect(!noSession.session && noSession.user)
            try await database.transaction { try await SessionRepository.delete(id: session.id, on: $0) }
            let ended = try await database.read { try await SessionRepository.liveness(userID: user.id, sessionID: session.id, now: t0, on: $0) }
            let endedMe = try await database.read { try await MeRepository.load(userID: user.id, now: t0, on: $0) }
            #expect(!ended.session && ended.user && endedMe.user != nil)
        }
    }

    @Test("SQLite keeps the last read per reader until anyone commits, in this process or another; PostgreSQL reads it prepared", arguments: TestStores.kinds)
    func snapshotCache(kind: StoreKind) async throws {
        try await TestStores.withReplicas(kind, count: 2) { databases in
            let (database, other) = (databases[0], databases[1])
            let t0 = Date(timeIntervalSince1970: 1_790_000_000)
            let user = UserID.random()
            _ = try await database.transaction { try await MemberRepository.initFree(userID: user, now: t0, on: $0) }
            let cache = MeSnapshotCache()
            func plan() async throws -> MemberPlan? {
                try await MeRepository.load(userID: user, now: t0, from: database, cache: cache).member?.plan
            }
            // Twice on each of the two readers: the second read on each is served from the cache.
            for _ in 0..<4 { #expect(try await plan() == .free) }
            #expect(cache.hits == (kind == .sqlite ? 2 : 0))
            // A commit through another handle on the store (another process, as far as SQLite knows) ...
            try await other.transaction { try await BillingRepository.setMemberPlan(userID: user, plan: .pro, now: t0, on: $0) }
            for _ in 0..<2 { #expect(try await plan() == .pro) }
            // ... and through this one's own writer are both seen at once.
            try await database.transaction { try await BillingRepository.setMemberPlan(userID: user, plan: .free, now: t0, on: $0) }
            for _ in 0..<2 { #expect(try await plan() == .free) }
            #expect(cache.hits == (kind == .sqlite ? 2 : 0))
            // Counters of a day that ended read as zero even when the row comes from the cache.
            try await database.writeOne { try await $0.sql.raw("UPDATE members SET words_today = 5 WHERE id = \(bind: user.rawValue)").run() }
            for _ in 0..<4 { #expect(try await MeRepository.load(userID: user, now: t0, from: database, cache: cache).member?.counters.wordsToday == 5) }
            let nextDay = try await MeRepository.load(userID: user, now: t0.addingTimeInterval(2 * 86_400), from: database, cache: cache)
            #expect(nextDay.member?.counters.wordsToday == 0)
            #expect(cache.hits == (kind == .sqlite ? 5 : 0))
        }
    }
}
