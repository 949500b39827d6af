import Foundation
import ScritorioCore
@testable import ScritorioServer
import ScritorioStore
import ScritorioTestSupport
import Testing

/// Email change, reauthentication and anonymous users, as GoTrue serves them.
@Suite("Email change, reauthentication and anonymous users")
struct EmailChangeTests {
    static func userID(_ reply: Harness.Reply) -> String? { (reply.json["user"] as? [String: Any])?["id"] as? String }

    @Test("secure change: both addresses confirm, the first gets GoTrue's note, the second a session at the new address", arguments: TestStores.kinds)
    func secureChange(kind: StoreKind) async throws {
        try await Harness.run(kind) { app in
            let old = Harness.email()
            let new = Harness.email()
            let session = try await app.confirmedSession(old)
            let token = try #require(session.string("access_token"))
            let pending = try await app.request(.put, "/auth/v1/user", json: ["email": new], bearer: token)
            #expect(pending.status == .ok && pending.string("email") == old && pending.string("new_email") == new)
            #expect(pending.string("email_change_sent_at") != nil)
            let toOld = try #require(app.outbox.list(to: old).first)
            let toNew = try #require(app.outbox.list(to: new).first)
            #expect(toOld.type == "email_change" && toNew.type == "email_change" && toOld.otp != toNew.otp)

            // Codes are bound to the address they were sent to.
            let crossed = try await app.request(.post, "/auth/v1/verify", json: ["type": "email_change", "email": new, "token": toOld.otp!])
            #expect(crossed.code == "otp_expired")
            let first = try await app.request(.post, "/auth/v1/verify", json: ["type": "email_change", "email": old, "token": toOld.otp!])
            #expect(first.status == .ok && first.string("code") == "200")
            #expect(first.string("msg") == "Confirmation link accepted. Please proceed to confirm link sent to the other email")
            let stillOld = try await app.request(.get, "/auth/v1/user", bearer: token)
            #expect(stillOld.string("email") == old)
            let second = try await app.request(.post, "/auth/v1/verify", json: ["type": "email_change", "email": new, "token": toNew.otp!])
            let user = try #require(second.json["user"] as? [String: Any])
            #expect(second.status == .ok && user["email"] as? String == new && user["new_email"] == nil)
            #expect(((user["identities"] as? [[String: Any]])?.first?["identity_data"] as? [String: Any])?["email"] as? String == new)
            #expect(try await app.request(.post, "/auth/v1/token?grant_type=password", json: ["email": new, "password": "correct-horse-1"]).status == .ok)
            #expect(try await app.request(.post, "/auth/v1/token?grant_type=password", json: ["email": old, "password": "correct-horse-1"]).code == "invalid_credentials")

            let other = try await app.confirmedSession(Harness.email())
            let taken = try await app.request(.put, "/auth/v1/user", json: ["email": new], bearer: other.string("access_token"))
            #expect((taken.status, taken.code) == (.unprocessableContent, "email_exists"))
            let adminOnly = try await app.request(.put, "/auth/v1/user", json: ["app_metadata": ["plan": "pro"]], bearer: other.string("access_token"))
            #expect((adminOnly.status, adminOnly.code) == (.forbidden, "not_admin"))
        }
    }

    @Test("with secure change off, the new address alone confirms, also through the link; resend mails again", arguments: TestStores.kinds)
    func singleConfirmation(kind: StoreKind) async throws {
        try await Harness.run(kind, configure: { $0.secureEmailChange = false }) { app in
            let old = Harness.email()
            let new = Harness.email()
            let session = try await app.confirmedSession(old)
            _ = try await app.request(.put, "/auth/v1/user", json: ["email": new], bearer: session.string("access_token"))
            #expect(app.outbox.list(to: old).count == 1)
            let resent = try await app.request(.post, "/auth/v1/resend", json: ["type": "email_change", "email": old])
            #expect(resent.status == .ok && app.outbox.list(to: new).count == 2)
            let link = try #require(app.outbox.list(to: new).first?.link)
            let followed = try await app.request(.get, String(link.dropFirst("http://scritorio.test".count)), apikey: false)
            #expect(followed.headers[.location]?.contains("type=email_change") == true && followed.headers[.location]?.contains("access_token=") == true)
            let moved = try await app.request(.get, "/auth/v1/user", bearer: session.string("access_token"))
            #expect(moved.string("email") == new)
            // Nothing waits any more: resend says {} and sends nothing.
            let idle = try await app.request(.post, "/auth/v1/resend", json: ["type": "email_change", "email": new])
            #expect(idle.status == .ok && app.outbox.list(to: new).count == 2)
        }
    }

