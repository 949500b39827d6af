import Foundation
import ScritorioAPI
import ScritorioCore
import ScritorioStore

/// What `/signup` answers: a session (autoconfirm) or a bare user (confirmation required).
enum SignUpResult: Sendable {
    case session(SessionResponse)
    case user(UserResponse)
}

extension AuthService {
    /// `POST /signup`.
    func signUp(_ body: SignUpRequest, redirectTo: String?, ip: String) async throws -> SignUpResult {
        try checkRateLimit(config.rateLimits.signup, bucket: "signup", ip: ip)
        if body.email == nil && body.phone != nil {
            throw APIError(.badRequest, .validationFailed, "Phone signups are not enabled")
        }
        let email = try normalizedEmail(body.email)
        let password = try checkNewPassword(body.password)
        let challenge = try pkceChallenge(body.code_challenge, body.code_challenge_method)
        let metadata = body.data ?? [:]
        let now = self.now()
        let hash = try await passwords.hash(password)
        let redirect = redirectTarget(redirectTo)

        enum Step: Sendable {
            case done(SignUpResult)
            case mail(MailMessage, UserID, UserResponse)
        }
        let step: Step = try await database.transaction { db in
            if let existing = try await UserRepository.find(email: email, on: db, forUpdate: true) {
                if existing.isConfirmed {
                    if config.autoconfirm {
                        throw APIError(.unprocessableContent, .userAlreadyExists, "User already registered")
                    }
                    // Answer as for a new sign-up so the endpoint does not reveal who has an account.
                    var decoy = existing
                    decoy.id = .random()
                    decoy.emailConfirmedAt = nil
                    decoy.confirmationSentAt = now
                    decoy.createdAt = now
                    decoy.updatedAt = now
                    decoy.userMetadata = metadata
                    return .done(.user(UserResponse(decoy, identities: [])))
                }
                // Unconfirmed: send the confirmation again (the stored password is kept).
                try checkMailAllowed(lastSentAt: existing.confirmationSentAt, now: now)
                let mail = try await prepareConfirmation(for: existing, challenge: challenge, redirect: redirect, now: now, on: db)
                let identities = try await UserRepository.identities(of: existing.id, on: db)
                return .mail(mail, existing.id, UserResponse(existing, identities: identities))
            }
            let user = AuthUser(
                id: .random(), email: email, encryptedPassword: hash,
                emailConfirmedAt: config.autoconfirm ? now : nil, confirmationSentAt: nil, recoverySentAt: nil,
                lastSignInAt: nil, appMetadata: AuthUser.appMetadata(providers: ["email"]), userMetadata: metadata,
                createdAt: now, updatedAt: now)
            try await UserRepository.insert(user, on: db)
            try await UserRepository.insert(
                AuthIdentity(
                    id: .random(), providerID: user.id.description, userID: user.id, provider: "email",
                    identityData: [
                        "sub": .string(user.id.description), "email": .string(email),
                        "email_verified": .bool(config.autoconfirm), "phone_verified": .bool(false),
                    ], lastSignInAt: nil, createdAt: now, updatedAt: now),
                on: db)
            try await MemberRepository.upsertProfile(
                userID: user.id, displayName: metadata["display_name"]?.stringValue, now: now, on: db)
            if config.autoconfirm {
                return .done(.session(try await startSession(for: user, method: "password", now: now, on: db)))
            }
            try checkMailAllowed(lastSentAt: nil, now: now)
            let mail = try await prepareConfirmation(for: user, challenge: challenge, redirect: redirect, now: now, on: db)
            var sent = user
            sent.confirmationSentAt = now
            return .mail(mail, user.id, UserResponse(sent, identities: try await UserRepository.identities(of: user.id, on: db)))
        }
        switch step {
        case .done(let result):
            return result
        case .mail(let mail, let userID, var response):
            try await deliver(mail)
            // Recorded only once the mail is out, so a failed send does not block an immediate retry.
            try await markSent(userID: userID, confirmation: true, at: now)
            response.confirmation_sent_at = WireDate.format(now)
            return .user(response)
        }
    }

