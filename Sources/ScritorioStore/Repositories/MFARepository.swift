import Foundation
import SQLKit
import ScritorioCore

/// A TOTP challenge: one verify attempt window for a factor.
public struct StoredMFAChallenge: Sendable, Equatable {
    public var id: UUID
    public var factorID: UUID
    public var ip: String?
    public var verifiedAt: Date?
    public var createdAt: Date

    public init(id: UUID, factorID: UUID, ip: String?, verifiedAt: Date?, createdAt: Date) {
        self.id = id
        self.factorID = factorID
        self.ip = ip
        self.verifiedAt = verifiedAt
        self.createdAt = createdAt
    }
}

/// `auth_mfa_factors` and `auth_mfa_challenges`.
public enum MFARepository {
    static let factorColumns = """
        id, user_id, friendly_name, factor_type, status, sealed_secret, last_used_step, last_challenged_at, created_at, updated_at,
        failed_attempts, locked_until
        """

    public static func insert(_ factor: MFAFactor, on db: SQLConnection) async throws {
        try await db.sql.raw("""
            INSERT INTO auth_mfa_factors (\(unsafeRaw: factorColumns)) VALUES (\(bind: factor.id), \(bind: factor.userID.rawValue),
            \(bind: factor.friendlyName), \(bind: factor.factorType), \(bind: factor.status.rawValue), \(bind: factor.sealedSecret),
            \(bind: factor.lastUsedStep), \(bind: factor.lastChallengedAt), \(bind: factor.createdAt), \(bind: factor.updatedAt),
            \(bind: factor.failedAttempts), \(bind: factor.lockedUntil))
            """).run()
    }

    /// A user's factors, oldest first.
    public static func factors(of userID: UserID, on db: SQLConnection) async throws -> [MFAFactor] {
        try await db.sql.raw(
            "SELECT \(unsafeRaw: factorColumns) FROM auth_mfa_factors WHERE user_id = \(bind: userID.rawValue) ORDER BY created_at, id"
        ).all().map(decodeFactor)
    }

    /// The factor, only if it belongs to `userID`; locked for update when asked (verification races).
    public static func find(id: UUID, userID: UserID, on db: SQLConnection, forUpdate: Bool = false) async throws -> MFAFactor? {
        try await db.sql.raw("""
            SELECT \(unsafeRaw: factorColumns) FROM auth_mfa_factors WHERE id = \(bind: id) AND user_id = \(bind: userID.rawValue)\(unsafeRaw: forUpdate ? db.forUpdate : "")
            """).first().map(decodeFactor)
    }

    public static func update(_ factor: MFAFactor, on db: SQLConnection) async throws {
        try await db.sql.raw("""
            UPDATE auth_mfa_factors SET friendly_name = \(bind: factor.friendlyName), status = \(bind: factor.status.rawValue),
            last_used_step = \(bind: factor.lastUsedStep), last_challenged_at = \(bind: factor.lastChallengedAt),
            failed_attempts = \(bind: factor.failedAttempts), locked_until = \(bind: factor.lockedUntil),
            updated_at = \(bind: factor.updatedAt) WHERE id = \(bind: factor.id)
            """).run()
    }

    public static func delete(id: UUID, on db: SQLConnection) async throws {
        try await db.sql.raw("DELETE FROM auth_mfa_challenges WHERE factor_id = \(bind: id)").run()
        try await db.sql.raw("DELETE FROM auth_mfa_factors WHERE id = \(bind: id)").run()
    }

    public static func deleteAll(of userID: UserID, on db: SQLConnection) async throws {
        try await db.sql.raw("""
            DELETE FROM auth_mfa_challenges WHERE factor_id IN (SELECT id FROM auth_mfa_factors WHERE user_id = \(bind: userID.rawValue))
            """).run()
        try await db.sql.raw("DELETE FROM auth_mfa_factors WHERE user_id = \(bind: userID.rawValue)").run()
    }

    /// Unverified factors older than `cutoff` (abandoned enrolments), which GoTrue clears before a new enrolment.
    public static func deleteStaleUnverified(of userID: UserID, before cutoff: Date, on db: SQLConnection) async throws {
        try await db.sql.raw("""
            DELETE FROM auth_mfa_challenges WHERE factor_id IN (SELECT id FROM auth_mfa_factors WHERE user_id = \(bind: userID.rawValue)
              AND status = 'unverified' AND created_at < \(bind: cutoff))
            """).run()
        try await db.sql.raw("""
            DELETE FROM auth_mfa_factors WHERE user_id = \(bind: userID.rawValue) AND status = 'unverified' AND created_at < \(bind: cutoff)
            """).run()
    }

