import Foundation
import ScritorioCore
@testable import ScritorioServer
import ScritorioStore
import ScritorioTestSupport
import Testing

/// `SCRITORIO_AUTH_DISABLE_SIGNUP=1`: no new accounts, as GoTrue with `GOTRUE_DISABLE_SIGNUP` (422
/// `signup_disabled`, "Signups not allowed for this instance"); accounts that exist sign in as before.
@Suite("Sign-ups turned off")
struct SignupDisabledTests {
    @Test("/signup and a first Google sign-in are refused (after the body is read, as GoTrue); existing accounts sign in", arguments: TestStores.kinds)
    func refused(kind: StoreKind) async throws {
        try await Harness.run(kind, configure: { $0.disableSignup = true }) { app in
            // An account made before sign-ups were turned off (written as the server writes one).
            let now = Date()
            let existing = AuthUser(
                id: .random(), email: Harness.email(), encryptedPassword: PasswordHasher.hashNow("correct-horse-1"),
                emailConfirmedAt: now, confirmationSentAt: nil, recoverySentAt: nil, lastSignInAt: nil, appMetadata: [:],
                userMetadata: [:], createdAt: now, updatedAt: now)
            try await app.database.transaction { try await UserRepository.insert(existing, on: $0) }

            for body: [String: Any] in [["email": Harness.email(), "password": "correct-horse-1"], ["email": Harness.email()], [:]] {
                let refused = try await app.request(.post, "/auth/v1/signup", json: body)
                // With no credentials it is an anonymous sign-in, which is off.
                let expected = body.isEmpty ? "anonymous_provider_disabled" : "signup_disabled"
                #expect((refused.status, refused.code) == (.unprocessableContent, expected))
                #expect(refused.json["message"] as? String == (body.isEmpty ? "Anonymous sign-ins are disabled" : "Signups not allowed for this instance"))
            }
            // GoTrue reads the body before it looks at the setting.
            let unreadable = try await app.request(.post, "/auth/v1/signup", rawBody: "{not json")
            #expect((unreadable.status, unreadable.code) == (.badRequest, "bad_json"))
            #expect(try await app.count("auth_users") == 1 && app.outbox.list(to: nil).isEmpty)

            let signedIn = try await app.request(
                .post, "/auth/v1/token?grant_type=password", json: ["email": existing.email ?? "", "password": "correct-horse-1"])
            #expect(signedIn.status == .ok && signedIn.string("access_token") != nil)

            // Google: a new person is refused; the existing account's verified address signs in and links Google.
            let stranger = try app.google.mint(email: Harness.email(), sub: "g-new", nonce: nil, name: nil, now: Date())
            let newcomer = try await app.request(.post, "/auth/v1/token?grant_type=id_token", json: ["provider": "google", "id_token": stranger])
            #expect((newcomer.status, newcomer.code) == (.unprocessableContent, "signup_disabled"))
            #expect(try await app.count("auth_users") == 1)
            let known = try app.google.mint(email: existing.email ?? "", sub: "g-known", nonce: nil, name: nil, now: Date())
            let linked = try await app.request(.post, "/auth/v1/token?grant_type=id_token", json: ["provider": "google", "id_token": known])
            #expect(linked.status == .ok && (linked.json["user"] as? [String: Any])?["id"] as? String == existing.id.description)

            let settings = try await app.request(.get, "/auth/v1/settings")
            #expect(settings.json["disable_signup"] as? Bool == true)
        }
    }

    @Test("off by default: /settings says so and /signup creates the account")
    func offByDefault() async throws {
        try await Harness.run(.sqlite) { app in
            let settings = try await app.request(.get, "/auth/v1/settings")
            let signedUp = try await app.request(.post, "/auth/v1/signup", json: ["email": Harness.email(), "password": "correct-horse-1"])
            #expect(settings.json["disable_signup"] as? Bool == false && signedUp.status == .ok)
        }
    }
}
