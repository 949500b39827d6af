import Crypto
import Foundation
import HTTPTypes
import ScritorioCore
@testable import ScritorioServer
import ScritorioStore
import ScritorioTestSupport
import Testing

@Suite("Bad input and bad tokens")
struct BadInputTests {
    /// Claims like Scritorio's own, for forging.
    static func claims(sub: String, iss: String = "http://scritorio.test/auth/v1", exp: Int64? = nil) -> AccessTokenClaims {
        let now = Int64(Date().timeIntervalSince1970)
        return AccessTokenClaims(
            iss: iss, sub: sub, exp: exp ?? now + 600, iat: now, email: "x@example.com", app_metadata: [:], user_metadata: [:],
            amr: [], session_id: UUID().uuidString.lowercased())
    }

    @Test("malformed, mistyped, oversized and unknown requests get 4xx in the contract's shape and store nothing", arguments: TestStores.kinds)
    func badBodies(kind: StoreKind) async throws {
        try await Harness.run(kind) { app in
            let before = try await app.count("auth_users")
            let malformed = try await app.request(.post, "/auth/v1/signup", rawBody: "{\"email\": ")
            #expect((malformed.status, malformed.code) == (.badRequest, "bad_json"))
            let mistyped = try await app.request(.post, "/auth/v1/signup", json: ["email": 42, "password": ["x"]])
            #expect((mistyped.status, mistyped.code) == (.badRequest, "validation_failed"))
            // No email and no phone is an anonymous sign-in, off by default (GoTrue answers the same).
            let missing = try await app.request(.post, "/auth/v1/signup", json: ["password": "correct-horse-1"])
            #expect((missing.status, missing.code) == (.unprocessableContent, "anonymous_provider_disabled"))
            let badEmail = try await app.request(.post, "/auth/v1/signup", json: ["email": "not-an-email", "password": "correct-horse-1"])
            #expect((badEmail.status, badEmail.code) == (.badRequest, "validation_failed"))
            let weak = try await app.request(.post, "/auth/v1/signup", json: ["email": Harness.email(), "password": "12345"])
            #expect((weak.status, weak.code) == (.unprocessableContent, "weak_password"))
            let long = try await app.request(.post, "/auth/v1/signup", json: ["email": Harness.email(), "password": String(repeating: "x", count: 73)])
            #expect((long.status, long.code) == (.badRequest, "validation_failed"))
            let huge = try await app.request(.post, "/auth/v1/signup", rawBody: "{\"email\":\"" + String(repeating: "a", count: 70_000) + "\"}")
            #expect((huge.status, huge.code) == (.contentTooLarge, "request_too_large"))
            let grant = try await app.request(.post, "/auth/v1/token?grant_type=magic", json: [:])
            #expect((grant.status, grant.code, grant.string("message")) == (.badRequest, "invalid_credentials", "unsupported_grant_type"))
            let emptyRefresh = try await app.request(.post, "/auth/v1/token?grant_type=refresh_token", rawBody: "")
            #expect(emptyRefresh.status == .badRequest)
            #expect(try await app.count("auth_users") == before)
        }
    }

    @Test("errors without the version header use GoTrue's legacy shape")
    func legacyShape() async throws {
        try await Harness.run(.sqlite) { app in
            let reply = try await app.request(.post, "/auth/v1/token?grant_type=password", json: ["email": "a@example.com", "password": "nope-nope"], versioned: false)
            #expect(reply.status == .badRequest)
            #expect(reply.json["code"] as? Int == 400)
            #expect(reply.json["error_code"] as? String == "invalid_credentials")
            #expect(reply.json["msg"] as? String == "Invalid login credentials")
            #expect(reply.headers[HTTPField.Name("X-Supabase-Api-Version")!] == nil)
        }
    }

    @Test("the publishable key is required on /auth/v1 and /functions/v1, except links and JWKS")
    func apiKey() async throws {
        try await Harness.run(.sqlite) { app in
            let missing = try await app.request(.post, "/auth/v1/signup", json: ["email": Harness.email(), "password": "correct-horse-1"], apikey: false)
            #expect(missing.status == .unauthorized)
            #expect(missing.json["message"] as? String == "No API key found in request")
            #expect(try await app.request(.post, "/functions/v1/member-get", apikey: false).status == .unauthorized)
            #expect(try await app.request(.get, "/auth/v1/.well-known/jwks.json", apikey: false).status == .ok)
            #expect(try await app.request(.get, "/auth/v1/verify?token=x&type=signup", apikey: false).status == .seeOther)
            #expect(try await app.request(.get, "/auth/v1/settings?apikey=\(Harness.key)", apikey: false).status == .ok)
            #expect(try await app.count("auth_users") == 0)
        }
    }

