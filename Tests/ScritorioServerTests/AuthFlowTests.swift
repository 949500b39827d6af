import Foundation
import HTTPTypes
import ScritorioCore
@testable import ScritorioServer
import ScritorioStore
import ScritorioTestSupport
import Testing

@Suite("Accounts through the HTTP stack")
struct AuthFlowTests {
    @Test("sign up, confirm, sign in, read and update the user", arguments: TestStores.kinds)
    func fullFlow(kind: StoreKind) async throws {
        try await Harness.run(kind) { app in
            let email = Harness.email()
            let signup = try await app.request(.post, "/auth/v1/signup", json: ["email": email, "password": "correct-horse-1"])
            #expect(signup.status == .ok)
            #expect(signup.json["access_token"] == nil)
            #expect(signup.string("confirmation_sent_at") != nil)
            #expect(signup.headers[HTTPField.Name("X-Supabase-Api-Version")!] == "2024-01-01")

            let early = try await app.request(.post, "/auth/v1/token?grant_type=password", json: ["email": email, "password": "correct-horse-1"])
            #expect((early.status, early.code) == (.badRequest, "email_not_confirmed"))
            let wrong = try await app.request(.post, "/auth/v1/token?grant_type=password", json: ["email": email, "password": "wrong-horse-1"])
            #expect((wrong.status, wrong.code) == (.badRequest, "invalid_credentials"))

            let otp = try #require(app.outbox.list(to: email).first?.otp)
            let verified = try await app.request(.post, "/auth/v1/verify", json: ["type": "signup", "email": email, "token": otp])
            #expect(verified.status == .ok)
            let again = try await app.request(.post, "/auth/v1/verify", json: ["type": "signup", "email": email, "token": otp])
            #expect((again.status, again.code) == (.forbidden, "otp_expired"))

            let session = try await app.request(.post, "/auth/v1/token?grant_type=password", json: ["email": email.uppercased(), "password": "correct-horse-1"])
            #expect(session.status == .ok)
            let token = try #require(session.string("access_token"))
            let claims = Harness.claims(token)
            #expect(claims["iss"] as? String == "http://scritorio.test/auth/v1")
            #expect(claims["aud"] as? String == "authenticated")
            #expect(claims["role"] as? String == "authenticated")
            #expect(claims["email"] as? String == email)
            #expect((claims["amr"] as? [[String: Any]])?.first?["method"] as? String == "password")
            #expect(claims["jti"] == nil && claims["nbf"] == nil)
            let user = session.json["user"] as? [String: Any]
            #expect(claims["sub"] as? String == user?["id"] as? String)
            #expect(session.json["expires_in"] as? Int == 3600)

            let jwks = try await app.request(.get, "/auth/v1/.well-known/jwks.json", apikey: false)
            #expect(jwks.headers[.cacheControl] == "public, max-age=600")
            let kid = try #require((jwks.json["keys"] as? [[String: Any]])?.first?["kid"] as? String)
            let header = try JSONSerialization.jsonObject(with: Base64URL.decode(String(token.split(separator: ".")[0]))!) as? [String: Any]
            #expect(header?["kid"] as? String == kid)
            #expect(header?["alg"] as? String == "ES256")

            let me = try await app.request(.get, "/auth/v1/user", bearer: token)
            #expect(me.string("email") == email)
            #expect(me.string("email_confirmed_at") != nil)

            _ = try await app.request(.put, "/auth/v1/user", json: ["data": ["display_name": "Ada", "theme": "dark"]], bearer: token)
            let merged = try await app.request(.put, "/auth/v1/user", json: ["data": ["theme": NSNull(), "lang": "it"]], bearer: token)
            #expect(merged.json["user_metadata"] as? [String: String] == ["display_name": "Ada", "lang": "it"])
            let product = try await app.request(.get, "/v1/me", bearer: token, apikey: false)
            #expect((product.json["profile"] as? [String: Any])?["displayName"] as? String == "Ada")
        }
    }

