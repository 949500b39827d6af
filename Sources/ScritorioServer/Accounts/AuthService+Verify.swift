import Foundation
import ScritorioAPI
import ScritorioCore
import ScritorioStore

/// What `POST /verify` answers: a session, or (the first of a secure email change's two confirmations) GoTrue's
/// note that the other address must confirm too.
enum VerifyOutcome: Sendable {
    case session(SessionResponse)
    case accepted
}

/// What a followed email link leads to.
enum LinkOutcome: Sendable {
    /// The first of two email-change confirmations: a message for the app, no session yet.
    case message(String, redirectTo: String)
    /// Implicit flow: the session goes into the redirect's fragment.
    case session(SessionResponse, type: String, redirectTo: String)
    /// PKCE flow: an auth code goes into the redirect's query, to be exchanged with the verifier.
    case code(String, redirectTo: String)
}

extension AuthService {
    /// `POST /verify` with `{type, token_hash}` or `{type, email, token}`: consumes the code, confirms the
    /// email, and returns a session (amr `otp`).
    func verify(_ body: VerifyRequest, ip: String) async throws -> VerifyOutcome {
        try await checkRateLimit(config.rateLimits.verify, bucket: "verify", ip: ip)
        guard let typeText = body.type, let type = VerificationType(rawValue: typeText) else {
            throw APIError.validation("Verify requires a verification type")
        }
        let hash: String
        var email: String?
        var expired = APIError.otpExpired
        if let tokenHash = body.token_hash, !tokenHash.isEmpty {
            hash = tokenHash
            expired = Self.linkExpired
        } else if let token = body.token, !token.isEmpty, let rawEmail = body.email {
            email = try normalizedEmail(rawEmail)
            try await checkEmailRateLimit(config.rateLimits.verify, bucket: "verify", email: email!)
            hash = OneTimeCode.tokenHash(email: email!, code: token.trimmingCharacters(in: .whitespaces))
        } else if let phone = body.phone, !phone.isEmpty, body.token?.isEmpty == false {
            // GoTrue has no provider check here: the number is validated, then no code matches.
            _ = try Self.validatedPhone(phone)
            throw APIError.otpExpired
        } else {
            throw APIError.validation("Verify requires either a token_hash, or an email and a token")
        }
        let now = self.now()
        let boundEmail = email
        // Consuming the code and starting the session is one transaction, so a failure cannot burn the code.
        let outcome = try await database.transaction { db -> VerifyOutcome? in
            guard let (user, token) = try await consume(hash: hash, type: type, email: boundEmail, now: now, on: db) else {
                return nil
            }
            if [.emailChangeCurrent, .emailChangeNew].contains(token.type) {
                guard let changed = try await applyEmailChangeToken(token, now: now, on: db) else { return .accepted }
                return .session(try await startSession(for: changed, method: "otp", now: now, on: db))
            }
            return .session(try await startSession(for: user, method: "otp", now: now, on: db))
        }
        // A wrong or expired code is refused after commit so that an expired row's removal sticks.
        guard let outcome else { throw expired }
        return outcome
    }

    static let linkExpired = APIError(.forbidden, .otpExpired, "Email link is invalid or has expired")

    /// `GET /verify?token&type&redirect_to`: the link in the mail.
    func followLink(tokenHash: String?, type typeText: String?, redirectTo: String?, ip: String) async throws -> LinkOutcome {
        try await checkRateLimit(config.rateLimits.verify, bucket: "verify", ip: ip)
        guard let tokenHash, !tokenHash.isEmpty, let typeText, let type = VerificationType(rawValue: typeText) else {
            throw APIError.validation("Verify requires a token and a type")
        }
        let now = self.now()
        let outcome = try await database.transaction { db -> LinkOutcome? in
            guard let (found, token) = try await consume(hash: tokenHash, type: type, email: nil, now: now, on: db) else {
                return nil
            }
            var user = found
            let redirect = redirectTarget(redirectTo ?? token.redirectTo)
            if [.emailChangeCurrent, .emailChangeNew].contains(token.type) {
                guard let changed = try await applyEmailChangeToken(token, now: now, on: db) else {
                    return .message(Self.emailChangeAccepted, redirectTo: redirect)
                }
                user = changed
            }
            if let flowID = token.flowStateID {
                let code = UUID().uuidString.lowercased()
                try await OneTimeTokenRepository.issueCode(
                    flowID: flowID, userID: user.id, authCodeHash: SecretToken.storageHash(code), now: now, on: db)
                return .code(code, redirectTo: redirect)
            }
            return .session(try await startSession(for: user, method: "otp", now: now, on: db), type: typeText, redirectTo: redirect)
        }
        guard let outcome else { throw Self.linkExpired }
        return outcome
    }

