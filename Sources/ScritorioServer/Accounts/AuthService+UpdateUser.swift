import Foundation
import HTTPTypes
import ScritorioAPI
import ScritorioCore
import ScritorioStore

extension AuthService {
    static let reauthenticationNeeded = APIError(.badRequest, .reauthenticationNeeded, "Password update requires reauthentication")
    static let nonceInvalid = APIError(.unprocessableContent, .reauthenticationNotValid, "Nonce has expired or is invalid")

    /// `PUT /user`, in GoTrue's order: the new password's strength; `app_metadata` is the admin's; with a verified
    /// factor a password or email change needs `aal2`; an anonymous user sets a password only with an email; the
    /// new address must be free; a password change may need the reauthentication `nonce` (once the session is a
    /// day old) and must differ from the old one. `data` merges into user_metadata (null deletes a key). A new
    /// email is not applied here: it is mailed for confirmation (to both addresses with secure email change).
    func updateUser(_ identity: Identity, _ body: UpdateUserRequest, redirectTo: String?, ip: String) async throws -> UserResponse {
        try await checkRateLimit(config.rateLimits.signup, bucket: "user", ip: ip)
        let newPassword = try body.password.map { try checkNewPassword($0) }
        let newEmail = try body.email.flatMap { $0.isEmpty ? nil : try normalizedEmail($0) }
        if body.app_metadata != nil {
            throw APIError(.forbidden, .notAdmin, "Updating app_metadata requires admin privileges")
        }
        if body.phone?.isEmpty == false {
            throw APIError(.unprocessableContent, .phoneProviderDisabled, "Phone logins are disabled")
        }
        let challenge = try pkceChallenge(body.code_challenge, body.code_challenge_method)
        let now = self.now()
        let (current, session) = try await database.read { db in
            (try await currentUser(identity, on: db), try await identity.sessionID.asyncMap { try await SessionRepository.find(id: $0, on: db) })
        }
        let changesEmail = newEmail != nil && newEmail != current.email
        if newPassword != nil || changesEmail {
            let verified = try await database.read { db in try await MFARepository.factors(of: current.id, on: db) }.contains { $0.status == .verified }
            if verified, session?.aal != "aal2" || identity.aal != "aal2" {
                throw APIError(.unauthorized, .insufficientAAL, "AAL2 session is required to update email or password when MFA is enabled.")
            }
        }
        if current.isAnonymous, newPassword != nil, current.email == nil, newEmail == nil {
            throw APIError.validation("Updating password of an anonymous user without an email or phone is not allowed")
                .with(status: .unprocessableContent)
        }
        if changesEmail, let newEmail, try await database.read({ db in try await UserRepository.find(email: newEmail, on: db) }) != nil {
            throw Self.emailExists
        }
        var newHash: String?
        if let newPassword {
            let needsNonce = config.passwordChangeNeedsReauthentication && session.map { now.timeIntervalSince($0.createdAt) >= 86_400 } == true
            if needsNonce, body.nonce?.isEmpty != false { throw Self.reauthenticationNeeded }
            if let oldHash = current.encryptedPassword, try await passwords.verify(newPassword, oldHash) {
                throw APIError(.unprocessableContent, .samePassword, "New password should be different from the old password.")
            }
            if needsNonce, let nonce = body.nonce {
                // Per account too: a stolen session guessing from many addresses gets no more tries.
                try await checkRateLimit(config.rateLimits.verify, bucket: "nonce", key: "user:\(current.id)")
                try await checkNonce(nonce, of: current, now: now)
            }
            newHash = try await passwords.hash(newPassword)
        }
        let hashToStore = newHash
        let redirect = redirectTarget(redirectTo)
        let (response, mails): (UserResponse, [MailMessage]) = try await database.transaction { db in
            var user = try await currentUser(identity, on: db)
            if let data = body.data {
                user.userMetadata = user.userMetadata.mergingMetadata(data)
                if data.keys.contains("display_name") {
                    try await MemberRepository.upsertProfile(
                        userID: user.id, displayName: user.userMetadata["display_name"]?.stringValue, now: now, on: db)
                }
            }
            if let hashToStore {
                user.encryptedPassword = hashToStore
                try await SessionRepository.deleteAll(of: user.id, except: identity.sessionID, on: db)
                try await OneTimeTokenRepository.deleteAll(of: user.id, types: [.reauthentication], on: db)
            }
            var mails: [MailMessage] = []
            if changesEmail, let newEmail {
                if user.isAnonymous, config.autoconfirm {
                    try await completeEmailChange(&user, to: newEmail, now: now, on: db)
                } else {
                    mails = try await startEmailChange(&user, to: newEmail, challenge: challenge, redirect: redirect, now: now, on: db)
                }
            }
            user.updatedAt = now
            try await UserRepository.update(user, on: db)
            return (try await userResponse(user, on: db), mails)
        }
        for mail in mails { try await deliver(mail) }
        return response
    }

    /// Checks (and uses up) the reauthentication code mailed by `GET /reauthenticate`.
    func checkNonce(_ nonce: String, of user: AuthUser, now: Date) async throws {
        guard let email = user.email else {
            throw APIError(.unprocessableContent, .reauthenticationNotValid, "Reauthentication requires an email or a phone number")
        }
        let hash = OneTimeCode.tokenHash(email: email, code: nonce.trimmingCharacters(in: .whitespaces))
        let valid = try await database.transaction { db -> Bool in
            guard let token = try await OneTimeTokenRepository.find(userID: user.id, type: .reauthentication, on: db),
                constantTimeEquals(token.tokenHash, hash)
            else { return false }
            try await OneTimeTokenRepository.delete(id: token.id, on: db)
            return now.timeIntervalSince(token.createdAt) <= config.otpLifetime
        }
        guard valid else { throw Self.nonceInvalid }
    }

    /// `GET /reauthenticate`: mails a code that a password change then takes as its `nonce`.
    func reauthenticate(_ identity: Identity) async throws {
        let now = self.now()
        let (mail, userID, previous): (MailMessage, UserID, Date?) = try await database.transaction { db in
            var user = try await currentUser(identity, on: db)
            guard let email = user.email, !email.isEmpty else {
                throw APIError.validation("Reauthentication requires the user to have an email or a phone number")
            }
            guard user.isConfirmed else {
                throw APIError(.unprocessableContent, .emailNotConfirmed, "Please verify your email first.")
            }
            try await checkMailAllowed(lastSentAt: user.reauthenticationSentAt, now: now)
            let previous = user.reauthenticationSentAt
            let token = try await newToken(for: user, type: .reauthentication, address: email, redirect: "", now: now, on: db)
            user.reauthenticationSentAt = now
            try await UserRepository.update(user, on: db)
            return (MailTemplates.reauthentication(to: email, code: token.code), user.id, previous)
        }
        do {
            try await deliver(mail)
        } catch {
            try? await database.transaction { db in
                if var user = try await UserRepository.find(id: userID, on: db) {
                    user.reauthenticationSentAt = previous
                    try await UserRepository.update(user, on: db)
                }
            }
            throw error
        }
    }
}

extension Optional {
    /// `map` for an async transform.
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T?) async rethrows -> T? {
        guard let self else { return nil }
        return try await transform(self)
    }
}

extension APIError {
    /// The same error with another status.
    func with(status: HTTPResponse.Status) -> APIError {
        var copy = self
        copy.status = status
        return copy
    }
}
