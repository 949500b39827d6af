import Foundation
import ScritorioCore
import ScritorioStore
import ScritorioTestSupport
import Testing

@Suite("The /v1/me read")
struct MeRepositoryTests {
    @Test("one statement returns user, session state, profile and member, each possibly absent", arguments: TestStores.kinds)
    func snapshot(kind: StoreKind) async throws {
        try await TestStores.with(kind) { database in
            let t0 = Date(timeIntervalSince1970: 1_790_000_000)
            let user = AuthUser(
                id: .random(), email: "me@example.com", encryptedPassword: "x", emailConfirmedAt: t0, confirmationSentAt: nil,
                recoverySentAt: nil, lastSignInAt: nil, appMetadata: [:], userMetadata: ["display_name": .string("Me")],
                createdAt: t0, updatedAt: t0)
            let session = AuthSession(id: .random(), userID: user.id, amr: [], createdAt: t0, updatedAt: t0)

            let nobody = try await database.read { try await MeRepository.load(userID: user.id, sessionID: session.id, on: $0) }
            #expect(nobody.user == nil && nobody.profile == nil && nobody.member == nil && !nobody.sessionExists)

            try await database.transaction { db in
                try await UserRepository.insert(user, on: db)
                try await SessionRepository.insert(session, on: db)
            }
            let bare = try await database.read { try await MeRepository.load(userID: user.id, sessionID: session.id, on: $0) }
            #expect(bare.user?.email == "me@example.com" && bare.user?.userMetadata == user.userMetadata)
            #expect(bare.sessionExists && bare.profile == nil && bare.member == nil)

            try await database.transaction { db in
                _ = try await MemberRepository.initFree(userID: user.id, now: t0, on: db)
                try await MemberRepository.upsertProfile(userID: user.id, displayName: "Me", now: t0, on: db)
            }
            let full = try await database.read { try await MeRepository.load(userID: user.id, sessionID: session.id, on: $0) }
            #expect(full.member == Member.newFree(id: user.id, now: t0))
            #expect(full.profile?.displayName == "Me")

            let otherSession = try await database.read { try await MeRepository.load(userID: user.id, sessionID: .random(), on: $0) }
            #expect(!otherSession.sessionExists)
            try await database.transaction { try await SessionRepository.delete(id: session.id, on: $0) }
            let ended = try await database.read { try await MeRepository.load(userID: user.id, sessionID: session.id, on: $0) }
            #expect(!ended.sessionExists && ended.user != nil)
        }
    }
}
