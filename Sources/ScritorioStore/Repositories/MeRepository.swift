import Foundation
import SQLKit
import ScritorioCore

/// Everything `GET /v1/me` shows (only the user fields it shows), read in one statement: the account (built-in
/// mode), the profile and the member. One round trip instead of three keeps the hottest authenticated read cheap.
/// (Whether the caller's session is alive was checked at the edge: `SessionRepository.liveness`.)
public struct MeSnapshot: Sendable {
    public var user: AuthUser?
    public var profile: Profile?
    public var member: Member?
}

public enum MeRepository {
    /// Built once: the statement text is the same for every request, only the binds change.
    static let columns: String = {
        let user = ["id", "email", "email_confirmed_at", "created_at", "raw_user_meta_data"].map { "u.\($0) AS u_\($0)" }
        let profile = ["id", "display_name", "created_at", "updated_at"].map { "p.\($0) AS p_\($0)" }
        let member = MemberRepository.memberColumns.map { "m.\($0) AS m_\($0)" }
        let anchor = "COALESCE(a.anchor_at, u.created_at, m.created_at) AS usage_anchor"
        return (user + profile + member + [anchor]).joined(separator: ", ")
    }()

    /// The snapshot as of `now` (the member's counters of ended periods read as zero).
    public static func load(userID: UserID, now: Date, on db: SQLConnection) async throws -> MeSnapshot {
        guard let row = try await db.sql.raw("""
            SELECT \(unsafeRaw: columns)
            FROM (SELECT \(bind: userID.rawValue) AS uid) k
            LEFT JOIN auth_users u ON u.id = k.uid
            LEFT JOIN profiles p ON p.id = k.uid
            LEFT JOIN members m ON m.id = k.uid
            LEFT JOIN ai_user_plans a ON a.user_id = k.uid
            """).first()
        else { return MeSnapshot(user: nil, profile: nil, member: nil) }

        let user = try row.decode(column: "u_id", as: UUID?.self) == nil ? nil : AuthUser(
            id: userID,
            email: try row.decode(column: "u_email", as: String?.self),
            encryptedPassword: nil,
            emailConfirmedAt: try row.decode(column: "u_email_confirmed_at", as: Date?.self),
            confirmationSentAt: nil, recoverySentAt: nil, lastSignInAt: nil,
            // Not shown by /v1/me; skipping it saves a JSON parse per request.
            appMetadata: [:],
            userMetadata: .fromJSONText(try row.decode(column: "u_raw_user_meta_data", as: String?.self)),
            createdAt: try row.decode(column: "u_created_at", as: Date.self),
            updatedAt: try row.decode(column: "u_created_at", as: Date.self))
        let profile = try row.decode(column: "p_id", as: UUID?.self) == nil ? nil : Profile(
            id: userID,
            displayName: try row.decode(column: "p_display_name", as: String?.self),
            createdAt: try row.decode(column: "p_created_at", as: Date.self),
            updatedAt: try row.decode(column: "p_updated_at", as: Date.self))
        let member = try row.decode(column: "m_id", as: UUID?.self) == nil ? nil : try MemberRepository.decodeMember(row, prefix: "m_")
        let anchor = try row.decode(column: "usage_anchor", as: Date?.self)
        let current = member.map { $0.current(in: UsagePeriods(anchor: anchor ?? $0.createdAt, now: now)) }
        return MeSnapshot(user: user, profile: profile, member: current)
    }
}
