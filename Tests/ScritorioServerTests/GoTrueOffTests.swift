import Foundation
import ScritorioAPI
import ScritorioCore
@testable import ScritorioServer
import ScritorioStore
import ScritorioTestSupport
import Testing

/// What Scritorio does not offer answers as a GoTrue with it turned off: phone, SAML, other grants and providers.
@Suite("GoTrue's answers for what is off")
struct GoTrueOffTests {
    @Test("phone sign-up, sign-in, OTP, resend and verify; SSO; unknown grants; settings", arguments: TestStores.kinds)
    func off(kind: StoreKind) async throws {
        try await Harness.run(kind) { app in
            for (method, path, body, status, code, message) in [
                ("POST", "/auth/v1/signup", ["phone": "+15555550100"], 400, "validation_failed", "Signup requires a valid password"),
                ("POST", "/auth/v1/signup", ["phone": "+15555550100", "password": "a"], 422, "weak_password", "Password should be at least 6 characters."),
                ("POST", "/auth/v1/signup", ["phone": "+15555550100", "password": "correct-horse-1"], 400, "phone_provider_disabled", "Phone signups are disabled"),
                ("POST", "/auth/v1/otp", ["phone": "+15555550100"], 400, "phone_provider_disabled", "Unsupported phone provider"),
                ("POST", "/auth/v1/otp", ["phone": "+1 555", "create_user": false], 422, "otp_disabled", "Signups not allowed for otp"),
                ("POST", "/auth/v1/otp", ["phone": "nope", "create_user": false], 400, "validation_failed", "Invalid phone number format (E.164 required)"),
                ("POST", "/auth/v1/resend", ["type": "sms", "phone": "+15555550100"], 400, "phone_provider_disabled", "Phone logins are disabled"),
                ("POST", "/auth/v1/resend", ["type": "sms"], 400, "validation_failed", "Type provided requires a phone number"),
                ("POST", "/auth/v1/verify", ["type": "sms", "phone": "+15555550100", "token": "123456"], 403, "otp_expired", "Token has expired or is invalid"),
                ("POST", "/auth/v1/verify", ["type": "sms", "phone": "x", "token": "123456"], 400, "validation_failed", "Invalid phone number format (E.164 required)"),
                ("POST", "/auth/v1/token?grant_type=password", ["phone": "+15555550100", "password": "correct-horse-1"], 422, "phone_provider_disabled", "Phone logins are disabled"),
                ("POST", "/auth/v1/token?grant_type=web3", [:], 400, "invalid_credentials", "unsupported_grant_type"),
                ("POST", "/auth/v1/sso", ["domain": "example.com"], 404, "saml_provider_disabled", "SAML 2.0 is disabled"),
            ] as [(String, String, [String: Any], Int, String, String)] {
                let reply = try await app.request(method == "POST" ? .post : .get, path, json: body)
                #expect((reply.status.code, reply.code, reply.string("message")) == (status, code, message), "\(path) \(body): \(reply.raw)")
            }
            #expect(try await app.count("auth_users") == 0)

            let settings = try await app.request(.get, "/auth/v1/settings")
            let external = try #require(settings.json["external"] as? [String: Bool])
            #expect(Set(external.keys) == Set(AuthSettings.goTrueProviders))
            #expect(external["email"] == true && external["phone"] == false && external["anonymous_users"] == false && external["github"] == false)
            #expect(settings.json["saml_enabled"] as? Bool == false && settings.json["mfa_enabled"] as? Bool == true)
            #expect(settings.json["disable_signup"] as? Bool == false && settings.json["sms_provider"] as? String == "")
        }
        try await Harness.run(kind, configure: { $0.anonymousSignIns = true }) { app in
            let settings = try await app.request(.get, "/auth/v1/settings")
            #expect((settings.json["external"] as? [String: Bool])?["anonymous_users"] == true)
        }
    }
}

@Suite("GoTrue's token error messages")
struct GoTrueTokenMessagesTests {
    @Test("bad_jwt messages in golang-jwt's words; a refused ID token is just \"Bad ID token\"", arguments: TestStores.kinds)
    func messages(kind: StoreKind) async throws {
        let clock = TestClock()
        try await Harness.run(kind, now: { clock.now }) { app in
            let session = try await app.confirmedSession(Harness.email())
            let token = try #require(session.string("access_token"))
            let garbage = try await app.request(.get, "/auth/v1/user", bearer: "not-a-token")
            #expect((garbage.status, garbage.code, garbage.string("message")) == (
                .forbidden, "bad_jwt", "invalid JWT: unable to parse or verify signature, token is malformed: token contains an invalid number of segments"))
            let parts = token.split(separator: ".")
            let forged = try await app.request(.get, "/auth/v1/user", bearer: "\(parts[0]).\(parts[1]).\(String(parts[2].reversed()))")
            #expect(forged.string("message") == "invalid JWT: unable to parse or verify signature, token signature is invalid: signature is invalid")
            clock.advance(3601)
            let expired = try await app.request(.get, "/auth/v1/user", bearer: token)
            #expect((expired.status, expired.code, expired.string("message")) == (
                .forbidden, "bad_jwt", "invalid JWT: unable to parse or verify signature, token has invalid claims: token is expired"))

            let idToken = try await app.request(.post, "/auth/v1/token?grant_type=id_token", json: ["provider": "google", "id_token": "x.y.z"])
            #expect(idToken.status == .badRequest && idToken.json["error_description"] as? String == "Bad ID token")
            #expect(idToken.json["error"] as? String == "invalid request")
        }
    }
}
