import Foundation
import SQLKit
import ScritorioCore

/// `auth_users` and `auth_identities` (built-in auth mode only).
public enum UserRepository {
    static let userColumns = """
        id, email, encrypted_password, email_confirmed_at, confirmation_sent_at, recovery_sent_at, last_sign_in_at,
        raw_app_meta_data, raw_user_meta_data, created_at, updated_at
        """

    public static func insert(_ user: AuthUser, on db: SQLConnection) async throws {
        try await db.sql.raw("""
            INSERT INTO auth_users (\(unsafeRaw: userColumns)) VALUES (
            \(bind: user.id.rawValue), \(bind: user.email), \(bind: user.encryptedPassword), \(bind: user.emailConfirmedAt),
            \(bind: user.confirmationSentAt), \(bind: user.recoverySentAt), \(bind: user.lastSignInAt),
            \(bind: user.appMetadata.jsonText()), \(bind: user.userMetadata.jsonText()), \(bind: user.createdAt), \(bind: user.updatedAt))
            """).run()
    }

    /// Writes every mutable field of `user`.
    public static func update(_ user: AuthUser, on db: SQLConnection) async throws {
        try await db.sql.raw("""
            UPDATE auth_users SET email = \(bind: user.email), encrypted_password = \(bind: user.encryptedPassword),
            email_confirmed_at = \(bind: user.emailConfirmedAt), confirmation_sent_at = \(bind: user.confirmationSentAt),
            recovery_sent_at = \(bind: user.recoverySentAt), last_sign_in_at = \(bind: user.lastSignInAt),
            raw_app_meta_data = \(bind: user.appMetadata.jsonText()), raw_user_meta_data = \(bind: user.userMetadata.jsonText()),
            updated_at = \(bind: user.updatedAt) WHERE id = \(bind: user.id.rawValue)
            """).run()
    }

    /// Records a sign-in. Only these two columns: the user row read before a slow bcrypt check may be stale,
    /// and writing it back whole could undo a concurrent password change.
    public static func recordSignIn(id: UserID, at now: Date, on db: SQLConnection) async throws {
        try await db.sql.raw(
            "UPDATE auth_users SET last_sign_in_at = \(bind: now), updated_at = \(bind: now) WHERE id = \(bind: id.rawValue)"
        ).run()
    }

    /// Sets `confirmation_sent_at` (or `recovery_sent_at`) alone.
    public static func setMailSentAt(id: UserID, confirmation: Bool, to date: Date?, on db: SQLConnection) async throws {
        let column = confirmation ? "confirmation_sent_at" : "recovery_sent_at"
        try await db.sql.raw(
            "UPDATE auth_users SET \(unsafeRaw: column) = \(bind: date) WHERE id = \(bind: id.rawValue)"
        ).run()
    }

    public static func find(id: UserID, on db: SQLConnection, forUpdate: Bool = false) async throws -> AuthUser? {
        try await db.sql.raw(
            "SELECT \(unsafeRaw: userColumns) FROM auth_users WHERE id = \(bind: id.rawValue)\(unsafeRaw: forUpdate ? db.forUpdate : "")"
        ).first().map(decodeUser)
    }

    /// Finds by normalised (lower-case) email.
    public static func find(email: String, on db: SQLConnection, forUpdate: Bool = false) async throws -> AuthUser? {
        try await db.sql.raw(
            "SELECT \(unsafeRaw: userColumns) FROM auth_users WHERE email = \(bind: email)\(unsafeRaw: forUpdate ? db.forUpdate : "")"
        ).first().map(decodeUser)
    }

    public static func delete(id: UserID, on db: SQLConnection) async throws {
        try await db.sql.raw("DELETE FROM auth_users WHERE id = \(bind: id.rawValue)").run()
        SessionRevocations.record()
    }

