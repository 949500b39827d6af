import Foundation
import SQLKit
import ScritorioCore

/// `auth_users` and `auth_identities` (built-in auth mode only).
public enum UserRepository {
    static let userColumns = """
        id, email, encrypted_password, email_confirmed_at, confirmation_sent_at, recovery_sent_at, last_sign_in_at,
        raw_app_meta_data, raw_user_meta_data, created_at, updated_at, banned_until, deleted_at, is_anonymous, invited_at,
        email_change, email_change_sent_at, email_change_confirm_status, reauthentication_sent_at
        """

    public static func insert(_ user: AuthUser, on db: SQLConnection) async throws {
        try await db.sql.raw("""
            INSERT INTO auth_users (\(unsafeRaw: userColumns)) VALUES (
            \(bind: user.id.rawValue), \(bind: user.email), \(bind: user.encryptedPassword), \(bind: user.emailConfirmedAt),
            \(bind: user.confirmationSentAt), \(bind: user.recoverySentAt), \(bind: user.lastSignInAt),
            \(bind: user.appMetadata.jsonText()), \(bind: user.userMetadata.jsonText()), \(bind: user.createdAt), \(bind: user.updatedAt),
            \(bind: user.bannedUntil), \(bind: user.deletedAt), \(bind: user.isAnonymous), \(bind: user.invitedAt), \(bind: user.emailChange),
            \(bind: user.emailChangeSentAt), \(bind: user.emailChangeConfirmStatus), \(bind: user.reauthenticationSentAt))
            """).run()
    }

    /// Writes every mutable field of `user`.
    public static func update(_ user: AuthUser, on db: SQLConnection) async throws {
        try await db.sql.raw("""
            UPDATE auth_users SET email = \(bind: user.email), encrypted_password = \(bind: user.encryptedPassword),
            email_confirmed_at = \(bind: user.emailConfirmedAt), confirmation_sent_at = \(bind: user.confirmationSentAt),
            recovery_sent_at = \(bind: user.recoverySentAt), last_sign_in_at = \(bind: user.lastSignInAt),
            raw_app_meta_data = \(bind: user.appMetadata.jsonText()), raw_user_meta_data = \(bind: user.userMetadata.jsonText()),
            updated_at = \(bind: user.updatedAt), banned_until = \(bind: user.bannedUntil), deleted_at = \(bind: user.deletedAt),
            is_anonymous = \(bind: user.isAnonymous), invited_at = \(bind: user.invitedAt), email_change = \(bind: user.emailChange),
            email_change_sent_at = \(bind: user.emailChangeSentAt), email_change_confirm_status = \(bind: user.emailChangeConfirmStatus),
            reauthentication_sent_at = \(bind: user.reauthenticationSentAt) WHERE id = \(bind: user.id.rawValue)
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

    /// A page of users, newest first (GoTrue's default order), optionally those whose email or metadata contains
    /// `filter`; and how many match in all.
    public static func list(
        filter: String?, ascending: Bool, limit: Int, offset: Int, on db: SQLConnection
    ) async throws -> (users: [AuthUser], total: Int) {
        let pattern = filter.map {
            "%" + $0.lowercased().replacingOccurrences(of: "!", with: "!!").replacingOccurrences(of: "%", with: "!%")
                .replacingOccurrences(of: "_", with: "!_") + "%"
        }
        let condition: SQLQueryString = pattern.map {
            "WHERE (LOWER(COALESCE(email, '')) LIKE \(bind: $0) ESCAPE '!' OR LOWER(raw_user_meta_data) LIKE \(bind: $0) ESCAPE '!')"
        } ?? ""
        let order = ascending ? "ASC" : "DESC"
        let users = try await db.sql.raw("""
            SELECT \(unsafeRaw: userColumns) FROM auth_users \(condition)
            ORDER BY created_at \(unsafeRaw: order), id \(unsafeRaw: order) LIMIT \(bind: limit) OFFSET \(bind: offset)
            """).all().map(decodeUser)
        let total = try await db.sql.raw("SELECT COUNT(*) AS n FROM auth_users \(condition)").first()?.decode(column: "n", as: Int.self) ?? 0
        return (users, total)
    }

    /// GoTrue's soft delete: the row stays (with `deleted_at`) for the records that point at it, but nothing that
    /// identifies or signs in the person does: the address and the identities' subjects become opaque hashes
    /// (freeing them), metadata and identity data are emptied, and the password, codes, sessions and factors go.
    public static func softDelete(_ user: AuthUser, now: Date, on db: SQLConnection) async throws {
        func obscure(_ text: String) -> String { OneTimeCodeHash.sha256Hex(user.id.description + text) }
        try await db.sql.raw("""
            UPDATE auth_users SET email = \(bind: obscure(user.email ?? "")), encrypted_password = NULL,
            email_change = \(bind: user.emailChange.map(obscure)), raw_app_meta_data = '{}', raw_user_meta_data = '{}',
            deleted_at = \(bind: now), updated_at = \(bind: now) WHERE id = \(bind: user.id.rawValue)
            """).run()
        for identity in try await identities(of: user.id, on: db) {
            try await db.sql.raw("""
                UPDATE auth_identities SET identity_data = '{}', provider_id = \(bind: obscure(identity.provider + ":" + identity.providerID)),
                updated_at = \(bind: now) WHERE id = \(bind: identity.id.rawValue)
                """).run()
        }
        try await db.sql.raw("DELETE FROM auth_one_time_tokens WHERE user_id = \(bind: user.id.rawValue)").run()
        try await OneTimeTokenRepository.deleteFlows(of: user.id, on: db)
        try await MFARepository.deleteAll(of: user.id, on: db)
        try await SessionRepository.deleteAll(of: user.id, except: nil, on: db)
    }

    public static func delete(id: UserID, on db: SQLConnection) async throws {
        try await db.sql.raw("DELETE FROM auth_users WHERE id = \(bind: id.rawValue)").run()
        SessionRevocations.record()
    }

    static func decodeUser(_ row: any SQLRow) throws -> AuthUser {
        var user = AuthUser(
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
        user.bannedUntil = try row.decode(column: "banned_until", as: Date?.self)
        user.deletedAt = try row.decode(column: "deleted_at", as: Date?.self)
        user.isAnonymous = try row.decode(column: "is_anonymous", as: Bool.self)
        user.invitedAt = try row.decode(column: "invited_at", as: Date?.self)
        user.emailChange = try row.decode(column: "email_change", as: String?.self)
        user.emailChangeSentAt = try row.decode(column: "email_change_sent_at", as: Date?.self)
        user.emailChangeConfirmStatus = try row.decode(column: "email_change_confirm_status", as: Int.self)
        user.reauthenticationSentAt = try row.decode(column: "reauthentication_sent_at", as: Date?.self)
        return user
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
