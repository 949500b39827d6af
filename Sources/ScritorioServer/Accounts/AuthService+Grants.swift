import Foundation
import ScritorioAPI
import ScritorioCore
import ScritorioStore

extension AuthService {
    /// `POST /token?grant_type=password`. The password is checked before confirmation, as GoTrue does, so an
    /// unconfirmed account with a wrong password still reads `invalid_credentials`.
    func passwordGrant(_ body: PasswordGrantRequest, ip: String) async throws -> SessionResponse {
        try await checkRateLimit(config.rateLimits.token, bucket: "token", ip: ip)
        if body.email?.isEmpty != false, body.phone?.isEmpty == false {
            throw APIError(.unprocessableContent, .phoneProviderDisabled, "Phone logins are disabled")
        }
        guard body.email?.isEmpty == false else { throw APIError.validation("missing email or phone") }
        guard let password = body.password, !password.isEmpty else {
            throw APIError.validation("Password is required to sign in")
        }
        guard let email = EmailAddress.normalize(body.email ?? "") else { throw APIError.invalidCredentials }
        // Guessing stays expensive without letting a stranger lock the owner out: one client (address) guessing
        // one account is refused once its own bucket is empty; the account's failures from every address only slow
        // its sign-ins down (`SignInThrottle`), so the right password from a new client still signs in.
        try await checkRateLimit(config.rateLimits.token, bucket: "token", key: "email-ip:\(email):\(ip)")
        try await signInThrottle.wait(email: email)
        let user = try await database.read { db in try await UserRepository.find(email: email, on: db) }
        guard let user, user.deletedAt == nil, let hash = user.encryptedPassword else {
            _ = try await passwords.verify(password, PasswordHasher.decoyHash)
            try await signInThrottle.failed(email: email)
            throw APIError.invalidCredentials
        }
        // GoTrue answers a ban before it checks the password.
        if user.isBanned(at: now()) { throw APIError(.badRequest, .userBanned, "User is banned") }
        guard try await passwords.verify(password, hash) else {
            try await signInThrottle.failed(email: email)
            throw APIError.invalidCredentials
        }
        guard user.isConfirmed else { throw APIError.emailNotConfirmed }
        // A correct but weak password still signs in, with a note so the app can ask for a better one.
        let weak: WeakPasswordInfo? = policy.check(password) == nil
            ? nil
            : WeakPasswordInfo(message: "Password should be at least \(policy.minimumLength) characters.", reasons: ["length"])
        let now = self.now()
        return try await database.transaction { db in
            try await startSession(for: user, method: "password", now: now, on: db, weakPassword: weak)
        }
    }

    /// `POST /token?grant_type=refresh_token`: rotation with reuse detection (see `RefreshDecision`).
    func refreshGrant(_ body: RefreshGrantRequest, ip: String) async throws -> SessionResponse {
        try await checkRateLimit(config.rateLimits.token, bucket: "token", ip: ip)
        guard let presented = body.refresh_token, !presented.isEmpty else {
            throw APIError.validation("refresh_token required")
        }
        guard presented.count <= 256 else { throw APIError.refreshTokenNotFound }
        let now = self.now()
        enum Outcome: Sendable {
            case session(SessionResponse)
            case reused
        }
        // The family revocation must be committed even though the request fails, so the transaction returns
        // the outcome and the error is thrown after commit.
        let outcome: Outcome = try await database.transaction { db in
            guard let stored = try await SessionRepository.findRefreshToken(presented, on: db) else {
                throw APIError.refreshTokenNotFound
            }
            // Lock the session too (GoTrue does): a family revocation and a rotation of the active token must not
            // interleave, or the rotation's new child would escape the revocation.
            guard let session = try await SessionRepository.find(id: stored.sessionID, on: db, forUpdate: true) else {
                throw APIError(.badRequest, .sessionNotFound, "Invalid Refresh Token: No Valid Session Found")
            }
            guard let user = try await UserRepository.find(id: stored.userID, on: db), user.deletedAt == nil else {
                throw APIError.refreshTokenNotFound
            }
            if user.isBanned(at: now) { throw APIError(.badRequest, .userBanned, "Invalid Refresh Token: User Banned") }
            let active = stored.revoked ? try await SessionRepository.activeToken(of: session.id, on: db) : nil
            let decision = RefreshDecision.decide(
                for: PresentedRefreshToken(
                    token: stored.token, revoked: stored.revoked, updatedAt: stored.updatedAt,
                    activeToken: active?.token, activeTokenParent: active?.parent),
                now: now, reuseInterval: config.refreshReuseInterval)
            let next: String
            switch decision {
            case .revokeFamily:
                try await SessionRepository.revokeFamily(sessionID: session.id, now: now, on: db)
                logger.warning("refresh token reused outside the reuse interval; session tokens revoked",
                               metadata: ["session_id": "\(session.id)"])
                return .reused
            case .returnActiveChild(let child):
                next = child
            case .rotate, .issueNewChild:
                next = Self.newRefreshToken()
                if !stored.revoked { try await SessionRepository.revokeRefreshToken(presented, now: now, on: db) }
                try await SessionRepository.insertRefreshToken(
                    token: next, parent: presented, userID: user.id, sessionID: session.id, now: now, on: db)
            }
            try await SessionRepository.touch(id: session.id, now: now, on: db)
            return .session(try await sessionResponse(user: user, session: session, refreshToken: next, now: now, on: db))
        }
        switch outcome {
        case .session(let session): return session
        case .reused: throw APIError.refreshTokenAlreadyUsed
        }
    }
}
