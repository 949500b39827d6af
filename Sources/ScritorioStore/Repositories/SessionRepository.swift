import Foundation
import SQLKit
import ScritorioCore

/// A stored refresh token. Kept as GoTrue keeps it (the opaque token itself), because a concurrent refresh
/// within the reuse interval must be handed the very same active child token.
public struct StoredRefreshToken: Sendable, Equatable {
    public var token: String
    public var parent: String?
    public var userID: UserID
    public var sessionID: SessionID
    public var revoked: Bool
    public var createdAt: Date
    public var updatedAt: Date
}

/// `auth_sessions` and `auth_refresh_tokens`.
public enum SessionRepository {
    public static func insert(_ session: AuthSession, on db: SQLConnection) async throws {
        let amr = String(decoding: try JSONEncoder().encode(session.amr), as: UTF8.self)
        try await db.sql.raw("""
            INSERT INTO auth_sessions (id, user_id, aal, amr, created_at, updated_at, refreshed_at)
            VALUES (\(bind: session.id.rawValue), \(bind: session.userID.rawValue), \(bind: session.aal), \(bind: amr),
            \(bind: session.createdAt), \(bind: session.updatedAt), \(bind: session.createdAt))
            """).run()
    }

    public static func find(id: SessionID, on db: SQLConnection, forUpdate: Bool = false) async throws -> AuthSession? {
        guard let row = try await db.sql.raw(
            "SELECT id, user_id, aal, factor_id, amr, created_at, updated_at FROM auth_sessions WHERE id = \(bind: id.rawValue)\(unsafeRaw: forUpdate ? db.forUpdate : "")"
        ).first() else { return nil }
        let amrText = try row.decode(column: "amr", as: String.self)
        var session = AuthSession(
            id: SessionID(try row.decode(column: "id", as: UUID.self)),
            userID: UserID(try row.decode(column: "user_id", as: UUID.self)),
            amr: (try? JSONDecoder().decode([AuthenticationMethod].self, from: Data(amrText.utf8))) ?? [],
            createdAt: try row.decode(column: "created_at", as: Date.self),
            updatedAt: try row.decode(column: "updated_at", as: Date.self))
        session.aal = try row.decode(column: "aal", as: String.self)
        session.factorID = try row.decode(column: "factor_id", as: UUID?.self)
        return session
    }

    /// Whether the session exists and belongs to `userID` (the per-request check behind `session_not_found`).
    public static func exists(id: SessionID, userID: UserID, on db: SQLConnection) async throws -> Bool {
        try await db.sql.raw(
            "SELECT 1 AS one FROM auth_sessions WHERE id = \(bind: id.rawValue) AND user_id = \(bind: userID.rawValue)"
        ).first() != nil
    }

