import Crypto
import Foundation
import HTTPTypes
import ScritorioCore
import ScritorioProviders
@testable import ScritorioServer
import ScritorioStore
import ScritorioTestSupport
import Synchronization
import Testing

/// `SCRITORIO_AUTH=supabase`: no `/auth/v1`; only tokens a Supabase project signed are trusted.
@Suite("External Supabase auth")
struct ExternalAuthTests {
    static let url = "https://project-ref.supabase.co"

    struct SupabaseClaims: Codable {
        var iss: String
        var sub: String
        var aud: String
        var exp: Int64
        var iat: Int64
        var email: String
        var role: String
        var user_metadata: [String: String]
    }

    static func claims(sub: String, iss: String = url + "/auth/v1", aud: String = "authenticated", expIn: Int64 = 600) -> SupabaseClaims {
        let now = Int64(Date().timeIntervalSince1970)
        return SupabaseClaims(iss: iss, sub: sub, aud: aud, exp: now + expIn, iat: now, email: "s@example.com", role: "authenticated",
                              user_metadata: ["display_name": "From Supabase"])
    }

    /// An HS256 token as legacy Supabase projects sign them (no kid).
    static func hs256(_ claims: SupabaseClaims, secret: String) throws -> String {
        let header = Base64URL.encode(Data(#"{"alg":"HS256","typ":"JWT"}"#.utf8))
        let payload = Base64URL.encode(try JSONEncoder().encode(claims))
        let mac = HMAC<SHA256>.authenticationCode(for: Data("\(header).\(payload)".utf8), using: SymmetricKey(data: Data(secret.utf8)))
        return "\(header).\(payload).\(Base64URL.encode(Data(mac)))"
    }

    @Test("JWKS and legacy-secret tokens are accepted; wrong issuer, audience, key or expiry are not", arguments: TestStores.kinds)
    func externalTokens(kind: StoreKind) async throws {
        let projectKey = JWTSigningKey(kid: "supabase-key-1", material: .es256(P256.Signing.PrivateKey()))
        guard case .es256(let privateKey) = projectKey.material else { return }
        let fetches = Mutex(0)
        let jwks = JWKSFetcher {
            fetches.withLock { $0 += 1 }
            return JWKS(keys: [JWK(p256: privateKey.publicKey, kid: projectKey.kid)])
        }
        let secret = "super-secret-jwt-token-with-at-least-32-characters"
        try await Harness.run(kind, configure: { $0.authMode = .supabase(url: Self.url, jwtSecret: secret, issuer: Self.url + "/auth/v1") }, supabaseKeys: jwks) { app in
            let user = UUID().uuidString.lowercased()
            let es = try projectKey.sign(Self.claims(sub: user))
            let me = try await app.request(.get, "/v1/me", bearer: es, apikey: false)
            #expect(me.status == .ok)
            #expect((me.json["user"] as? [String: Any])?["id"] as? String == user)
            let initReply = try await app.request(.post, "/functions/v1/member-init", json: [:], bearer: es)
            #expect(initReply.status == .ok)
            let profile = try await app.request(.get, "/v1/me", bearer: es, apikey: false).json["profile"] as? [String: Any]
            #expect(profile?["displayName"] as? String == "From Supabase")

            let legacy = try Self.hs256(Self.claims(sub: user), secret: secret)
            #expect(try await app.request(.get, "/v1/me", bearer: legacy, apikey: false).status == .ok)

            let refused = [
                try projectKey.sign(Self.claims(sub: user, iss: "https://other.supabase.co/auth/v1")),
                try projectKey.sign(Self.claims(sub: user, aud: "anon")),
                try projectKey.sign(Self.claims(sub: user, expIn: -5)),
                try Self.hs256(Self.claims(sub: user), secret: "another-secret-of-sufficient-length-0000"),
                try JWTSigningKey(kid: projectKey.kid, material: .es256(P256.Signing.PrivateKey())).sign(Self.claims(sub: user)),
            ]
            for token in refused {
                let reply = try await app.request(.get, "/v1/me", bearer: token, apikey: false)
                #expect((reply.status, reply.code) == (.forbidden, "bad_jwt"))
            }
            // The JWKS is cached, not fetched per request.
            #expect(fetches.withLock { $0 } <= 3)
            let auth = try await app.request(.post, "/auth/v1/signup", json: ["email": Harness.email(), "password": "correct-horse-1"])
            #expect(auth.status == .notFound)
        }
    }
}