    /// `POST /resend` (type `signup`): sends the confirmation again to an unconfirmed user.
    func resend(_ body: ResendRequest, redirectTo: String?, ip: String) async throws {
        try checkRateLimit(config.rateLimits.signup, bucket: "signup", ip: ip)
        guard let type = body.type, ["signup", "email_change"].contains(type) else {
            throw APIError.validation("Missing one of these types: signup, email_change, sms, phone_change")
        }
        let email = try normalizedEmail(body.email)
        let now = self.now()
        let redirect = redirectTarget(redirectTo)
        let mail: (MailMessage, UserID)? = try await database.transaction { db in
            guard let user = try await UserRepository.find(email: email, on: db, forUpdate: true), !user.isConfirmed else {
                return nil
            }
            try checkMailAllowed(lastSentAt: user.confirmationSentAt, now: now)
            return (try await prepareConfirmation(for: user, challenge: nil, redirect: redirect, now: now, on: db), user.id)
        }
        if let (message, userID) = mail {
            try await deliver(message)
            try await markSent(userID: userID, confirmation: true, at: now)
        }
    }

    /// `POST /recover`: answers `{}` whether or not the address has an account.
    func recover(_ body: RecoverRequest, redirectTo: String?, ip: String) async throws {
        try checkRateLimit(config.rateLimits.signup, bucket: "recover", ip: ip)
        let email = try normalizedEmail(body.email)
        let challenge = try pkceChallenge(body.code_challenge, body.code_challenge_method)
        let now = self.now()
        let redirect = redirectTarget(redirectTo)
        let mail: (MailMessage, UserID)? = try await database.transaction { db in
            guard let user = try await UserRepository.find(email: email, on: db, forUpdate: true) else { return nil }
            try checkMailAllowed(lastSentAt: user.recoverySentAt, now: now)
            let code = OneTimeCode.generate()
            let tokenHash = OneTimeCode.tokenHash(email: email, code: code)
            let flowID = try await createFlowState(challenge, method: "recovery", now: now, on: db)
            try await OneTimeTokenRepository.replace(
                StoredOneTimeToken(
                    userID: user.id, type: .recovery, tokenHash: tokenHash, relatesTo: email, flowStateID: flowID,
                    redirectTo: redirect, createdAt: now),
                on: db)
            let link = MailTemplates.link(baseURL: config.baseURL, tokenHash: tokenHash, type: "recovery", redirectTo: redirect)
            return (MailTemplates.recovery(to: email, code: code, tokenHash: tokenHash, link: link), user.id)
        }
        if let (message, userID) = mail {
            try await deliver(message)
            try await markSent(userID: userID, confirmation: false, at: now)
        }
    }

    // MARK: Helpers

    private func prepareConfirmation(
        for user: AuthUser, challenge: (String, PKCE.Method)?, redirect: String, now: Date, on db: SQLConnection
    ) async throws -> MailMessage {
        let email = user.email ?? ""
        let code = OneTimeCode.generate()
        let tokenHash = OneTimeCode.tokenHash(email: email, code: code)
        let flowID = try await createFlowState(challenge, method: "email/signup", now: now, on: db)
        try await OneTimeTokenRepository.replace(
            StoredOneTimeToken(
                userID: user.id, type: .confirmation, tokenHash: tokenHash, relatesTo: email, flowStateID: flowID,
                redirectTo: redirect, createdAt: now),
            on: db)
        let link = MailTemplates.link(baseURL: config.baseURL, tokenHash: tokenHash, type: "signup", redirectTo: redirect)
        return MailTemplates.confirmation(to: email, code: code, tokenHash: tokenHash, link: link)
    }

    private func markSent(userID: UserID, confirmation: Bool, at now: Date) async throws {
        try await database.transaction { db in
            guard var user = try await UserRepository.find(id: userID, on: db) else { return }
            if confirmation { user.confirmationSentAt = now } else { user.recoverySentAt = now }
            try await UserRepository.update(user, on: db)
        }
    }

    func pkceChallenge(_ challenge: String?, _ method: String?) throws -> (String, PKCE.Method)? {
        guard let challenge, !challenge.isEmpty else { return nil }
        guard let parsed = PKCE.method(method) else {
            throw APIError.validation("code_challenge_method must be s256 or plain")
        }
        guard (43...128).contains(challenge.count) else {
            throw APIError.validation("code_challenge must be between 43 and 128 characters")
        }
        return (challenge, parsed)
    }

    private func createFlowState(
        _ challenge: (String, PKCE.Method)?, method: String, now: Date, on db: SQLConnection
    ) async throws -> FlowStateID? {
        guard let (challenge, challengeMethod) = challenge else { return nil }
        let flow = StoredFlowState(
            id: .random(), userID: nil, authCodeHash: SecretToken.storageHash(UUID().uuidString),
            codeChallenge: challenge, codeChallengeMethod: challengeMethod.rawValue, authenticationMethod: method,
            authCodeIssuedAt: nil, createdAt: now)
        try await OneTimeTokenRepository.insert(flow, on: db)
        return flow.id
    }
}