    static func decodeUser(_ row: any SQLRow) throws -> AuthUser {
        AuthUser(
            id: UserID(try row.decode(column: "id", as: UUID.self)),
            email: try row.decode(column: "email", as: String?.self),
            encryptedPassword: try row.decode(column: "encrypted_password", as: String?.self),
            emailConfirmedAt: try row.decode(column: "email_confirmed_at", as: Date?.self),
            confirmationSentAt: try row.decode(column: "confirmation_sent_at", as: Date?.self),
            recoverySentAt: try row.decode(column: "recovery_sent_at", as: Date?.self),
            lastSignInAt: try row.decode(column: "last_sign_in_at", as: Date?.self),
            appMetadata: .fromJSONText(try row.decode(column: "raw_app_meta_data", as: String?.self)),
            userMetadata: .fromJSONText(try row.decode(column: "raw_user_meta_data", as: String?.self)),
            createdAt: try row.decode(column: "created_at", as: Date.self),
            updatedAt: try row.decode(column: "updated_at", as: Date.self))
    }

    // MARK: Identities

    static let identityColumns =
        "id, provider_id, user_id, provider, identity_data, last_sign_in_at, created_at, updated_at"

    public static func insert(_ identity: AuthIdentity, on db: SQLConnection) async throws {
        try await db.sql.raw("""
            INSERT INTO auth_identities (\(unsafeRaw: identityColumns)) VALUES (
            \(bind: identity.id.rawValue), \(bind: identity.providerID), \(bind: identity.userID.rawValue), \(bind: identity.provider),
            \(bind: identity.identityData.jsonText()), \(bind: identity.lastSignInAt), \(bind: identity.createdAt), \(bind: identity.updatedAt))
            """).run()
    }

    public static func identities(of userID: UserID, on db: SQLConnection) async throws -> [AuthIdentity] {
        try await db.sql.raw(
            "SELECT \(unsafeRaw: identityColumns) FROM auth_identities WHERE user_id = \(bind: userID.rawValue) ORDER BY created_at"
        ).all().map(decodeIdentity)
    }

    public static func findIdentity(provider: String, providerID: String, on db: SQLConnection) async throws -> AuthIdentity? {
        try await db.sql.raw(
            "SELECT \(unsafeRaw: identityColumns) FROM auth_identities WHERE provider = \(bind: provider) AND provider_id = \(bind: providerID)"
        ).first().map(decodeIdentity)
    }

    public static func updateIdentity(_ identity: AuthIdentity, on db: SQLConnection) async throws {
        try await db.sql.raw("""
            UPDATE auth_identities SET identity_data = \(bind: identity.identityData.jsonText()),
            last_sign_in_at = \(bind: identity.lastSignInAt), updated_at = \(bind: identity.updatedAt)
            WHERE id = \(bind: identity.id.rawValue)
            """).run()
    }

    static func decodeIdentity(_ row: any SQLRow) throws -> AuthIdentity {
        AuthIdentity(
            id: IdentityID(try row.decode(column: "id", as: UUID.self)),
            providerID: try row.decode(column: "provider_id", as: String.self),
            userID: UserID(try row.decode(column: "user_id", as: UUID.self)),
            provider: try row.decode(column: "provider", as: String.self),
            identityData: .fromJSONText(try row.decode(column: "identity_data", as: String?.self)),
            lastSignInAt: try row.decode(column: "last_sign_in_at", as: Date?.self),
            createdAt: try row.decode(column: "created_at", as: Date.self),
            updatedAt: try row.decode(column: "updated_at", as: Date.self))
    }

    /// Whether anyone has this id here: an account (built-in auth), or a member or an AI user (a user only an
    /// external auth server knows is known once they called member-init or the gateway).
    public static func isKnown(_ userID: UserID, on db: SQLConnection) async throws -> Bool {
        try await db.sql.raw("""
            SELECT 1 AS known WHERE EXISTS (SELECT 1 FROM auth_users WHERE id = \(bind: userID.rawValue))
              OR EXISTS (SELECT 1 FROM members WHERE id = \(bind: userID.rawValue))
              OR EXISTS (SELECT 1 FROM ai_user_plans WHERE user_id = \(bind: userID.rawValue))
            """).first() != nil
    }
}
