import Foundation
import ScritorioCore
@testable import ScritorioServer
import ScritorioStore
import ScritorioTestSupport
import Testing

/// The service role: the secret key, or a legacy `service_role` JWT signed with `SCRITORIO_JWT_SECRET`, as bearer
/// or `apikey`; nothing else reaches the admin API. A legacy `anon` JWT is a publishable key.
@Suite("The service role")
struct ServiceRoleTests {
    static let legacySecret = "super-secret-jwt-token-with-at-least-32-characters-long"

    struct LegacyClaims: Encodable {
        var iss = "supabase-demo"
        var role: String
        var exp: Int64
    }

    static func legacyKey(_ role: String, secret: String = legacySecret, exp: Int64 = Int64(Date().timeIntervalSince1970) + 3600) throws -> String {
        try HS256.sign(LegacyClaims(role: role, exp: exp), secret: secret)
    }

    @Test("who the admin API lets in, and GoTrue's answers to everyone else", arguments: TestStores.kinds)
    func gate(kind: StoreKind) async throws {
        try await Harness.run(kind, configure: { $0.legacyJWTSecret = Self.legacySecret }) { app in
            let session = try await app.confirmedSession(Harness.email())
            let userToken = try #require(session.string("access_token"))
            let serviceJWT = try Self.legacyKey("service_role")
            let anonJWT = try Self.legacyKey("anon")

            // Let in: the secret key or the service_role JWT, as bearer (with any key) or as apikey with no bearer.
            for (apikey, bearer) in [
                (Harness.secret, Harness.secret), (Harness.key, Harness.secret), (Harness.secret, nil),
                (serviceJWT, serviceJWT), (Harness.key, serviceJWT), (serviceJWT, nil), (anonJWT, serviceJWT),
                (Harness.secret, Harness.key),
            ] as [(String, String?)] {
                let reply = try await app.request(.get, "/auth/v1/admin/users", apikeyValue: apikey, bearer: bearer)
                #expect(reply.status == .ok, "apikey \(apikey.prefix(12)) bearer \(bearer?.prefix(12) ?? "none"): \(reply.raw)")
            }

            // Kept out: a user's own token (whatever the apikey), the publishable key or anon JWT alone.
            for (apikey, bearer) in [
                (Harness.secret, userToken), (Harness.key, userToken), (Harness.key, nil), (anonJWT, nil), (Harness.key, anonJWT),
            ] as [(String, String?)] {
                let reply = try await app.request(.get, "/auth/v1/admin/users", apikeyValue: apikey, bearer: bearer)
                #expect((reply.status, reply.code) == (.forbidden, "not_admin"), "\(reply.raw)")
                #expect(reply.string("message") == "User not allowed")
            }
            // A bearer that does not verify is GoTrue's bad_jwt; no key at all is Kong's 401.
            let forged = try Self.legacyKey("service_role", secret: "another-secret-that-is-at-least-32-chars")
            for bearer in [forged, "not-a-token", try Self.legacyKey("service_role", exp: 1000)] {
                let reply = try await app.request(.get, "/auth/v1/admin/users", apikeyValue: Harness.key, bearer: bearer)
                #expect((reply.status, reply.code) == (.forbidden, "bad_jwt"), "\(reply.raw)")
            }
            let keyless = try await app.request(.get, "/auth/v1/admin/users", apikeyValue: nil, bearer: Harness.secret)
            #expect(keyless.status == .unauthorized && keyless.json["message"] as? String == "No API key found in request")
            let wrongKey = try await app.request(.get, "/auth/v1/admin/users", apikeyValue: "sb_secret_guess", bearer: nil)
            #expect(wrongKey.status == .unauthorized && wrongKey.json["message"] as? String == "Invalid API key")
        }
    }

    @Test("a legacy anon JWT opens the keyed routes and counts as no bearer; a forged or expired one does not", arguments: TestStores.kinds)
    func legacyAnonKey(kind: StoreKind) async throws {
        try await Harness.run(kind, configure: { $0.legacyJWTSecret = Self.legacySecret }) { app in
            let anonJWT = try Self.legacyKey("anon")
            let settings = try await app.request(.get, "/auth/v1/settings", apikeyValue: anonJWT, bearer: anonJWT)
            #expect(settings.status == .ok)
            // Signed out, clients send the anon key as bearer: the user routes see no token at all.
            let user = try await app.request(.get, "/auth/v1/user", apikeyValue: anonJWT, bearer: anonJWT)
            #expect((user.status, user.code) == (.unauthorized, "no_authorization"))
            for bad in [try Self.legacyKey("anon", secret: "another-secret-that-is-at-least-32-chars"), try Self.legacyKey("anon", exp: 1000),
                        try Self.legacyKey("authenticated")] {
                let reply = try await app.request(.get, "/auth/v1/settings", apikeyValue: bad, bearer: nil)
                #expect(reply.status == .unauthorized && reply.json["message"] as? String == "Invalid API key")
            }
        }
        // Without a legacy secret configured, no JWT is a key.
        try await Harness.run(kind) { app in
            let reply = try await app.request(.get, "/auth/v1/settings", apikeyValue: try Self.legacyKey("anon"), bearer: nil)
            #expect(reply.status == .unauthorized)
        }
    }

    @Test("the secret key is generated once into the data directory, owner-only, and kept")
    func generatedSecret() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("scritorio-keys-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let first = try SecretKey.load(directory: directory, configured: nil)
        #expect(first.hasPrefix("sb_secret_") && first.count == "sb_secret_".count + 32)
        #expect(first.dropFirst("sb_secret_".count).allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })
        #expect(try SecretKey.load(directory: directory, configured: nil) == first)
        let mode = try FileManager.default.attributesOfItem(atPath: directory + "/secret-key")[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(try SecretKey.load(directory: directory, configured: "sb_secret_configured") == "sb_secret_configured")
        let publishable = try PublishableKey.load(directory: directory, configured: nil)
        #expect(publishable.hasPrefix("sb_publishable_") && publishable != first)
    }
}
