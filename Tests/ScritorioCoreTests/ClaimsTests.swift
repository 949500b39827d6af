import Crypto
import Foundation
import ScritorioCore
import Testing

@Suite("Access-token claims")
struct ClaimsTests {
    static let now = Date(timeIntervalSince1970: 1_700_000_000)
    static let issuer = "http://127.0.0.1:54321/auth/v1"

    /// Claims decoded from a JSON object built from `fields` (so absent claims really are absent).
    func claims(_ fields: [String: Any]) throws -> VerifiedClaims {
        try JSONDecoder().decode(VerifiedClaims.self, from: JSONSerialization.data(withJSONObject: fields))
    }

    func valid(_ changes: [String: Any?] = [:]) throws -> VerifiedClaims {
        var fields: [String: Any] = [
            "iss": Self.issuer, "sub": "5f8b0c1e-0000-4000-8000-000000000001", "aud": "authenticated",
            "exp": 1_700_003_600, "iat": 1_700_000_000, "role": "authenticated",
        ]
        for (key, value) in changes { fields[key] = value }
        return try claims(fields)
    }

    func validate(_ claims: VerifiedClaims, now: Date = ClaimsTests.now, leeway: TimeInterval = 0) throws(JWTError) {
        try claims.validate(now: now, issuers: [Self.issuer], audiences: ["authenticated"], leeway: leeway)
    }

    @Test func validClaimsPass() throws {
        #expect(throws: Never.self) { try validate(try valid()) }
    }

    @Test func expiredAtAndAfterExp() throws {
        let claims = try valid()
        #expect(throws: JWTError.expired) { try validate(claims, now: Date(timeIntervalSince1970: 1_700_003_600)) }
        #expect(throws: JWTError.expired) { try validate(claims, now: Date(timeIntervalSince1970: 1_700_009_000)) }
        #expect(throws: Never.self) { try validate(claims, now: Date(timeIntervalSince1970: 1_700_003_599)) }
    }

    @Test func leewayAbsorbsClockDrift() throws {
        let claims = try valid()
        let justExpired = Date(timeIntervalSince1970: 1_700_003_605)
        #expect(throws: JWTError.expired) { try validate(claims, now: justExpired) }
        #expect(throws: Never.self) { try validate(claims, now: justExpired, leeway: 10) }
        #expect(throws: JWTError.expired) { try validate(claims, now: justExpired, leeway: 5) }
    }

    @Test func wrongIssuer() throws {
        #expect(throws: JWTError.wrongIssuer) { try validate(try valid(["iss": "https://evil.example/auth/v1"])) }
        #expect(throws: JWTError.wrongIssuer) { try validate(try valid(["iss": Self.issuer + "/"])) }
    }

    @Test func anyConfiguredIssuerIsAccepted() throws {
        let google = try valid(["iss": "https://accounts.google.com"])
        #expect(throws: Never.self) {
            try google.validate(
                now: Self.now, issuers: ["accounts.google.com", "https://accounts.google.com"],
                audiences: ["authenticated"])
        }
    }

    @Test func wrongOrMissingAudience() throws {
        #expect(throws: JWTError.wrongAudience) { try validate(try valid(["aud": "anon"])) }
        #expect(throws: JWTError.wrongAudience) { try validate(try valid(["aud": ["anon", "service"]])) }
        #expect(throws: JWTError.wrongAudience) { try validate(try valid(["aud": [String]()])) }
        #expect(throws: JWTError.wrongAudience) { try validate(try valid(["aud": nil])) }
    }

    @Test func audienceArrayContainingAuthenticatedPasses() throws {
        let claims = try valid(["aud": ["other", "authenticated"]])
        #expect(claims.aud == .many(["other", "authenticated"]))
        #expect(throws: Never.self) { try validate(claims) }
    }

    @Test func audienceOfANonStringTypeFailsToDecode() {
        #expect(throws: (any Error).self) { try valid(["aud": 5]) }
    }

    @Test func missingClaims() throws {
        #expect(throws: JWTError.missingClaim("exp")) { try validate(try valid(["exp": nil])) }
        #expect(throws: JWTError.missingClaim("iss")) { try validate(try valid(["iss": nil])) }
        #expect(throws: JWTError.missingClaim("sub")) { try validate(try valid(["sub": nil])) }
    }

    @Test func iatFarInTheFutureIsNotYetValid() throws {
        #expect(throws: JWTError.notYetValid) { try validate(try valid(["iat": 1_700_000_061])) }
        #expect(throws: JWTError.notYetValid) { try validate(try valid(["iat": 1_700_001_000])) }
        // Up to a minute of skew is tolerated even with no leeway; more with a larger leeway.
        #expect(throws: Never.self) { try validate(try valid(["iat": 1_700_000_060])) }
        #expect(throws: Never.self) { try validate(try valid(["iat": 1_700_000_100]), leeway: 120) }
        #expect(throws: Never.self) { try validate(try valid(["iat": nil])) }
    }

    @Test("a token used before its nbf is not yet valid; at nbf it is")
    func notBefore() throws {
        // `now` in these tests is 1_700_000_000.
        #expect(throws: JWTError.notYetValid) { try validate(try valid(["nbf": 1_700_000_001])) }
        #expect(throws: JWTError.notYetValid) { try validate(try valid(["nbf": 1_700_003_600])) }
        #expect(throws: Never.self) { try validate(try valid(["nbf": 1_700_000_000])) }
        #expect(throws: Never.self) { try validate(try valid(["nbf": 1_699_990_000])) }
        #expect(throws: Never.self) { try validate(try valid(["nbf": 1_700_000_030]), leeway: 60) }
    }

    @Test func fractionalTimesDecode() throws {
        let claims = try valid(["exp": 1_700_000_000.5])
        #expect(claims.exp == 1_700_000_000.5)
        #expect(throws: Never.self) { try validate(claims) }
        #expect(throws: JWTError.expired) { try validate(claims, now: Date(timeIntervalSince1970: 1_700_000_000.5)) }
    }

    @Test func supabaseAccessTokenSurvivesSignAndVerify() throws {
        let key = JWTSigningKey(kid: "k", material: .es256(P256.Signing.PrivateKey()))
        let claims = AccessTokenClaims(
            iss: Self.issuer, sub: "5f8b0c1e-0000-4000-8000-000000000001", exp: 1_700_003_600, iat: 1_700_000_000,
            email: "a@example.com", app_metadata: AuthUser.appMetadata(providers: ["email"]),
            user_metadata: ["display_name": .string("A")], amr: [AuthenticationMethod(method: "password", timestamp: 1)],
            session_id: "9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d")
        let (_, payload) = try JWTKeySet([key.verificationKey]).verify(try key.sign(claims))

        #expect(try JSONDecoder().decode(AccessTokenClaims.self, from: payload) == claims)
        let object = try #require(try JSONSerialization.jsonObject(with: payload) as? [String: Any])
        #expect(object["aud"] as? String == "authenticated", "aud is a string, not an array")
        #expect(object["role"] as? String == "authenticated")
        #expect(object["aal"] as? String == "aal1")
        #expect(object["phone"] as? String == "")
        #expect(object["is_anonymous"] as? Bool == false)
        #expect(object["jti"] == nil && object["nbf"] == nil)

        let verified = try JSONDecoder().decode(VerifiedClaims.self, from: payload)
        #expect(verified.email == "a@example.com")
        #expect(verified.session_id == "9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d")
        #expect(throws: Never.self) { try validate(verified) }
    }
}