    static func decodeFactor(_ row: any SQLRow) throws -> MFAFactor {
        var factor = MFAFactor(
            id: try row.decode(column: "id", as: UUID.self),
            userID: UserID(try row.decode(column: "user_id", as: UUID.self)),
            friendlyName: try row.decode(column: "friendly_name", as: String?.self),
            factorType: try row.decode(column: "factor_type", as: String.self),
            status: MFAFactor.Status(rawValue: try row.decode(column: "status", as: String.self)) ?? .unverified,
            sealedSecret: try row.decode(column: "sealed_secret", as: String.self),
            lastUsedStep: try row.decode(column: "last_used_step", as: Int64?.self),
            lastChallengedAt: try row.decode(column: "last_challenged_at", as: Date?.self),
            createdAt: try row.decode(column: "created_at", as: Date.self),
            updatedAt: try row.decode(column: "updated_at", as: Date.self))
        factor.failedAttempts = try row.decode(column: "failed_attempts", as: Int.self)
        factor.lockedUntil = try row.decode(column: "locked_until", as: Date?.self)
        return factor
    }

    // MARK: Challenges

    public static func insert(_ challenge: StoredMFAChallenge, on db: SQLConnection) async throws {
        try await db.sql.raw("""
            INSERT INTO auth_mfa_challenges (id, factor_id, ip, verified_at, created_at)
            VALUES (\(bind: challenge.id), \(bind: challenge.factorID), \(bind: challenge.ip), \(bind: challenge.verifiedAt), \(bind: challenge.createdAt))
            """).run()
    }

    public static func findChallenge(id: UUID, factorID: UUID, on db: SQLConnection) async throws -> StoredMFAChallenge? {
        guard let row = try await db.sql.raw("""
            SELECT id, factor_id, ip, verified_at, created_at FROM auth_mfa_challenges
            WHERE id = \(bind: id) AND factor_id = \(bind: factorID)\(unsafeRaw: db.forUpdate)
            """).first() else { return nil }
        return StoredMFAChallenge(
            id: try row.decode(column: "id", as: UUID.self), factorID: try row.decode(column: "factor_id", as: UUID.self),
            ip: try row.decode(column: "ip", as: String?.self), verifiedAt: try row.decode(column: "verified_at", as: Date?.self),
            createdAt: try row.decode(column: "created_at", as: Date.self))
    }

    public static func deleteChallenge(id: UUID, on db: SQLConnection) async throws {
        try await db.sql.raw("DELETE FROM auth_mfa_challenges WHERE id = \(bind: id)").run()
    }
}

extension MFARepository {
    /// Marks a challenge used: a second verification against it is refused.
    public static func markVerified(challengeID: UUID, at now: Date, on db: SQLConnection) async throws {
        try await db.sql.raw("UPDATE auth_mfa_challenges SET verified_at = \(bind: now) WHERE id = \(bind: challengeID)").run()
    }
}

extension SessionRepository {
    /// The user's sessions other than `kept` still at `aal1`: ended once a factor is verified, as GoTrue does.
    public static func deleteLowAssurance(of userID: UserID, except kept: SessionID, on db: SQLConnection) async throws {
        try await db.sql.raw("""
            DELETE FROM auth_refresh_tokens WHERE session_id IN (SELECT id FROM auth_sessions WHERE user_id = \(bind: userID.rawValue)
              AND id <> \(bind: kept.rawValue) AND aal = 'aal1')
            """).run()
        try await db.sql.raw("""
            DELETE FROM auth_sessions WHERE user_id = \(bind: userID.rawValue) AND id <> \(bind: kept.rawValue) AND aal = 'aal1'
            """).run()
        SessionRevocations.record()
    }

    /// The sessions a factor raised to `aal2`.
    public static func sessions(raisedBy factorID: UUID, on db: SQLConnection) async throws -> [SessionID] {
        try await db.sql.raw("SELECT id FROM auth_sessions WHERE factor_id = \(bind: factorID)").all()
            .map { SessionID(try $0.decode(column: "id", as: UUID.self)) }
    }
}

extension SessionRepository {
    /// Forgets the session's refresh tokens (the session stays): a token issued before its level rose cannot be
    /// refreshed into the new level, not even within the reuse interval.
    public static func deleteRefreshTokens(of sessionID: SessionID, on db: SQLConnection) async throws {
        try await db.sql.raw("DELETE FROM auth_refresh_tokens WHERE session_id = \(bind: sessionID.rawValue)").run()
    }
}
