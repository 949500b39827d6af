import Foundation
import ScritorioCore
@testable import ScritorioServer
import SQLKit
import ScritorioStore
import ScritorioTestSupport
import Testing

/// Users moved over from Supabase's `auth.users` keep their bcrypt hashes and can sign in unchanged.
@Suite("Imported users")
struct ImportedUserTests {
    // Made with Python's bcrypt (rounds=10), as GoTrue stores them.
    static let hashes = [
        "$2a$10$qLfPocfiAHUQBg.fh4fC8uaDX8Axwnniu6RUw1a98gszSslLaIAYm",
        "$2b$10$lrAqa6epb/g7eQgV5RAxxOzf.GLbWfk.qxgnlSiELw98mNaZT/FnK",
    ]

    @Test("a Supabase bcrypt hash signs in; new hashes are cost 10", arguments: hashes)
    func importedHash(hash: String) async throws {
        try await Harness.run(.sqlite) { app in
            let email = Harness.email()
            let now = Date()
            let user = AuthUser(
                id: .random(), email: email, encryptedPassword: hash, emailConfirmedAt: now, confirmationSentAt: nil,
                recoverySentAt: nil, lastSignInAt: nil, appMetadata: AuthUser.appMetadata(providers: ["email"]),
                userMetadata: [:], createdAt: now, updatedAt: now)
            try await app.database.transaction { try await UserRepository.insert(user, on: $0) }
            let ok = try await app.request(.post, "/auth/v1/token?grant_type=password", json: ["email": email, "password": "imported-pass-1"])
            #expect(ok.status == .ok)
            let wrong = try await app.request(.post, "/auth/v1/token?grant_type=password", json: ["email": email, "password": "imported-pass-2"])
            #expect(wrong.code == "invalid_credentials")

            _ = try await app.signUp(Harness.email(), password: "fresh-password-1")
            let stored = try await app.database.read { db in
                try await db.sql.raw("SELECT encrypted_password FROM auth_users WHERE id <> \(bind: user.id.rawValue)").first()?
                    .decode(column: "encrypted_password", as: String.self)
            }
            #expect(stored.map { $0.hasPrefix("$2a$10$") || $0.hasPrefix("$2b$10$") } == true)
        }
    }
}
