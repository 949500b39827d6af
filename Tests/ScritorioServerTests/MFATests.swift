import Foundation
import ScritorioCore
@testable import ScritorioServer
import ScritorioStore
import ScritorioTestSupport
import Testing

/// TOTP MFA through the HTTP stack, with codes computed from the enrolled secret on a clock the test moves.
@Suite("TOTP MFA")
struct MFATests {
    static func code(_ secret: String, _ clock: TestClock) throws -> String {
        TOTP(secret: try #require(Base32.decode(secret))).code(at: clock.now)
    }

    @Test("enrol, challenge, verify to aal2; the secret is sealed at rest; refresh keeps aal2; unenrol needs aal2", arguments: TestStores.kinds)
    func lifecycle(kind: StoreKind) async throws {
        let clock = TestClock()
        try await Harness.run(kind, now: { clock.now }) { app in
            let email = Harness.email()
            let session = try await app.confirmedSession(email)
            let token = try #require(session.string("access_token"))
            let enrolled = try await app.request(.post, "/auth/v1/factors", json: ["factor_type": "totp", "friendly_name": "laptop", "issuer": "Notes"], bearer: token)
            #expect(enrolled.status == .ok, "\(enrolled.raw)")
            let factorID = try #require(enrolled.string("id"))
            let totp = try #require(enrolled.json["totp"] as? [String: Any])
            let secret = try #require(totp["secret"] as? String)
            #expect(enrolled.string("type") == "totp" && enrolled.string("friendly_name") == "laptop")
            #expect(totp["uri"] as? String == "otpauth://totp/Notes:\(email)?algorithm=SHA1&digits=6&issuer=Notes&period=30&secret=\(secret)")
            #expect((totp["qr_code"] as? String)?.hasPrefix("<svg") == true && (totp["qr_code"] as? String)?.hasSuffix("</svg>") == true)
            // Sealed: the stored row does not hold the secret.
            let stored = try await app.database.read { db in try await MFARepository.factors(of: UserID(try #require(Self.userID(session)))!, on: db) }
            #expect(stored.count == 1 && !stored[0].sealedSecret.contains(secret) && stored[0].sealedSecret.hasPrefix("v1."))

            let listed = try await app.request(.get, "/auth/v1/user", bearer: token)
            #expect((listed.json["factors"] as? [[String: Any]])?.first?["status"] as? String == "unverified")

            let challenge = try await app.request(.post, "/auth/v1/factors/\(factorID)/challenge", json: [:], bearer: token)
            let challengeID = try #require(challenge.string("id"))
            #expect(challenge.string("type") == "totp" && (challenge.json["expires_at"] as? Int) == Int(clock.now.timeIntervalSince1970) + 300)
            let wrong = try await app.request(.post, "/auth/v1/factors/\(factorID)/verify", json: ["challenge_id": challengeID, "code": "000000"], bearer: token)
            if wrong.status != .ok {
                #expect((wrong.status, wrong.code, wrong.string("message")) == (.unprocessableContent, "mfa_verification_failed", "Invalid TOTP code entered"))
            }
            let verified = try await app.request(
                .post, "/auth/v1/factors/\(factorID)/verify", json: ["challenge_id": challengeID, "code": try Self.code(secret, clock)], bearer: token)
            #expect(verified.status == .ok, "\(verified.raw)")
            let strong = try #require(verified.string("access_token"))
            let claims = Harness.claims(strong)
            #expect(claims["aal"] as? String == "aal2" && claims["session_id"] as? String == Harness.claims(token)["session_id"] as? String)
            #expect((claims["amr"] as? [[String: Any]])?.map { $0["method"] as? String } == ["totp", "otp"])
            #expect(((verified.json["user"] as? [String: Any])?["factors"] as? [[String: Any]])?.first?["status"] as? String == "verified")
            // The challenge is used up; the same code on a new challenge is refused too.
            let replay = try await app.request(
                .post, "/auth/v1/factors/\(factorID)/verify", json: ["challenge_id": challengeID, "code": try Self.code(secret, clock)], bearer: strong)
            #expect((replay.status, replay.code) == (.unprocessableContent, "mfa_ip_address_mismatch"))
            let second = try await app.request(.post, "/auth/v1/factors/\(factorID)/challenge", json: [:], bearer: strong)
            let sameCode = try await app.request(
                .post, "/auth/v1/factors/\(factorID)/verify", json: ["challenge_id": second.string("id")!, "code": try Self.code(secret, clock)], bearer: strong)
            #expect((sameCode.status, sameCode.code) == (.unprocessableContent, "mfa_verification_failed"))

            // The aal1 refresh token retired with the level; the new one keeps aal2.
            let oldRefresh = try await app.request(.post, "/auth/v1/token?grant_type=refresh_token", json: ["refresh_token": session.string("refresh_token")!])
            #expect((oldRefresh.status, oldRefresh.code) == (.badRequest, "refresh_token_not_found"))
            let refreshed = try await app.request(.post, "/auth/v1/token?grant_type=refresh_token", json: ["refresh_token": verified.string("refresh_token")!])
            #expect(refreshed.status == .ok && Harness.claims(refreshed.string("access_token") ?? "")["aal"] as? String == "aal2")

            // A password sign-in is aal1: it may not remove the verified factor or change the password.
            let weak = try await app.request(.post, "/auth/v1/token?grant_type=password", json: ["email": email, "password": "correct-horse-1"])
            let weakToken = try #require(weak.string("access_token"))
            #expect(Harness.claims(weakToken)["aal"] as? String == "aal1")
            let refusedUnenrol = try await app.request(.delete, "/auth/v1/factors/\(factorID)", bearer: weakToken)
            #expect((refusedUnenrol.status, refusedUnenrol.code, refusedUnenrol.string("message"))
                == (.unprocessableContent, "insufficient_aal", "AAL2 required to unenroll verified factor"))
            let refusedPassword = try await app.request(.put, "/auth/v1/user", json: ["password": "other-pass-5"], bearer: weakToken)
            #expect((refusedPassword.status, refusedPassword.code) == (.unauthorized, "insufficient_aal"))
            let refusedEnrol = try await app.request(.post, "/auth/v1/factors", json: ["factor_type": "totp", "friendly_name": "phone"], bearer: weakToken)
            #expect((refusedEnrol.status, refusedEnrol.code) == (.forbidden, "insufficient_aal"))

            // Raising the new session: the next time step's code.
            clock.advance(30)
            let challenge2 = try await app.request(.post, "/auth/v1/factors/\(factorID)/challenge", json: [:], bearer: weakToken)
            let raised = try await app.request(
                .post, "/auth/v1/factors/\(factorID)/verify", json: ["challenge_id": challenge2.string("id")!, "code": try Self.code(secret, clock)], bearer: weakToken)
            #expect(raised.status == .ok, "\(raised.raw)")
            let raisedToken = try #require(raised.string("access_token"))
            let removed = try await app.request(.delete, "/auth/v1/factors/\(factorID)", bearer: raisedToken)
            #expect(removed.status == .ok && removed.string("id") == factorID)
            let after = try await app.request(.post, "/auth/v1/token?grant_type=refresh_token", json: ["refresh_token": raised.string("refresh_token")!])
            #expect(Harness.claims(after.string("access_token") ?? "")["aal"] as? String == "aal1")
            let finalUser = try await app.request(.get, "/auth/v1/user", bearer: raisedToken)
            #expect(finalUser.status == .ok && finalUser.json["factors"] == nil)
        }
    }

    static func userID(_ reply: Harness.Reply) -> String? { (reply.json["user"] as? [String: Any])?["id"] as? String }

    @Test("GoTrue's refusals: names, types, unknown factors and challenges, expiry, phone off; the admin lists and removes factors", arguments: TestStores.kinds)
    func refusals(kind: StoreKind) async throws {
        let clock = TestClock()
        try await Harness.run(kind, now: { clock.now }) { app in
            let session = try await app.confirmedSession(Harness.email())
            let token = try #require(session.string("access_token"))
            let id = try #require(Self.userID(session))
            let first = try await app.request(.post, "/auth/v1/factors", json: ["factor_type": "totp"], bearer: token)
            #expect(first.status == .ok && first.string("friendly_name") == "")
            let unnamedAgain = try await app.request(.post, "/auth/v1/factors", json: ["factor_type": "totp"], bearer: token)
            #expect((unnamedAgain.status, unnamedAgain.code, unnamedAgain.string("message"))
                == (.unprocessableContent, "mfa_factor_name_conflict", #"A factor with the friendly name "" for this user already exists"#))
            for (body, status, code) in [
                (["factor_type": "phone", "phone": "+15555550100"], 422, "mfa_phone_enroll_not_enabled"),
                (["factor_type": "webauthn"], 422, "mfa_webauthn_enroll_not_enabled"),
                (["factor_type": "sms"], 400, "validation_failed"),
            ] as [([String: Any], Int, String)] {
                let reply = try await app.request(.post, "/auth/v1/factors", json: body, bearer: token)
                #expect((reply.status.code, reply.code) == (status, code), "\(body)")
            }
            let factorID = try #require(first.string("id"))
            let badFactor = try await app.request(.post, "/auth/v1/factors/nope/challenge", json: [:], bearer: token)
            #expect((badFactor.status, badFactor.code, badFactor.string("message")) == (.notFound, "validation_failed", "factor_id must be an UUID"))
            let unknown = try await app.request(.post, "/auth/v1/factors/\(UUID().uuidString)/challenge", json: [:], bearer: token)
            #expect((unknown.status, unknown.code, unknown.string("message")) == (.notFound, "mfa_factor_not_found", "Factor not found"))
            let stranger = try await app.confirmedSession(Harness.email())
            let notTheirs = try await app.request(.post, "/auth/v1/factors/\(factorID)/challenge", json: [:], bearer: stranger.string("access_token"))
            #expect(notTheirs.code == "mfa_factor_not_found")
            let noChallenge = try await app.request(.post, "/auth/v1/factors/\(factorID)/verify", json: ["challenge_id": UUID().uuidString, "code": "123456"], bearer: token)
            #expect((noChallenge.status, noChallenge.code) == (.unprocessableContent, "mfa_factor_not_found"))
            let empty = try await app.request(.post, "/auth/v1/factors/\(factorID)/verify", json: ["challenge_id": UUID().uuidString, "code": ""], bearer: token)
            #expect((empty.status, empty.string("message")) == (.badRequest, "Code needs to be non-empty"))
            let challenge = try await app.request(.post, "/auth/v1/factors/\(factorID)/challenge", json: [:], bearer: token)
            clock.advance(301)
            let expired = try await app.request(.post, "/auth/v1/factors/\(factorID)/verify", json: ["challenge_id": challenge.string("id")!, "code": "123456"], bearer: token)
            #expect((expired.status, expired.code) == (.unprocessableContent, "mfa_challenge_expired"))
            #expect(expired.string("message")?.hasPrefix("MFA challenge \(challenge.string("id")!) has expired") == true)

            let listed = try await app.admin(.get, "/auth/v1/admin/users/\(id)/factors")
            let factors = try #require(try JSONSerialization.jsonObject(with: Data(listed.raw.utf8)) as? [[String: Any]])
            #expect(factors.count == 1 && factors[0]["id"] as? String == factorID && factors[0]["secret"] == nil)
            #expect(factors[0].keys.contains("last_challenged_at") && factors[0]["friendly_name"] == nil)
            let deleted = try await app.admin(.delete, "/auth/v1/admin/users/\(id)/factors/\(factorID)")
            #expect(deleted.status == .ok && deleted.string("id") == factorID)
            let gone = try await app.admin(.delete, "/auth/v1/admin/users/\(id)/factors/\(factorID)")
            #expect((gone.status, gone.code) == (.notFound, "mfa_factor_not_found"))
            let (factorRows, challengeRows) = (try await app.count("auth_mfa_factors"), try await app.count("auth_mfa_challenges"))
            #expect(factorRows == 0 && challengeRows == 0)
        }
    }

    @Test("verification attempts are limited per factor", arguments: TestStores.kinds)
    func attemptsLimited(kind: StoreKind) async throws {
        try await Harness.run(kind, configure: { $0.rateLimits.mfa = RateLimitRule(limit: 3, window: 60, burst: 3) }) { app in
            let session = try await app.confirmedSession(Harness.email())
            let token = session.string("access_token")
            let factor = try await app.request(.post, "/auth/v1/factors", json: ["factor_type": "totp"], bearer: token)
            let challenge = try await app.request(.post, "/auth/v1/factors/\(factor.string("id")!)/challenge", json: [:], bearer: token)
            var statuses: [Int] = []
            for _ in 0..<3 {
                let reply = try await app.request(.post, "/auth/v1/factors/\(factor.string("id")!)/verify",
                                                  json: ["challenge_id": challenge.string("id")!, "code": "999999"], bearer: token)
                statuses.append(reply.status.code)
            }
            #expect(statuses.last == 429)
        }
    }
}

@Suite("TOTP MFA: guessing and old tokens")
struct MFAGuessingTests {
    @Test("five wrong codes in a row lock the factor, doubling; an aal1 token stays aal1 after its session rises", arguments: TestStores.kinds)
    func lockout(kind: StoreKind) async throws {
        let clock = TestClock()
        try await Harness.run(kind, now: { clock.now }) { app in
            let session = try await app.confirmedSession(Harness.email())
            let aal1Token = try #require(session.string("access_token"))
            let enrolled = try await app.request(.post, "/auth/v1/factors", json: ["factor_type": "totp"], bearer: aal1Token)
            let factorID = try #require(enrolled.string("id"))
            let secret = try #require((enrolled.json["totp"] as? [String: Any])?["secret"] as? String)
            let totp = TOTP(secret: try #require(Base32.decode(secret)))
            let challenge = try await app.request(.post, "/auth/v1/factors/\(factorID)/challenge", json: [:], bearer: aal1Token)
            let challengeID = try #require(challenge.string("id"))
            let right = totp.code(at: clock.now)
            let wrong = right == "000000" ? "111111" : "000000"
            for _ in 0..<5 {
                let reply = try await app.request(.post, "/auth/v1/factors/\(factorID)/verify", json: ["challenge_id": challengeID, "code": wrong], bearer: aal1Token)
                #expect(reply.code == "mfa_verification_failed")
            }
            // Locked: even the right code waits.
            let locked = try await app.request(.post, "/auth/v1/factors/\(factorID)/verify", json: ["challenge_id": challengeID, "code": right], bearer: aal1Token)
            #expect((locked.status, locked.code) == (.tooManyRequests, "over_request_rate_limit"), "\(locked.raw)")
            clock.advance(61)
            let challenge2 = try await app.request(.post, "/auth/v1/factors/\(factorID)/challenge", json: [:], bearer: aal1Token)
            let verified = try await app.request(
                .post, "/auth/v1/factors/\(factorID)/verify", json: ["challenge_id": challenge2.string("id")!, "code": totp.code(at: clock.now)], bearer: aal1Token)
            #expect(verified.status == .ok, "\(verified.raw)")
            // The session is aal2 now, but the token issued before says aal1: it may not change the password.
            let old = try await app.request(.put, "/auth/v1/user", json: ["password": "another-pass-7"], bearer: aal1Token)
            #expect((old.status, old.code) == (.unauthorized, "insufficient_aal"))
            let new = try await app.request(.put, "/auth/v1/user", json: ["password": "another-pass-7"], bearer: verified.string("access_token"))
            #expect(new.status == .ok)
        }
    }
}

@Suite("TOTP MFA: bounded names")
struct MFABoundsTests {
    @Test("an over-long name or issuer is a 400 and stores nothing", arguments: TestStores.kinds)
    func bounds(kind: StoreKind) async throws {
        try await Harness.run(kind) { app in
            let session = try await app.confirmedSession(Harness.email())
            for body in [["factor_type": "totp", "issuer": String(repeating: "i", count: 3000)],
                         ["factor_type": "totp", "friendly_name": String(repeating: "n", count: 257)]] {
                let reply = try await app.request(.post, "/auth/v1/factors", json: body, bearer: session.string("access_token"))
                #expect((reply.status, reply.code) == (.badRequest, "validation_failed"), "\(reply.raw)")
            }
            #expect(try await app.count("auth_mfa_factors") == 0)
            let long = try await app.request(
                .post, "/auth/v1/factors", json: ["factor_type": "totp", "issuer": String(repeating: "i", count: 256)], bearer: session.string("access_token"))
            #expect(long.status == .ok && ((long.json["totp"] as? [String: Any])?["qr_code"] as? String)?.hasPrefix("<svg") == true)
        }
    }
}