    @Test("forged, expired and foreign tokens are refused with bad_jwt", arguments: TestStores.kinds)
    func badTokens(kind: StoreKind) async throws {
        try await Harness.run(kind) { app in
            let session = try await app.confirmedSession(Harness.email())
            let good = try #require(session.string("access_token"))
            let sub = try #require(Harness.claims(good)["sub"] as? String)
            let keys = try SigningKeys.load(directory: app.config.dataDirectory, environmentPEM: nil, now: Date())
            let kid = keys.current.kid

            let encoder = JSONEncoder()
            let payload = Base64URL.encode(try encoder.encode(Self.claims(sub: sub)))
            let none = Base64URL.encode(Data(#"{"alg":"none","typ":"JWT"}"#.utf8)) + "." + payload + "."
            // HS256 "signed" with the public key's bytes under our kid: the classic algorithm-confusion attack.
            guard case .es256(let privateKey) = keys.current.material else { Issue.record("not ES256"); return }
            let hsHeader = Base64URL.encode(Data(#"{"alg":"HS256","typ":"JWT","kid":"\#(kid)"}"#.utf8))
            let mac = HMAC<SHA256>.authenticationCode(
                for: Data("\(hsHeader).\(payload)".utf8), using: SymmetricKey(data: privateKey.publicKey.x963Representation))
            let confused = "\(hsHeader).\(payload).\(Base64URL.encode(Data(mac)))"
            let foreign = try JWTSigningKey(kid: kid, material: .es256(P256.Signing.PrivateKey())).sign(Self.claims(sub: sub))
            let expired = try keys.current.sign(Self.claims(sub: sub, exp: Int64(Date().timeIntervalSince1970) - 10))
            let wrongIssuer = try keys.current.sign(Self.claims(sub: sub, iss: "https://evil.example/auth/v1"))
            let parts = good.split(separator: ".")
            let tampered = "\(parts[0]).\(Base64URL.encode(try encoder.encode(Self.claims(sub: UUID().uuidString.lowercased())))).\(parts[2])"

            for token in [none, confused, foreign, expired, wrongIssuer, tampered, "garbage"] {
                let reply = try await app.request(.get, "/auth/v1/user", bearer: token)
                #expect((reply.status, reply.code) == (.forbidden, "bad_jwt"), "\(token.prefix(20))")
                let product = try await app.request(.get, "/v1/me", bearer: token, apikey: false)
                #expect((product.status, product.code) == (.forbidden, "bad_jwt"))
                let function = try await app.request(.post, "/functions/v1/member-init", bearer: token)
                #expect(function.status == .unauthorized)
            }
            let anonymous = try await app.request(.get, "/v1/me", apikey: false)
            #expect((anonymous.status, anonymous.code) == (.unauthorized, "no_authorization"))
            #expect(try await app.count("members") == 0)
        }
    }

    @Test("per-IP sign-up limit answers 429 with Retry-After")
    func rateLimit() async throws {
        try await Harness.run(.sqlite, configure: { $0.rateLimits.signup = RateLimitRule(limit: 3, window: 300) }) { app in
            for _ in 0..<3 {
                #expect(try await app.request(.post, "/auth/v1/signup", json: ["email": Harness.email(), "password": "correct-horse-1"]).status == .ok)
            }
            let limited = try await app.request(.post, "/auth/v1/signup", json: ["email": Harness.email(), "password": "correct-horse-1"])
            #expect((limited.status, limited.code) == (.tooManyRequests, "over_request_rate_limit"))
            #expect(Int(limited.headers[.retryAfter] ?? "") ?? 0 > 0)
            #expect(try await app.count("auth_users") == 3)
        }
    }

    @Test("a second mail to one user within the resend interval is refused")
    func emailInterval() async throws {
        try await Harness.run(.sqlite, configure: { $0.rateLimits.emailResendInterval = 60 }) { app in
            let email = Harness.email()
            _ = try await app.signUp(email)
            let again = try await app.request(.post, "/auth/v1/resend", json: ["type": "signup", "email": email])
            #expect((again.status, again.code) == (.tooManyRequests, "over_email_send_rate_limit"))
            #expect(app.outbox.list(to: email).count == 1)
        }
    }
}

@Suite("NUL in text")
struct NULInTextTests {
    @Test("a string with NUL is a 400 on every JSON route, not a store failure", arguments: TestStores.kinds)
    func nul(kind: StoreKind) async throws {
        try await Harness.run(kind) { app in
            let session = try await app.confirmedSession(Harness.email())
            let token = session.string("access_token")
            let licence = try await app.request(
                .post, "/v1/licenses/validate", rawBody: #"{"fingerprint":"","instance_id":"a\u0000b","license_key":"KEY-1"}"#, bearer: token)
            #expect(licence.status == .notFound, "\(licence.raw)")
            let profile = try await app.request(.put, "/auth/v1/user", rawBody: #"{"data":{"display_name":"x\u0000y"}}"#, bearer: token)
            #expect(profile.status == .badRequest)
            // An escaped backslash before u0000 is ordinary text.
            let literal = try await app.request(.put, "/auth/v1/user", rawBody: #"{"data":{"display_name":"x\\u0000y"}}"#, bearer: token)
            #expect(literal.status == .ok)
        }
    }
}
