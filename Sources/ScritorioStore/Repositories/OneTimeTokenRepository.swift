import Foundation
import SQLKit
import ScritorioCore

/// An emailed one-time token: only `hex(sha224(email + otp))` is stored.
public struct StoredOneTimeToken: Sendable, Equatable {
    public var id: UUID
    public var userID: UserID
    public var type: OneTimeTokenType
    public var tokenHash: String
    public var relatesTo: String
    public var flowStateID: FlowStateID?
    public var redirectTo: String?
    public var createdAt: Date

    public init(
        id: UUID = UUID(), userID: UserID, type: OneTimeTokenType, tokenHash: String, relatesTo: String,
        flowStateID: FlowStateID?, redirectTo: String?, createdAt: Date
    ) {
        self.id = id
        self.userID = userID
        self.type = type
        self.tokenHash = tokenHash
        self.relatesTo = relatesTo
        self.flowStateID = flowStateID
        self.redirectTo = redirectTo
        self.createdAt = createdAt
    }
}

/// A PKCE flow: the challenge sent at sign-up or recovery, and the auth code handed out after verification.
public struct StoredFlowState: Sendable, Equatable {
    public var id: FlowStateID
    public var userID: UserID?
    public var authCodeHash: String
    public var codeChallenge: String
    public var codeChallengeMethod: String
    public var authenticationMethod: String
    public var authCodeIssuedAt: Date?
    public var createdAt: Date

    public init(
        id: FlowStateID, userID: UserID?, authCodeHash: String, codeChallenge: String, codeChallengeMethod: String,
        authenticationMethod: String, authCodeIssuedAt: Date?, createdAt: Date
    ) {
        self.id = id
        self.userID = userID
        self.authCodeHash = authCodeHash
        self.codeChallenge = codeChallenge
        self.codeChallengeMethod = codeChallengeMethod
        self.authenticationMethod = authenticationMethod
        self.authCodeIssuedAt = authCodeIssuedAt
        self.createdAt = createdAt
    }
}

/// `auth_one_time_tokens` and `auth_flow_states`.
public enum OneTimeTokenRepository {
    /// Replaces the user's token of this type: a new mail invalidates the previous code.
    public static func replace(_ token: StoredOneTimeToken, on db: SQLConnection) async throws {
        try await db.sql.raw(
            "DELETE FROM auth_one_time_tokens WHERE user_id = \(bind: token.userID.rawValue) AND token_type = \(bind: token.type.rawValue)"
        ).run()
        try await db.sql.raw("""
            INSERT INTO auth_one_time_tokens (id, user_id, token_type, token_hash, relates_to, flow_state_id, redirect_to, created_at)
            VALUES (\(bind: token.id), \(bind: token.userID.rawValue), \(bind: token.type.rawValue), \(bind: token.tokenHash),
            \(bind: token.relatesTo), \(bind: token.flowStateID?.rawValue), \(bind: token.redirectTo), \(bind: token.createdAt))
            """).run()
    }

    /// The token with this hash among `types`, locked for consumption.
    public static func find(hash: String, types: [OneTimeTokenType], on db: SQLConnection) async throws -> StoredOneTimeToken? {
        let rows = try await db.sql.raw("""
            SELECT id, user_id, token_type, token_hash, relates_to, flow_state_id, redirect_to, created_at
            FROM auth_one_time_tokens WHERE token_hash = \(bind: hash)\(unsafeRaw: db.forUpdate)
            """).all()
        return try rows.map(decode).first { types.contains($0.type) }
    }

    public static func delete(id: UUID, on db: SQLConnection) async throws {
        try await db.sql.raw("DELETE FROM auth_one_time_tokens WHERE id = \(bind: id)").run()
    }

    /// Removes the user's tokens of these kinds (all kinds when empty).
    public static func deleteAll(of userID: UserID, types: [OneTimeTokenType] = [], on db: SQLConnection) async throws {
        if types.isEmpty {
            try await db.sql.raw("DELETE FROM auth_one_time_tokens WHERE user_id = \(bind: userID.rawValue)").run()
            return
        }
        for type in types {
            try await db.sql.raw(
                "DELETE FROM auth_one_time_tokens WHERE user_id = \(bind: userID.rawValue) AND token_type = \(bind: type.rawValue)"
            ).run()
        }
    }

