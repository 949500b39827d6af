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
        try await checkRateLimit(config.rateLimits.signup, bucket: "signup", ip: ip)
        if body.email?.isEmpty != false, body.phone?.isEmpty == false {
            // GoTrue with the phone provider off: the password is checked first, then the provider.
            guard body.password?.isEmpty == false else { throw APIError.validation("Signup requires a valid password") }
            _ = try checkNewPassword(body.password)
            throw APIError(.badRequest, .phoneProviderDisabled, "Phone signups are disabled")
        }
        let email = try normalizedEmail(body.email)
        try await checkEmailRateLimit(config.rateLimits.signup, bucket: "signup", email: email)
        let password = try checkNewPassword(body.password)
        let challenge = try pkceChallenge(body.code_challenge, body.code_challenge_method)
        let metadata = body.data ?? [:]
        let now = self.now()
        let hash = try await passwords.hash(password)
        let redirect = redirectTarget(redirectTo)

        enum Step: Sendable {
            case done(SignUpResult)
            case mail(MailMessage, UserID, UserResponse, previousSentAt: Date?)
        }
        let step: Step = try await retryingOnRace { try await database.transaction { db in
            if let existing = try await UserRepository.find(email: email, on: db, forUpdate: true) {
                if existing.isConfirmed {
                    if config.autoconfirm {
                        throw APIError(.unprocessableContent, .userAlreadyExists, "User already registered")
                    }
                    // Answer as for a new sign-up, built from scratch so nothing about the real account shows.
                    let decoy = AuthUser(
                        id: .random(), email: email, encryptedPassword: nil, emailConfirmedAt: nil,
                        confirmationSentAt: now, recoverySentAt: nil, lastSignInAt: nil,
                        appMetadata: AuthUser.appMetadata(providers: ["email"]), userMetadata: metadata,
                        createdAt: now, updatedAt: now)
                    return .done(.user(UserResponse(decoy, identities: [])))
                }
                // Unconfirmed: the latest sign-up wins. Its password and metadata replace what an earlier,
                // unproven sign-up stored (so whoever pre-registered someone else's address keeps no way in),
                // and a new code replaces the old one.
                try await checkMailAllowed(lastSentAt: existing.confirmationSentAt, now: now)
                var user = existing
                user.encryptedPassword = hash
                user.userMetadata = metadata
                user.confirmationSentAt = now
                user.updatedAt = now
                try await UserRepository.update(user, on: db)
                let mail = try await prepareConfirmation(for: user, challenge: challenge, redirect: redirect, now: now, on: db)
                let identities = try await UserRepository.identities(of: user.id, on: db)
                return .mail(mail, user.id, UserResponse(user, identities: identities), previousSentAt: existing.confirmationSentAt)
            }
            let user = AuthUser(
                id: .random(), email: email, encryptedPassword: hash,
                emailConfirmedAt: config.autoconfirm ? now : nil, confirmationSentAt: config.autoconfirm ? nil : now,
                recoverySentAt: nil,
                lastSignInAt: nil, appMetadata: AuthUser.appMetadata(providers: ["email"]), userMetadata: metadata,
                createdAt: now, updatedAt: now)
            try await UserRepository.insert(user, on: db)
            try await UserRepository.insert(
                AuthIdentity(
                    id: .random(), providerID: user.id.description, userID: user.id, provider: "email",
                    identityData: [
                        "sub": .string(user.id.description), "email": .string(email),
                        "email_verified": .bool(config.autoconfirm), "phone_verified": .bool(false),
                    ], lastSignInAt: now, createdAt: now, updatedAt: now),
                on: db)
            try await MemberRepository.upsertProfile(
                userID: user.id, displayName: metadata["display_name"]?.stringValue, now: now, on: db)
            if config.autoconfirm {
                return .done(.session(try await startSession(for: user, method: "password", now: now, on: db)))
            }
            try await checkMailAllowed(lastSentAt: nil, now: now)
            let mail = try await prepareConfirmation(for: user, challenge: challenge, redirect: redirect, now: now, on: db)
            return .mail(mail, user.id, UserResponse(user, identities: try await UserRepository.identities(of: user.id, on: db)), previousSentAt: nil)
        } }
        switch step {
        case .done(let result):
            return result
        case .mail(let mail, let userID, let response, let previousSentAt):
            try await deliverRecordingFailure(mail, userID: userID, confirmation: true, previousSentAt: previousSentAt)
            return .user(response)
        }
    }

    /// `POST /resend` (type `signup`): sends the confirmation again to an unconfirmed user.
    func resend(_ body: ResendRequest, redirectTo: String?, ip: String) async throws {
        try await checkRateLimit(config.rateLimits.signup, bucket: "signup", ip: ip)
        guard let type = body.type, ["signup", "email_change", "sms", "phone_change"].contains(type) else {
            throw APIError.validation("Missing one of these types: signup, email_change, sms, phone_change")
        }
        if type == "sms" || type == "phone_change" {
            guard body.phone?.isEmpty == false else { throw APIError.validation("Type provided requires a phone number") }
            throw APIError(.badRequest, .phoneProviderDisabled, "Phone logins are disabled")
        }
        guard body.email?.isEmpty == false else { throw APIError.validation("Missing email address or phone number") }
        let email = try normalizedEmail(body.email)
        let now = self.now()
        let redirect = redirectTarget(redirectTo)
        if type == "email_change" {
            return try await resendEmailChange(email: email, redirect: redirect)
        }
        let mail: (MailMessage, UserID, Date?)? = try await database.transaction { db in
            guard let user = try await UserRepository.find(email: email, on: db, forUpdate: true), !user.isConfirmed else {
                return nil
            }
            try await checkMailAllowed(lastSentAt: user.confirmationSentAt, now: now)
            try await setSentAt(userID: user.id, confirmation: true, to: now, on: db)
            return (try await prepareConfirmation(for: user, challenge: nil, redirect: redirect, now: now, on: db), user.id, user.confirmationSentAt)
        }
        if let (message, userID, previous) = mail {
            try await deliverRecordingFailure(message, userID: userID, confirmation: true, previousSentAt: previous)
        }
    }

    /// `POST /recover`: answers `{}` whether or not the address has an account.
    func recover(_ body: RecoverRequest, redirectTo: String?, ip: String) async throws {
        try await checkRateLimit(config.rateLimits.signup, bucket: "recover", ip: ip)
        let email = try normalizedEmail(body.email)
        try await checkEmailRateLimit(config.rateLimits.signup, bucket: "recover", email: email)
        let challenge = try pkceChallenge(body.code_challenge, body.code_challenge_method)
        let now = self.now()
        let redirect = redirectTarget(redirectTo)
        let mail: (MailMessage, UserID, Date?)? = try await database.transaction { db in
            guard let user = try await UserRepository.find(email: email, on: db, forUpdate: true) else { return nil }
            try await checkMailAllowed(lastSentAt: user.recoverySentAt, now: now)
            try await setSentAt(userID: user.id, confirmation: false, to: now, on: db)
            let code = OneTimeCode.generate()
            let tokenHash = OneTimeCode.tokenHash(email: email, code: code)
            let flowID = try await createFlowState(challenge, method: "recovery", now: now, on: db)
            try await OneTimeTokenRepository.replace(
                StoredOneTimeToken(
                    userID: user.id, type: .recovery, tokenHash: tokenHash, relatesTo: email, flowStateID: flowID,
                    redirectTo: redirect, createdAt: now),
                on: db)
            let link = MailTemplates.link(baseURL: config.baseURL, tokenHash: tokenHash, type: "recovery", redirectTo: redirect)
            return (MailTemplates.recovery(to: email, code: code, tokenHash: tokenHash, link: link), user.id, user.recoverySentAt)
        }
        if let (message, userID, previous) = mail {
            try await deliverRecordingFailure(message, userID: userID, confirmation: false, previousSentAt: previous)
        }
    }

    // MARK: Helpers

    func prepareConfirmation(
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

    /// The send time is recorded in the transaction that stores the code, so parallel requests cannot all pass
    /// the resend interval; a failed delivery puts the previous time back so an immediate retry is allowed.
    private func setSentAt(userID: UserID, confirmation: Bool, to date: Date?, on db: SQLConnection) async throws {
        try await UserRepository.setMailSentAt(id: userID, confirmation: confirmation, to: date, on: db)
    }

    func deliverRecordingFailure(_ message: MailMessage, userID: UserID, confirmation: Bool, previousSentAt: Date?) async throws {
        do {
            try await deliver(message)
        } catch {
            try? await database.transaction { db in
                try await setSentAt(userID: userID, confirmation: confirmation, to: previousSentAt, on: db)
            }
            throw error
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

    func createFlowState(
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