    @Test("a password change in a day-old session needs the reauthentication code as nonce", arguments: TestStores.kinds)
    func reauthentication(kind: StoreKind) async throws {
        let clock = TestClock()
        try await Harness.run(kind, configure: { $0.passwordChangeNeedsReauthentication = true }, now: { clock.now }) { app in
            let email = Harness.email()
            let session = try await app.confirmedSession(email)
            let token = session.string("access_token")
            // A fresh session is exempt, as in GoTrue.
            let fresh = try await app.request(.put, "/auth/v1/user", json: ["password": "second-pass-2"], bearer: token)
            #expect(fresh.status == .ok)
            clock.advance(25 * 3600)
            let refreshed = try await app.request(.post, "/auth/v1/token?grant_type=refresh_token", json: ["refresh_token": session.string("refresh_token")!])
            let old = refreshed.string("access_token")
            let missing = try await app.request(.put, "/auth/v1/user", json: ["password": "third-pass-3"], bearer: old)
            #expect((missing.status, missing.code, missing.string("message")) == (.badRequest, "reauthentication_needed", "Password update requires reauthentication"))
            let sent = try await app.request(.get, "/auth/v1/reauthenticate", bearer: old)
            #expect(sent.status == .ok && sent.raw == "{}")
            let mail = try #require(app.outbox.list(to: email).first)
            #expect(mail.type == "reauthentication" && mail.subject == "\(mail.otp!) is your verification code" && mail.link == nil)
            let wrong = try await app.request(.put, "/auth/v1/user", json: ["password": "third-pass-3", "nonce": "000000"], bearer: old)
            #expect((wrong.status, wrong.code, wrong.string("message")) == (.unprocessableContent, "reauthentication_not_valid", "Nonce has expired or is invalid"))
            _ = try await app.request(.get, "/auth/v1/reauthenticate", bearer: old)
            let code = try #require(app.outbox.list(to: email).first?.otp)
            let changed = try await app.request(.put, "/auth/v1/user", json: ["password": "third-pass-3", "nonce": code], bearer: old)
            #expect(changed.status == .ok)
            let reused = try await app.request(.put, "/auth/v1/user", json: ["password": "fourth-pass-4", "nonce": code], bearer: old)
            #expect(reused.code == "reauthentication_not_valid")
            #expect(try await app.request(.post, "/auth/v1/token?grant_type=password", json: ["email": email, "password": "third-pass-3"]).status == .ok)
        }
    }

    @Test("anonymous: a session with is_anonymous, converted by a verified email keeping its id and member; off answers 422", arguments: TestStores.kinds)
    func anonymous(kind: StoreKind) async throws {
        try await Harness.run(kind, configure: { $0.anonymousSignIns = true }) { app in
            let session = try await app.request(.post, "/auth/v1/signup", json: ["data": ["display_name": "Guest"]])
            #expect(session.status == .ok, "\(session.raw)")
            let user = try #require(session.json["user"] as? [String: Any])
            let id = try #require(user["id"] as? String)
            #expect(user["is_anonymous"] as? Bool == true && user["email"] as? String == "")
            #expect((user["app_metadata"] as? [String: Any])?.isEmpty == true && (user["identities"] as? [Any])?.isEmpty == true)
            let token = try #require(session.string("access_token"))
            let claims = Harness.claims(token)
            #expect(claims["is_anonymous"] as? Bool == true && (claims["amr"] as? [[String: Any]])?.first?["method"] as? String == "anonymous")
            // The member row exists for the anonymous user and survives the conversion.
            #expect(try await app.request(.post, "/functions/v1/member-init", json: [:], bearer: token).status == .ok)

            let noEmail = try await app.request(.put, "/auth/v1/user", json: ["password": "guest-pass-1"], bearer: token)
            #expect((noEmail.status, noEmail.code) == (.unprocessableContent, "validation_failed"))
            let factors = try await app.request(.post, "/auth/v1/factors", json: ["factor_type": "totp"], bearer: token)
            #expect((factors.status, factors.code) == (.forbidden, "no_authorization"))
            let reauth = try await app.request(.get, "/auth/v1/reauthenticate", bearer: token)
            #expect(reauth.status == .badRequest)

            let email = Harness.email()
            let pending = try await app.request(.put, "/auth/v1/user", json: ["email": email], bearer: token)
            #expect(pending.string("new_email") == email && pending.json["is_anonymous"] as? Bool == true)
            let mail = try #require(app.outbox.list(to: email).first)
            let converted = try await app.request(.post, "/auth/v1/verify", json: ["type": "email_change", "email": email, "token": mail.otp!])
            let convertedUser = try #require(converted.json["user"] as? [String: Any])
            #expect(converted.status == .ok && convertedUser["id"] as? String == id && convertedUser["is_anonymous"] as? Bool == false)
            #expect(convertedUser["email"] as? String == email && (convertedUser["app_metadata"] as? [String: Any])?["provider"] as? String == "email")
            let newToken = try #require(converted.string("access_token"))
            #expect(Harness.claims(newToken)["is_anonymous"] as? Bool == false)
            let password = try await app.request(.put, "/auth/v1/user", json: ["password": "guest-pass-1"], bearer: newToken)
            #expect(password.status == .ok)
            #expect(try await app.request(.post, "/auth/v1/token?grant_type=password", json: ["email": email, "password": "guest-pass-1"]).status == .ok)
            let member = try await app.request(.post, "/functions/v1/member-get", json: [:], bearer: newToken)
            #expect(member.status == .ok && (member.json["member"] as? [String: Any])?["id"] as? String == id)
        }
        try await Harness.run(kind) { app in
            let off = try await app.request(.post, "/auth/v1/signup", json: [:])
            #expect((off.status, off.code, off.string("message")) == (.unprocessableContent, "anonymous_provider_disabled", "Anonymous sign-ins are disabled"))
            #expect(try await app.count("auth_users") == 0)
        }
    }

    @Test("anonymous sign-ins are limited per IP", arguments: TestStores.kinds)
    func anonymousLimit(kind: StoreKind) async throws {
        try await Harness.run(kind, configure: {
            $0.anonymousSignIns = true
            $0.rateLimits.anonymous = RateLimitRule(limit: 2, window: 3600, burst: 2)
        }) { app in
            for _ in 0..<2 { #expect(try await app.request(.post, "/auth/v1/signup", json: [:]).status == .ok) }
            let limited = try await app.request(.post, "/auth/v1/signup", json: [:])
            #expect((limited.status, limited.code) == (.tooManyRequests, "over_request_rate_limit"))
            #expect(try await app.count("auth_users") == 2)
        }
    }
}