    /// The user's token of this kind, if any.
    public static func find(
        userID: UserID, type: OneTimeTokenType, on db: SQLConnection, forUpdate: Bool = true
    ) async throws -> StoredOneTimeToken? {
        try await db.sql.raw("""
            SELECT id, user_id, token_type, token_hash, relates_to, flow_state_id, redirect_to, created_at
            FROM auth_one_time_tokens WHERE user_id = \(bind: userID.rawValue) AND token_type = \(bind: type.rawValue)\(unsafeRaw: forUpdate ? db.forUpdate : "")
            """).first().map(decode)
    }

    /// Forgets the PKCE flows waiting on a user (a soft-deleted one gets no session from a code issued before).
    public static func deleteFlows(of userID: UserID, on db: SQLConnection) async throws {
        try await db.sql.raw("DELETE FROM auth_flow_states WHERE user_id = \(bind: userID.rawValue)").run()
    }

    static func decode(_ row: any SQLRow) throws -> StoredOneTimeToken {
        let type = try row.decode(column: "token_type", as: String.self)
        guard let kind = OneTimeTokenType(rawValue: type) else { throw StoreError.corruptRow("token_type \(type)") }
        return StoredOneTimeToken(
            id: try row.decode(column: "id", as: UUID.self),
            userID: UserID(try row.decode(column: "user_id", as: UUID.self)),
            type: kind,
            tokenHash: try row.decode(column: "token_hash", as: String.self),
            relatesTo: try row.decode(column: "relates_to", as: String.self),
            flowStateID: try row.decode(column: "flow_state_id", as: UUID?.self).map(FlowStateID.init),
            redirectTo: try row.decode(column: "redirect_to", as: String?.self),
            createdAt: try row.decode(column: "created_at", as: Date.self))
    }

    // MARK: Flow states

    public static func insert(_ flow: StoredFlowState, on db: SQLConnection) async throws {
        try await db.sql.raw("""
            INSERT INTO auth_flow_states (id, user_id, auth_code_hash, code_challenge, code_challenge_method,
            authentication_method, auth_code_issued_at, created_at, updated_at)
            VALUES (\(bind: flow.id.rawValue), \(bind: flow.userID?.rawValue), \(bind: flow.authCodeHash), \(bind: flow.codeChallenge),
            \(bind: flow.codeChallengeMethod), \(bind: flow.authenticationMethod), \(bind: flow.authCodeIssuedAt),
            \(bind: flow.createdAt), \(bind: flow.createdAt))
            """).run()
    }

    /// Records the auth code handed out after the email link was followed (only its hash is kept).
    public static func issueCode(
        flowID: FlowStateID, userID: UserID, authCodeHash: String, now: Date, on db: SQLConnection
    ) async throws {
        try await db.sql.raw("""
            UPDATE auth_flow_states SET user_id = \(bind: userID.rawValue), auth_code_hash = \(bind: authCodeHash),
            auth_code_issued_at = \(bind: now), updated_at = \(bind: now)
            WHERE id = \(bind: flowID.rawValue)
            """).run()
    }

    public static func findFlow(authCodeHash: String, on db: SQLConnection) async throws -> StoredFlowState? {
        try await db.sql.raw("""
            SELECT id, user_id, auth_code_hash, code_challenge, code_challenge_method, authentication_method,
            auth_code_issued_at, created_at FROM auth_flow_states WHERE auth_code_hash = \(bind: authCodeHash)\(unsafeRaw: db.forUpdate)
            """).first().map { row in
            StoredFlowState(
                id: FlowStateID(try row.decode(column: "id", as: UUID.self)),
                userID: try row.decode(column: "user_id", as: UUID?.self).map(UserID.init),
                authCodeHash: try row.decode(column: "auth_code_hash", as: String.self),
                codeChallenge: try row.decode(column: "code_challenge", as: String.self),
                codeChallengeMethod: try row.decode(column: "code_challenge_method", as: String.self),
                authenticationMethod: try row.decode(column: "authentication_method", as: String.self),
                authCodeIssuedAt: try row.decode(column: "auth_code_issued_at", as: Date?.self),
                createdAt: try row.decode(column: "created_at", as: Date.self))
        }
    }

    public static func deleteFlow(id: FlowStateID, on db: SQLConnection) async throws {
        try await db.sql.raw("DELETE FROM auth_flow_states WHERE id = \(bind: id.rawValue)").run()
    }
}