    @Test("two simultaneous refreshes of one token both succeed with the same new token", arguments: TestStores.kinds)
    func concurrentRefresh(kind: StoreKind) async throws {
        try await Harness.run(kind) { app in
            let session = try await app.confirmedSession(Harness.email())
            let tokenA = try #require(session.string("refresh_token"))
            async let first = app.request(.post, "/auth/v1/token?grant_type=refresh_token", json: ["refresh_token": tokenA])
            async let second = app.request(.post, "/auth/v1/token?grant_type=refresh_token", json: ["refresh_token": tokenA])
            let (one, two) = try await (first, second)
            #expect(one.status == .ok && two.status == .ok)
            #expect(one.string("refresh_token") == two.string("refresh_token"))
            #expect(one.string("refresh_token") != tokenA)
            #expect(Harness.claims(one.string("access_token") ?? "")["session_id"] as? String
                    == Harness.claims(session.string("access_token") ?? "")["session_id"] as? String)
        }
    }

    @Test("reuse outside the interval revokes the session's token family", arguments: TestStores.kinds)
    func reuseDetection(kind: StoreKind) async throws {
        try await Harness.run(kind, configure: { $0.refreshReuseInterval = 0 }) { app in
            let session = try await app.confirmedSession(Harness.email())
            let a = try #require(session.string("refresh_token"))
            let b = try #require(try await app.request(.post, "/auth/v1/token?grant_type=refresh_token", json: ["refresh_token": a]).string("refresh_token"))
            // A lost answer: presenting A again returns the active child B, whatever the interval.
            let lost = try await app.request(.post, "/auth/v1/token?grant_type=refresh_token", json: ["refresh_token": a])
            #expect(lost.string("refresh_token") == b)
            let c = try #require(try await app.request(.post, "/auth/v1/token?grant_type=refresh_token", json: ["refresh_token": b]).string("refresh_token"))
            let reused = try await app.request(.post, "/auth/v1/token?grant_type=refresh_token", json: ["refresh_token": a])
            #expect((reused.status, reused.code) == (.badRequest, "refresh_token_already_used"))
            let afterFamily = try await app.request(.post, "/auth/v1/token?grant_type=refresh_token", json: ["refresh_token": c])
            #expect(afterFamily.status == .badRequest)
            let unknown = try await app.request(.post, "/auth/v1/token?grant_type=refresh_token", json: ["refresh_token": "zzzzzzzzzzzz"])
            #expect((unknown.status, unknown.code) == (.badRequest, "refresh_token_not_found"))
        }
    }

    @Test("after reuse is detected, the newest token is dead too, even inside the reuse interval", arguments: TestStores.kinds)
    func revokedFamilyStaysRevoked(kind: StoreKind) async throws {
        let clock = TestClock()
        try await Harness.run(kind, configure: { $0.refreshReuseInterval = 10 }, now: { clock.now }) { app in
            let session = try await app.confirmedSession(Harness.email())
            let a = try #require(session.string("refresh_token"))
            let b = try #require(try await app.request(.post, "/auth/v1/token?grant_type=refresh_token", json: ["refresh_token": a]).string("refresh_token"))
            let c = try #require(try await app.request(.post, "/auth/v1/token?grant_type=refresh_token", json: ["refresh_token": b]).string("refresh_token"))
            clock.advance(60)
            // A stolen A shows up a minute later: the family is revoked...
            let reused = try await app.request(.post, "/auth/v1/token?grant_type=refresh_token", json: ["refresh_token": a])
            #expect((reused.status, reused.code) == (.badRequest, "refresh_token_already_used"))
            // ...and C, revoked a moment ago, does not count as a concurrent refresh inside the interval.
            clock.advance(1)
            let revived = try await app.request(.post, "/auth/v1/token?grant_type=refresh_token", json: ["refresh_token": c])
            #expect(revived.status == .badRequest)
            #expect(revived.string("refresh_token") == nil)
        }
    }

    @Test("logout scopes end the right sessions; ended sessions read session_not_found", arguments: TestStores.kinds)
    func logoutScopes(kind: StoreKind) async throws {
        try await Harness.run(kind) { app in
            let email = Harness.email()
            let first = try #require(try await app.confirmedSession(email).string("access_token"))
            let second = try #require(try await app.request(.post, "/auth/v1/token?grant_type=password", json: ["email": email, "password": "correct-horse-1"]).string("access_token"))
            let out = try await app.request(.post, "/auth/v1/logout?scope=local", bearer: first)
            #expect(out.status == .noContent && out.raw.isEmpty)
            let ended = try await app.request(.get, "/auth/v1/user", bearer: first)
            #expect((ended.status, ended.code) == (.forbidden, "session_not_found"))
            let product = try await app.request(.get, "/v1/me", bearer: first, apikey: false)
            #expect((product.status, product.code) == (.forbidden, "session_not_found"))
            #expect(try await app.request(.get, "/auth/v1/user", bearer: second).status == .ok)
            let badScope = try await app.request(.post, "/auth/v1/logout?scope=everywhere", bearer: second)
            #expect(badScope.status == .badRequest)
            #expect(try await app.request(.post, "/auth/v1/logout", bearer: second).status == .noContent)
            #expect(try await app.request(.get, "/auth/v1/user", bearer: second).status == .forbidden)
        }
    }

    @Test("a deleted user's token reads user_not_found", arguments: TestStores.kinds)
    func deletedUser(kind: StoreKind) async throws {
        try await Harness.run(kind) { app in
            let session = try await app.confirmedSession(Harness.email())
            let token = try #require(session.string("access_token"))
            let id = try #require(UserID((session.json["user"] as? [String: Any])?["id"] as? String ?? ""))
            try await app.database.transaction { try await UserRepository.delete(id: id, on: $0) }
            let reply = try await app.request(.get, "/v1/me", bearer: token, apikey: false)
            // The session went with the user (cascade), so either code is the reference's answer for a gone account.
            #expect(reply.status == .forbidden)
            #expect(["user_not_found", "session_not_found"].contains(reply.code ?? ""))
        }
    }

    @Test("a new password ends the other sessions and the same password is refused", arguments: TestStores.kinds)
    func passwordChange(kind: StoreKind) async throws {
        try await Harness.run(kind) { app in
            let email = Harness.email()
            let keep = try #require(try await app.confirmedSession(email).string("access_token"))
            let other = try #require(try await app.request(.post, "/auth/v1/token?grant_type=password", json: ["email": email, "password": "correct-horse-1"]).string("access_token"))
            let same = try await app.request(.put, "/auth/v1/user", json: ["password": "correct-horse-1"], bearer: keep)
            #expect((same.status, same.code) == (.unprocessableContent, "same_password"))
            let short = try await app.request(.put, "/auth/v1/user", json: ["password": "abc"], bearer: keep)
            #expect((short.status, short.code) == (.unprocessableContent, "weak_password"))
            #expect((short.json["weak_password"] as? [String: Any])?["reasons"] as? [String] == ["length"])
            #expect(try await app.request(.put, "/auth/v1/user", json: ["password": "battery-staple-2"], bearer: keep).status == .ok)
            #expect(try await app.request(.get, "/auth/v1/user", bearer: keep).status == .ok)
            #expect(try await app.request(.get, "/auth/v1/user", bearer: other).code == "session_not_found")
            let signIn = try await app.request(.post, "/auth/v1/token?grant_type=password", json: ["email": email, "password": "battery-staple-2"])
            #expect(signIn.status == .ok)
        }
    }
}
