import Foundation
import ScritorioCore
@testable import ScritorioServer
import ScritorioStore
import ScritorioTestSupport
import Testing

/// `POST /otp`, `POST /admin/generate_link` and `POST /invite`, verified the ways clients verify them.
@Suite("Passwordless sign-in, generated links and invitations")
struct PasswordlessTests {
    @Test("an OTP to a confirmed account is a magic link and code, verified as email, magiclink or by the link", arguments: TestStores.kinds)
    func magicLink(kind: StoreKind) async throws {
        try await Harness.run(kind) { app in
            let email = Harness.email()
            let first = try await app.confirmedSession(email)
            let id = try #require((first.json["user"] as? [String: Any])?["id"] as? String)
            for type in ["email", "magiclink"] {
                let sent = try await app.request(.post, "/auth/v1/otp", json: ["email": email.uppercased(), "create_user": false])
                #expect(sent.status == .ok && sent.raw == "{}", "\(sent.raw) \(app.outbox.list(to: nil).map { ($0.to, $0.type) })")
                let mail = try #require(app.outbox.list(to: email).first)
                #expect(mail.type == "magiclink" && mail.link?.contains("type=magiclink") == true && mail.otp?.count == 6)
                let session = try await app.request(.post, "/auth/v1/verify", json: ["type": type, "email": email, "token": mail.otp!])
                #expect(session.status == .ok && (session.json["user"] as? [String: Any])?["id"] as? String == id)
                #expect((Harness.claims(try #require(session.string("access_token")))["amr"] as? [[String: Any]])?.first?["method"] as? String == "otp")
                // A code works once.
                let again = try await app.request(.post, "/auth/v1/verify", json: ["type": type, "email": email, "token": mail.otp!])
                #expect((again.status, again.code, again.string("message")) == (.forbidden, "otp_expired", "Token has expired or is invalid"))
            }
            _ = try await app.request(.post, "/auth/v1/otp", json: ["email": email])
            let link = try #require(app.outbox.list(to: email).first?.link)
            let path = String(link.dropFirst("http://scritorio.test".count))
            let followed = try await app.request(.get, path, apikey: false)
            #expect(followed.status == .seeOther && followed.headers[.location]?.contains("#access_token=") == true)
            let reused = try await app.request(.get, path, apikey: false)
            #expect(reused.headers[.location]?.contains("error_code=otp_expired") == true)
            #expect(reused.headers[.location]?.contains("Email+link+is+invalid+or+has+expired") == true
                || reused.headers[.location]?.contains("Email%20link%20is%20invalid%20or%20has%20expired") == true)
        }
    }

    @Test("an OTP to a new address signs up (a confirmation that signs in); create_user false and sign-ups off refuse", arguments: TestStores.kinds)
    func newAddress(kind: StoreKind) async throws {
        try await Harness.run(kind) { app in
            let unknown = Harness.email()
            let refused = try await app.request(.post, "/auth/v1/otp", json: ["email": unknown, "create_user": false])
            #expect((refused.status, refused.code, refused.string("message")) == (.unprocessableContent, "otp_disabled", "Signups not allowed for otp"))
            #expect(try await app.count("auth_users") == 0 && app.outbox.list(to: unknown).isEmpty)

            let sent = try await app.request(.post, "/auth/v1/otp", json: ["email": unknown, "data": ["display_name": "Lin"]])
            #expect(sent.status == .ok)
            let mail = try #require(app.outbox.list(to: unknown).first)
            #expect(mail.type == "signup")
            let session = try await app.request(.post, "/auth/v1/verify", json: ["type": "email", "email": unknown, "token": mail.otp!])
            let user = try #require(session.json["user"] as? [String: Any])
            #expect(session.status == .ok && user["email_confirmed_at"] != nil)
            #expect((user["user_metadata"] as? [String: Any])?["display_name"] as? String == "Lin")
            // No password was set: a password sign-in cannot succeed.
            let password = try await app.request(.post, "/auth/v1/token?grant_type=password", json: ["email": unknown, "password": "anything-at-all"])
            #expect(password.code == "invalid_credentials")

            for (body, status, code) in [
                (["phone": "+15555550100"], 400, "phone_provider_disabled"),
                (["phone": "12", "create_user": false], 422, "otp_disabled"),
                (["phone": "0abc", "create_user": false], 400, "validation_failed"),
                (["email": unknown, "phone": "+15555550100"], 400, "validation_failed"),
                ([:], 400, "validation_failed"),
                (["email": "nope"], 400, "validation_failed"),
            ] as [([String: Any], Int, String)] {
                let reply = try await app.request(.post, "/auth/v1/otp", json: body)
                #expect((reply.status.code, reply.code) == (status, code), "\(body): \(reply.raw)")
            }
        }
        try await Harness.run(kind, configure: { $0.disableSignup = true }) { app in
            let refused = try await app.request(.post, "/auth/v1/otp", json: ["email": Harness.email()])
            #expect((refused.status, refused.code) == (.unprocessableContent, "signup_disabled"))
            #expect(try await app.count("auth_users") == 0)
        }
    }

    @Test("PKCE: an OTP link carries ?code=, exchanged with the verifier", arguments: TestStores.kinds)
    func pkce(kind: StoreKind) async throws {
        try await Harness.run(kind) { app in
            let email = Harness.email()
            _ = try await app.confirmedSession(email)
            let verifier = String(repeating: "v", count: 50)
            _ = try await app.request(.post, "/auth/v1/otp", json: ["email": email, "code_challenge": verifier, "code_challenge_method": "plain"])
            let link = try #require(app.outbox.list(to: email).first?.link)
            let followed = try await app.request(.get, String(link.dropFirst("http://scritorio.test".count)), apikey: false)
            let location = try #require(followed.headers[.location])
            let code = try #require(URLComponents(string: location)?.queryItems?.first { $0.name == "code" }?.value)
            let session = try await app.request(.post, "/auth/v1/token?grant_type=pkce", json: ["auth_code": code, "code_verifier": verifier])
            #expect(session.status == .ok && session.string("access_token") != nil)
        }
    }

    @Test("generate_link: each type's link and code work; missing users and bad types answer as GoTrue", arguments: TestStores.kinds)
    func generateLink(kind: StoreKind) async throws {
        try await Harness.run(kind) { app in
            let newcomer = Harness.email()
            let signup = try await app.admin(.post, "/auth/v1/admin/generate_link", json: ["type": "signup", "email": newcomer, "password": "correct-horse-1"])
            #expect(signup.status == .ok, "\(signup.raw)")
            #expect(signup.string("verification_type") == "signup" && signup.string("email") == newcomer)
            let hashed = try #require(signup.string("hashed_token"))
            let otp = try #require(signup.string("email_otp"))
            #expect(hashed == OneTimeCode.tokenHash(email: newcomer, code: otp))
            #expect(signup.string("action_link") == "http://scritorio.test/auth/v1/verify?token=\(hashed)&type=signup&redirect_to=http://scritorio.test")
            #expect(app.outbox.list(to: newcomer).isEmpty)
            let confirmed = try await app.request(.post, "/auth/v1/verify", json: ["type": "signup", "token_hash": hashed])
            #expect(confirmed.status == .ok)
            let again = try await app.admin(.post, "/auth/v1/admin/generate_link", json: ["type": "signup", "email": newcomer, "password": "correct-horse-1"])
            #expect((again.status, again.code) == (.unprocessableContent, "email_exists"))

            let recovery = try await app.admin(.post, "/auth/v1/admin/generate_link", json: ["type": "recovery", "email": newcomer])
            let recovered = try await app.request(.post, "/auth/v1/verify", json: ["type": "recovery", "email": newcomer, "token": try #require(recovery.string("email_otp"))])
            #expect(recovered.status == .ok)

            // A magic link for nobody becomes a sign-up.
            let stranger = Harness.email()
            let magic = try await app.admin(.post, "/auth/v1/admin/generate_link", json: ["type": "magiclink", "email": stranger])
            #expect(magic.string("verification_type") == "signup" && magic.string("action_link")?.contains("type=signup") == true)
            let strangerSession = try await app.request(.post, "/auth/v1/verify", json: ["type": "email", "email": stranger, "token": try #require(magic.string("email_otp"))])
            #expect(strangerSession.status == .ok)

            let change = try await app.admin(.post, "/auth/v1/admin/generate_link", json: ["type": "email_change_new", "email": stranger, "new_email": "moved-\(stranger)"])
            #expect(change.status == .ok && change.string("new_email") == "moved-\(stranger)" && change.string("action_link")?.contains("type=email_change") == true)

            for (body, status, code, message) in [
                (["type": "recovery", "email": Harness.email()], 404, "user_not_found", "User with this email not found"),
                (["type": "teleport", "email": newcomer], 400, "validation_failed", "Invalid email action link type requested: teleport"),
                (["type": "signup", "email": Harness.email()], 400, "validation_failed", "Signup requires a valid password"),
                (["type": "email_change_new", "email": newcomer], 400, "validation_failed", "An email address is required"),
            ] as [([String: Any], Int, String, String)] {
                let reply = try await app.admin(.post, "/auth/v1/admin/generate_link", json: body)
                #expect((reply.status.code, reply.code, reply.string("message")) == (status, code, message), "\(body)")
            }
            // Users only: a user's token is not the service role.
            let user = try await app.request(.post, "/auth/v1/admin/generate_link", json: ["type": "recovery", "email": newcomer],
                                             bearer: confirmed.string("access_token"))
            #expect((user.status, user.code) == (.forbidden, "not_admin"))
        }
    }

    @Test("invite: a mailed invitation verified as invite signs in a user without a password; a confirmed address is refused", arguments: TestStores.kinds)
    func invite(kind: StoreKind) async throws {
        try await Harness.run(kind) { app in
            let email = Harness.email()
            let invited = try await app.admin(.post, "/auth/v1/invite", json: ["email": email, "data": ["team": "north"]])
            #expect(invited.status == .ok && invited.string("invited_at") != nil && invited.json["email_confirmed_at"] == nil)
            #expect((invited.json["user_metadata"] as? [String: Any])?["team"] as? String == "north")
            let mail = try #require(app.outbox.list(to: email).first)
            #expect(mail.type == "invite" && mail.link?.contains("type=invite") == true)
            let session = try await app.request(.post, "/auth/v1/verify", json: ["type": "invite", "email": email, "token": mail.otp!])
            #expect(session.status == .ok)
            // The invitee chooses a password.
            let set = try await app.request(.put, "/auth/v1/user", json: ["password": "chosen-pass-9"], bearer: session.string("access_token"))
            #expect(set.status == .ok)
            #expect(try await app.request(.post, "/auth/v1/token?grant_type=password", json: ["email": email, "password": "chosen-pass-9"]).status == .ok)
            let again = try await app.admin(.post, "/auth/v1/invite", json: ["email": email])
            #expect((again.status, again.code) == (.unprocessableContent, "email_exists"))
            let anonymous = try await app.request(.post, "/auth/v1/invite", json: ["email": Harness.email()])
            #expect((anonymous.status, anonymous.code) == (.forbidden, "not_admin"))
        }
    }
}

@Suite("Pre-registered addresses")
struct PreRegistrationTests {
    @Test("a password chosen by an unproven sign-up does not survive the owner's OTP or invitation", arguments: TestStores.kinds)
    func squatterLosesPassword(kind: StoreKind) async throws {
        try await Harness.run(kind) { app in
            for path in ["otp", "invite"] {
                let victim = Harness.email()
                // Someone signs up with the victim's address and a password of their own, and never confirms.
                _ = try await app.request(.post, "/auth/v1/signup", json: ["email": victim, "password": "squatter-pass-1"])
                if path == "otp" {
                    _ = try await app.request(.post, "/auth/v1/otp", json: ["email": victim])
                } else {
                    _ = try await app.admin(.post, "/auth/v1/invite", json: ["email": victim])
                }
                let code = try #require(app.outbox.list(to: victim).first?.otp)
                let owner = try await app.request(.post, "/auth/v1/verify", json: ["type": path == "otp" ? "email" : "invite", "email": victim, "token": code])
                #expect(owner.status == .ok)
                let squatter = try await app.request(.post, "/auth/v1/token?grant_type=password", json: ["email": victim, "password": "squatter-pass-1"])
                #expect((squatter.status, squatter.code) == (.badRequest, "invalid_credentials"), "\(path)")
            }
        }
    }
}

@Suite("Codes after the address changed")
struct CodesAfterChangeTests {
    @Test("a sign-in code sent to the old address stops working once the address changes; a soft delete ends PKCE flows", arguments: TestStores.kinds)
    func oldCodes(kind: StoreKind) async throws {
        try await Harness.run(kind, configure: { $0.secureEmailChange = false }) { app in
            let old = Harness.email()
            let session = try await app.confirmedSession(old)
            _ = try await app.request(.post, "/auth/v1/otp", json: ["email": old])
            let oldCode = try #require(app.outbox.list(to: old).first?.otp)
            let new = Harness.email()
            _ = try await app.request(.put, "/auth/v1/user", json: ["email": new], bearer: session.string("access_token"))
            let change = try #require(app.outbox.list(to: new).first?.otp)
            #expect(try await app.request(.post, "/auth/v1/verify", json: ["type": "email_change", "email": new, "token": change]).status == .ok)
            let stale = try await app.request(.post, "/auth/v1/verify", json: ["type": "magiclink", "email": old, "token": oldCode])
            #expect((stale.status, stale.code) == (.forbidden, "otp_expired"))

            // A PKCE link followed before a soft delete yields no session after it.
            let verifier = String(repeating: "w", count: 50)
            _ = try await app.request(.post, "/auth/v1/otp", json: ["email": new, "code_challenge": verifier, "code_challenge_method": "plain"])
            let link = try #require(app.outbox.list(to: new).first?.link)
            let followed = try await app.request(.get, String(link.dropFirst("http://scritorio.test".count)), apikey: false)
            let code = try #require(URLComponents(string: followed.headers[.location] ?? "")?.queryItems?.first { $0.name == "code" }?.value)
            let id = try #require((session.json["user"] as? [String: Any])?["id"] as? String)
            _ = try await app.admin(.delete, "/auth/v1/admin/users/\(id)", json: ["should_soft_delete": true])
            let exchanged = try await app.request(.post, "/auth/v1/token?grant_type=pkce", json: ["auth_code": code, "code_verifier": verifier])
            #expect(exchanged.status.code >= 400 && exchanged.string("access_token") == nil)
        }
    }
}