    /// Whether the user (a soft-deleted one too: its sessions are gone) and, when given, their session still exist, and whether the user is
    /// banned at `now`, in one statement: the check every authenticated request makes in built-in mode.
    public static func liveness(
        userID: UserID, sessionID: SessionID?, now: Date, on db: SQLConnection
    ) async throws -> (user: Bool, session: Bool, banned: Bool) {
        let session = sessionID?.rawValue ?? UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))
        guard let row = try await db.sql.raw("""
            SELECT (SELECT COUNT(*) FROM auth_users u WHERE u.id = \(bind: userID.rawValue)) AS users,
            (SELECT COUNT(*) FROM auth_users u WHERE u.id = \(bind: userID.rawValue) AND u.banned_until > \(bind: now)) AS banned,
            (SELECT COUNT(*) FROM auth_sessions s WHERE s.id = \(bind: session) AND s.user_id = \(bind: userID.rawValue)) AS sessions
            """).first()
        else { return (false, false, false) }
        return (
            try row.decode(column: "users", as: Int.self) > 0, try row.decode(column: "sessions", as: Int.self) > 0,
            try row.decode(column: "banned", as: Int.self) > 0)
    }

    public static func touch(id: SessionID, now: Date, on db: SQLConnection) async throws {
        try await db.sql.raw(
            "UPDATE auth_sessions SET refreshed_at = \(bind: now), updated_at = \(bind: now) WHERE id = \(bind: id.rawValue)"
        ).run()
    }

    /// Ends one session (its refresh tokens go with it).
    public static func delete(id: SessionID, on db: SQLConnection) async throws {
        try await db.sql.raw("DELETE FROM auth_refresh_tokens WHERE session_id = \(bind: id.rawValue)").run()
        try await db.sql.raw("DELETE FROM auth_sessions WHERE id = \(bind: id.rawValue)").run()
        SessionRevocations.record()
    }

    /// Ends all of a user's sessions, optionally keeping one.
    public static func deleteAll(of userID: UserID, except kept: SessionID?, on db: SQLConnection) async throws {
        let keep = kept?.rawValue ?? UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))
        try await db.sql.raw(
            "DELETE FROM auth_refresh_tokens WHERE user_id = \(bind: userID.rawValue) AND session_id <> \(bind: keep)"
        ).run()
        try await db.sql.raw(
            "DELETE FROM auth_sessions WHERE user_id = \(bind: userID.rawValue) AND id <> \(bind: keep)"
        ).run()
        SessionRevocations.record()
    }

    public static func count(of userID: UserID, on db: SQLConnection) async throws -> Int {
        let row = try await db.sql.raw(
            "SELECT COUNT(*) AS n FROM auth_sessions WHERE user_id = \(bind: userID.rawValue)"
        ).first()
        return try row?.decode(column: "n", as: Int.self) ?? 0
    }

    // MARK: Refresh tokens

    public static func insertRefreshToken(
        token: String, parent: String?, userID: UserID, sessionID: SessionID, now: Date, on db: SQLConnection
    ) async throws {
        try await db.sql.raw("""
            INSERT INTO auth_refresh_tokens (token, parent, user_id, session_id, revoked, created_at, updated_at)
            VALUES (\(bind: token), \(bind: parent), \(bind: userID.rawValue), \(bind: sessionID.rawValue), \(bind: false), \(bind: now), \(bind: now))
            """).run()
    }

    /// Finds a token, locking its row on PostgreSQL so concurrent refreshes of one token queue up.
    public static func findRefreshToken(_ token: String, on db: SQLConnection) async throws -> StoredRefreshToken? {
        try await db.sql.raw("""
            SELECT token, parent, user_id, session_id, revoked, created_at, updated_at
            FROM auth_refresh_tokens WHERE token = \(bind: token)\(unsafeRaw: db.forUpdate)
            """).first().map(decodeToken)
    }

    /// The session's currently active token: its newest unrevoked one.
    public static func activeToken(of sessionID: SessionID, on db: SQLConnection) async throws -> StoredRefreshToken? {
        try await db.sql.raw("""
            SELECT token, parent, user_id, session_id, revoked, created_at, updated_at
            FROM auth_refresh_tokens WHERE session_id = \(bind: sessionID.rawValue) AND revoked = \(bind: false)
            ORDER BY id DESC LIMIT 1
            """).first().map(decodeToken)
    }

    public static func revokeRefreshToken(_ token: String, now: Date, on db: SQLConnection) async throws {
        try await db.sql.raw(
            "UPDATE auth_refresh_tokens SET revoked = \(bind: true), updated_at = \(bind: now) WHERE token = \(bind: token)"
        ).run()
    }

    /// Revokes every token of a session: the response to a reused token outside the reuse interval.
    public static func revokeFamily(sessionID: SessionID, now: Date, on db: SQLConnection) async throws {
        try await db.sql.raw("""
            UPDATE auth_refresh_tokens SET revoked = \(bind: true), updated_at = \(bind: now)
            WHERE session_id = \(bind: sessionID.rawValue) AND revoked = \(bind: false)
            """).run()
    }

    static func decodeToken(_ row: any SQLRow) throws -> StoredRefreshToken {
        StoredRefreshToken(
            token: try row.decode(column: "token", as: String.self),
            parent: try row.decode(column: "parent", as: String?.self),
            userID: UserID(try row.decode(column: "user_id", as: UUID.self)),
            sessionID: SessionID(try row.decode(column: "session_id", as: UUID.self)),
            revoked: try row.decode(column: "revoked", as: Bool.self),
            createdAt: try row.decode(column: "created_at", as: Date.self),
            updatedAt: try row.decode(column: "updated_at", as: Date.self))
    }
}

extension SessionRepository {
    /// A session's assurance level and methods: raised to `aal2` by a verified factor, lowered when it goes.
    public static func setAssurance(
        id: SessionID, aal: String, factorID: UUID?, amr: [AuthenticationMethod], now: Date, on db: SQLConnection
    ) async throws {
        let amrText = String(decoding: try JSONEncoder().encode(amr), as: UTF8.self)
        try await db.sql.raw("""
            UPDATE auth_sessions SET aal = \(bind: aal), factor_id = \(bind: factorID), amr = \(bind: amrText), updated_at = \(bind: now)
            WHERE id = \(bind: id.rawValue)
            """).run()
    }

}