    /// `POST /token?grant_type=pkce`: exchanges the auth code from an email link for a session, checking the
    /// verifier against the challenge sent at sign-up or recovery.
    func pkceGrant(_ body: PKCEGrantRequest, ip: String) async throws -> SessionResponse {
        try await checkRateLimit(config.rateLimits.token, bucket: "token", ip: ip)
        guard let code = body.auth_code, !code.isEmpty, let verifier = body.code_verifier, !verifier.isEmpty else {
            throw APIError.validation("invalid request: both auth code and code verifier should be non-empty")
        }
        let now = self.now()
        enum Exchange: Sendable {
            case session(SessionResponse)
            case expired
        }
        let exchange = try await database.transaction { db -> Exchange in
            guard let flow = try await OneTimeTokenRepository.findFlow(authCodeHash: SecretToken.storageHash(code), on: db),
                let issuedAt = flow.authCodeIssuedAt, let userID = flow.userID
            else {
                throw APIError(.notFound, .flowStateNotFound, "invalid flow state, no valid flow state found")
            }
            guard now.timeIntervalSince(issuedAt) <= config.flowStateLifetime else {
                // Deleted in a committed transaction; the error is raised after commit.
                try await OneTimeTokenRepository.deleteFlow(id: flow.id, on: db)
                return .expired
            }
            let method = PKCE.Method(rawValue: flow.codeChallengeMethod) ?? .s256
            guard PKCE.matches(verifier: verifier, challenge: flow.codeChallenge, method: method) else {
                throw APIError(.badRequest, .badCodeVerifier, "code challenge does not match previously saved code verifier")
            }
            try await OneTimeTokenRepository.deleteFlow(id: flow.id, on: db)
            guard let user = try await UserRepository.find(id: userID, on: db), user.deletedAt == nil else { throw APIError.userNotFound }
            if user.isBanned(at: now) { throw APIError.userBanned }
            return .session(try await startSession(for: user, method: "otp", now: now, on: db))
        }
        switch exchange {
        case .session(let session): return session
        case .expired: throw APIError(.notFound, .flowStateExpired, "invalid flow state, flow state has expired")
        }
    }

    /// Finds and deletes the one-time token, applying its effect (email confirmed). `nil` when the code is
    /// unknown, for another address, or expired.
    private func consume(
        hash: String, type: VerificationType, email: String?, now: Date, on db: SQLConnection
    ) async throws -> (AuthUser, StoredOneTimeToken)? {
        guard let token = try await OneTimeTokenRepository.find(hash: hash, types: type.tokenTypes, on: db) else {
            return nil
        }
        if let email, token.relatesTo != email { return nil }
        guard now.timeIntervalSince(token.createdAt) <= config.otpLifetime else {
            try await OneTimeTokenRepository.delete(id: token.id, on: db)
            return nil
        }
        try await OneTimeTokenRepository.delete(id: token.id, on: db)
        guard var user = try await UserRepository.find(id: token.userID, on: db, forUpdate: true), user.deletedAt == nil else { return nil }
        if user.isBanned(at: now) { throw APIError.userBanned }
        // A confirmation or recovery code proves the address it was sent to: if the account's address has changed
        // since, it proves nothing about this account.
        if [.confirmation, .recovery].contains(token.type), token.relatesTo != user.email { return nil }
        // Following a confirmation or a recovery link proves the address (an email change's is applied by its caller).
        if user.emailConfirmedAt == nil, ![.emailChangeCurrent, .emailChangeNew].contains(token.type) {
            // Whoever proves the address owns the account: a password chosen by an earlier, unproven sign-up goes
            // (a recovery or magic link is the owner's way in; a confirmation keeps the password the owner just chose).
            if token.type == .recovery { user.encryptedPassword = nil }
            user.emailConfirmedAt = now
            user.updatedAt = now
            try await UserRepository.update(user, on: db)
            for var identity in try await UserRepository.identities(of: user.id, on: db) where identity.provider == "email" {
                identity.identityData["email_verified"] = .bool(true)
                identity.updatedAt = now
                try await UserRepository.updateIdentity(identity, on: db)
            }
        }
        return (user, token)
    }
}
