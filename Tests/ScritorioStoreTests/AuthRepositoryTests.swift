import Foundation
import ScritorioCore
import ScritorioStore
import ScritorioTestSupport
import Testing

@Suite("Auth repositories")
struct AuthRepositoryTests {
    static let t0 = Date(timeIntervalSince1970: 1_790_000_000)

    static func user(_ email: String) -> AuthUser {
        AuthUser(
            id: .random(), email: email, encryptedPassword: "$2a$10$abcdefghijklmnopqrstuv", emailConfirmedAt: nil,
            confirmationSentAt: nil, recoverySentAt: nil, lastSignInAt: nil,
            appMetadata: AuthUser.appMetadata(providers: ["email"]), userMetadata: ["display_name": .string("Ada")],
            createdAt: t0, updatedAt: t0)
    }

    @Test("users round-trip, emails are unique, and a duplicate changes nothing", arguments: TestStores.kinds)
    func users(kind: StoreKind) async throws {
        try await TestStores.with(kind) { database in
            let ada = Self.user("ada@example.com")
            try await database.transaction { try await UserRepository.insert(ada, on: $0) }
            let value1 = try await database.read { try await UserRepository.find(email: "ada@example.com", on: $0) }
            #expect(value1 == ada)
            let value2 = try await database.read { try await UserRepository.find(id: ada.id, on: $0) }
            #expect(value2 == ada)

            await #expect(throws: StoreError.self) {
                try await database.transaction { try await UserRepository.insert(Self.user("ada@example.com"), on: $0) }
            }
            let value3 = try await database.read { try await UserRepository.find(email: "ada@example.com", on: $0) }
            #expect(value3?.id == ada.id)

            var updated = ada
            updated.emailConfirmedAt = Self.t0.addingTimeInterval(10)
            updated.userMetadata = ["display_name": .string("Grace"), "n": .number(3)]
            let final = updated
            try await database.transaction { try await UserRepository.update(final, on: $0) }
            let value4 = try await database.read { try await UserRepository.find(id: ada.id, on: $0) }
            #expect(value4 == final)
        }
    }

    @Test("identities are unique per provider subject", arguments: TestStores.kinds)
    func identities(kind: StoreKind) async throws {
        try await TestStores.with(kind) { database in
            let ada = Self.user("ada@example.com")
            let identity = AuthIdentity(
                id: .random(), providerID: "google-sub-1", userID: ada.id, provider: "google",
                identityData: ["email": .string("ada@example.com")], lastSignInAt: nil, createdAt: Self.t0, updatedAt: Self.t0)
            try await database.transaction { db in
                try await UserRepository.insert(ada, on: db)
                try await UserRepository.insert(identity, on: db)
            }
            let value5 = try await database.read { try await UserRepository.findIdentity(provider: "google", providerID: "google-sub-1", on: $0) }
            #expect(value5 == identity)
            var copy = identity
            copy.id = .random()
            let duplicate = copy
            await #expect(throws: StoreError.self) {
                try await database.transaction { try await UserRepository.insert(duplicate, on: $0) }
            }
            let value6 = try await database.read { try await UserRepository.identities(of: ada.id, on: $0) }
            #expect(value6 == [identity])
        }
    }

    @Test("sessions and refresh tokens: rotation bookkeeping and family revocation", arguments: TestStores.kinds)
    func sessions(kind: StoreKind) async throws {
        try await TestStores.with(kind) { database in
            let ada = Self.user("ada@example.com")
            let session = AuthSession(
                id: .random(), userID: ada.id, amr: [AuthenticationMethod(method: "password", timestamp: 1_790_000_000)],
                createdAt: Self.t0, updatedAt: Self.t0)
            try await database.transaction { db in
                try await UserRepository.insert(ada, on: db)
                try await SessionRepository.insert(session, on: db)
                try await SessionRepository.insertRefreshToken(token: "aaaaaaaaaaaa", parent: nil, userID: ada.id, sessionID: session.id, now: Self.t0, on: db)
                try await SessionRepository.revokeRefreshToken("aaaaaaaaaaaa", now: Self.t0.addingTimeInterval(1), on: db)
                try await SessionRepository.insertRefreshToken(token: "bbbbbbbbbbbb", parent: "aaaaaaaaaaaa", userID: ada.id, sessionID: session.id, now: Self.t0.addingTimeInterval(1), on: db)
            }
            try await database.transaction { db in
                #expect(try await SessionRepository.find(id: session.id, on: db) == session)
                let a = try #require(try await SessionRepository.findRefreshToken("aaaaaaaaaaaa", on: db))
                #expect(a.revoked && a.updatedAt == Self.t0.addingTimeInterval(1))
                let active = try #require(try await SessionRepository.activeToken(of: session.id, on: db))
                #expect(active.token == "bbbbbbbbbbbb" && active.parent == "aaaaaaaaaaaa" && !active.revoked)
                try await SessionRepository.revokeFamily(sessionID: session.id, now: Self.t0.addingTimeInterval(2), on: db)
                #expect(try await SessionRepository.activeToken(of: session.id, on: db) == nil)
            }
            let value7 = try await database.read { try await SessionRepository.exists(id: session.id, userID: ada.id, on: $0) }
            #expect(value7)
            let value8 = try await database.read { try await SessionRepository.exists(id: session.id, userID: .random(), on: $0) }
            #expect(value8 == false)
        }
    }

    @Test("deleteAll keeps the named session and drops the others with their tokens", arguments: TestStores.kinds)
    func logoutScopes(kind: StoreKind) async throws {
        try await TestStores.with(kind) { database in
            let ada = Self.user("ada@example.com")
            let sessions = (0..<3).map { _ in AuthSession(id: .random(), userID: ada.id, amr: [], createdAt: Self.t0, updatedAt: Self.t0) }
            try await database.transaction { db in
                try await UserRepository.insert(ada, on: db)
                for (index, session) in sessions.enumerated() {
                    try await SessionRepository.insert(session, on: db)
                    try await SessionRepository.insertRefreshToken(token: "token\(index)", parent: nil, userID: ada.id, sessionID: session.id, now: Self.t0, on: db)
                }
                try await SessionRepository.deleteAll(of: ada.id, except: sessions[1].id, on: db)
            }
            let (count, token0, token1) = try await database.read { db in
                (
                    try await SessionRepository.count(of: ada.id, on: db),
                    try await SessionRepository.findRefreshToken("token0", on: db),
                    try await SessionRepository.findRefreshToken("token1", on: db)
                )
            }
            #expect(count == 1)
            #expect(token0 == nil)
            #expect(token1 != nil)
            try await database.transaction { try await SessionRepository.deleteAll(of: ada.id, except: nil, on: $0) }
            let value9 = try await database.read { try await SessionRepository.count(of: ada.id, on: $0) }
            #expect(value9 == 0)
        }
    }

    @Test("one-time tokens: a new one replaces the old, lookup honours the type", arguments: TestStores.kinds)
    func oneTimeTokens(kind: StoreKind) async throws {
        try await TestStores.with(kind) { database in
            let ada = Self.user("ada@example.com")
            let first = StoredOneTimeToken(userID: ada.id, type: .confirmation, tokenHash: "h1", relatesTo: "ada@example.com", flowStateID: nil, redirectTo: "app://done", createdAt: Self.t0)
            let second = StoredOneTimeToken(userID: ada.id, type: .confirmation, tokenHash: "h2", relatesTo: "ada@example.com", flowStateID: .random(), redirectTo: nil, createdAt: Self.t0)
            try await database.transaction { db in
                try await UserRepository.insert(ada, on: db)
                try await OneTimeTokenRepository.replace(first, on: db)
                try await OneTimeTokenRepository.replace(second, on: db)
            }
            try await database.transaction { db in
                #expect(try await OneTimeTokenRepository.find(hash: "h1", types: [.confirmation], on: db) == nil)
                #expect(try await OneTimeTokenRepository.find(hash: "h2", types: [.recovery], on: db) == nil)
                #expect(try await OneTimeTokenRepository.find(hash: "h2", types: [.confirmation], on: db) == second)
                try await OneTimeTokenRepository.delete(id: second.id, on: db)
                #expect(try await OneTimeTokenRepository.find(hash: "h2", types: [.confirmation], on: db) == nil)
            }
        }
    }

    @Test("PKCE flow states: the code is issued by hash and found by it", arguments: TestStores.kinds)
    func flowStates(kind: StoreKind) async throws {
        try await TestStores.with(kind) { database in
            let user = UserID.random()
            let flow = StoredFlowState(
                id: .random(), userID: nil, authCodeHash: "placeholder", codeChallenge: String(repeating: "c", count: 43),
                codeChallengeMethod: "s256", authenticationMethod: "email/signup", authCodeIssuedAt: nil, createdAt: Self.t0)
            try await database.transaction { db in
                try await OneTimeTokenRepository.insert(flow, on: db)
                try await OneTimeTokenRepository.issueCode(flowID: flow.id, userID: user, authCodeHash: "issued", now: Self.t0.addingTimeInterval(3), on: db)
            }
            try await database.transaction { db in
                #expect(try await OneTimeTokenRepository.findFlow(authCodeHash: "placeholder", on: db) == nil)
                let found = try #require(try await OneTimeTokenRepository.findFlow(authCodeHash: "issued", on: db))
                #expect(found.userID == user && found.authCodeIssuedAt == Self.t0.addingTimeInterval(3))
                try await OneTimeTokenRepository.deleteFlow(id: flow.id, on: db)
                #expect(try await OneTimeTokenRepository.findFlow(authCodeHash: "issued", on: db) == nil)
            }
        }
    }
}
